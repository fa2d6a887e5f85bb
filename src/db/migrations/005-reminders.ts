/**
 * Migration 005: which due date a finding's reminders were sent for. A reminder is due when the finding's current
 * due date differs from the one last reminded about, so a new due date (a reopened finding, a rising priority)
 * re-arms its reminders without anyone resetting them.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table findings add column reminded_due_at timestamptz, add column reminded_overdue_at timestamptz`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table findings drop column reminded_due_at, drop column reminded_overdue_at`.execute(db);
}
