/**
 * /api/session: the web app's sign-in with a password (a session cookie), who is signed in, and sign-out. Failed
 * sign-ins are limited per address and per e-mail address; the cookie is HttpOnly, SameSite=Lax, Secure over HTTPS.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context as HonoContext } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Context } from '../context.ts';
import { EntenteError } from '../errors.ts';
import { csrfTokenOf, endSession, sessionLimits, signIn, type SessionWho } from '../people/sessions.ts';
import { createFailedAuthLimit, type FailedAuthLimit, type FailedAuthOptions } from './failed-auth-limit.ts';
import { errorResponses } from './schemas.ts';
import { subApp, type Env } from './sub-app.ts';
import { sourceAddress } from './source-address.ts';

/** The session cookie's name. */
export const sessionCookie = 'entente_session';
/** The header a cookie-authenticated write must carry, with the session's CSRF token. */
const csrfHeader = 'x-entente-csrf';
/** Session routes answered without a token or session (sign-in, and sign-out, which ends whatever session it names). */
export const sessionPublic: readonly string[] = ['POST /api/session', 'DELETE /api/session'];

/** What a sign-in answers (and GET /api/session). */
export const sessionSchema = z
  .object({
    person: z
      .string()
      .nullable()
      .openapi({ description: "the signed-in person's e-mail (null for a token not tied to a person)" }),
    role: z.string(),
    teams: z.array(z.string()).openapi({ description: "the person's teams in the organisation file" }),
    csrfToken: z.string().nullable().openapi({
      description:
        'send it as X-Entente-CSRF with every write made with the session cookie (null when a token authenticated)',
    }),
  })
  .openapi('Session');

const signInRoute = createRoute({
  method: 'post',
  path: '/api/session',
  tags: ['session'],
  security: [],
  summary: 'Sign in with e-mail and password (set with `entente people password EMAIL`); sets the session cookie',
  request: {
    body: {
      content: {
        'application/json': {
          schema: z.object({ email: z.string().max(320), password: z.string().max(4096) }).strict(),
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'Signed in; the Set-Cookie header holds the session',
      content: { 'application/json': { schema: sessionSchema } },
    },
    ...errorResponses,
  },
});

// A session cookie or a bearer token. Typed as OpenAPI's requirement list: inferred from the literal, its union of
// object shapes made Hono's client type of these routes lose their paths (every one under `[x: string]`).
const sessionOrBearer: Record<string, string[]>[] = [{ session: [] }, { bearer: [] }];

const whoRoute = createRoute({
  method: 'get',
  path: '/api/session',
  tags: ['session'],
  security: sessionOrBearer,
  summary: 'Who is signed in: person, role, teams, and the CSRF token for writes',
  responses: {
    200: { description: 'The caller', content: { 'application/json': { schema: sessionSchema } } },
    ...errorResponses,
  },
});

const signOutRoute = createRoute({
  method: 'delete',
  path: '/api/session',
  tags: ['session'],
  security: [],
  summary: 'Sign out: ends the session the cookie names (with its X-Entente-CSRF header) and clears the cookie',
  responses: { 204: { description: 'Signed out (also when no session was open)' }, ...errorResponses },
});

/** Sign-in limits: failures per source address and per e-mail address. */
export interface SignInLimits {
  byAddress?: FailedAuthOptions;
  byEmail?: FailedAuthOptions;
}

/** The session routes over a context. */
export function sessionRoutes(ctx: Context, limits: SignInLimits = {}) {
  const db = ctx.database.db;
  const byAddress = createFailedAuthLimit({ limit: 10, windowMs: 60_000, ...limits.byAddress });
  const byEmail = createFailedAuthLimit({ limit: 10, windowMs: 15 * 60_000, ...limits.byEmail });
  return subApp()
    .openapi(signInRoute, async (c) => {
      // A page on another site could otherwise sign a visitor in as someone else (login CSRF).
      if (crossSite(c, ctx.publicUrl))
        throw new EntenteError('forbidden', "sign-in is accepted from Entente's own pages only");
      const body = c.req.valid('json');
      const email = body.email.trim().toLowerCase();
      const address = sourceAddress(c);
      const wait = waitOf(byAddress.check(address, undefined), byEmail.check(email, undefined));
      if (wait) {
        return c.json(
          {
            error: {
              code: 'rate_limited',
              message: `we have had too many failed sign-ins from ${address} or for ${email || 'that e-mail address'}; try again in ${wait} s`,
              details: { retryAfterSeconds: wait },
            },
          },
          429,
          { 'Retry-After': String(wait) },
        ) as never; // documented in errorResponses
      }
      let session: Awaited<ReturnType<typeof signIn>>;
      try {
        session = await signIn(db, email, body.password, ctx.now());
      } catch (e) {
        if (e instanceof EntenteError && e.code === 'unauthorized') {
          byAddress.failed(address);
          byEmail.failed(email);
        }
        throw e;
      }
      setSessionCookie(c, session.id);
      return c.json(sessionBody(session), 200);
    })
    .openapi(whoRoute, async (c) => {
      const p = c.get('principal');
      const sessionId = c.get('sessionId');
      const teams =
        p.teamIds.length === 0
          ? []
          : await db.selectFrom('teams').select('name').where('id', 'in', p.teamIds).orderBy('name').execute();
      return c.json(
        {
          person: p.personId === null ? null : p.actor,
          role: p.role,
          teams: teams.map((t) => t.name),
          csrfToken: sessionId ? csrfTokenOf(sessionId) : null,
        },
        200,
      );
    })
    .openapi(signOutRoute, async (c) => {
      const id = getCookie(c, sessionCookie);
      if (id) {
        // Only the web app's own script may sign its person out: another site's page cannot send this header.
        if (!csrfMatches(c, id)) throw csrfRefused();
        await endSession(db, id, ctx.now());
        deleteCookie(c, sessionCookie, { path: '/', secure: overHttps(c), httpOnly: true, sameSite: 'Lax' });
      }
      return c.body(null, 204);
    });
}

// The seconds to wait when either limit holds the sign-in back (the longer of the two), else undefined.
function waitOf(...verdicts: ReturnType<FailedAuthLimit['check']>[]): number | undefined {
  const waits = verdicts.flatMap((v) => (v.ok ? [] : [v.retryAfterSeconds]));
  return waits.length ? Math.max(...waits) : undefined;
}

/** True when the cookie-authenticated request carries the session's CSRF token in X-Entente-CSRF. */
export function csrfMatches(c: HonoContext<Env>, sessionId: string): boolean {
  return c.req.header(csrfHeader) === csrfTokenOf(sessionId);
}

/** The answer to a cookie-authenticated write without the CSRF header. */
export function csrfRefused(): EntenteError {
  return new EntenteError(
    'forbidden',
    `a change made with the session cookie needs the ${csrfHeader} header with the session's CSRF token (GET /api/session gives it); `
      + 'the web app sends it, a page on another site cannot. Scripts use an API token instead',
    { header: csrfHeader },
  );
}

/** Sets the session cookie on the answer: HttpOnly, SameSite=Lax, Secure over HTTPS, for the session's whole life. */
export function setSessionCookie(c: HonoContext<Env>, id: string): void {
  setCookie(c, sessionCookie, id, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure: overHttps(c),
    maxAge: Math.floor(sessionLimits.maxMs / 1000),
  });
}

/** The answer to a sign-in: who, and the CSRF token for writes. */
export function sessionBody(session: { id: string; who: SessionWho }) {
  const w = session.who;
  return { person: w.email, role: w.principal.role, teams: w.teams, csrfToken: csrfTokenOf(session.id) };
}

/**
 * True when a browser says the request comes from another site's page (Sec-Fetch-Site, else Origin); a request without
 * either is not a browser's. Behind a reverse proxy the server's own address is not the one the browser knows: the
 * public address (ENTENTE_PUBLIC_URL) is Entente's own origin too.
 */
export function crossSite(c: HonoContext<Env>, publicUrl?: string): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site) return site !== 'same-origin' && site !== 'none';
  const origin = c.req.header('origin');
  if (origin === undefined) return false;
  return origin !== new URL(c.req.url).origin && (publicUrl === undefined || origin !== new URL(publicUrl).origin);
}

/** True when the request came over HTTPS (directly, or as a proxy says with X-Forwarded-Proto). */
export function overHttps(c: HonoContext<Env>): boolean {
  return (
    new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https'
  );
}
