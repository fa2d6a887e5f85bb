/**
 * The scorecard's measures, each one set-based query over a scope and a window: open findings now, flow, time to fix,
 * SLA compliance, reopen rate, exceptions, unapproved exposure, scan coverage, commitments and the "crying wolf" rate.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Priority } from '../findings/vocabulary.ts';
import type { Scope } from './scope.ts';

/** A window of time: from `start` (inclusive) to `end` (exclusive). */
export interface Window {
  start: Date;
  end: Date;
}

export const priorities: readonly Priority[] = ['act', 'attend', 'track*', 'track'];

/**
 * The findings of a scope, for a `where` clause over the alias `f`. `byTime`: the query is narrowed by a short time range
 * (today so far). A team's is then read through its own (team, time) indexes (migration 022: status changed, first
 * seen; 015: fixed), a service's checked on the rows found (`+ 0` keeps the planner from also reading the service's
 * whole index entry list, which grows with its findings, to intersect it).
 */
export function findingsIn(scope: Scope, byTime = false): RawBuilder<unknown> {
  if (byTime && scope.kind === 'service') return sql`f.service_id + 0 = ${scope.serviceId}`;
  return scope.kind === 'team'
    ? sql`f.owner_team_id = ${scope.teamId}`
    : scope.kind === 'service'
      ? sql`f.service_id = ${scope.serviceId}`
      : sql`true`;
}

// When a finding stopped being open: fixed, or closed by a person as a false positive or accepted.
const closedAt = sql`(case f.status when 'fixed' then f.fixed_at when 'false_positive' then f.status_changed_at when 'accepted' then f.status_changed_at end)`;
const ratio = (part: number, whole: number): number | null =>
  whole === 0 ? null : Math.round((part / whole) * 1000) / 1000;
const round = (n: number | null | undefined): number | null => (n == null ? null : Math.round(Number(n) * 10) / 10);

export interface OpenNow {
  act: number;
  attend: number;
  'track*': number;
  track: number;
  total: number;
  overdue: number;
}

/**
 * Open (and in progress) findings now, by priority, and how many are past their due date. The counts are the sums of
 * the scope's rows in `finding_open_counts` (kept by triggers, migration 022): a few rows, whatever the backlog. The
 * overdue ones are the open ones less those not yet due, counted in the open-findings indexes from now on: those grow
 * with what arrives within its deadlines, not with the backlog.
 */
export async function openNow(db: Kysely<DB>, scope: Scope, now: Date): Promise<OpenNow> {
  const where =
    scope.kind === 'team'
      ? sql`team_id = ${scope.teamId}`
      : scope.kind === 'service'
        ? sql`service_id = ${scope.serviceId}`
        : sql`true`;
  // One statement, so the counts and the not-yet-due ones are of one snapshot. By rank as well (every rank listed), so
  // a team's or service's (scope, rank, due) index reads four short ranges; rank 0 carries the not-yet-due count.
  const { rows } = await sql<{ rank: number; n: number }>`
    select priority_rank rank, sum(n)::int n from finding_open_counts where ${where} group by 1
    union all select 0, count(*)::int from findings f where f.status in ('open', 'in_progress')
      and f.priority_rank in (1, 2, 3, 4) and f.due_at >= ${now} and ${findingsIn(scope)}`.execute(db);
  const out: OpenNow = { act: 0, attend: 0, 'track*': 0, track: 0, total: 0, overdue: 0 };
  let notDue = 0;
  for (const r of rows) {
    if (r.rank === 0) {
      notDue = r.n;
      continue;
    }
    const p = priorities[r.rank - 1];
    if (p) out[p] += r.n;
    out.total += r.n;
  }
  out.overdue = out.total - notDue;
  return out;
}

/** Folds the deltas of `finding_open_counts` into one row per team, service and rank (the daily-snapshot job). */
export async function foldOpenCounts(db: Kysely<DB>): Promise<void> {
  // Only the rows this statement sees are folded: deltas committed meanwhile stay beside the folded ones.
  await sql`with gone as (delete from finding_open_counts returning team_id, service_id, priority_rank, n)
    insert into finding_open_counts (team_id, service_id, priority_rank, n)
    select team_id, service_id, priority_rank, sum(n) from gone group by 1, 2, 3 having sum(n) <> 0`.execute(db);
}

export interface Flow {
  arrivals: number;
  closures: number;
  fixed: number;
}

/** Findings first seen in the window, and those closed in it (fixed, false positive or accepted; `fixed` of them fixed). */
export async function flowIn(db: Kysely<DB>, scope: Scope, w: Window, byTime = false): Promise<Flow> {
  const { rows } = await sql<Flow>`select
      count(*) filter (where f.first_seen_at >= ${w.start} and f.first_seen_at < ${w.end})::int arrivals,
      count(*) filter (where ${closedAt} >= ${w.start} and ${closedAt} < ${w.end})::int closures,
      count(*) filter (where f.status = 'fixed' and f.fixed_at >= ${w.start} and f.fixed_at < ${w.end})::int fixed
    from findings f where ${findingsIn(scope, byTime)} and (f.first_seen_at >= ${w.start} or f.status_changed_at >= ${w.start})`.execute(
    db,
  );
  return rows[0] ?? { arrivals: 0, closures: 0, fixed: 0 };
}

export interface FixTime {
  fixed: number;
  mttrDays: number | null;
  p80Days: number | null;
  withinDue: number;
}

/** For findings fixed in the window, by priority: how many, mean and 80th percentile days from first seen to fixed, how many by their due date. */
export async function fixTimes(db: Kysely<DB>, scope: Scope, w: Window): Promise<Record<Priority, FixTime>> {
  const { rows } = await sql<{
    priority: Priority;
    n: number;
    mean: number | null;
    p80: number | null;
    ontime: number;
  }>`
    with x as (select f.priority, extract(epoch from f.fixed_at - f.first_seen_at) / 86400.0 d, f.fixed_at <= f.due_at ontime
      from findings f where f.status = 'fixed' and f.fixed_at >= ${w.start} and f.fixed_at < ${w.end} and ${findingsIn(scope)})
    select priority, count(*)::int n, avg(d)::float8 mean, percentile_cont(0.8) within group (order by d)::float8 p80, count(*) filter (where ontime)::int ontime
    from x group by priority`.execute(db);
  const out = Object.fromEntries(
    priorities.map((p) => [p, { fixed: 0, mttrDays: null, p80Days: null, withinDue: 0 }]),
  ) as Record<Priority, FixTime>;
  for (const r of rows)
    out[r.priority] = { fixed: r.n, mttrDays: round(r.mean), p80Days: round(r.p80), withinDue: r.ontime };
  return out;
}

/** Mean days to fix over every priority (null when nothing was fixed). */
export function overallMttr(times: Record<Priority, FixTime>): number | null {
  const all = priorities.map((p) => times[p]).filter((t) => t.fixed > 0);
  const n = all.reduce((s, t) => s + t.fixed, 0);
  return n === 0 ? null : round(all.reduce((s, t) => s + (t.mttrDays ?? 0) * t.fixed, 0) / n);
}

/** SLA compliance: of the findings fixed in the window, the share fixed by their due date. */
export function slaCompliance(times: Record<Priority, FixTime>): {
  closed: number;
  withinDue: number;
  ratio: number | null;
} {
  const closed = priorities.reduce((s, p) => s + times[p].fixed, 0);
  const withinDue = priorities.reduce((s, p) => s + times[p].withinDue, 0);
  return { closed, withinDue, ratio: ratio(withinDue, closed) };
}

/** Reopen rate: of the findings fixed or reopened in the window (their last change of status), the share that came back at least once. */
export async function reopenRate(
  db: Kysely<DB>,
  scope: Scope,
  w: Window,
  byTime = false,
): Promise<{ closed: number; reopened: number; ratio: number | null }> {
  const { rows } = await sql<{
    n: number;
    back: number;
  }>`select count(*)::int n, count(*) filter (where f.reopened_count > 0)::int back
    from findings f where f.status_changed_at >= ${w.start} and f.status_changed_at < ${w.end} and (f.status = 'fixed' or f.reopened_count > 0) and ${findingsIn(scope, byTime)}`.execute(
    db,
  );
  const r = rows[0] ?? { n: 0, back: 0 };
  return { closed: r.n, reopened: r.back, ratio: ratio(r.back, r.n) };
}

/** "Crying wolf": of the findings first seen in the window that were ever act or attend, those since lowered in priority or closed as false positives. */
export async function cryingWolf(
  db: Kysely<DB>,
  scope: Scope,
  w: Window,
): Promise<{ raised: number; lowered: number; falsePositive: number; ratio: number | null }> {
  const { rows } = await sql<{ raised: number; lowered: number; fp: number }>`select count(*)::int raised,
      count(*) filter (where f.priority_rank > 2 and f.status <> 'false_positive')::int lowered, count(*) filter (where f.status = 'false_positive')::int fp
    from findings f where coalesce(f.peak_rank, f.priority_rank) <= 2 and f.first_seen_at >= ${w.start} and f.first_seen_at < ${w.end} and ${findingsIn(scope)}`.execute(
    db,
  );
  const r = rows[0] ?? { raised: 0, lowered: 0, fp: 0 };
  return { raised: r.raised, lowered: r.lowered, falsePositive: r.fp, ratio: ratio(r.lowered + r.fp, r.raised) };
}

/** Approved exceptions in force now, and those of them ending within `expiringDays`. */
export async function exceptionsNow(
  db: Kysely<DB>,
  scope: Scope,
  now: Date,
  expiringDays: number,
): Promise<{ open: number; expiring: number }> {
  const soon = new Date(now.getTime() + expiringDays * 86_400_000);
  const where =
    scope.kind === 'team'
      ? sql`e.team_id = ${scope.teamId}`
      : scope.kind === 'service'
        ? sql`exists (select 1 from exception_findings ef join findings f on f.id = ef.finding_id where ef.exception_id = e.id and f.service_id = ${scope.serviceId})`
        : sql`true`;
  const { rows } = await sql<{
    open: number;
    expiring: number;
  }>`select count(*)::int open, count(*) filter (where e.expires_at <= ${soon})::int expiring
    from exceptions e where e.status = 'approved' and e.expires_at > ${now} and ${where}`.execute(db);
  return rows[0] ?? { open: 0, expiring: 0 };
}

/** Open ports no approved change covers (open exposure findings). */
export async function exposureUnapproved(db: Kysely<DB>, scope: Scope): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int n from findings f
    where f.status in ('open', 'in_progress') and f.kind = 'host' and f.rule_id like 'exposure/%' and ${findingsIn(scope)}`.execute(
    db,
  );
  return rows[0]?.n ?? 0;
}

/** Scan coverage: of the services in scope, those with a scan in the last `days` days. */
export async function scanCoverage(
  db: Kysely<DB>,
  scope: Scope,
  now: Date,
  days: number,
): Promise<{ days: number; services: number; scanned: number; ratio: number | null }> {
  const since = new Date(now.getTime() - days * 86_400_000);
  const where =
    scope.kind === 'team'
      ? sql`s.owner_team_id = ${scope.teamId}`
      : scope.kind === 'service'
        ? sql`s.id = ${scope.serviceId}`
        : sql`true`;
  const { rows } = await sql<{ n: number; scanned: number }>`select count(*)::int n,
      count(*) filter (where exists (select 1 from scans sc where sc.service_id = s.id and sc.created_at >= ${since} and sc.created_at <= ${now}))::int scanned
    from services s where s.archived_at is null and ${where}`.execute(db);
  const r = rows[0] ?? { n: 0, scanned: 0 };
  return { days, services: r.n, scanned: r.scanned, ratio: ratio(r.scanned, r.n) };
}

/** Commitments due in the window (and already due): kept (verified by their date) and missed (not verified by it); released ones do not count. */
export async function commitmentsKept(
  db: Kysely<DB>,
  scope: Scope,
  w: Window,
  now: Date,
): Promise<{ kept: number; missed: number; ratio: number | null }> {
  const where =
    scope.kind === 'team'
      ? sql`c.owner_team_id = ${scope.teamId}`
      : scope.kind === 'service'
        ? sql`c.service_id = ${scope.serviceId}`
        : sql`true`;
  const { rows } = await sql<{
    kept: number;
    missed: number;
  }>`select count(*) filter (where c.verified_at is not null and c.verified_at <= c.due_at)::int kept,
      count(*) filter (where c.verified_at is null or c.verified_at > c.due_at)::int missed
    from commitments c where c.state <> 'released' and c.due_at >= ${w.start} and c.due_at < ${w.end} and c.due_at < ${now} and ${where}`.execute(
    db,
  );
  const r = rows[0] ?? { kept: 0, missed: 0 };
  return { kept: r.kept, missed: r.missed, ratio: ratio(r.kept, r.kept + r.missed) };
}
