/**
 * Migration 012: people sign in to the web app. A password per person (an scrypt hash with its salt and parameters) and
 * sign-in sessions, each known by the SHA-256 of its random id (the cookie holds the id itself), with an idle and a
 * hard end.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table if not exists person_passwords (
    person_id integer primary key references people(id) on delete cascade,
    hash text not null,
    set_at timestamptz not null)`.execute(db);
  await sql`create table if not exists sessions (
    id integer generated always as identity primary key,
    id_hash text not null unique,
    person_id integer not null references people(id) on delete cascade,
    created_at timestamptz not null,
    last_seen_at timestamptz not null,
    expires_at timestamptz not null)`.execute(db);
  await sql`create index if not exists sessions_person_idx on sessions (person_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists sessions`.execute(db);
  await sql`drop table if exists person_passwords`.execute(db);
}
