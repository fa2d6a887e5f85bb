/**
 * Migration 020: the scorecard at a million findings. Per day × team × service × priority, the findings fixed that day
 * by whole hours to fix (count, those fixed by their due date, and the exact sum of days to fix), and per day × team ×
 * service, the findings whose status settled that day (fixed, or reopened at some point) and those reopened — written by
 * the daily-snapshot job beside the snapshots, so a card reads days, not findings. Indexes for what is still read
 * live: today's arrivals and status changes, the findings ever raised to act or attend (crying wolf, triage; the whole
 * organisation's and a team's), and
 * open exposure. The days written before this migration are forgotten (they are derived), so the next job run or card
 * writes them again with the new tables.
 */
import { sql, type Kysely } from 'kysely';

const statements = [
  `create table if not exists finding_fix_days (
    day date not null,
    team_id integer not null,
    service_id integer not null,
    priority text not null,
    fix_hours integer not null,
    fixed integer not null,
    within_due integer not null,
    fix_days double precision not null,
    primary key (day, team_id, service_id, priority, fix_hours))`,
  'create index if not exists finding_fix_days_team_idx on finding_fix_days (team_id, day)',
  'create index if not exists finding_fix_days_service_idx on finding_fix_days (service_id, day)',
  `create table if not exists finding_settle_days (
    day date not null,
    team_id integer not null,
    service_id integer not null,
    settled integer not null,
    reopened integer not null,
    primary key (day, team_id, service_id))`,
  'create index if not exists finding_settle_days_team_idx on finding_settle_days (team_id, day)',
  'create index if not exists finding_settle_days_service_idx on finding_settle_days (service_id, day)',
  'create index if not exists findings_first_seen_idx on findings (first_seen_at)',
  'create index if not exists findings_status_changed_idx on findings (status_changed_at)',
  `create index if not exists findings_raised_idx on findings (first_seen_at) include (owner_team_id, service_id, priority_rank, status, id)
    where coalesce(peak_rank, priority_rank) <= 2`,
  `create index if not exists findings_team_raised_idx on findings (owner_team_id, first_seen_at) include (service_id, priority_rank, status, id)
    where coalesce(peak_rank, priority_rank) <= 2`,
  `create index if not exists findings_open_exposure_idx on findings (service_id) include (owner_team_id)
    where status in ('open', 'in_progress') and kind = 'host' and rule_id like 'exposure/%'`,
  'delete from finding_snapshots',
  'delete from finding_snapshot_days',
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const i of [
    'findings_open_exposure_idx',
    'findings_team_raised_idx',
    'findings_raised_idx',
    'findings_status_changed_idx',
    'findings_first_seen_idx',
  ])
    await sql.raw(`drop index if exists ${i}`).execute(db);
  for (const t of ['finding_settle_days', 'finding_fix_days']) await sql.raw(`drop table if exists ${t}`).execute(db);
}
