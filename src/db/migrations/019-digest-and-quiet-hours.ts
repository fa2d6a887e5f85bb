/**
 * Migration 019: the daily digest, digest times and quiet hours. An event a person chose to read in their digest is an
 * outbox row on the `digest` channel, written with the event as any other; the daily job gathers a person's rows into
 * one e-mail (a row of its own) and marks them `digested`, pointing at it. Each person's digest time and quiet hours
 * live in notification_schedules (no row: 08:00, no quiet hours); goal_alerts keeps each goal's last forecast, so the
 * daily job notices when one turns at risk.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table notifications drop constraint if exists notifications_status_check`.execute(db);
  await sql`alter table notifications add constraint notifications_status_check check (status in ('pending', 'sending', 'sent', 'failed', 'digested'))`.execute(
    db,
  );
  // Deferred: a row points at a digest written after it (a higher id), and a restore loads rows in id order.
  await sql`alter table notifications add column if not exists digest_id integer references notifications(id) on delete set null deferrable initially deferred`.execute(
    db,
  );
  await sql`create index if not exists notifications_digest_idx on notifications (digest_id) where digest_id is not null`.execute(
    db,
  );
  // The digest job's scan: rows still waiting for a person's digest.
  await sql`create index if not exists notifications_digest_wait_idx on notifications (person_id) where channel = 'digest' and status = 'pending'`.execute(
    db,
  );
  await sql`create table if not exists notification_schedules (
    person_id integer primary key references people(id) on delete cascade,
    digest_time text not null default '08:00',
    quiet_from text,
    quiet_to text,
    updated_at timestamptz not null,
    check ((quiet_from is null) = (quiet_to is null)))`.execute(db);
  await sql`create table if not exists goal_alerts (
    goal_id integer primary key references goals(id) on delete cascade,
    state text not null,
    changed_at timestamptz not null)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists goal_alerts`.execute(db);
  await sql`drop table if exists notification_schedules`.execute(db);
  await sql`drop index if exists notifications_digest_wait_idx`.execute(db);
  await sql`drop index if exists notifications_digest_idx`.execute(db);
  await sql`alter table notifications drop column if exists digest_id`.execute(db);
  await sql`delete from notifications where status = 'digested'`.execute(db);
  await sql`alter table notifications drop constraint if exists notifications_status_check`.execute(db);
  await sql`alter table notifications add constraint notifications_status_check check (status in ('pending', 'sending', 'sent', 'failed'))`.execute(
    db,
  );
}
