/** Keeps the planner's statistics in step with bulk imports. */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';

/** Rows an import must have written or changed before its tables are analysed. Autovacuum analyses a table only after a
 * tenth of it changed, and not at once; until then a bulk-loaded table has no statistics and the planner guesses: with
 * 100,000 findings, lists answered at a third of their speed before an ANALYZE. Below this, a few rows do not move them. */
export const analyzeAfterRows = 1000;

/** ANALYZE findings and their sources after an import that wrote or changed many of them, outside its transaction (so
 * the sampling holds no lock the import's writes need). Sampling reads at most 30,000 pages' rows: fractions of a second
 * even at a million findings. */
export async function analyzeAfterImport(
  db: Kysely<DB>,
  summary: { created: number; fixed: number; reopened: number; closedInReport: number },
): Promise<boolean> {
  const changed = summary.created + summary.fixed + summary.reopened + summary.closedInReport;
  if (changed < analyzeAfterRows) return false;
  await sql`analyze findings, finding_sources`.execute(db);
  return true;
}
