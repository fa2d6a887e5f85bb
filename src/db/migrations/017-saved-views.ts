/**
 * Migration 017: saved views of the Findings list, per team: a name and the list's filter as the address holds it
 * (a query string), so a team shares "our criticals on checkout" by name rather than by pasting links.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table if not exists saved_views (
    id integer generated always as identity primary key,
    team_id integer not null references teams(id) on delete cascade,
    name text not null,
    query text not null,
    created_by text not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    unique (team_id, name))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists saved_views`.execute(db);
}
