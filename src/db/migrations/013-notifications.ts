/**
 * Migration 013: the notification outbox and people's notification preferences. One outbox row per event × person ×
 * channel, rendered when the event happens (in its transaction) and sent later by the delivery job; the idempotency
 * key is unique, so an event written twice is stored once.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table if not exists notifications (
    id integer generated always as identity primary key,
    idempotency_key text not null unique,
    event text not null,
    person_id integer references people(id) on delete set null,
    recipient_email text,
    recipient_name text,
    channel text not null,
    status text not null default 'pending' check (status in ('pending', 'sending', 'sent', 'failed')),
    attempts integer not null default 0,
    next_attempt_at timestamptz not null,
    claimed_at timestamptz,
    last_error text,
    sent_at timestamptz,
    external_id text,
    subject text not null,
    body_text text not null,
    body_html text not null,
    link text,
    facts jsonb not null default '{}',
    entity text,
    entity_id text,
    created_at timestamptz not null)`.execute(db);
  // The delivery job's scan: only rows still to send are indexed.
  await sql`create index if not exists notifications_due_idx on notifications (next_attempt_at) where status in ('pending', 'sending')`.execute(
    db,
  );
  await sql`create index if not exists notifications_person_idx on notifications (person_id) where person_id is not null`.execute(
    db,
  );
  await sql`create index if not exists notifications_created_idx on notifications (created_at, id)`.execute(db);
  await sql`create table if not exists notification_prefs (
    person_id integer not null references people(id) on delete cascade,
    event text not null,
    channel text not null,
    updated_at timestamptz not null,
    primary key (person_id, event))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists notification_prefs`.execute(db);
  await sql`drop table if exists notifications`.execute(db);
}
