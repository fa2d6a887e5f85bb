/**
 * The card's flow, time to fix and reopen rate over a window, read from the days the daily-snapshot job wrote
 * (`finding_snapshots`, `finding_fix_days`, `finding_settle_days`) and, for what no finished written day covers (today
 * so far, or a window older than the snapshots), live from the findings through their indexes. So an organisation's card
 * reads a few thousand day rows whatever the size of the findings table.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Priority } from '../findings/vocabulary.ts';
import type { Calendar, Day } from '../policy/calendar.ts';
import { findingsIn, flowIn, priorities, reopenRate, type FixTime, type Flow, type Window } from './metrics.ts';
import type { Scope } from './scope.ts';

/** Fixes of one priority as (days to fix, how many) pairs, with the exact totals beside them. */
interface FixSums {
  pairs: [number, number][];
  fixed: number;
  withinDue: number;
  days: number;
}

export interface WindowMeasures {
  flow: Flow;
  timeToFix: Record<Priority, FixTime>;
  reopen: { closed: number; reopened: number; ratio: number | null };
}

const ratio = (part: number, whole: number): number | null =>
  whole === 0 ? null : Math.round((part / whole) * 1000) / 1000;
const round = (n: number | null): number | null => (n == null ? null : Math.round(n * 10) / 10);

/**
 * The 80th (or any) percentile of values given with their counts, interpolated as PostgreSQL's percentile_cont is:
 * the value at rank q·(n−1), between the two values around it.
 */
export function percentileOfCounts(pairs: readonly [number, number][], q: number): number | null {
  const sorted = pairs.filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const r = q * (total - 1);
  const lo = Math.floor(r);
  const hi = Math.ceil(r);
  const at = (rank: number): number => {
    let seen = 0;
    for (const [v, n] of sorted) {
      seen += n;
      if (rank < seen) return v;
    }
    return sorted[sorted.length - 1]![0];
  };
  const a = at(lo);
  return a + (r - lo) * (at(hi) - a);
}

/** The finished days of a window (those wholly in it and before today) when the job wrote every one of them. */
async function writtenDays(
  db: Kysely<DB>,
  cal: Calendar,
  w: Window,
  today: Day,
): Promise<{ from: Day; to: Day } | null> {
  let from = cal.dayOf(w.start);
  if (cal.startOf(from).getTime() < w.start.getTime()) from = cal.addDays(from, 1);
  let to = cal.addDays(cal.dayOf(w.end), -1);
  if (to >= today) to = cal.addDays(today, -1);
  if (to < from) return null;
  const n = Number(
    (
      await sql<{
        n: number;
      }>`select count(*)::int n from finding_snapshot_days where day between ${from}::date and ${to}::date`.execute(db)
    ).rows[0]?.n ?? 0,
  );
  return n === cal.daysBetween(from, to) + 1 ? { from, to } : null;
}

function dayRowsIn(scope: Scope): RawBuilder<unknown> {
  return scope.kind === 'team'
    ? sql`team_id = ${scope.teamId}`
    : scope.kind === 'service'
      ? sql`service_id = ${scope.serviceId}`
      : sql`true`;
}

/** Flow, time to fix by priority (count, mean, p80, by the due date) and the reopen rate of a scope over a window. */
export async function windowMeasures(
  db: Kysely<DB>,
  scope: Scope,
  w: Window,
  cal: Calendar,
  today: Day,
): Promise<WindowMeasures> {
  const days = await writtenDays(db, cal, w, today);
  // What the written days do not cover is read live: before their first day and after their last.
  const live: Window[] = days
    ? [
        { start: w.start, end: cal.startOf(days.from) },
        { start: cal.startOf(cal.addDays(days.to, 1)), end: w.end },
      ].filter((x) => x.start < x.end)
    : [w];
  const sums = Object.fromEntries(
    priorities.map((p) => [p, { pairs: [], fixed: 0, withinDue: 0, days: 0 } as FixSums]),
  ) as Record<Priority, FixSums>;
  const flow: Flow = { arrivals: 0, closures: 0, fixed: 0 };
  const reopen = { closed: 0, reopened: 0 };
  const reads: Promise<void>[] = [];
  if (days) {
    const where = dayRowsIn(scope);
    reads.push(
      (async () => {
        const r = (
          await sql<{
            arr: number;
            clo: number;
          }>`select coalesce(sum(arrivals), 0)::int arr, coalesce(sum(closures), 0)::int clo
        from finding_snapshots where day between ${days.from}::date and ${days.to}::date and ${where}`.execute(db)
        ).rows[0];
        flow.arrivals += r?.arr ?? 0;
        flow.closures += r?.clo ?? 0;
      })(),
    );
    reads.push(
      (async () => {
        const { rows } = await sql<{
          priority: Priority;
          h: number;
          n: number;
          ontime: number;
          d: number;
        }>`select priority, fix_hours h,
          sum(fixed)::int n, sum(within_due)::int ontime, sum(fix_days)::float8 d
        from finding_fix_days where day between ${days.from}::date and ${days.to}::date and ${where} group by 1, 2`.execute(
          db,
        );
        for (const r of rows) {
          const s = sums[r.priority];
          s.pairs.push([r.h / 24, r.n]);
          s.fixed += r.n;
          s.withinDue += r.ontime;
          s.days += Number(r.d);
        }
      })(),
    );
    reads.push(
      (async () => {
        const r = (
          await sql<{
            n: number;
            back: number;
          }>`select coalesce(sum(settled), 0)::int n, coalesce(sum(reopened), 0)::int back
        from finding_settle_days where day between ${days.from}::date and ${days.to}::date and ${where}`.execute(db)
        ).rows[0];
        reopen.closed += r?.n ?? 0;
        reopen.reopened += r?.back ?? 0;
      })(),
    );
  }
  for (const lw of live) {
    // Today so far (or the edge of a window) is a short time range: read through the time indexes, the scope checked on the rows.
    const byTime = days !== null;
    reads.push(
      (async () => {
        const f = await flowIn(db, scope, lw, byTime);
        flow.arrivals += f.arrivals;
        flow.closures += f.closures;
      })(),
    );
    reads.push(
      (async () => {
        // Exact values here (today's fixes are few): grouped by the value itself.
        const { rows } = await sql<{ priority: Priority; d: number; n: number; ontime: number }>`
        select f.priority, extract(epoch from f.fixed_at - f.first_seen_at)::float8 / 86400.0 d, count(*)::int n, count(*) filter (where f.fixed_at <= f.due_at)::int ontime
        from findings f where f.status = 'fixed' and f.fixed_at >= ${lw.start} and f.fixed_at < ${lw.end} and ${findingsIn(scope, byTime)} group by 1, 2`.execute(
          db,
        );
        for (const r of rows) {
          const s = sums[r.priority];
          const d = Number(r.d);
          s.pairs.push([d, r.n]);
          s.fixed += r.n;
          s.withinDue += r.ontime;
          s.days += d * r.n;
        }
      })(),
    );
    reads.push(
      (async () => {
        const r = await reopenRate(db, scope, lw, byTime);
        reopen.closed += r.closed;
        reopen.reopened += r.reopened;
      })(),
    );
  }
  await Promise.all(reads);
  const timeToFix = Object.fromEntries(
    priorities.map((p) => {
      const s = sums[p];
      return [
        p,
        {
          fixed: s.fixed,
          mttrDays: s.fixed === 0 ? null : round(s.days / s.fixed),
          p80Days: round(percentileOfCounts(s.pairs, 0.8)),
          withinDue: s.withinDue,
        },
      ];
    }),
  ) as Record<Priority, FixTime>;
  flow.fixed = priorities.reduce((n, p) => n + sums[p].fixed, 0);
  return { flow, timeToFix, reopen: { ...reopen, ratio: ratio(reopen.reopened, reopen.closed) } };
}
