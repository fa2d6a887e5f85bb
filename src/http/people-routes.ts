/** /api/people/{email}/password: an admin sets a person's web sign-in password (what `entente people password --server` calls). */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from '../context.ts';
import { requireAction } from '../people/access.ts';
import { passwordLength, setPassword } from '../people/passwords.ts';
import { errorResponses } from './schemas.ts';
import { subApp } from './sub-app.ts';

const passwordRoute = createRoute({
  method: 'put',
  path: '/api/people/{email}/password',
  tags: ['people'],
  summary: 'Set (or replace) the password a person signs in to the web app with; ends their sessions (admins only)',
  request: {
    params: z.object({ email: z.string().max(320) }),
    body: {
      content: {
        'application/json': {
          schema: z
            .object({
              password: z
                .string()
                .max(4096)
                .openapi({ description: `at least ${passwordLength.min} characters` }),
            })
            .strict(),
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'Set',
      content: { 'application/json': { schema: z.object({ email: z.string(), replaced: z.boolean() }) } },
    },
    ...errorResponses,
  },
});

/** The people routes over a context. */
export function peopleRoutes(ctx: Context) {
  return subApp().openapi(passwordRoute, async (c) => {
    const who = c.get('principal');
    requireAction(who, "set people's passwords");
    const set = await setPassword(ctx.database.db, c.req.valid('param').email, c.req.valid('json').password, {
      actor: who.actor,
      now: ctx.now(),
    });
    return c.json(set, 200);
  });
}
