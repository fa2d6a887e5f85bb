/**
 * Daily snapshots of findings: per day × team × service × priority, the findings open at the end of the day, the day's
 * arrivals and closures, and the findings overdue. Written from the findings' own dates (first seen, fixed or closed,
 * due), so a day can be written again at any time with the same result (idempotent), and the past can be backfilled.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Priority } from '../findings/vocabulary.ts';
import type { Policy } from '../policy/policy.ts';
import { policyCalendar, type Day } from '../policy/calendar.ts';
import type { Scope } from './scope.ts';
import { foldOpenCounts } from './metrics.ts';

// One lock for every snapshot writer, so a job and a first scorecard call never write the same days at once.
const snapshotLock = 7_140_014;
// The backfill goes back at most two years.
const backfillDays = 730;

/** Writes the snapshots of every day from `from` to `to` (inclusive), replacing what those days held; returns the rows written. */
export async function writeSnapshots(
  db: Kysely<DB>,
  policy: Policy,
  from: Day,
  to: Day,
  writtenAt: Date,
): Promise<number> {
  const cal = policyCalendar(policy);
  const zone = cal.zone;
  const start = cal.startOf(from);
  const end = cal.startOf(cal.addDays(to, 1));
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${snapshotLock})`.execute(trx);
    await sql`delete from finding_snapshots where day between ${from}::date and ${to}::date`.execute(trx);
    await sql`delete from finding_fix_days where day between ${from}::date and ${to}::date`.execute(trx);
    await sql`delete from finding_settle_days where day between ${from}::date and ${to}::date`.execute(trx);
    // Events per finding: +1 open on the day it was first seen, -1 on the day it closed; +1 overdue from the day after
    // its due day while still open, -1 when it closed. Events before `from` only set where the running sums start.
    const res =
      await sql`insert into finding_snapshots (day, team_id, service_id, priority, open_count, arrivals, closures, overdue)
      with f as (
        select owner_team_id t, service_id s, priority p,
          timezone(${zone}, first_seen_at)::date seen,
          timezone(${zone}, case status when 'fixed' then fixed_at when 'false_positive' then status_changed_at when 'accepted' then status_changed_at end)::date closed,
          greatest(timezone(${zone}, due_at)::date + 1, timezone(${zone}, first_seen_at)::date) late
        from findings where first_seen_at < ${end}
          -- A finding closed before the range adds and takes away the same before it: only open ones and those closed
          -- since matter, so the daily job reads the open findings and the range's closures, not the whole table.
          and (status in ('open', 'in_progress') or (status = 'fixed' and fixed_at >= ${start})
            or (status in ('false_positive', 'accepted') and status_changed_at >= ${start}))
      ), ev as (
        select t, s, p, seen d, 1 o, 0 od, 1 arr, 0 clo from f
        union all select t, s, p, closed, -1, 0, 0, 1 from f where closed is not null
        union all select t, s, p, late, 0, 1, 0, 0 from f where closed is null or closed > late
        union all select t, s, p, closed, 0, -1, 0, 0 from f where closed > late
      ), b as (
        select t, s, p, greatest(d, ${from}::date) bd, sum(o) o, sum(od) od,
          coalesce(sum(arr) filter (where d >= ${from}::date), 0) arr, coalesce(sum(clo) filter (where d >= ${from}::date), 0) clo
        from ev where d <= ${to}::date group by 1, 2, 3, 4
      ), k as (select distinct t, s, p from b),
      g as (select k.t, k.s, k.p, d::date d from k cross join generate_series(${from}::date, ${to}::date, interval '1 day') d),
      run as (
        select g.d, g.t, g.s, g.p, sum(coalesce(b.o, 0)) over w o, coalesce(b.arr, 0) arr, coalesce(b.clo, 0) clo, sum(coalesce(b.od, 0)) over w od
        from g left join b on b.t = g.t and b.s = g.s and b.p = g.p and b.bd = g.d
        window w as (partition by g.t, g.s, g.p order by g.d)
      )
      select d, t, s, p, o, arr, clo, od from run where o <> 0 or arr <> 0 or clo <> 0 or od <> 0 order by d`.execute(
        trx,
      );
    // Rows go in day by day (order by), so a backfill leaves each day's rows together and a card reads few pages.
    // Fixes of each day by whole hours to fix: the counts and the sum of days are exact, the hours give the p80.
    await sql`insert into finding_fix_days (day, team_id, service_id, priority, fix_hours, fixed, within_due, fix_days)
      select timezone(${zone}, fixed_at)::date, owner_team_id, service_id, priority,
        round(extract(epoch from fixed_at - first_seen_at) / 3600.0)::int, count(*)::int,
        count(*) filter (where fixed_at <= due_at)::int, sum(extract(epoch from fixed_at - first_seen_at) / 86400.0)::float8
      from findings where status = 'fixed' and fixed_at >= ${start} and fixed_at < ${end}
      group by 1, 2, 3, 4, 5 order by 1`.execute(trx);
    // Statuses that settled each day (fixed, or a finding that came back at least once), for the reopen rate.
    await sql`insert into finding_settle_days (day, team_id, service_id, settled, reopened)
      select timezone(${zone}, status_changed_at)::date, owner_team_id, service_id, count(*)::int, count(*) filter (where reopened_count > 0)::int
      from findings where status_changed_at >= ${start} and status_changed_at < ${end} and (status = 'fixed' or reopened_count > 0)
      group by 1, 2, 3 order by 1`.execute(trx);
    await foldOpenCounts(trx);
    await sql`insert into finding_snapshot_days (day, written_at)
      select d::date, ${writtenAt} from generate_series(${from}::date, ${to}::date, interval '1 day') d
      on conflict (day) do update set written_at = excluded.written_at`.execute(trx);
    return Number(res.numAffectedRows ?? 0);
  });
}

/** Writes every day up to yesterday that no snapshot covers yet (the first time: from the oldest finding, at most two years back). */
export async function backfillSnapshots(
  db: Kysely<DB>,
  policy: Policy,
  now: Date,
): Promise<{ from: Day; to: Day; rows: number } | null> {
  const cal = policyCalendar(policy);
  const yesterday = cal.addDays(cal.dayOf(now), -1);
  const last = (await sql<{ day: string | null }>`select max(day)::text as day from finding_snapshot_days`.execute(db))
    .rows[0]?.day as Day | null;
  if (last && last >= yesterday) return null;
  let from: Day;
  if (last) from = cal.addDays(last, 1);
  else {
    const oldest = (await sql<{ at: Date | string | null }>`select min(first_seen_at) as at from findings`.execute(db))
      .rows[0]?.at;
    const earliest = cal.addDays(yesterday, -backfillDays);
    from = oldest ? cal.dayOf(oldest) : yesterday;
    if (from < earliest) from = earliest;
    if (from > yesterday) from = yesterday;
  }
  return { from, to: yesterday, rows: await writeSnapshots(db, policy, from, yesterday, now) };
}

/** The `daily-snapshot` job: fills any gap, then writes yesterday (now complete) and today (so far) again. */
export async function dailySnapshot(deps: {
  db: Kysely<DB>;
  policy: Policy;
  now: () => Date;
}): Promise<{ days: Day[]; rows: number }> {
  const now = deps.now();
  const cal = policyCalendar(deps.policy);
  const backfilled = await backfillSnapshots(deps.db, deps.policy, now);
  const today = cal.dayOf(now);
  const yesterday = cal.addDays(today, -1);
  const rows = await writeSnapshots(deps.db, deps.policy, yesterday, today, now);
  return { days: [yesterday, today], rows: rows + (backfilled?.rows ?? 0) };
}

/** One day of the series: open findings by priority at the day's end, its arrivals and closures, and what was overdue. */
export interface SnapshotDay {
  day: Day;
  open: Record<Priority, number>;
  arrivals: number;
  closures: number;
  overdue: number;
}

/** The stored days from `from` to `to` for a scope, oldest first; a day with nothing open or moving reads as zeros. */
export async function readSnapshots(db: Kysely<DB>, scope: Scope, from: Day, to: Day): Promise<SnapshotDay[]> {
  const where =
    scope.kind === 'team'
      ? sql`and team_id = ${scope.teamId}`
      : scope.kind === 'service'
        ? sql`and service_id = ${scope.serviceId}`
        : sql``;
  const { rows } = await sql<{ day: string; priority: Priority; o: number; arr: number; clo: number; od: number }>`
    select day::text as day, priority, sum(open_count)::int o, sum(arrivals)::int arr, sum(closures)::int clo, sum(overdue)::int od
    from finding_snapshots where day between ${from}::date and ${to}::date ${where} group by day, priority`.execute(db);
  const written = (
    await sql<{
      day: string;
    }>`select day::text as day from finding_snapshot_days where day between ${from}::date and ${to}::date order by day`.execute(
      db,
    )
  ).rows;
  const days = new Map<string, SnapshotDay>(
    written.map((w) => [
      w.day,
      { day: w.day as Day, open: { act: 0, attend: 0, 'track*': 0, track: 0 }, arrivals: 0, closures: 0, overdue: 0 },
    ]),
  );
  for (const r of rows) {
    const d = days.get(r.day);
    if (!d) continue;
    d.open[r.priority] += r.o;
    d.arrivals += r.arr;
    d.closures += r.clo;
    d.overdue += r.od;
  }
  return [...days.values()];
}
