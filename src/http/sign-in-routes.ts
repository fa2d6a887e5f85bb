/**
 * The other ways into the web app: single sign-on over OpenID Connect (/api/session/sso, /api/session/oidc/start and
 * /callback) and invitation links (an admin makes one with POST /api/people/{email}/invitation; the person opens it and
 * sets a password with /api/invitations/{token}). A browser that lands on a refusal gets a short page, a script JSON.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context as HonoContext } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Context } from '../context.ts';
import { EntenteError } from '../errors.ts';
import { requireAction } from '../people/access.ts';
import {
  acceptInvitation,
  createInvitation,
  invitationDays,
  invitationOf,
  invitationPath,
} from '../people/invitations.ts';
import { openSession } from '../people/sessions.ts';
import { ssoAttemptMs, type Sso } from '../people/sso.ts';
import { errorResponses } from './schemas.ts';
import { crossSite, overHttps, sessionBody, sessionSchema, setSessionCookie } from './session-routes.ts';
import type { Env } from './sub-app.ts';
import { subApp } from './sub-app.ts';

/** The cookie that ties an SSO attempt to the browser that started it (only sent back to the callback). */
const ssoCookie = 'entente_sso';
const callbackPath = '/api/session/oidc/callback';

/** Sign-in routes answered without a token or session: "METHOD path" patterns. */
export const signInPublic: readonly RegExp[] = [
  /^GET \/api\/session\/sso$/,
  /^GET \/api\/session\/oidc\/(start|callback)$/,
  /^(GET|POST) \/api\/invitations\/[^/]+$/,
];

const ssoRoute = createRoute({
  method: 'get',
  path: '/api/session/sso',
  tags: ['session'],
  security: [],
  summary: "Whether single sign-on is configured, and the provider's name for the sign-in button",
  responses: {
    200: {
      description: 'The provider, or null',
      content: {
        'application/json': {
          schema: z.object({
            provider: z
              .string()
              .nullable()
              .openapi({ description: 'what the button names ("Sign in with …"); null without SSO' }),
            start: z.string().nullable().openapi({ description: 'where the button goes' }),
          }),
        },
      },
    },
  },
});

const startRoute = createRoute({
  method: 'get',
  path: '/api/session/oidc/start',
  tags: ['session'],
  security: [],
  summary: 'Start single sign-on: sends the browser to the provider (authorization code with PKCE, state and nonce)',
  request: {
    query: z.object({
      next: z.string().max(2000).optional().openapi({ description: 'the page of this app to open once signed in' }),
    }),
  },
  responses: {
    302: { description: 'To the provider' },
    503: {
      description: 'The provider does not answer',
      content: { 'application/json': { schema: errorResponses[400].content['application/json'].schema } },
    },
    ...errorResponses,
  },
});

const callbackRoute = createRoute({
  method: 'get',
  path: callbackPath,
  tags: ['session'],
  security: [],
  summary:
    'Where the provider sends the browser back: checks the answer, finds the person by verified e-mail, sets the session cookie',
  request: {
    query: z
      .object({ code: z.string().optional(), state: z.string().optional(), error: z.string().optional() })
      .passthrough(),
  },
  responses: { 303: { description: 'Signed in; on to the page the sign-in started from' }, ...errorResponses },
});

const inviteRoute = createRoute({
  method: 'post',
  path: '/api/people/{email}/invitation',
  tags: ['people'],
  summary: `Make a one-time link for the person to set their password and sign in (admins only); it ends after ${invitationDays.default} days unless \`days\` says otherwise`,
  request: {
    params: z.object({ email: z.string().max(320) }),
    body: {
      content: {
        'application/json': {
          schema: z.object({ days: z.number().int().min(1).max(invitationDays.max).optional() }).strict(),
        },
      },
      required: false,
    },
  },
  responses: {
    201: {
      description: 'The link, shown once',
      content: {
        'application/json': { schema: z.object({ email: z.string(), url: z.string(), expiresAt: z.string() }) },
      },
    },
    ...errorResponses,
  },
});

const invitationSchema = z.object({ email: z.string(), expiresAt: z.string() });
const tokenParam = z.object({
  token: z
    .string()
    .min(20)
    .max(100)
    .regex(/^[\w-]+$/, 'an invitation token is letters, digits, - and _'),
});

const invitationRoute = createRoute({
  method: 'get',
  path: '/api/invitations/{token}',
  tags: ['people'],
  security: [],
  summary:
    'Whom an invitation link is for and until when (the invite page shows it); a used, ended or unknown link is refused with what to do',
  request: { params: tokenParam },
  responses: {
    200: { description: 'The invitation', content: { 'application/json': { schema: invitationSchema } } },
    409: {
      description: 'Used or ended',
      content: { 'application/json': { schema: errorResponses[400].content['application/json'].schema } },
    },
    ...errorResponses,
  },
});

const acceptRoute = createRoute({
  method: 'post',
  path: '/api/invitations/{token}',
  tags: ['people'],
  security: [],
  summary:
    'Use an invitation link: set the password and sign in (sets the session cookie); the link cannot be used again',
  request: {
    params: tokenParam,
    body: {
      content: { 'application/json': { schema: z.object({ password: z.string().max(4096) }).strict() } },
      required: true,
    },
  },
  responses: {
    200: { description: 'Signed in', content: { 'application/json': { schema: sessionSchema } } },
    409: {
      description: 'Used or ended',
      content: { 'application/json': { schema: errorResponses[400].content['application/json'].schema } },
    },
    ...errorResponses,
  },
});

/** The SSO and invitation routes; `publicUrl` goes in front of invitation links (else the address the request came to). */
export function signInRoutes(ctx: Context, opts: { sso?: Sso; publicUrl?: string } = {}) {
  const db = ctx.database.db;
  const { sso } = opts;
  const noSso = (): EntenteError =>
    new EntenteError(
      'not_found',
      "single sign-on is not set up on this server; sign in with your e-mail and password (the README's sign-in section says how to set it up)",
    );
  return subApp()
    .openapi(ssoRoute, (c) =>
      c.json({ provider: sso?.name ?? null, start: sso ? '/api/session/oidc/start' : null }, 200),
    )
    .openapi(startRoute, async (c) => {
      try {
        if (!sso) throw noSso();
        const { url, binding } = await sso.start(db, c.req.valid('query').next ?? '/', ctx.now());
        setCookie(c, ssoCookie, binding, {
          httpOnly: true,
          sameSite: 'Lax',
          path: callbackPath,
          secure: overHttps(c),
          maxAge: ssoAttemptMs / 1000,
        });
        return c.redirect(url, 302) as never;
      } catch (e) {
        return refusal(c, e) as never;
      }
    })
    .openapi(callbackRoute, async (c) => {
      try {
        if (!sso) throw noSso();
        const binding = getCookie(c, ssoCookie);
        deleteCookie(c, ssoCookie, { path: callbackPath, secure: overHttps(c), httpOnly: true, sameSite: 'Lax' });
        const who = await sso.finish(db, binding, new URL(c.req.url), ctx.now());
        const session = await openSession(db, who.personId, who.email, ctx.now(), 'sso');
        setSessionCookie(c, session.id);
        return c.redirect(who.returnTo, 303) as never;
      } catch (e) {
        return refusal(c, e) as never;
      }
    })
    .openapi(inviteRoute, async (c) => {
      const who = c.get('principal');
      requireAction(who, "set people's passwords");
      const body = c.req.header('content-type')?.includes('json') ? c.req.valid('json') : {};
      const made = await createInvitation(db, c.req.valid('param').email, {
        actor: who.actor,
        now: ctx.now(),
        days: body?.days,
      });
      const base = opts.publicUrl ?? new URL(c.req.url).origin;
      return c.json(
        { email: made.email, url: `${base}${invitationPath(made.token)}`, expiresAt: made.expiresAt.toISOString() },
        201,
      );
    })
    .openapi(invitationRoute, async (c) => {
      const inv = await invitationOf(db, c.req.valid('param').token, ctx.now());
      return c.json({ email: inv.email, expiresAt: inv.expiresAt.toISOString() }, 200);
    })
    .openapi(acceptRoute, async (c) => {
      // As for sign-in: another site's page must not set someone's password and sign the visitor in as them.
      if (crossSite(c, opts.publicUrl ?? ctx.publicUrl))
        throw new EntenteError('forbidden', "an invitation is accepted from Entente's own pages only");
      const accepted = await acceptInvitation(db, c.req.valid('param').token, c.req.valid('json').password, ctx.now());
      const session = await openSession(db, accepted.personId, accepted.email, ctx.now(), 'invitation');
      setSessionCookie(c, session.id);
      return c.json(sessionBody(session), 200);
    });
}

// A browser that followed a link gets a page it can read (with the way back); a script gets the usual JSON error.
function refusal(c: HonoContext<Env>, e: unknown): Response {
  if (!(e instanceof EntenteError)) throw e;
  if (!(c.req.header('accept') ?? '').includes('text/html')) throw e;
  const page =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in did not complete · Entente</title></head>`
    + `<body><main><h1>Sign-in did not complete</h1><p role="alert">${escapeHtml(sentence(e.message))}</p><p><a href="/">Back to the sign-in page</a></p></main></body></html>`;
  return c.html(page, e.status as 400);
}

// A message as a sentence: a capital first letter (unless it begins with an e-mail address) and a full stop.
const sentence = (s: string): string =>
  `${/^\S*@/.test(s) ? s : `${s.charAt(0).toUpperCase()}${s.slice(1)}`}${/[.!?]$/.test(s) ? '' : '.'}`;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}
