/** A commitment's state and what it was made for. The database stores these words (db/schema.ts takes its column types from here). */
export type CommitmentState = 'open' | 'verified' | 'missed' | 'released';
export type CommitmentSourceType = 'gate' | 'change' | 'exception' | 'review';
