/** The roles a person or a token acts in. The database stores these words (db/schema.ts takes its column types from here). */
export type Role = 'admin' | 'security' | 'engineer' | 'manager' | 'auditor';
