/** The base every area's routes are built on: typed variables and Entente's error shape for invalid requests. */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Principal } from '../people/tokens.ts';

export type Env = { Variables: { principal: Principal } };

/** A sub-app whose request validation failures come back in Entente's error shape. */
export function subApp(): OpenAPIHono<Env> {
  return new OpenAPIHono<Env>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const path = issue?.path.join('.') ?? '';
        return c.json({ error: { code: 'bad_input', message: `${path ? `${path}: ` : ''}${issue?.message ?? 'invalid request'}`, details: { issues: result.error.issues } } }, 400);
      }
      return undefined;
    },
  });
}

