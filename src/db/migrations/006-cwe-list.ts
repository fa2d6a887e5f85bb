/**
 * Migration 006: the open-work list filtered by one CWE, in priority order, without fetching every match. The GIN
 * index on `cwes` finds a common CWE's ~20,000 rows in a million, and all of them had to be read and sorted for a page
 * of 100. A finding's CWE is its first (almost always its only one) or one of the rest, so the list reads two ordered
 * sources (src/findings/query.ts): a btree on (first CWE, priority order) walked in order, and a GIN index on the
 * remaining CWEs of the few findings that have several.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index findings_open_first_cwe_idx on findings ((cwes[1]), priority_rank, due_at, id)
    where status in ('open', 'in_progress')`.execute(db);
  await sql`create index findings_open_other_cwes_idx on findings using gin ((cwes[2:]))
    where status in ('open', 'in_progress') and cardinality(cwes) > 1`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index findings_open_other_cwes_idx`.execute(db);
  await sql`drop index findings_open_first_cwe_idx`.execute(db);
}
