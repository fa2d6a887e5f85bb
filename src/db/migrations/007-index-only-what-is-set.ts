/**
 * Migration 007: indexes an import does not have to write. Every new finding paid for an entry in the assignee index
 * (always empty on import) and in the alias and CWE GIN indexes even when it has none (GIN keeps a placeholder entry
 * for an empty array). They now cover only findings that have a value; the list's CVE and CWE filters say so in their
 * queries (src/findings/query.ts), which is what lets PostgreSQL use the partial indexes.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index findings_assignee_idx`.execute(db);
  await sql`create index findings_assignee_idx on findings (assignee_id) where assignee_id is not null`.execute(db);
  await sql`drop index findings_aliases_idx`.execute(db);
  await sql`create index findings_aliases_idx on findings using gin (aliases) where aliases <> '{}'`.execute(db);
  await sql`drop index findings_cwes_idx`.execute(db);
  await sql`create index findings_cwes_idx on findings using gin (cwes) where cwes <> '{}'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index findings_cwes_idx`.execute(db);
  await sql`create index findings_cwes_idx on findings using gin (cwes)`.execute(db);
  await sql`drop index findings_aliases_idx`.execute(db);
  await sql`create index findings_aliases_idx on findings using gin (aliases)`.execute(db);
  await sql`drop index findings_assignee_idx`.execute(db);
  await sql`create index findings_assignee_idx on findings (assignee_id)`.execute(db);
}
