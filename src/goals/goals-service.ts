/**
 * Joint goals: a metric over the organisation or a team, a target and a deadline, owned by an IT or engineering team
 * and Security together. The baseline (and the guardrail's) is measured when the goal is set; progress, the forecast
 * and the guardrail are read whenever the goal is shown.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Policy } from '../policy/policy.ts';
import { policyCalendar, type Day } from '../policy/calendar.ts';
import { EntenteError, badInput } from '../errors.ts';
import { recordAudit } from '../audit/audit.ts';
import { pgJson } from '../db/pg-json.ts';
import type { Principal } from '../people/tokens.ts';
import { requireWriter } from '../people/access.ts';
import {
  goalMetricNames,
  goalMetrics,
  guardrailHolds,
  measureGuardrail,
  measureMetric,
  type Guardrail,
  type GoalMetricName,
} from './goal-metrics.ts';
import { assessGoal, targetValue, type GoalStatus } from './goal-progress.ts';
import { scorecardMessages as say } from './goal-messages.ts';
import type { Scope } from './scope.ts';

/** What a goal reads as, everywhere (API, CLI, scorecard). */
export interface GoalView {
  id: number;
  metric: GoalMetricName;
  label: string;
  scope: { kind: 'org' | 'team'; name: string | null };
  owners: string[];
  target: { text: string; value: number };
  baseline: number;
  current: number;
  deadline: Day;
  progress: number;
  status: GoalStatus;
  /** The value expected at the deadline at the pace since the goal was set (null in its first day). */
  projected: number | null;
  guardrail: { metric: Guardrail; baseline: number | null; current: number | null; holds: boolean } | null;
  setBy: string;
  setAt: string;
  summary: string;
}

/** What setting a goal takes, as people type it (`--target=-30%`, `--deadline 2027-06-30`). */
export interface GoalRequest {
  metric: string;
  team?: string | undefined;
  org?: boolean | undefined;
  owners: string[];
  target: string;
  deadline: string;
}

export interface GoalsDeps {
  db: Kysely<DB>;
  policy: Policy;
  now: () => Date;
}

/** Sets a goal: checks every field (naming the one that is wrong), measures the baseline now, records it with its audit entry. */
export async function setGoal(deps: GoalsDeps, who: Principal, req: GoalRequest): Promise<GoalView> {
  requireWriter(who, 'set goals');
  const now = deps.now();
  const cal = policyCalendar(deps.policy);
  if (!goalMetricNames.includes(req.metric as GoalMetricName)) {
    throw badInput(`metric: "${req.metric}" is not a goal metric; use ${goalMetricNames.join(', ')}`, {
      field: 'metric',
    });
  }
  const metric = req.metric as GoalMetricName;
  const target = parseTarget(req.target);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(req.deadline)
    || Number.isNaN(Date.parse(`${req.deadline}T00:00:00Z`))
    || new Date(`${req.deadline}T00:00:00Z`).toISOString().slice(0, 10) !== req.deadline
  ) {
    throw badInput(`deadline: "${req.deadline}" is not a day; write it as 2027-06-30`, { field: 'deadline' });
  }
  const today = cal.dayOf(now);
  if (req.deadline <= today)
    throw badInput(`deadline: ${req.deadline} is not after today (${today}); a goal needs a day still ahead`, {
      field: 'deadline',
    });
  if (req.team && req.org)
    throw badInput('give --team or --org, not both: a goal is about one team or the whole organisation', {
      field: 'team',
    });
  if (!req.team && !req.org)
    throw badInput('team: say what the goal is about: --team TEAM, or --org for the whole organisation', {
      field: 'team',
    });
  let scope: Scope = { kind: 'org' };
  if (req.team) {
    const t = await deps.db
      .selectFrom('teams')
      .select(['id', 'name'])
      .where('name', '=', req.team)
      .where('archived_at', 'is', null)
      .executeTakeFirst();
    if (!t)
      throw badInput(`team: no team is named "${req.team}"; the organisation file lists the teams`, { field: 'team' });
    scope = { kind: 'team', teamId: t.id, name: t.name };
  }
  const owners = await ownerTeams(deps.db, req.owners);
  if (who.role === 'engineer' && !owners.some((o) => who.teamIds.includes(o.id))) {
    throw new EntenteError(
      'forbidden',
      'engineers set goals their own teams share; name one of your teams among --owners, or ask Security',
      {},
    );
  }
  const baseline = await measureMetric(deps.db, deps.policy, metric, scope, now);
  const rail: Guardrail | null = goalMetrics[metric].guardrail;
  const railBaseline = rail ? await measureGuardrail(deps.db, deps.policy, rail, scope, now) : null;
  const id = await deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('goals')
      .values({
        metric,
        scope_team_id: scope.kind === 'team' ? scope.teamId : null,
        owner_team_ids: owners.map((o) => o.id),
        target_text: req.target,
        target_value: targetValue(target, baseline),
        baseline,
        guardrail: rail ? pgJson({ metric: rail, baseline: railBaseline }) : null,
        deadline: req.deadline,
        created_by: who.actor,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor: who.actor,
      action: 'goal.set',
      entity: 'goal',
      entityId: row.id,
      at: now,
      after: {
        metric,
        scope: scope.kind === 'team' ? scope.name : 'org',
        owners: owners.map((o) => o.name),
        target: req.target,
        baseline,
        deadline: req.deadline,
      },
    });
    return row.id;
  });
  return getGoal(deps, id);
}

/** One goal as it stands now, or not_found. */
export async function getGoal(deps: GoalsDeps, id: number): Promise<GoalView> {
  const [view] = await viewsOf(deps, await goalRows(deps.db).where('g.id', '=', id).execute());
  if (!view)
    throw new EntenteError('not_found', `goal ${id} does not exist; \`entente goal list\` shows the goals`, { id });
  return view;
}

/** Every goal, soonest deadline first; with a team, the goals about it or that it owns. */
export async function listGoals(deps: GoalsDeps, opts: { teamId?: number | undefined } = {}): Promise<GoalView[]> {
  let q = goalRows(deps.db).orderBy('g.deadline').orderBy('g.id');
  if (opts.teamId !== undefined) {
    const teamId = opts.teamId;
    q = q.where((eb) =>
      eb.or([eb('g.scope_team_id', '=', teamId), eb(sql<boolean>`${teamId} = any(g.owner_team_ids)`, '=', true)]),
    );
  }
  return viewsOf(deps, await q.execute());
}

/** The goals at risk, off track or past their deadline unmet — for a scope's scorecard and the review meeting's agenda. */
export async function goalsAtRisk(deps: GoalsDeps, scope: Scope = { kind: 'org' }): Promise<GoalView[]> {
  const goals = await listGoals(deps, scope.kind === 'org' ? {} : { teamId: scope.teamId });
  return goals.filter((g) => g.status === 'at_risk' || g.status === 'off_track' || g.status === 'missed');
}

function goalRows(db: Kysely<DB>) {
  return db
    .selectFrom('goals as g')
    .leftJoin('teams as t', 't.id', 'g.scope_team_id')
    .selectAll('g')
    .select(['t.name as scope_name', sql<string>`g.deadline::text`.as('deadline_day')])
    .select(
      sql<
        string[]
      >`(select coalesce(array_agg(o.name order by o.kind = 'security', o.name), '{}') from teams o where o.id = any(g.owner_team_ids))`.as(
        'owner_names',
      ),
    );
}

type GoalRow = Awaited<ReturnType<ReturnType<typeof goalRows>['execute']>>[number];

async function viewsOf(deps: GoalsDeps, rows: GoalRow[]): Promise<GoalView[]> {
  const now = deps.now();
  const cal = policyCalendar(deps.policy);
  const out: GoalView[] = [];
  for (const r of rows) {
    const metric = r.metric as GoalMetricName;
    const def = goalMetrics[metric];
    const scope: Scope =
      r.scope_team_id === null ? { kind: 'org' } : { kind: 'team', teamId: r.scope_team_id, name: r.scope_name ?? '' };
    const current = await measureMetric(deps.db, deps.policy, metric, scope, now);
    const stored = r.guardrail as unknown as { metric: Guardrail; baseline: number | null } | null;
    const railNow = stored ? await measureGuardrail(deps.db, deps.policy, stored.metric, scope, now) : null;
    const holds = stored ? guardrailHolds(stored.metric, stored.baseline, railNow) : true;
    const deadline = r.deadline_day as Day;
    const a = assessGoal({
      baseline: r.baseline,
      target: r.target_value,
      current,
      lowerIsBetter: def.lowerIsBetter,
      setAt: new Date(r.created_at),
      deadlineEnd: cal.endOf(deadline),
      now,
      guardrailHolds: holds,
    });
    const owners = r.owner_names;
    out.push({
      id: r.id,
      metric,
      label: def.label,
      scope: { kind: scope.kind === 'org' ? 'org' : 'team', name: scope.kind === 'org' ? null : scope.name },
      owners,
      target: { text: r.target_text, value: r.target_value },
      baseline: r.baseline,
      current,
      deadline,
      progress: a.progress,
      status: a.status,
      projected: a.projected,
      guardrail: stored ? { metric: stored.metric, baseline: stored.baseline, current: railNow, holds } : null,
      setBy: r.created_by,
      setAt: new Date(r.created_at).toISOString(),
      summary: say.goal.render({
        id: r.id,
        label: def.label,
        target: r.target_text,
        deadline,
        owners,
        baseline: r.baseline,
        current,
        status: a.status,
        guardrail:
          holds || !stored
            ? null
            : stored.metric === 'scan-coverage'
              ? 'scan coverage is back to where it was'
              : 'the reopen rate is back to where it was',
      }),
    });
  }
  return out;
}

// "-30%", "+20%" (a change from the baseline) or a number.
function parseTarget(text: string): { percent: number } | { value: number } {
  const t = String(text).trim();
  const pct = /^([+-])(\d+(?:\.\d+)?)\s*%$/.exec(t);
  if (pct) {
    const n = Number(pct[2]) * (pct[1] === '-' ? -1 : 1);
    if (n <= -100 || n === 0 || n > 1000)
      throw badInput(
        `target: "${t}" is not a change we can aim at; use a change from the baseline such as -30% or +20% (more than -100%, not 0)`,
        { field: 'target' },
      );
    return { percent: n };
  }
  if (/^\d+(?:\.\d+)?$/.test(t)) return { value: Number(t) };
  throw badInput(
    `target: "${t}" is not a target; use a change from the baseline such as -30% or +20%, or a number such as 12`,
    { field: 'target' },
  );
}

// The owner teams, each known; at least one security team and one engineering or IT operations team.
async function ownerTeams(db: Kysely<DB>, names: string[]): Promise<{ id: number; name: string; kind: string }[]> {
  const wanted = [...new Set(names.map((n) => n.trim()).filter(Boolean))];
  if (wanted.length === 0)
    throw badInput('owners: name the teams that own the goal together, e.g. --owners payments,security', {
      field: 'owners',
    });
  const teams = await db
    .selectFrom('teams')
    .select(['id', 'name', 'kind'])
    .where('name', 'in', wanted)
    .where('archived_at', 'is', null)
    .execute();
  const unknown = wanted.filter((n) => !teams.some((t) => t.name === n));
  if (unknown.length)
    throw badInput(
      `owners: no team is named ${unknown.map((n) => `"${n}"`).join(', ')}; the organisation file lists the teams`,
      { field: 'owners' },
    );
  const hasSecurity = teams.some((t) => t.kind === 'security');
  const hasIt = teams.some((t) => t.kind !== 'security');
  if (!hasSecurity || !hasIt) {
    const securityTeams = (
      await db
        .selectFrom('teams')
        .select('name')
        .where('kind', '=', 'security')
        .where('archived_at', 'is', null)
        .orderBy('name')
        .execute()
    ).map((t) => t.name);
    throw badInput(
      say.ownersTogether.render({ missing: hasSecurity ? 'it' : 'security', securityTeams, owners: wanted }),
      { field: 'owners' },
    );
  }
  return teams;
}
