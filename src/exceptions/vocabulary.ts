/** An exception's status through its life. The database stores these words (db/schema.ts takes its column types from here). */
export type ExceptionStatus = 'requested' | 'approved' | 'declined' | 'expired' | 'lapsed' | 'revoked';
