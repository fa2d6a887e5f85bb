/**
 * Migration 014: the shared scorecard and joint goals. Daily snapshots of open findings per day × team × service ×
 * priority (with the day's arrivals, closures and overdue count), the days written so far, the goals, and the most
 * urgent priority a finding ever had (kept by a trigger when a priority is lowered, for the "crying wolf" rate).
 * Written to run again harmlessly.
 */
import { sql, type Kysely } from 'kysely';

const statements = [
  `create table if not exists finding_snapshots (
    day date not null,
    team_id integer not null,
    service_id integer not null,
    priority text not null,
    open_count integer not null,
    arrivals integer not null,
    closures integer not null,
    overdue integer not null,
    primary key (day, team_id, service_id, priority))`,
  'create index if not exists finding_snapshots_team_idx on finding_snapshots (team_id, day)',
  'create index if not exists finding_snapshots_service_idx on finding_snapshots (service_id, day)',
  `create table if not exists finding_snapshot_days (
    day date primary key,
    written_at timestamptz not null)`,
  `create table if not exists goals (
    id integer generated always as identity primary key,
    metric text not null,
    scope_team_id integer references teams(id),
    owner_team_ids integer[] not null,
    target_text text not null,
    target_value double precision not null,
    baseline double precision not null,
    guardrail jsonb,
    deadline date not null,
    created_by text not null,
    created_at timestamptz not null)`,
  'create index if not exists goals_scope_team_idx on goals (scope_team_id)',
  'create index if not exists goals_owner_teams_idx on goals using gin (owner_team_ids)',
  // Null until a priority is first lowered: the most urgent rank is then coalesce(peak_rank, priority_rank).
  'alter table findings add column if not exists peak_rank smallint',
  `create or replace function findings_keep_peak_rank() returns trigger language plpgsql as $$
   begin
     new.peak_rank := least(coalesce(old.peak_rank, old.priority_rank), new.priority_rank);
     return new;
   end $$`,
  'drop trigger if exists findings_peak_rank on findings',
  `create trigger findings_peak_rank before update of priority_rank on findings for each row
    when (new.priority_rank > old.priority_rank) execute function findings_keep_peak_rank()`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const s of [
    'drop trigger if exists findings_peak_rank on findings',
    'drop function if exists findings_keep_peak_rank()',
    'alter table findings drop column if exists peak_rank',
    'drop table if exists goals',
    'drop table if exists finding_snapshot_days',
    'drop table if exists finding_snapshots',
  ])
    await sql.raw(s).execute(db);
}
