/** A finding's status and its priority (the SSVC-style decision), as people and the database name them. The database stores these words (db/schema.ts takes its column types from here). */
export type FindingStatus = 'open' | 'in_progress' | 'fixed' | 'false_positive' | 'accepted';
export type Priority = 'act' | 'attend' | 'track*' | 'track';
