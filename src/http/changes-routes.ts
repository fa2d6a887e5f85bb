/** /api/changes: request a change (risk-checked at once), list and read them, and each step of their life. */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from '../context.ts';
import {
  approveChange,
  declineChange,
  extendChange,
  getChange,
  implementChange,
  keepProtocol,
  listChanges,
  previewChange,
  recertifyChange,
  removeChange,
  requestChange,
  submitChange,
} from '../changes/changes-service.ts';
import { changeTypes } from '../changes/change-policy.ts';
import { subApp } from './sub-app.ts';
import { readableTeams } from '../people/access.ts';
import { checkRead } from './guards.ts';
import { errorBody, errorResponses, idParam } from './schemas.ts';

export const changeSchema = z
  .object({
    id: z.number().int(),
    type: z.string(),
    status: z.string(),
    service: z.string(),
    team: z.string(),
    title: z.string(),
    fields: z.record(z.string(), z.unknown()),
    emergency: z.boolean(),
    risk: z.string(),
    riskCheck: z.object({
      risk: z.string(),
      reasons: z.array(z.string()),
      rules: z.array(z.string()),
      safeguards: z.array(
        z.object({
          id: z.string(),
          title: z.string(),
          verify: z.string(),
          due: z.union([z.literal('start'), z.number()]).optional(),
        }),
      ),
      alternative: z.string().nullable(),
      alternativeFirst: z.boolean().optional().openapi({
        description:
          'true: the requester answers the alternative (keep-protocol with a reason, or a new request) before the approvals',
      }),
      protocolLabel: z.string().optional(),
      maxLeaseDays: z.number().int(),
      needsEnd: z.boolean(),
      approval: z.string(),
      standard: z.string().nullable(),
      message: z.string(),
    }),
    approvals: z.object({
      path: z.string(),
      owner: z.string().nullable(),
      security: z.string().nullable(),
      awaiting: z.array(z.string()),
    }),
    requestedBy: z.string(),
    requestedAt: z.string(),
    decidedAt: z.string().nullable(),
    declineReason: z.string().nullable(),
    startsAt: z.string(),
    endsAt: z.string().nullable(),
    extended: z.object({ at: z.string(), reason: z.string() }).nullable(),
    implementedAt: z.string().nullable(),
    review: z.object({ dueAt: z.string(), reviewedAt: z.string().nullable(), overdue: z.boolean() }).nullable(),
    recertification: z.object({ dueAt: z.string(), lastAt: z.string().nullable(), overdue: z.boolean() }).nullable(),
    removal: z
      .object({
        dueAt: z.string(),
        overdue: z.boolean(),
        confirmedAt: z.string().nullable(),
        by: z.string().nullable(),
      })
      .nullable(),
    commitmentIds: z.array(z.number().int()),
    policyDigest: z.string(),
    summary: z.string().openapi({ description: 'where it stands, in a sentence or two' }),
  })
  .openapi('Change');

const requestBody = z
  .object({
    type: z.enum(changeTypes),
    service: z.string(),
    title: z.string(),
  })
  .passthrough()
  .openapi('ChangeRequest', {
    description:
      'type, service and title, plus the fields of the type: description, emergency, draft, start, end, dataClass, internetFacing, '
      + 'source, destination, ports, protocol, transport, authentication, keepProtocol (why it stays as asked rather than the safer alternative the risk check offers); account, client (file-share), vendor (remote-access, third-party), '
      + 'resource, provider (cloud-exposure), account, system (privileged-access), dataShared (third-party)',
  });

const responses = {
  ...errorResponses,
  409: {
    description: 'The change is not in a state that allows this; the message says what would',
    content: { 'application/json': { schema: errorBody } },
  },
} as const;

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } }, required: true });
const one = (description: string) => ({ description, content: { 'application/json': { schema: changeSchema } } });
const step = <Name extends string>(name: Name, summary: string) =>
  createRoute({
    method: 'post',
    path: `/api/changes/{id}/${name}`,
    tags: ['changes'],
    summary,
    request: { params: idParam },
    responses: { 200: one('The change after this step'), ...responses },
  });

const requestRoute = createRoute({
  method: 'post',
  path: '/api/changes',
  tags: ['changes'],
  summary: 'Request a change; the risk check, safeguards and approvals needed come back at once',
  request: { body: json(requestBody) },
  responses: { 201: one('The change with its risk check'), ...responses },
});

const previewSchema = z
  .object({
    service: z.string(),
    team: z.string(),
    risk: z.string(),
    riskCheck: changeSchema.shape.riskCheck,
    approvals: z.object({
      path: z.string(),
      awaiting: z
        .array(z.string())
        .openapi({ description: 'whose approvals it would wait for (the owner team, Security)' }),
    }),
    startsAt: z.string(),
    endsAt: z.string().nullable(),
    longestLeaseDays: z.number().int(),
  })
  .openapi('ChangePreview');

const previewRoute = createRoute({
  method: 'post',
  path: '/api/changes/preview',
  tags: ['changes'],
  summary:
    'What a request would get (risk check, safeguards, approvals needed, longest lease) without storing anything: a form shows it as people type',
  request: { body: json(requestBody) },
  responses: {
    200: { description: 'The preview; nothing is written', content: { 'application/json': { schema: previewSchema } } },
    ...responses,
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/api/changes',
  tags: ['changes'],
  summary: 'List changes, newest first',
  request: {
    query: z.object({
      service: z.string().optional(),
      team: z.string().optional(),
      status: z.string().optional().openapi({ description: 'comma list of states, or "all" (default)' }),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
  },
  responses: {
    200: {
      description: 'The changes',
      content: { 'application/json': { schema: z.object({ items: z.array(changeSchema) }) } },
    },
    ...responses,
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/api/changes/{id}',
  tags: ['changes'],
  summary: 'One change with its risk check, approvals and lease',
  request: { params: idParam },
  responses: { 200: one('The change'), ...responses },
});

const reason = z.object({ reason: z.string().max(5_000) }).strict();
const submitRoute = step('submit', 'Submit a draft for approval');
const approveRoute = step(
  'approve',
  'Approve as the owner team or as Security (never your own request); for an emergency change, review it',
);
const implementRoute = step('implement', 'Record that the approved change is in place');
const declineRoute = createRoute({
  method: 'post',
  path: '/api/changes/{id}/decline',
  tags: ['changes'],
  summary: 'Decline, saying why; the requester sees the safer alternative',
  request: { params: idParam, body: json(reason) },
  responses: { 200: one('The declined change'), ...responses },
});
const keepRoute = createRoute({
  method: 'post',
  path: '/api/changes/{id}/keep-protocol',
  tags: ['changes'],
  summary:
    'The requester keeps the request as asked instead of the safer alternative, saying why; the approvals can then start',
  request: { params: idParam, body: json(reason) },
  responses: { 200: one('The change with the reason recorded'), ...responses },
});
const extendRoute = createRoute({
  method: 'post',
  path: '/api/changes/{id}/extend',
  tags: ['changes'],
  summary: 'Extend the lease once, before it ends, with a reason',
  request: { params: idParam, body: json(z.object({ end: z.string(), reason: z.string().max(5_000) }).strict()) },
  responses: { 200: one('The extended change'), ...responses },
});
const removeRoute = createRoute({
  method: 'post',
  path: '/api/changes/{id}/remove',
  tags: ['changes'],
  summary: 'Confirm the access is taken down (verifies the removal commitment)',
  request: { params: idParam, body: json(z.object({ note: z.string().max(5_000).optional() }).strict()) },
  responses: { 200: one('The removed change'), ...responses },
});
const recertifyRoute = step('recertify', 'Recertify long-lived access: still needed, still safe');

/** The change routes over a context. */
export function changesRoutes(ctx: Context) {
  const deps = { db: ctx.database.db, now: ctx.now, policy: ctx.policy };
  const list = (v: string | undefined): string[] | undefined =>
    v
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return subApp()
    .openapi(requestRoute, async (c) => c.json(await requestChange(deps, c.get('principal'), c.req.valid('json')), 201))
    .openapi(previewRoute, async (c) => c.json(await previewChange(deps, c.get('principal'), c.req.valid('json')), 200))
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      return c.json(
        {
          items: await listChanges(deps, {
            service: q.service,
            team: q.team,
            status: list(q.status),
            limit: q.limit,
            teamIds: readableTeams(c.get('principal')),
          }),
        },
        200,
      );
    })
    .openapi(getRoute, async (c) => {
      const id = c.req.valid('param').id;
      await checkRead(deps.db, c.get('principal'), 'change', id);
      return c.json(await getChange(deps, id), 200);
    })
    .openapi(submitRoute, async (c) =>
      c.json(await submitChange(deps, c.get('principal'), c.req.valid('param').id), 200),
    )
    .openapi(approveRoute, async (c) =>
      c.json(await approveChange(deps, c.get('principal'), c.req.valid('param').id), 200),
    )
    .openapi(keepRoute, async (c) =>
      c.json(await keepProtocol(deps, c.get('principal'), c.req.valid('param').id, c.req.valid('json').reason), 200),
    )
    .openapi(declineRoute, async (c) =>
      c.json(await declineChange(deps, c.get('principal'), c.req.valid('param').id, c.req.valid('json').reason), 200),
    )
    .openapi(implementRoute, async (c) =>
      c.json(await implementChange(deps, c.get('principal'), c.req.valid('param').id), 200),
    )
    .openapi(extendRoute, async (c) =>
      c.json(await extendChange(deps, c.get('principal'), c.req.valid('param').id, c.req.valid('json')), 200),
    )
    .openapi(removeRoute, async (c) =>
      c.json(await removeChange(deps, c.get('principal'), c.req.valid('param').id, c.req.valid('json').note), 200),
    )
    .openapi(recertifyRoute, async (c) =>
      c.json(await recertifyChange(deps, c.get('principal'), c.req.valid('param').id), 200),
    );
}
