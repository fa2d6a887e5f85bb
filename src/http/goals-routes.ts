/** /api/scorecard (the shared card) and /api/goals (joint goals: list, set, one). */
import type { Principal } from '../people/tokens.ts';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from '../context.ts';
import { subApp } from './sub-app.ts';
import { errorResponses, idParam } from './schemas.ts';
import { requireRead } from '../people/access.ts';
import { resolveScope } from '../goals/scope.ts';
import { periodOf, scorecardFor, trendFor } from '../goals/scorecard.ts';
import { getGoal, listGoals, setGoal } from '../goals/goals-service.ts';
import { goalMetricNames } from '../goals/goal-metrics.ts';

const ratio = z
  .number()
  .nullable()
  .openapi({ description: 'a share from 0 to 1; null when there is nothing to measure' });
const perPriority = <T extends z.ZodTypeAny>(t: T) => z.object({ act: t, attend: t, 'track*': t, track: t });
const level = z.object({
  targetHours: z.number(),
  answered: z.number().int(),
  medianHours: z.number().nullable(),
  p80Hours: z.number().nullable(),
  withinTarget: z.number().int(),
  ratio,
  waiting: z.number().int(),
  oldestWaitingHours: z.number().nullable(),
});

export const goalSchema = z
  .object({
    id: z.number().int(),
    metric: z.enum(goalMetricNames as [string, ...string[]]),
    label: z.string(),
    scope: z.object({ kind: z.enum(['org', 'team']), name: z.string().nullable() }),
    owners: z
      .array(z.string())
      .openapi({ description: 'the teams that own it together: at least one IT or engineering team and Security' }),
    target: z.object({
      text: z.string().openapi({ description: 'as set: -30%, +20% or a number' }),
      value: z.number(),
    }),
    baseline: z.number().openapi({ description: 'the metric measured when the goal was set' }),
    current: z.number(),
    deadline: z.string(),
    progress: z.number().openapi({
      description: 'share of the way from baseline to target, 0 to 1 (0 while the guardrail does not hold)',
    }),
    status: z.enum(['met', 'on_track', 'at_risk', 'off_track', 'missed']),
    projected: z
      .number()
      .nullable()
      .openapi({ description: 'the value expected at the deadline at the pace since the goal was set' }),
    guardrail: z
      .object({
        metric: z.enum(['scan-coverage', 'reopen-rate']),
        baseline: z.number().nullable(),
        current: z.number().nullable(),
        holds: z.boolean(),
      })
      .nullable(),
    setBy: z.string(),
    setAt: z.string(),
    summary: z.string(),
  })
  .openapi('Goal');

export const scorecardSchema = z
  .object({
    scope: z.object({ kind: z.enum(['org', 'team', 'service']), name: z.string().nullable() }),
    period: z.object({ from: z.string(), to: z.string() }),
    open: z
      .object({
        act: z.number().int(),
        attend: z.number().int(),
        'track*': z.number().int(),
        track: z.number().int(),
        total: z.number().int(),
      })
      .openapi({ description: 'open and in-progress findings now, by priority' }),
    overdueNow: z.number().int(),
    flow: z.object({ arrivals: z.number().int(), closures: z.number().int(), fixed: z.number().int() }),
    timeToFix: perPriority(
      z.object({
        fixed: z.number().int(),
        mttrDays: z.number().nullable(),
        p80Days: z.number().nullable(),
        withinDue: z.number().int(),
      }),
    ),
    slaCompliance: z.object({ closed: z.number().int(), withinDue: z.number().int(), ratio }),
    reopenRate: z.object({ closed: z.number().int(), reopened: z.number().int(), ratio }),
    exceptions: z.object({ open: z.number().int(), expiring: z.number().int(), expiringDays: z.number().int() }),
    exposureUnapproved: z.number().int(),
    scanCoverage: z.object({ days: z.number().int(), services: z.number().int(), scanned: z.number().int(), ratio }),
    commitments: z.object({ kept: z.number().int(), missed: z.number().int(), ratio }),
    cryingWolf: z.object({
      raised: z.number().int(),
      lowered: z.number().int(),
      falsePositive: z.number().int(),
      ratio,
    }),
    securityServiceLevels: z
      .object({ triage: level, exceptionAnswer: level, changeAnswer: level, gateReview: level })
      .openapi({ description: "Security's own service levels to IT, against the policy's service_levels targets" }),
    goalsAtRisk: z.array(goalSchema),
    trend: z.array(
      z.object({
        day: z.string(),
        open: perPriority(z.number().int()),
        arrivals: z.number().int(),
        closures: z.number().int(),
        overdue: z.number().int(),
      }),
    ),
    summary: z.array(z.string()),
  })
  .openapi('Scorecard');

const scorecardRoute = createRoute({
  method: 'get',
  path: '/api/scorecard',
  tags: ['goals'],
  summary: 'The shared scorecard of the organisation, a team or a service',
  request: {
    query: z.object({
      team: z.string().optional(),
      service: z.string().optional(),
      from: z.string().optional().openapi({ description: "first day (default: the policy's period before --to)" }),
      to: z.string().optional().openapi({ description: 'last day (default: today)' }),
    }),
  },
  responses: {
    200: { description: 'The scorecard', content: { 'application/json': { schema: scorecardSchema } } },
    ...errorResponses,
  },
});

const trendRoute = createRoute({
  method: 'get',
  path: '/api/scorecard/trend',
  tags: ['goals'],
  summary: "The scorecard's daily trend alone (open findings by priority, arrivals, closures, overdue per day)",
  request: { query: scorecardRoute.request.query },
  responses: {
    200: {
      description: "The card's scope, period and trend, as in the whole card",
      content: {
        'application/json': {
          schema: scorecardSchema.pick({ scope: true, period: true, trend: true }).openapi('ScorecardTrend'),
        },
      },
    },
    ...errorResponses,
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/api/goals',
  tags: ['goals'],
  summary: 'Joint goals, soonest deadline first',
  request: {
    query: z.object({
      team: z.string().optional().openapi({ description: 'the goals about this team or that it owns' }),
    }),
  },
  responses: {
    200: {
      description: 'The goals',
      content: { 'application/json': { schema: z.object({ items: z.array(goalSchema) }) } },
    },
    ...errorResponses,
  },
});

const setRoute = createRoute({
  method: 'post',
  path: '/api/goals',
  tags: ['goals'],
  summary: 'Set a joint goal; its baseline is measured now',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              metric: z
                .string()
                .max(100)
                .openapi({ description: goalMetricNames.join(' | ') }),
              team: z.string().max(200).optional(),
              org: z.boolean().optional(),
              owners: z.array(z.string().max(200)).max(20),
              target: z.string().max(50).openapi({ description: '-30%, +20% (from the baseline) or a number' }),
              deadline: z.string().max(50).openapi({ description: 'a day after today, 2027-06-30' }),
            })
            .strict(),
        },
      },
    },
  },
  responses: {
    201: { description: 'The goal', content: { 'application/json': { schema: goalSchema } } },
    ...errorResponses,
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/api/goals/{id}',
  tags: ['goals'],
  summary: 'One goal, where it stands now',
  request: { params: idParam },
  responses: {
    200: { description: 'The goal', content: { 'application/json': { schema: goalSchema } } },
    ...errorResponses,
  },
});

/** The scorecard and goals routes over a context. */
export function goalsRoutes(ctx: Context) {
  const deps = { db: ctx.database.db, now: ctx.now, policy: ctx.policy };
  // The organisation's card is everyone's; a team's or a service's is read by those who read that team's work.
  const readableScope = async (q: { team?: string | undefined; service?: string | undefined }, who: Principal) => {
    const scope = await resolveScope(deps.db, q);
    if (scope.kind !== 'org') requireRead(who, { teamId: scope.teamId, team: '' }, `the scorecard of ${scope.name}`);
    return scope;
  };
  return subApp()
    .openapi(scorecardRoute, async (c) => {
      const q = c.req.valid('query');
      const scope = await readableScope(q, c.get('principal'));
      return c.json(await scorecardFor(deps, scope, periodOf(deps.policy, deps.now(), q)), 200);
    })
    .openapi(trendRoute, async (c) => {
      const q = c.req.valid('query');
      const scope = await readableScope(q, c.get('principal'));
      return c.json(await trendFor(deps, scope, periodOf(deps.policy, deps.now(), q)), 200);
    })
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      const scope = q.team ? await resolveScope(deps.db, { team: q.team }) : undefined;
      return c.json({ items: await listGoals(deps, scope?.kind === 'team' ? { teamId: scope.teamId } : {}) }, 200);
    })
    .openapi(setRoute, async (c) => c.json(await setGoal(deps, c.get('principal'), c.req.valid('json')), 201))
    .openapi(getRoute, async (c) => c.json(await getGoal(deps, c.req.valid('param').id), 200));
}
