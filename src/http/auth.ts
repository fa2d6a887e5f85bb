/**
 * Authentication for /api/*: a Bearer token, or else the web app's session cookie (whose writes must carry the CSRF
 * header), with failed attempts limited per source address (429 with Retry-After).
 */
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Context } from '../context.ts';
import { EntenteError } from '../errors.ts';
import { authenticate, tokenHash } from '../people/tokens.ts';
import { sessionWho } from '../people/sessions.ts';
import type { FailedAuthLimit } from './failed-auth-limit.ts';
import { publicPaths } from './meta-routes.ts';
import { jiraWebhookPath } from './jira-routes.ts';
import { csrfMatches, csrfRefused, sessionCookie, sessionPublic } from './session-routes.ts';
import { sourceAddress } from './source-address.ts';
import { signInPublic } from './sign-in-routes.ts';
import type { Env } from './sub-app.ts';

// Reads change nothing; every other method through a session cookie needs the CSRF header.
const safeMethods = ['GET', 'HEAD', 'OPTIONS'];

/** Sets the caller's principal, or answers 401 (unknown, revoked or expired token or session) or 429 (too many of those). */
export function authMiddleware(ctx: Context, limit: FailedAuthLimit): MiddlewareHandler<Env> {
  return async (c, next) => {
    const route = `${c.req.method} ${c.req.path}`;
    // Jira's webhook proves itself with the shared secret instead (src/http/jira-routes.ts).
    if (
      publicPaths.includes(c.req.path)
      || sessionPublic.includes(route)
      || signInPublic.some((p) => p.test(route))
      || (c.req.method === 'POST' && c.req.path === jiraWebhookPath)
    )
      return next();
    const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    // A token wins over a cookie: a script's Authorization header says who it means to be.
    const session = token === undefined ? getCookie(c, sessionCookie) : undefined;
    const secret = token ?? session;
    const hash = secret === undefined ? undefined : tokenHash(secret);
    const address = sourceAddress(c);
    const verdict = limit.check(address, hash);
    if (!verdict.ok) {
      const s = verdict.retryAfterSeconds;
      return c.json(
        {
          error: {
            code: 'rate_limited',
            message: `we have had too many requests with a missing or unknown token from ${address}; try again in ${s} s with a valid token`,
            details: { retryAfterSeconds: s },
          },
        },
        429,
        { 'Retry-After': String(s) },
      );
    }
    try {
      if (session !== undefined) {
        c.set('principal', (await sessionWho(ctx.database.db, session, ctx.now())).principal);
        c.set('sessionId', session);
      } else {
        c.set('principal', await authenticate(ctx.database.db, token, ctx.now()));
      }
    } catch (e) {
      if (e instanceof EntenteError && e.code === 'unauthorized') {
        limit.failed(address);
        if (hash) limit.forget(hash);
      }
      throw e;
    }
    if (hash) limit.succeeded(hash);
    if (session !== undefined && !safeMethods.includes(c.req.method) && !csrfMatches(c, session)) throw csrfRefused();
    return next();
  };
}
