/** The base every area's routes are built on: typed variables and Entente's error shape for invalid requests. */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Principal } from '../people/tokens.ts';
import type { Limits } from '../config.ts';

/** Request variables: the caller, the body limits in force, and the session id when a session cookie (not a token) authenticated it. */
export type Env = { Variables: { principal: Principal; limits: Limits; sessionId?: string; sourceAddress?: string } };

/** A sub-app whose request validation failures come back in Entente's error shape. */
export function subApp(): OpenAPIHono<Env> {
  return new OpenAPIHono<Env>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const path = issue?.path.join('.') ?? '';
        return c.json(
          {
            error: {
              code: 'bad_input',
              message: `${path ? `${path}: ` : ''}${issue?.message ?? 'invalid request'}`,
              details: { issues: result.error.issues },
            },
          },
          400,
        );
      }
      // PostgreSQL stores no NUL character in text: say where it is rather than fail when the value is written.
      const nul = nulAt(result.data, []);
      if (nul)
        return c.json(
          {
            error: {
              code: 'bad_input',
              message: `${nul.join('.') || 'value'}: contains a NUL character (\\u0000), which cannot be stored`,
              details: { path: nul },
            },
          },
          400,
        );
      return undefined;
    },
  });
}

// The path of the first string (or key) holding a NUL character in a validated request value, if any.
function nulAt(v: unknown, path: (string | number)[]): (string | number)[] | undefined {
  if (typeof v === 'string') return v.includes('\u0000') ? path : undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const found = nulAt(v[i], [...path, i]);
      if (found) return found;
    }
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const found = k.includes('\u0000') ? [...path, k] : nulAt(x, [...path, k]);
      if (found) return found;
    }
  }
  return undefined;
}
