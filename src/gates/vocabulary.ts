/** What a gate decides. The database stores these words (db/schema.ts takes its column types from here). */
export type GateOutcome = 'go' | 'go_with_controls' | 'no_go';
