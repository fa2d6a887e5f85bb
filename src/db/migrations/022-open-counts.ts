/**
 * Migration 022: open findings counted as they change, so the scorecard's "open now" reads a few rows instead of
 * counting the open-findings index (a third of a million entries for an organisation at a million findings).
 * `finding_open_counts` holds signed deltas per team × service × priority rank: statement triggers on findings append,
 * in the same transaction as the change, what each insert, update or delete did to the open ones (one row per key,
 * only where the sum moved), so concurrent writers never wait on one another's counter rows; the daily-snapshot job
 * folds the deltas into one row per key. The sum over a scope's rows is exactly the count of its open findings in the
 * reader's snapshot. Derived: backups leave the table out, and a restore rebuilds it through the triggers.
 * Also a team's (team, status changed) and (team, first seen) indexes, so a team's card reads today's changes of its
 * own findings rather than the organisation's, filtered.
 */
import { sql, type Kysely } from 'kysely';

const open = `status in ('open', 'in_progress')`;
const statements = [
  'create index if not exists findings_team_changed_idx on findings (owner_team_id, status_changed_at)',
  'create index if not exists findings_team_seen_idx on findings (owner_team_id, first_seen_at)',
  `create table if not exists finding_open_counts (
    team_id integer not null,
    service_id integer not null,
    priority_rank smallint not null,
    n integer not null)`,
  'create index if not exists finding_open_counts_team_idx on finding_open_counts (team_id)',
  'create index if not exists finding_open_counts_service_idx on finding_open_counts (service_id)',
  `create or replace function findings_count_inserted() returns trigger language plpgsql as $$
   begin
     insert into finding_open_counts (team_id, service_id, priority_rank, n)
       select owner_team_id, service_id, priority_rank, count(*) from new_rows where ${open} group by 1, 2, 3;
     return null;
   end $$`,
  `create or replace function findings_count_updated() returns trigger language plpgsql as $$
   begin
     insert into finding_open_counts (team_id, service_id, priority_rank, n)
       select t, s, r, sum(d) from (
         select owner_team_id t, service_id s, priority_rank r, 1 d from new_rows where ${open}
         union all select owner_team_id, service_id, priority_rank, -1 from old_rows where ${open}) x
       group by 1, 2, 3 having sum(d) <> 0;
     return null;
   end $$`,
  `create or replace function findings_count_deleted() returns trigger language plpgsql as $$
   begin
     insert into finding_open_counts (team_id, service_id, priority_rank, n)
       select owner_team_id, service_id, priority_rank, -count(*) from old_rows where ${open} group by 1, 2, 3;
     return null;
   end $$`,
  `create or replace function findings_count_truncated() returns trigger language plpgsql as $$
   begin
     delete from finding_open_counts;
     return null;
   end $$`,
  'drop trigger if exists findings_count_inserted on findings',
  'drop trigger if exists findings_count_updated on findings',
  'drop trigger if exists findings_count_deleted on findings',
  'drop trigger if exists findings_count_truncated on findings',
  'delete from finding_open_counts',
  `insert into finding_open_counts (team_id, service_id, priority_rank, n)
    select owner_team_id, service_id, priority_rank, count(*) from findings where ${open} group by 1, 2, 3`,
  `create trigger findings_count_inserted after insert on findings referencing new table as new_rows
    for each statement execute function findings_count_inserted()`,
  `create trigger findings_count_updated after update on findings referencing old table as old_rows new table as new_rows
    for each statement execute function findings_count_updated()`,
  `create trigger findings_count_deleted after delete on findings referencing old table as old_rows
    for each statement execute function findings_count_deleted()`,
  `create trigger findings_count_truncated after truncate on findings
    for each statement execute function findings_count_truncated()`,
];

export async function up(db: Kysely<any>): Promise<void> {
  // Counted and triggered in one transaction (the migrator's), so no change falls between the count and the triggers.
  await sql`lock table findings in share row exclusive mode`.execute(db);
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const s of [
    'drop trigger if exists findings_count_inserted on findings',
    'drop trigger if exists findings_count_updated on findings',
    'drop trigger if exists findings_count_deleted on findings',
    'drop trigger if exists findings_count_truncated on findings',
    'drop function if exists findings_count_inserted()',
    'drop function if exists findings_count_updated()',
    'drop function if exists findings_count_deleted()',
    'drop function if exists findings_count_truncated()',
    'drop table if exists finding_open_counts',
    'drop index if exists findings_team_seen_idx',
    'drop index if exists findings_team_changed_idx',
  ])
    await sql.raw(s).execute(db);
}
