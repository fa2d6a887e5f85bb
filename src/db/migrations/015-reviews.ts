/**
 * Migration 015: review meetings. A review is one meeting of a scope (a team, or the whole organisation) on a cadence,
 * with the period its agenda covers and a snapshot of that agenda as it was generated (later data does not rewrite
 * what the meeting saw). Closing it records who came, what was decided and the action items, each of which becomes a
 * commitment (source_type 'review').
 */
import { sql, type Kysely } from 'kysely';

const statements = [
  `create table if not exists reviews (
    id integer generated always as identity primary key,
    scope text not null check (scope in ('team', 'org')),
    team_id integer references teams(id),
    cadence text not null check (cadence in ('weekly', 'monthly')),
    period_from timestamptz not null,
    period_to timestamptz not null,
    next_at timestamptz not null,
    agenda jsonb not null,
    created_by text not null,
    created_at timestamptz not null,
    closed_at timestamptz,
    closed_by text,
    check ((scope = 'team') = (team_id is not null)))`,
  // The last review of a scope (the next one's period starts where it ended).
  `create index if not exists reviews_scope_idx on reviews (scope, team_id, created_at desc, id desc)`,
  `create table if not exists review_attendees (
    review_id integer not null references reviews(id) on delete cascade,
    name text not null,
    primary key (review_id, name))`,
  `create table if not exists review_decisions (
    id integer generated always as identity primary key,
    review_id integer not null references reviews(id) on delete cascade,
    text text not null,
    created_by text not null,
    created_at timestamptz not null)`,
  `create index if not exists review_decisions_review_idx on review_decisions (review_id, id)`,
  `create table if not exists review_actions (
    id integer generated always as identity primary key,
    review_id integer not null references reviews(id) on delete cascade,
    title text not null,
    owner_team_id integer not null references teams(id),
    due_at timestamptz not null,
    commitment_id integer references commitments(id),
    created_by text not null,
    created_at timestamptz not null)`,
  `create index if not exists review_actions_review_idx on review_actions (review_id, id)`,
  // Wins read what was fixed in a period: without this, a team's agenda over a million findings reads all its fixed ones.
  `create index if not exists findings_fixed_idx on findings (owner_team_id, fixed_at) where status = 'fixed'`,
  `create index if not exists findings_fixed_at_idx on findings (fixed_at) where status = 'fixed'`,
  // What is new for a team in a period, and its open findings in the KEV catalogue (few, among many).
  `create index if not exists findings_team_new_idx on findings (owner_team_id, first_seen_at) where status in ('open', 'in_progress')`,
  `create index if not exists findings_open_kev_idx on findings (owner_team_id) where kev and status in ('open', 'in_progress')`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['findings_open_kev_idx', 'findings_team_new_idx', 'findings_fixed_at_idx', 'findings_fixed_idx'])
    await sql.raw(`drop index if exists ${t}`).execute(db);
  for (const t of ['review_actions', 'review_decisions', 'review_attendees', 'reviews'])
    await sql.raw(`drop table if exists ${t}`).execute(db);
}
