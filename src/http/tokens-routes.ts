/** /api/tokens: an admin creates (shown once), lists (never the secret) and revokes API tokens. */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from '../context.ts';
import { createToken, listTokens, revokeToken, roles, tokenView } from '../people/tokens.ts';
import { requireAction } from '../people/access.ts';
import { subApp } from './sub-app.ts';
import { errorBody, errorResponses, idParam } from './schemas.ts';

const tokenSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    role: z.enum(roles as [string, ...string[]]),
    person: z.string().nullable(),
    createdAt: z.string(),
    expiresAt: z.string().nullable().openapi({ description: 'null: never' }),
    lastUsedAt: z
      .string()
      .nullable()
      .openapi({ description: 'to the minute: written at most once a minute per token' }),
    revokedAt: z.string().nullable(),
    state: z.enum(['active', 'expired', 'revoked']),
  })
  .openapi('Token');

const createRouteDef = createRoute({
  method: 'post',
  path: '/api/tokens',
  tags: ['tokens'],
  summary: 'Create a token; its secret is in this answer only',
  request: {
    body: {
      content: {
        'application/json': {
          schema: z
            .object({
              name: z.string().max(100).openapi({ description: 'who or what uses it, e.g. "ci-checkout"' }),
              role: z.enum(roles as [string, ...string[]]),
              person: z
                .string()
                .email()
                .optional()
                .openapi({ description: 'the person it acts for; engineers need one who is in a team' }),
              expires: z.string().max(40).optional().openapi({
                description:
                  '"90d" (the default), a date such as 2027-03-31 (valid through that day, UTC), an ISO time, or "never"',
              }),
            })
            .strict(),
        },
      },
      required: true,
    },
  },
  responses: {
    201: {
      description: 'The token, with its secret (shown once)',
      content: { 'application/json': { schema: tokenSchema.extend({ token: z.string() }) } },
    },
    ...errorResponses,
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/api/tokens',
  tags: ['tokens'],
  summary: 'Every token, newest first, without its secret',
  responses: {
    200: {
      description: 'The tokens',
      content: { 'application/json': { schema: z.object({ items: z.array(tokenSchema) }) } },
    },
    ...errorResponses,
  },
});

const revokeRoute = createRoute({
  method: 'post',
  path: '/api/tokens/{id}/revoke',
  tags: ['tokens'],
  summary: 'End a token now; its next request is refused',
  request: { params: idParam },
  responses: {
    200: { description: 'The revoked token', content: { 'application/json': { schema: tokenSchema } } },
    409: { description: 'Revoked already', content: { 'application/json': { schema: errorBody } } },
    ...errorResponses,
  },
});

/** The token routes over a context (admins only). */
export function tokensRoutes(ctx: Context) {
  const db = ctx.database.db;
  return subApp()
    .openapi(createRouteDef, async (c) => {
      const who = c.get('principal');
      requireAction(who, 'manage API tokens');
      const body = c.req.valid('json');
      const made = await createToken(db, { ...body, actor: who.actor, now: ctx.now() });
      return c.json({ ...(await tokenView(db, made.id, ctx.now())), token: made.token }, 201);
    })
    .openapi(listRoute, async (c) => {
      requireAction(c.get('principal'), 'manage API tokens');
      return c.json({ items: await listTokens(db, ctx.now()) }, 200);
    })
    .openapi(revokeRoute, async (c) => {
      const who = c.get('principal');
      requireAction(who, 'manage API tokens');
      return c.json(await revokeToken(db, c.req.valid('param').id, { actor: who.actor, now: ctx.now() }), 200);
    });
}
