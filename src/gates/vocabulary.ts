/** What a gate decides. The database stores these words (db/schema.ts takes its column types from here). */
export type GateOutcome = 'go' | 'go_with_controls' | 'no_go';

/** The exit code of `entente gate` for each outcome (README, "Release gates"); the API reports the same number. */
export const exitCodeOf: Readonly<Record<GateOutcome, number>> = { go: 0, go_with_controls: 10, no_go: 1 };
