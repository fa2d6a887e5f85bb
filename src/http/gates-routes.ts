/** /api/gates: decide a release (go / go with controls / no-go) and read, replay and compare stored decisions. */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from '../context.ts';
import { getGate, listGates, runGate } from '../gates/gate-service.ts';
import { readableTeams } from '../people/access.ts';
import { changesSinceLastGo, replayGate } from '../gates/gate-history.ts';
import { subApp } from './sub-app.ts';
import { checkRead } from './guards.ts';
import { errorResponses, idParam } from './schemas.ts';
import { commitmentSchema } from './commitments-routes.ts';

const outcome = z.enum(['go', 'go_with_controls', 'no_go']);
const reason = z.object({
  ruleId: z.string(),
  outcome: z.enum(['no_go', 'go_with_controls']),
  mode: z.enum(['enforce', 'warn']),
  text: z.string(),
  findingIds: z.array(z.number().int()),
  commitmentIds: z.array(z.number().int()),
});
const verification = z.object({ method: z.enum(['evidence', 'check']), detail: z.string() });

export const gateSchema = z
  .object({
    id: z.number().int(),
    service: z.string(),
    environment: z.string(),
    version: z.string().nullable(),
    commit: z.string().nullable(),
    outcome,
    exitCode: z
      .number()
      .int()
      .openapi({ description: 'what `entente gate` exits with: 0 go, 10 go with controls, 1 no-go' }),
    summary: z.string(),
    reasons: z.array(reason),
    warnings: z
      .array(reason)
      .openapi({ description: 'rules in warn mode that matched; they never change the outcome' }),
    controls: z.array(
      z.object({
        id: z.string(),
        title: z.string(),
        kind: z.string(),
        verification,
        requirements: z.array(z.string()),
        findingIds: z.array(z.number().int()),
      }),
    ),
    commitments: z.array(commitmentSchema).openapi({
      description:
        'created by this decision and open ones it relied on, soonest due first: the first 100 (GET /api/commitments?gate=ID pages through all)',
    }),
    commitmentCount: z
      .number()
      .int()
      .openapi({ description: 'how many commitments the decision created and relied on in all' }),
    commitmentsByControl: z
      .array(
        z.object({
          controlId: z.string().nullable(),
          kind: z.string(),
          title: z.string(),
          created: z.number().int(),
          relied: z.number().int(),
          open: z.number().int(),
          missed: z.number().int(),
          verified: z.number().int(),
          released: z.number().int(),
        }),
      )
      .openapi({ description: 'those commitments counted per control, by where each stands now' }),
    createdCommitments: z.array(z.number().int()),
    relied: z.object({ exceptions: z.array(z.number().int()), commitments: z.array(z.number().int()) }),
    requirements: z.array(z.string()).openapi({ description: 'compliance requirements the controls serve' }),
    pathToGo: z.array(
      z.object({
        rank: z.number().int(),
        outcome,
        text: z.string(),
        steps: z.array(
          z.object({
            action: z.enum(['fix', 'exception', 'verify', 'policy']),
            findingId: z.number().int().optional(),
            commitmentId: z.number().int().optional(),
            ruleId: z.string().optional(),
            text: z.string(),
          }),
        ),
      }),
    ),
    decidedAt: z.string(),
    actor: z.string(),
    policy: z.object({ revision: z.number().int(), digest: z.string() }),
    inputDigest: z.string(),
  })
  .openapi('GateDecision');

const decideRoute = createRoute({
  method: 'post',
  path: '/api/gates',
  tags: ['gates'],
  summary: 'Decide a release now; a go with controls creates its commitments',
  request: {
    body: {
      content: {
        'application/json': {
          schema: z
            .object({
              service: z.string().min(1).max(200),
              env: z.string().min(1).max(40),
              version: z.string().max(100).optional(),
              commit: z.string().max(64).optional(),
            })
            .strict(),
        },
      },
      required: true,
    },
  },
  responses: {
    201: { description: 'The decision (a receipt)', content: { 'application/json': { schema: gateSchema } } },
    ...errorResponses,
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/api/gates',
  tags: ['gates'],
  summary: 'Stored decisions, newest first, per service and environment (of the teams the caller may read)',
  request: {
    query: z.object({
      service: z.string().max(200).optional(),
      env: z.string().max(40).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
  },
  responses: {
    200: {
      description: 'The decisions',
      content: {
        'application/json': {
          schema: z.object({
            items: z.array(
              z
                .object({
                  id: z.number().int(),
                  service: z.string(),
                  team: z.string(),
                  environment: z.string(),
                  version: z.string().nullable(),
                  commit: z.string().nullable(),
                  outcome,
                  summary: z.string(),
                  decidedAt: z.string(),
                  actor: z.string(),
                })
                .openapi('GateListItem'),
            ),
          }),
        },
      },
    },
    ...errorResponses,
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/api/gates/{id}',
  tags: ['gates'],
  summary: 'A stored decision, with its commitments as they stand now',
  request: { params: idParam },
  responses: {
    200: { description: 'The decision', content: { 'application/json': { schema: gateSchema } } },
    ...errorResponses,
  },
});

const replayRoute = createRoute({
  method: 'get',
  path: '/api/gates/{id}/replay',
  tags: ['gates'],
  summary: 'Re-decide from the stored facts and policy revision; says whether it matches',
  request: { params: idParam },
  responses: {
    200: {
      description: 'The replay',
      content: {
        'application/json': {
          schema: z.object({
            id: z.number().int(),
            matches: z.boolean(),
            stored: outcome,
            replayed: outcome,
            differences: z.array(z.string()),
            underCurrentPolicy: z.object({ outcome, samePolicy: z.boolean() }),
            text: z.string(),
          }),
        },
      },
    },
    ...errorResponses,
  },
});

const changesRoute = createRoute({
  method: 'get',
  path: '/api/gates/{id}/changes',
  tags: ['gates'],
  summary: "What changed since the service's last go in the same environment",
  request: { params: idParam },
  responses: {
    200: {
      description: 'The changes',
      content: {
        'application/json': {
          schema: z.object({
            id: z.number().int(),
            since: z.object({ id: z.number().int(), outcome, decidedAt: z.string() }).nullable(),
            changes: z.array(z.string()),
            text: z.string(),
          }),
        },
      },
    },
    ...errorResponses,
  },
});

/** The gates routes over a context. */
export function gatesRoutes(ctx: Context) {
  const deps = { db: ctx.database.db, policy: ctx.policy, now: ctx.now };
  return subApp()
    .openapi(decideRoute, async (c) => c.json(await runGate(deps, c.get('principal'), c.req.valid('json')), 201))
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      return c.json({ items: await listGates(deps.db, { ...q, teamIds: readableTeams(c.get('principal')) }) }, 200);
    })
    .openapi(getRoute, async (c) => {
      const id = c.req.valid('param').id;
      await checkRead(deps.db, c.get('principal'), 'gate', id);
      return c.json(await getGate(deps, id), 200);
    })
    .openapi(replayRoute, async (c) => {
      const id = c.req.valid('param').id;
      await checkRead(deps.db, c.get('principal'), 'gate', id);
      return c.json(await replayGate(deps, id), 200);
    })
    .openapi(changesRoute, async (c) => {
      const id = c.req.valid('param').id;
      await checkRead(deps.db, c.get('principal'), 'gate', id);
      return c.json(await changesSinceLastGo(deps, id), 200);
    });
}
