/** Token authentication for /api/*, with failed attempts limited per source address (429 with Retry-After). */
import type { Context as HonoContext, MiddlewareHandler } from 'hono';
import type { Context } from '../context.ts';
import { EntenteError } from '../errors.ts';
import { authenticate, tokenHash } from '../people/tokens.ts';
import type { FailedAuthLimit } from './failed-auth-limit.ts';
import { publicPaths } from './meta-routes.ts';
import type { Env } from './sub-app.ts';

/** Sets the caller's principal, or answers 401 (unknown, revoked or expired token) or 429 (too many of those). */
export function authMiddleware(ctx: Context, limit: FailedAuthLimit): MiddlewareHandler<Env> {
  return async (c, next) => {
    if (publicPaths.includes(c.req.path)) return next();
    const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const hash = token === undefined ? undefined : tokenHash(token);
    const address = sourceAddress(c);
    const verdict = limit.check(address, hash);
    if (!verdict.ok) {
      const s = verdict.retryAfterSeconds;
      return c.json({ error: { code: 'rate_limited', message: `we have had too many requests with a missing or unknown token from ${address}; try again in ${s} s with a valid token`,
        details: { retryAfterSeconds: s } } }, 429, { 'Retry-After': String(s) });
    }
    try {
      c.set('principal', await authenticate(ctx.database.db, token, ctx.now()));
    } catch (e) {
      if (e instanceof EntenteError && e.code === 'unauthorized') {
        limit.failed(address);
        if (hash) limit.forget(hash);
      }
      throw e;
    }
    if (hash) limit.succeeded(hash);
    return next();
  };
}

// @hono/node-server passes the Node request as the environment. Without one (`app.request` in tests, another runtime)
// every caller shares one key. Behind a proxy this is the proxy's address: X-Forwarded-For is anyone's to write.
function sourceAddress(c: HonoContext<Env>): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}
