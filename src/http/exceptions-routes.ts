/** /api/exceptions: ask to accept a risk, list and read exceptions, approve, decline and revoke them. */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from '../context.ts';
import {
  approveException,
  declineException,
  getException,
  listExceptions,
  requestException,
  revokeException,
} from '../exceptions/exceptions-service.ts';
import { subApp } from './sub-app.ts';
import { readableTeams } from '../people/access.ts';
import { checkRead } from './guards.ts';
import { commitmentSchema } from './commitments-routes.ts';
import { errorBody, errorResponses, idParam, rowId } from './schemas.ts';

export const exceptionSchema = z
  .object({
    id: z.number().int(),
    status: z.enum(['requested', 'approved', 'declined', 'expired', 'lapsed', 'revoked']),
    team: z.string(),
    reason: z.string(),
    controls: z.array(z.string()),
    requestedBy: z.string(),
    requestedAt: z.string(),
    expiresAt: z.string().openapi({ description: "the end of its last day, in the organisation's time zone" }),
    validUntil: z
      .string()
      .openapi({ description: 'the last day it covers (2027-02-05); its findings come back the day after' }),
    approvals: z.object({ lead: z.string().nullable(), security: z.string().nullable() }),
    awaiting: z.array(z.string()).openapi({ description: 'whose approval it still needs' }),
    decidedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    endReason: z.string().nullable(),
    findings: z.array(
      z.object({
        id: z.number().int(),
        title: z.string(),
        service: z.string(),
        priority: z.string(),
        priorityAtRequest: z.string(),
        status: z.string(),
      }),
    ),
    commitments: z
      .array(commitmentSchema)
      .openapi({ description: 'its compensating controls, owed by the team from approval on; released when it ends' }),
    summary: z.string().openapi({ description: 'one sentence saying where it stands' }),
  })
  .openapi('Exception');

const responses = {
  ...errorResponses,
  409: {
    description: 'The exception or a finding is not in a state that allows this; the message says what would',
    content: { 'application/json': { schema: errorBody } },
  },
} as const;

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } }, required: true });
const one = (description: string) => ({ description, content: { 'application/json': { schema: exceptionSchema } } });
const reasonBody = z.object({ reason: z.string().max(5_000) }).strict();

const requestRoute = createRoute({
  method: 'post',
  path: '/api/exceptions',
  tags: ['exceptions'],
  summary: "Ask to accept the risk of some of one team's findings for a while",
  request: {
    body: json(
      z
        .object({
          findingIds: z.array(rowId).max(500),
          reason: z.string().max(5_000),
          controls: z.array(z.string().max(1_000)).max(50),
          days: z.number().int().positive().optional().openapi({
            description: 'default: policy.exceptions.default_days, cut to the maximum for the most urgent finding',
          }),
        })
        .strict(),
    ),
  },
  responses: { 201: one("The request, waiting for the team lead's and Security's approval"), ...responses },
});

const listRoute = createRoute({
  method: 'get',
  path: '/api/exceptions',
  tags: ['exceptions'],
  summary: 'List exceptions, newest first (ends any whose date has passed first)',
  request: {
    query: z.object({
      status: z.string().optional().openapi({
        description: 'comma list of requested, approved, declined, expired, lapsed, revoked, or "all" (default)',
      }),
      team: z.string().optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
  },
  responses: {
    200: {
      description: 'The exceptions',
      content: { 'application/json': { schema: z.object({ items: z.array(exceptionSchema) }) } },
    },
    ...responses,
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/api/exceptions/{id}',
  tags: ['exceptions'],
  summary: 'One exception with its findings and approvals',
  request: { params: idParam },
  responses: { 200: one('The exception'), ...responses },
});

const approveRoute = createRoute({
  method: 'post',
  path: '/api/exceptions/{id}/approve',
  tags: ['exceptions'],
  summary: "Approve as the team's lead or as Security (never your own request)",
  request: { params: idParam },
  responses: { 200: one('The exception; approved once both approvals are in'), ...responses },
});

const declineRoute = createRoute({
  method: 'post',
  path: '/api/exceptions/{id}/decline',
  tags: ['exceptions'],
  summary: 'Decline a request, saying why; its findings stay as they are',
  request: { params: idParam, body: json(reasonBody) },
  responses: { 200: one('The declined exception'), ...responses },
});

const revokeRoute = createRoute({
  method: 'post',
  path: '/api/exceptions/{id}/revoke',
  tags: ['exceptions'],
  summary: 'End an exception early (requester or Security); its findings come back as they were',
  request: { params: idParam, body: json(reasonBody) },
  responses: { 200: one('The revoked exception'), ...responses },
});

/** The exceptions routes over a context. */
export function exceptionsRoutes(ctx: Context) {
  const deps = { db: ctx.database.db, now: ctx.now, policy: ctx.policy };
  const list = (v: string | undefined): string[] | undefined =>
    v
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return subApp()
    .openapi(requestRoute, async (c) =>
      c.json(await requestException(deps, c.get('principal'), c.req.valid('json')), 201),
    )
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      return c.json(
        {
          items: await listExceptions(deps, {
            status: list(q.status),
            team: q.team,
            limit: q.limit,
            teamIds: readableTeams(c.get('principal')),
          }),
        },
        200,
      );
    })
    .openapi(getRoute, async (c) => {
      const id = c.req.valid('param').id;
      await checkRead(deps.db, c.get('principal'), 'exception', id);
      return c.json(await getException(deps, id), 200);
    })
    .openapi(approveRoute, async (c) =>
      c.json(await approveException(deps, c.get('principal'), c.req.valid('param').id), 200),
    )
    .openapi(declineRoute, async (c) =>
      c.json(
        await declineException(deps, c.get('principal'), c.req.valid('param').id, c.req.valid('json').reason),
        200,
      ),
    )
    .openapi(revokeRoute, async (c) =>
      c.json(await revokeException(deps, c.get('principal'), c.req.valid('param').id, c.req.valid('json').reason), 200),
    );
}
