/** Looking back at stored decisions: replay one, compare it with the service's last go, and backtest a candidate policy. */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { GateOutcome } from './vocabulary.ts';
import { parsePolicy, type Policy } from '../policy/policy.ts';
import { calendarOf, policyCalendar } from '../policy/calendar.ts';
import { badInput } from '../errors.ts';
import { decideGate } from './gate-decide.ts';
import type { GateFacts, StoredDecision } from './gate-facts.ts';
import { policyIdentity, storedInputs, unpackFacts } from './gate-service.ts';
import { gateMessages as m } from './gate-messages.ts';

export interface ReplayResult {
  id: number;
  matches: boolean;
  stored: GateOutcome;
  replayed: GateOutcome;
  /** Which parts of the decision came out differently (empty when it matches). */
  differences: string[];
  /** The outcome the policy in force today gives for the same facts. */
  underCurrentPolicy: { outcome: GateOutcome; samePolicy: boolean };
  text: string;
}

/** Re-decides a stored decision from its facts snapshot and the policy revision it used; says whether it matches. */
export async function replayGate(deps: { db: Kysely<DB>; policy: Policy }, id: number): Promise<ReplayResult> {
  const stored = await storedInputs(deps.db, id);
  const policy = parsePolicy(JSON.stringify(stored.policyBody), `policy revision of gate decision ${id}`);
  const again = decideGate(policy, stored.facts);
  const differences = compare(stored.decision, again);
  const current = decideGate(deps.policy, stored.facts);
  const samePolicy = policyIdentity(deps.policy).digest === policyIdentity(policy).digest;
  const text = m.replayResult.render({
    id,
    matches: differences.length === 0,
    outcome: stored.decision.outcome,
    differences,
    current: current.outcome,
    samePolicy,
  });
  return {
    id,
    matches: differences.length === 0,
    stored: stored.decision.outcome,
    replayed: again.outcome,
    differences,
    underCurrentPolicy: { outcome: current.outcome, samePolicy },
    text,
  };
}

function compare(a: StoredDecision, b: StoredDecision): string[] {
  const parts: [string, (d: StoredDecision) => unknown][] = [
    ['outcome', (d) => d.outcome],
    ['reasons', (d) => d.reasons.map((r) => [r.ruleId, r.findingIds, r.commitmentIds])],
    ['warnings', (d) => d.warnings.map((r) => [r.ruleId, r.findingIds])],
    ['controls', (d) => d.controls.map((c) => [c.id, c.findingIds])],
    ['commitments', (d) => d.commitments.map((c) => [c.controlId, c.findingId, c.dueAt])],
    ['relied', (d) => d.relied],
    [
      'pathToGo',
      (d) => d.pathToGo.map((p) => [p.outcome, p.steps.map((s) => [s.action, s.findingId, s.commitmentId])]),
    ],
  ];
  return parts.filter(([, get]) => JSON.stringify(get(a)) !== JSON.stringify(get(b))).map(([name]) => name);
}

export interface ChangesResult {
  id: number;
  /** The service's last go (or go with controls) before this decision in the same environment, if any. */
  since: { id: number; outcome: GateOutcome; decidedAt: string } | null;
  changes: string[];
  text: string;
}

/** What changed between a decision and the service's last go before it: findings, exceptions, commitments, policy. */
export async function changesSinceLastGo(
  deps: { db: Kysely<DB>; policy?: { time_zone: string } },
  id: number,
): Promise<ChangesResult> {
  const now = await storedInputs(deps.db, id);
  const prev = await deps.db
    .selectFrom('gate_decisions')
    .select(['id', 'outcome', 'created_at', 'policy_digest'])
    .where('service_id', '=', now.serviceId)
    .where('environment', '=', now.environment)
    .where('id', '<', id)
    .where('outcome', '!=', 'no_go')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!prev)
    return {
      id,
      since: null,
      changes: [],
      text: m.changesNoGo.render({ service: now.facts.service.name, environment: now.environment }),
    };
  const before = await storedInputs(deps.db, prev.id);
  const thisDigest = await deps.db
    .selectFrom('gate_decisions')
    .select('policy_digest')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  const changes = diffFacts(before.facts, now.facts);
  if (thisDigest.policy_digest !== prev.policy_digest)
    changes.push(m.change.render({ kind: 'policy', what: `${prev.policy_digest} → ${thisDigest.policy_digest}` }));
  const since = { id: prev.id, outcome: prev.outcome, decidedAt: new Date(prev.created_at).toISOString() };
  return {
    id,
    since,
    changes,
    text: m.changesSince.render({
      id: prev.id,
      at: calendarOf(deps.policy?.time_zone ?? 'UTC').dayOf(since.decidedAt),
      outcome: prev.outcome,
      now: now.decision.outcome,
      count: changes.length,
    }),
  };
}

function diffFacts(a: GateFacts, b: GateFacts): string[] {
  const out: string[] = [];
  const before = new Map(a.findings.map((f) => [f.id, f]));
  const after = new Map(b.findings.map((f) => [f.id, f]));
  for (const f of b.findings) {
    const old = before.get(f.id);
    if (!old) out.push(m.change.render({ kind: 'new', what: `#${f.id} ${f.title} (${f.priority})` }));
    else {
      if (old.priority !== f.priority)
        out.push(m.change.render({ kind: 'priority', what: `#${f.id} ${f.title}: ${old.priority} → ${f.priority}` }));
      if (old.covered !== f.covered)
        out.push(m.change.render({ kind: f.covered ? 'covered' : 'uncovered', what: `#${f.id} ${f.title}` }));
      if (Date.parse(old.dueAt) >= Date.parse(a.at) && Date.parse(f.dueAt) < Date.parse(b.at))
        out.push(m.change.render({ kind: 'overdue', what: `#${f.id} ${f.title}` }));
    }
  }
  for (const f of a.findings)
    if (!after.has(f.id)) out.push(m.change.render({ kind: 'gone', what: `#${f.id} ${f.title}` }));
  const missedBefore = new Set(a.commitments.filter((c) => c.state === 'missed').map((c) => c.id));
  for (const c of b.commitments)
    if (c.state === 'missed' && !missedBefore.has(c.id))
      out.push(m.change.render({ kind: 'missed', what: `#${c.id} ${c.title} (${c.ownerTeam})` }));
  return out;
}

export interface BacktestResult {
  days: number;
  decisions: number;
  changed: {
    id: number;
    service: string;
    environment: string;
    decidedAt: string;
    was: GateOutcome;
    wouldBe: GateOutcome;
  }[];
  text: string;
}

/** Re-decides the stored gates of the last `days` days (today and the `days` before it) under a candidate policy and lists the outcomes that would change. */
export async function backtestPolicy(
  deps: { db: Kysely<DB>; now: () => Date },
  candidate: Policy,
  days: number,
): Promise<BacktestResult> {
  if (!Number.isInteger(days) || days < 1 || days > 3650)
    throw badInput('days: a whole number from 1 to 3650', { field: 'days' });
  const cal = policyCalendar(candidate);
  const from = cal.startOf(cal.addDays(cal.dayOf(deps.now()), -days));
  const changed: BacktestResult['changed'] = [];
  let decisions = 0;
  let lastId = 0;
  for (;;) {
    const rows = await deps.db
      .selectFrom('gate_decisions as g')
      .innerJoin('services as s', 's.id', 'g.service_id')
      .select(['g.id', 'g.facts', 'g.outcome', 'g.environment', 'g.created_at', 's.name'])
      .where('g.created_at', '>=', from)
      .where('g.id', '>', lastId)
      .orderBy('g.id')
      .limit(200)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      decisions++;
      lastId = r.id;
      const wouldBe = decideGate(candidate, unpackFacts(r.facts)).outcome;
      if (wouldBe !== r.outcome)
        changed.push({
          id: r.id,
          service: r.name,
          environment: r.environment,
          decidedAt: new Date(r.created_at).toISOString(),
          was: r.outcome,
          wouldBe,
        });
    }
  }
  return { days, decisions, changed, text: m.backtestSummary.render({ days, decisions, changed: changed.length }) };
}
