/**
 * Migration 009: the status each finding had when an exception accepted it (open, or in progress with someone on it),
 * so that when the exception ends the finding returns as it was instead of always as open.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table exception_findings add column if not exists status_before text check (status_before in ('open', 'in_progress'))`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table exception_findings drop column status_before`.execute(db);
}
