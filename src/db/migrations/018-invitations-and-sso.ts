/**
 * Migration 018: invitation links and single sign-on. An invitation is a one-time link to set a password, known by the
 * SHA-256 of its token (the link holds the token itself); an SSO attempt holds, for ten minutes, what the provider's
 * answer must match (state, nonce, PKCE verifier), known by the SHA-256 of the browser's binding cookie.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table if not exists invitations (
    id integer generated always as identity primary key,
    token_hash text not null unique,
    person_id integer not null references people(id) on delete cascade,
    created_by text not null,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    used_at timestamptz)`.execute(db);
  await sql`create index if not exists invitations_person_idx on invitations (person_id)`.execute(db);
  await sql`create table if not exists sso_attempts (
    id integer generated always as identity primary key,
    binding_hash text not null unique,
    state text not null,
    nonce text not null,
    code_verifier text not null,
    return_to text not null,
    expires_at timestamptz not null)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists sso_attempts`.execute(db);
  await sql`drop table if exists invitations`.execute(db);
}
