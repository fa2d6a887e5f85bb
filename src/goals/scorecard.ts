/**
 * The shared scorecard: one card per scope (organisation, team or service) and period, with the measures both sides
 * are accountable for, Security's own service levels to IT, the daily trend from the snapshots, and the goals at risk.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Priority } from '../findings/vocabulary.ts';
import type { Policy } from '../policy/policy.ts';
import { policyCalendar, type Day } from '../policy/calendar.ts';
import { badInput } from '../errors.ts';
import {
  commitmentsKept,
  cryingWolf,
  exceptionsNow,
  exposureUnapproved,
  flowIn,
  openNow,
  scanCoverage,
  slaCompliance,
  type FixTime,
  type OpenNow,
  type Window,
} from './metrics.ts';
import { windowMeasures } from './day-stats.ts';
import { securityServiceLevels, type SecurityServiceLevels } from './service-levels.ts';
import { backfillSnapshots, readSnapshots, type SnapshotDay } from './snapshots.ts';
import { goalsAtRisk, type GoalView } from './goals-service.ts';
import { scorecardMessages as say } from './goal-messages.ts';
import { scopeView, type Scope } from './scope.ts';

/**
 * The card. `open` is the first object in it, so that the first "act" key of its JSON is the count of open act
 * findings (scripts read it so).
 */
export interface Scorecard {
  scope: { kind: Scope['kind']; name: string | null };
  period: { from: Day; to: Day };
  open: { act: number; attend: number; 'track*': number; track: number; total: number };
  overdueNow: number;
  flow: { arrivals: number; closures: number; fixed: number };
  timeToFix: Record<Priority, FixTime>;
  slaCompliance: { closed: number; withinDue: number; ratio: number | null };
  reopenRate: { closed: number; reopened: number; ratio: number | null };
  exceptions: { open: number; expiring: number; expiringDays: number };
  exposureUnapproved: number;
  scanCoverage: { days: number; services: number; scanned: number; ratio: number | null };
  commitments: { kept: number; missed: number; ratio: number | null };
  cryingWolf: { raised: number; lowered: number; falsePositive: number; ratio: number | null };
  securityServiceLevels: SecurityServiceLevels;
  goalsAtRisk: GoalView[];
  trend: SnapshotDay[];
  summary: string[];
}

export interface ScorecardDeps {
  db: Kysely<DB>;
  policy: Policy;
  now: () => Date;
}

/** The period a card covers: --from and --to as days (to defaults to today, from to the policy's period before it). */
export function periodOf(
  policy: Policy,
  now: Date,
  opts: { from?: string | undefined; to?: string | undefined },
): { from: Day; to: Day } {
  const cal = policyCalendar(policy);
  const today = cal.dayOf(now);
  const to = opts.to ? dayArg(opts.to, 'to') : today;
  const from = opts.from ? dayArg(opts.from, 'from') : cal.addDays(to, -(policy.scorecard.period_days - 1));
  if (to > today)
    throw badInput(`to: ${to} is after today (${today}); a scorecard measures what has happened`, { field: 'to' });
  if (from > to)
    throw badInput(`from: ${from} is after --to ${to}; the period runs from the earlier day to the later one`, {
      field: 'from',
    });
  return { from, to };
}

function dayArg(text: string, field: 'from' | 'to'): Day {
  const ok =
    /^\d{4}-\d{2}-\d{2}$/.test(text)
    && !Number.isNaN(Date.parse(`${text}T00:00:00Z`))
    && new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) === text;
  if (!ok) throw badInput(`${field}: "${text}" is not a day; write it as 2026-09-01`, { field });
  return text as Day;
}

/**
 * The card's daily trend alone (Home's chart): the stored days and today's point, without the card's other reads
 * (Security's service levels, crying wolf, the window's flow and times, which cost most of a card at a million
 * findings and which the chart does not show).
 */
export async function trendFor(
  deps: ScorecardDeps,
  scope: Scope,
  period: { from: Day; to: Day } = periodOf(deps.policy, deps.now(), {}),
): Promise<Pick<Scorecard, 'scope' | 'period' | 'trend'>> {
  const now = deps.now();
  await backfillSnapshots(deps.db, deps.policy, now);
  const today = policyCalendar(deps.policy).dayOf(now);
  const [stored, open] = await Promise.all([
    readSnapshots(deps.db, scope, period.from, period.to),
    period.to === today ? openNow(deps.db, scope, now) : undefined,
  ]);
  return { scope: scopeView(scope), period, trend: await withToday(deps, scope, period, stored, open) };
}

/** The stored days of a period, and today's point read live when the period ends today (today is still moving: the
 * snapshot the job wrote earlier in the day is not its last word). */
async function withToday(
  deps: ScorecardDeps,
  scope: Scope,
  period: { from: Day; to: Day },
  stored: SnapshotDay[],
  open: OpenNow | undefined,
): Promise<SnapshotDay[]> {
  const now = deps.now();
  const cal = policyCalendar(deps.policy);
  const today = cal.dayOf(now);
  const trend = stored.filter((d) => d.day !== today);
  if (period.to === today && open) {
    const todayFlow = await flowIn(deps.db, scope, { start: cal.startOf(today), end: now });
    trend.push({
      day: today,
      open: { act: open.act, attend: open.attend, 'track*': open['track*'], track: open.track },
      arrivals: todayFlow.arrivals,
      closures: todayFlow.closures,
      overdue: open.overdue,
    });
  }
  return trend;
}

/**
 * The scorecard of a scope (`resolveScope` makes one from names) over a period (default: the policy's period up to
 * today); the first call also backfills the daily snapshots it can from the findings' dates.
 */
export async function scorecardFor(
  deps: ScorecardDeps,
  scope: Scope,
  period: { from: Day; to: Day } = periodOf(deps.policy, deps.now(), {}),
): Promise<Scorecard> {
  const now = deps.now();
  const cal = policyCalendar(deps.policy);
  const end = new Date(Math.min(now.getTime(), cal.endOf(period.to).getTime() + 1));
  const w: Window = { start: cal.startOf(period.from), end };
  await backfillSnapshots(deps.db, deps.policy, now);
  const db = deps.db;
  // Flow, time to fix and reopens come from the days the job wrote (and today, live): they do not grow with the table.
  const [
    open,
    { flow, timeToFix: times, reopen },
    exceptions,
    exposure,
    coverage,
    commitments,
    wolf,
    levels,
    atRisk,
    stored,
  ] = await Promise.all([
    openNow(db, scope, now),
    windowMeasures(db, scope, w, cal, cal.dayOf(now)),
    exceptionsNow(db, scope, now, deps.policy.scorecard.expiring_days),
    exposureUnapproved(db, scope),
    scanCoverage(db, scope, now, deps.policy.scorecard.coverage_days),
    commitmentsKept(db, scope, w, now),
    cryingWolf(db, scope, w),
    securityServiceLevels(db, deps.policy, scope, w, now),
    goalsAtRisk(deps, scope),
    readSnapshots(db, scope, period.from, period.to),
  ]);
  const trend = await withToday(deps, scope, period, stored, open);
  const view = scopeView(scope);
  const level = (what: string, l: SecurityServiceLevels[keyof SecurityServiceLevels]) =>
    say.serviceLevel.render({
      what,
      answered: l.answered,
      within: l.withinTarget,
      targetHours: l.targetHours,
      waiting: l.waiting,
    });
  const summary = [
    say.headline.render({
      scope: view.name,
      from: period.from,
      to: period.to,
      fixed: flow.fixed,
      arrivals: flow.arrivals,
      act: open.act,
      attend: open.attend,
    }),
    level('triage of new act and attend findings', levels.triage),
    level('answers to exception requests', levels.exceptionAnswer),
    level('answers to change requests', levels.changeAnswer),
    level('reviews of releases held by a no-go', levels.gateReview),
    ...atRisk.map((g) => g.summary),
  ];
  return {
    scope: view,
    period,
    open: { act: open.act, attend: open.attend, 'track*': open['track*'], track: open.track, total: open.total },
    overdueNow: open.overdue,
    flow,
    timeToFix: times,
    slaCompliance: slaCompliance(times),
    reopenRate: reopen,
    exceptions: { ...exceptions, expiringDays: deps.policy.scorecard.expiring_days },
    exposureUnapproved: exposure,
    scanCoverage: coverage,
    commitments,
    cryingWolf: wolf,
    securityServiceLevels: levels,
    goalsAtRisk: atRisk,
    trend,
    summary,
  };
}
