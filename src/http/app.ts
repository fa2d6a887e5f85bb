/** The HTTP API: one sub-app per area, token auth, one error shape, and the OpenAPI 3.1 document they generate. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context as HonoContext } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { EntenteError, environmentProblem } from '../errors.ts';
import type { Context } from '../context.ts';
import { subApp, type Env } from './sub-app.ts';
import { exportRoutes } from './export-routes.ts';
import { findingsRoutes } from './findings-routes.ts';
import { scansRoutes } from './scans-routes.ts';
import { orgRoutes } from './org-routes.ts';
import { exceptionsRoutes } from './exceptions-routes.ts';
import { toneRoutes } from './tone-routes.ts';
import { changesRoutes } from './changes-routes.ts';
import { exposureRoutes } from './exposure-routes.ts';
import { gatesRoutes } from './gates-routes.ts';
import { commitmentsRoutes } from './commitments-routes.ts';
import { reviewsRoutes } from './reviews-routes.ts';
import { goalLinesFrom } from '../reviews/goal-lines.ts';
import { viewsRoutes } from './views-routes.ts';
import { goalsRoutes } from './goals-routes.ts';
import { auditRoutes } from './audit-routes.ts';
import { addMetaRoutes } from './meta-routes.ts';
import { authMiddleware } from './auth.ts';
import { createFailedAuthLimit, type FailedAuthOptions } from './failed-auth-limit.ts';
import { tokensRoutes } from './tokens-routes.ts';
import { bodyLimits, securityHeaders } from './limits.ts';
import { sourceAddresses } from './source-address.ts';
import { defaultLimits, type Limits } from '../config.ts';
import { webApp } from './web-app.ts';
import { peopleRoutes } from './people-routes.ts';
import { notificationsRoutes } from './notifications-routes.ts';
import { jiraRoutes } from './jira-routes.ts';
import { sessionCookie, sessionRoutes, type SignInLimits } from './session-routes.ts';
import { signInRoutes } from './sign-in-routes.ts';
import { policyRoutes } from './policy-routes.ts';
import type { Sso } from '../people/sso.ts';

/** Builds the whole app over a context; tests call `app.request(...)` without opening a port. */
export function createApp(
  ctx: Context,
  options: {
    failedAuth?: FailedAuthOptions;
    limits?: Partial<Limits>;
    signIn?: SignInLimits;
    web?: string;
    /** Single sign-on (ENTENTE_OIDC_*), and the public address invitation links start with (ENTENTE_PUBLIC_URL). */
    sso?: Sso;
    publicUrl?: string;
    /** Proxies whose X-Forwarded-For names the caller (ENTENTE_TRUSTED_PROXIES). */
    trustedProxies?: readonly string[];
  } = {},
): OpenAPIHono<Env> {
  const app = subApp();
  app.use('*', sourceAddresses(options.trustedProxies ?? []));
  app.use('*', securityHeaders());
  // Before authentication: a body too large for any caller is refused before anything else is done with it.
  app.use('*', bodyLimits({ ...defaultLimits, ...options.limits }));
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: sessionCookie,
    description: "the web app's session (POST /api/session); writes also need the X-Entente-CSRF header",
  });
  addMetaRoutes(app, ctx);
  // The web app's files (when `entente serve` names its folder): every GET outside /api, before anything else.
  if (options.web !== undefined) app.use('*', webApp(options.web));
  app.use('/api/*', authMiddleware(ctx, createFailedAuthLimit(options.failedAuth)));
  app.route('/', exportRoutes(ctx)); // before findingsRoutes: /api/findings/export is not a finding id
  app.route('/', findingsRoutes(ctx));
  app.route('/', scansRoutes(ctx));
  app.route('/', orgRoutes(ctx));
  app.route('/', exceptionsRoutes(ctx));
  app.route('/', toneRoutes(ctx));
  app.route('/', changesRoutes(ctx));
  app.route('/', exposureRoutes(ctx));
  app.route('/', gatesRoutes(ctx));
  app.route('/', commitmentsRoutes(ctx));
  app.route('/', reviewsRoutes(ctx, goalLinesFrom({ db: ctx.database.db, policy: ctx.policy, now: ctx.now })));
  app.route('/', viewsRoutes(ctx));
  app.route('/', goalsRoutes(ctx));
  app.route('/', auditRoutes(ctx));
  app.route('/', tokensRoutes(ctx));
  app.route('/', sessionRoutes(ctx, options.signIn));
  app.route('/', peopleRoutes(ctx));
  app.route('/', policyRoutes(ctx));
  app.route('/', signInRoutes(ctx, { sso: options.sso, publicUrl: options.publicUrl }));
  app.route('/', notificationsRoutes(ctx));
  app.route('/', jiraRoutes(ctx));
  app.notFound((c) =>
    c.json({ error: { code: 'not_found', message: `no route ${c.req.method} ${c.req.path}`, details: {} } }, 404),
  );
  app.onError((err, c) => errorResponse(err, c));
  return app;
}

function errorResponse(err: Error, c: HonoContext): Response {
  // An internal error is ours, not the caller's: its stack (and its cause's) goes to the log, the answer says no more.
  if (err instanceof EntenteError && err.code !== 'internal') {
    return c.json({ error: { code: err.code, message: err.message, details: err.details ?? {} } }, err.status as 400);
  }
  if (err instanceof HTTPException) {
    // Hono's own refusals (a malformed JSON body, a body too large) are the request's fault, not ours.
    return c.json(
      { error: { code: err.status < 500 ? 'bad_input' : 'internal', message: err.message, details: {} } },
      err.status,
    );
  }
  const unavailable = environmentProblem(err);
  console.error(err);
  if (unavailable)
    return c.json(
      {
        error: {
          code: 'unavailable',
          message: `the server cannot reach what it needs: ${unavailable.message}; try again shortly`,
          details: {},
        },
      },
      503,
    );
  return c.json(
    {
      error: {
        code: 'internal',
        message: 'something went wrong on our side; the error is in the server log',
        details: {},
      },
    },
    500,
  );
}
