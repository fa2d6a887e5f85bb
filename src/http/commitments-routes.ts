/** /api/commitments: what each team owes by when (controls, fixes, removals), and verifying them with evidence. */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from '../context.ts';
import { getCommitment, listCommitments, verifyCommitment } from '../commitments/commitments-service.ts';
import { commitmentStates } from '../commitments/commitment-view.ts';
import type { CommitmentState } from '../commitments/vocabulary.ts';
import { badInput } from '../errors.ts';
import { subApp } from './sub-app.ts';
import { readableTeams } from '../people/access.ts';
import { checkRead } from './guards.ts';
import { errorBody, errorResponses, idParam } from './schemas.ts';

export const commitmentSchema = z
  .object({
    id: z.number().int(),
    kind: z.string().openapi({ description: 'control, fix, removal or another word' }),
    controlId: z.string().nullable(),
    title: z.string(),
    ownerTeam: z.string(),
    ownerTeamId: z.number().int(),
    service: z.string().nullable(),
    serviceId: z.number().int().nullable(),
    findingId: z.number().int().nullable(),
    dueAt: z.string(),
    dueDate: z.string().openapi({ description: "the day it is due, in the organisation's time zone" }),
    verification: z.object({ method: z.enum(['evidence', 'check']), detail: z.string() }),
    source: z.object({ type: z.enum(['gate', 'change', 'exception', 'review']), id: z.number().int() }),
    state: z
      .enum(['open', 'verified', 'missed', 'released'])
      .openapi({ description: 'released: no longer owed, because what it supported ended' }),
    overdue: z.boolean(),
    evidence: z.string().nullable(),
    verifiedBy: z.string().nullable(),
    verifiedAt: z.string().nullable(),
    missedAt: z.string().nullable(),
    releasedAt: z.string().nullable(),
    releaseReason: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    summary: z.string(),
  })
  .openapi('Commitment');

const responses = {
  ...errorResponses,
  409: { description: 'The commitment is verified already', content: { 'application/json': { schema: errorBody } } },
} as const;

const listRoute = createRoute({
  method: 'get',
  path: '/api/commitments',
  tags: ['commitments'],
  summary: 'Commitments, soonest due first',
  request: {
    query: z.object({
      service: z.string().optional(),
      team: z.string().optional(),
      state: z
        .string()
        .optional()
        .openapi({ description: 'comma list of open, verified, missed, released (default: all)' }),
      gate: z.coerce
        .number()
        .int()
        .min(1)
        .max(2 ** 31 - 1)
        .optional()
        .openapi({ description: 'the commitments a gate decision created and relied on' }),
      limit: z.coerce.number().int().min(1).max(500).default(100),
      offset: z.coerce
        .number()
        .int()
        .min(0)
        .max(2 ** 31 - 1)
        .default(0)
        .openapi({ description: 'how many to skip, for the next page' }),
    }),
  },
  responses: {
    200: {
      description: 'The commitments',
      content: { 'application/json': { schema: z.object({ items: z.array(commitmentSchema) }) } },
    },
    ...responses,
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/api/commitments/{id}',
  tags: ['commitments'],
  summary: 'One commitment',
  request: { params: idParam },
  responses: {
    200: { description: 'The commitment', content: { 'application/json': { schema: commitmentSchema } } },
    ...responses,
  },
});

const verifyRoute = createRoute({
  method: 'post',
  path: '/api/commitments/{id}/verify',
  tags: ['commitments'],
  summary: 'Record that a commitment is in place, with the evidence',
  request: {
    params: idParam,
    body: {
      content: { 'application/json': { schema: z.object({ evidence: z.string().max(5_000) }).strict() } },
      required: true,
    },
  },
  responses: {
    200: { description: 'The verified commitment', content: { 'application/json': { schema: commitmentSchema } } },
    ...responses,
  },
});

/** Parses a comma list of states, naming the first unknown one. */
export function parseStates(text: string | undefined): CommitmentState[] | undefined {
  const states = text
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of states ?? []) {
    if (!commitmentStates.includes(s as CommitmentState))
      throw badInput(`state: "${s}" is not a state; use ${commitmentStates.join(', ')}`, { field: 'state' });
  }
  return states?.length ? (states as CommitmentState[]) : undefined;
}

/** The commitments routes over a context. */
export function commitmentsRoutes(ctx: Context) {
  const deps = { db: ctx.database.db, now: ctx.now, policy: ctx.policy };
  return subApp()
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      if (q.gate !== undefined) await checkRead(deps.db, c.get('principal'), 'gate', q.gate);
      return c.json(
        {
          items: await listCommitments(deps, {
            service: q.service,
            team: q.team,
            state: parseStates(q.state),
            gate: q.gate,
            limit: q.limit,
            offset: q.offset,
            teamIds: readableTeams(c.get('principal')),
          }),
        },
        200,
      );
    })
    .openapi(getRoute, async (c) => {
      const id = c.req.valid('param').id;
      await checkRead(deps.db, c.get('principal'), 'commitment', id);
      return c.json(await getCommitment(deps, id), 200);
    })
    .openapi(verifyRoute, async (c) =>
      c.json(
        await verifyCommitment(deps, c.get('principal'), c.req.valid('param').id, c.req.valid('json').evidence),
        200,
      ),
    );
}
