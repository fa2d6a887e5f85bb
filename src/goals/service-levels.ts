/**
 * Security's own service levels to IT: how fast Security triages new act and attend findings, answers exception and
 * change requests, and lets a release held by a no-go move again — each against a target in the policy.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Policy } from '../policy/policy.ts';
import { findingsIn, type Window } from './metrics.ts';
import type { Scope } from './scope.ts';

/** One service level: the target, what was answered and how fast, and what is still waiting. */
export interface ServiceLevel {
  targetHours: number;
  answered: number;
  medianHours: number | null;
  p80Hours: number | null;
  withinTarget: number;
  ratio: number | null;
  waiting: number;
  oldestWaitingHours: number | null;
}

export interface SecurityServiceLevels {
  triage: ServiceLevel;
  exceptionAnswer: ServiceLevel;
  changeAnswer: ServiceLevel;
  gateReview: ServiceLevel;
}

/** Every service level of Security for the scope over the window (requests made in it, and every request still waiting). */
export async function securityServiceLevels(
  db: Kysely<DB>,
  policy: Policy,
  scope: Scope,
  w: Window,
  now: Date,
): Promise<SecurityServiceLevels> {
  const t = policy.service_levels;
  const [triage, exceptionAnswer, changeAnswer, gateReview] = await Promise.all([
    triageLevel(db, scope, t.triage_hours, w, now),
    level(db, exceptionRequests(scope), t.exception_answer_hours, w, now),
    level(db, changeRequests(scope), t.change_answer_hours, w, now),
    level(db, heldReleases(scope), t.gate_review_hours, w, now),
  ]);
  return { triage, exceptionAnswer, changeAnswer, gateReview };
}

// Each request source yields (started, answered) pairs; answered is null while it waits, and `closed` drops a request
// that ended without needing an answer (a finding fixed before anyone looked at it).

// A new act or attend finding is triaged by the first person's change to it (status, assignee or comment, in the audit
// log) or an exception asked for it. Only findings first seen in the window count (waiting ones too). The answers are
// found from the window's answers (audit entries and exceptions since its start: people's activity), each checked
// against its finding by primary key; the waiting ones are a count over the window's raised findings in the covering
// index, less the answered ones still open. Read from the findings' side (every raised finding joined to its answers),
// the organisation's card spent most of its time here at a million findings.
async function triageLevel(
  db: Kysely<DB>,
  scope: Scope,
  targetHours: number,
  w: Window,
  now: Date,
): Promise<ServiceLevel> {
  const raised = sql`coalesce(f.peak_rank, f.priority_rank) <= 2 and f.first_seen_at >= ${w.start} and f.first_seen_at < ${w.end} and ${findingsIn(scope)}`;
  const { rows } = await sql<Figures>`
    with answers as materialized (
      select f.id, f.first_seen_at started, min(x.at) answered, f.status in ('open', 'in_progress') open
      from (select a.entity_id::int id, a.at from audit_log a
              where a.at >= ${w.start} and a.entity = 'finding' and a.action = 'finding.update' and a.entity_id ~ '^[0-9]{1,9}$'
            union all
            select ef.finding_id, e.created_at from exceptions e join exception_findings ef on ef.exception_id = e.id
              where e.created_at >= ${w.start}) x
      join findings f on f.id = x.id
      where ${raised}
      group by f.id, f.first_seen_at, f.status),
    r as (select extract(epoch from answered - started) / 3600.0 h from answers)
    select (select count(*) from r)::int answered,
      (select percentile_cont(0.5) within group (order by h) from r)::float8 median,
      (select percentile_cont(0.8) within group (order by h) from r)::float8 p80,
      (select count(*) from r where h <= ${targetHours})::int within_target,
      ((select count(*) from findings f where ${raised} and f.status in ('open', 'in_progress'))
        - (select count(*) from answers where open))::int waiting,
      (select extract(epoch from ${now}::timestamptz - f.first_seen_at) / 3600.0 from findings f
        where ${raised} and f.status in ('open', 'in_progress') and not exists (select 1 from answers a where a.id = f.id)
        order by f.first_seen_at limit 1)::float8 oldest`.execute(db);
  return serviceLevel(rows[0]!, targetHours);
}

function exceptionRequests(scope: Scope): RawBuilder<unknown> {
  const where =
    scope.kind === 'team'
      ? sql`e.team_id = ${scope.teamId}`
      : scope.kind === 'service'
        ? sql`exists (select 1 from exception_findings ef join findings f on f.id = ef.finding_id where ef.exception_id = e.id and f.service_id = ${scope.serviceId})`
        : sql`true`;
  return sql`select e.created_at started, e.decided_at answered, (e.decided_at is null and e.status <> 'requested') closed from exceptions e where ${where}`;
}

function changeRequests(scope: Scope): RawBuilder<unknown> {
  const where =
    scope.kind === 'team'
      ? sql`c.team_id = ${scope.teamId}`
      : scope.kind === 'service'
        ? sql`c.service_id = ${scope.serviceId}`
        : sql`true`;
  return sql`select c.created_at started, c.decided_at answered, (c.decided_at is null and c.status <> 'submitted') closed
    from change_requests c where c.status <> 'draft' and ${where}`;
}

// A release is held from a no-go (after a go, or the first decision) until the next go or go with controls of the same
// service and environment.
function heldReleases(scope: Scope): RawBuilder<unknown> {
  const where =
    scope.kind === 'team'
      ? sql`s.owner_team_id = ${scope.teamId}`
      : scope.kind === 'service'
        ? sql`s.id = ${scope.serviceId}`
        : sql`true`;
  return sql`select h.created_at started,
      (select min(g.created_at) from gate_decisions g where g.service_id = h.service_id and g.environment = h.environment and g.outcome <> 'no_go' and g.created_at > h.created_at) answered,
      false closed
    from (select d.service_id, d.environment, d.outcome, d.created_at,
            lag(d.outcome) over (partition by d.service_id, d.environment order by d.created_at, d.id) prev
          from gate_decisions d join services s on s.id = d.service_id where ${where}) h
    where h.outcome = 'no_go' and (h.prev is null or h.prev <> 'no_go')`;
}

// The requests are materialised first: inlined, each row's answer (two look-ups for triage) was computed once for the
// filter and again for the figures.
async function level(
  db: Kysely<DB>,
  requests: RawBuilder<unknown>,
  targetHours: number,
  w: Window,
  now: Date,
): Promise<ServiceLevel> {
  const { rows } = await sql<Figures>`
    with q as materialized (${requests}),
    r as (select started, answered, closed, extract(epoch from answered - started) / 3600.0 h from q
      where started < ${now} and ((answered is not null and started >= ${w.start} and started < ${w.end}) or (answered is null and not closed)))
    select count(*) filter (where answered is not null)::int answered,
      (percentile_cont(0.5) within group (order by h) filter (where answered is not null))::float8 median,
      (percentile_cont(0.8) within group (order by h) filter (where answered is not null))::float8 p80,
      count(*) filter (where answered is not null and h <= ${targetHours})::int within_target,
      count(*) filter (where answered is null)::int waiting,
      (max(extract(epoch from ${now}::timestamptz - started) / 3600.0) filter (where answered is null))::float8 oldest
    from r`.execute(db);
  return serviceLevel(rows[0]!, targetHours);
}

/** One row of figures as a query returns it. */
interface Figures {
  answered: number;
  median: number | null;
  p80: number | null;
  within_target: number;
  waiting: number;
  oldest: number | null;
}

function serviceLevel(r: Figures, targetHours: number): ServiceLevel {
  const one = (n: number | null): number | null => (n == null ? null : Math.round(Number(n) * 10) / 10);
  return {
    targetHours,
    answered: r.answered,
    medianHours: one(r.median),
    p80Hours: one(r.p80),
    withinTarget: r.within_target,
    ratio: r.answered === 0 ? null : Math.round((r.within_target / r.answered) * 1000) / 1000,
    waiting: r.waiting,
    oldestWaitingHours: one(r.oldest),
  };
}
