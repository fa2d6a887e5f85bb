/**
 * Migration 021: each person's own time zone for their digest time and quiet hours. A person in Singapore whose
 * organisation's policy says Europe/Paris reads "08:00" on their own clock; null keeps the organisation's zone (the
 * policy's `time_zone`), which is what every row written before this migration means.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table notification_schedules add column if not exists time_zone text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table notification_schedules drop column if exists time_zone`.execute(db);
}
