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
    level(db, triageRequests(scope, w), t.triage_hours, w, now),
    level(db, exceptionRequests(scope), t.exception_answer_hours, w, now),
    level(db, changeRequests(scope), t.change_answer_hours, w, now),
    level(db, heldReleases(scope), t.gate_review_hours, w, now),
  ]);
  return { triage, exceptionAnswer, changeAnswer, gateReview };
}

// Each request source yields (started, answered) pairs; answered is null while it waits, and `closed` drops a request
// that ended without needing an answer (a finding fixed before anyone looked at it).

// A new act or attend finding is triaged by the first person's change to it (status, assignee or comment, in the audit
// log) or an exception asked for it. Only findings first seen in the window count (waiting ones too), and their first
// answers are found as two joins rather than two look-ups per finding: at an organisation's scale the look-ups were
// most of the card's time. An answer comes after the finding was first seen, so only the window's audit entries count.
function triageRequests(scope: Scope, w: Window): RawBuilder<unknown> {
  return sql`with raised as materialized (select f.id, f.first_seen_at, f.status from findings f
        where coalesce(f.peak_rank, f.priority_rank) <= 2 and f.first_seen_at >= ${w.start} and f.first_seen_at < ${w.end} and ${findingsIn(scope)}),
      touched as (select a.entity_id, min(a.at) at from audit_log a
        where a.entity = 'finding' and a.action = 'finding.update' and a.at >= ${w.start} and a.entity_id in (select id::text from raised) group by 1),
      asked as (select ef.finding_id, min(e.created_at) at from exception_findings ef join exceptions e on e.id = ef.exception_id
        where e.created_at >= ${w.start} and ef.finding_id in (select id from raised) group by 1)
    select r.first_seen_at started, least(t.at, x.at) answered, r.status not in ('open', 'in_progress') closed
    from raised r left join touched t on t.entity_id = r.id::text left join asked x on x.finding_id = r.id`;
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
  const { rows } = await sql<{
    answered: number;
    median: number | null;
    p80: number | null;
    within_target: number;
    waiting: number;
    oldest: number | null;
  }>`
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
  const r = rows[0]!;
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
