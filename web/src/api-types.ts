/**
 * The API's answers as the server's routes type them, so the pages cannot drift from what the server sends. Every
 * import here is `import type`: esbuild (Vite) erases it without reading the module, so no server code, zod or Hono
 * reaches the browser bundle; only `npx tsc --noEmit` reads src/http/. One section per area of the API; what stays
 * hand-written, and why, is in docs/DESIGN-NOTES.md ("Web types from the routes").
 */
import type { Hono } from 'hono';
import type { hc, InferResponseType } from 'hono/client';
import type { auditRoutes } from '../../src/http/audit-routes.ts';
import type { changesRoutes } from '../../src/http/changes-routes.ts';
import type { commitmentsRoutes } from '../../src/http/commitments-routes.ts';
import type { exceptionsRoutes } from '../../src/http/exceptions-routes.ts';
import type { exposureRoutes } from '../../src/http/exposure-routes.ts';
import type { findingsRoutes } from '../../src/http/findings-routes.ts';
import type { gatesRoutes } from '../../src/http/gates-routes.ts';
import type { goalsRoutes } from '../../src/http/goals-routes.ts';
import type { notificationsRoutes } from '../../src/http/notifications-routes.ts';
import type { orgRoutes } from '../../src/http/org-routes.ts';
import type { policyRoutes } from '../../src/http/policy-routes.ts';
import type { reviewsRoutes } from '../../src/http/reviews-routes.ts';
import type { sessionRoutes } from '../../src/http/session-routes.ts';
import type { signInRoutes } from '../../src/http/sign-in-routes.ts';
import type { tokensRoutes } from '../../src/http/tokens-routes.ts';
import type { toneRoutes } from '../../src/http/tone-routes.ts';
import type { viewsRoutes } from '../../src/http/views-routes.ts';

/** Hono's client type for an area's routes: only its types are used, the client itself is never made here. */
// biome-ignore lint/suspicious/noExplicitAny: any area's routes, whatever its environment, schema and base path
type Client<Routes extends Hono<any, any, any>> = ReturnType<typeof hc<Routes>>;

/** The JSON body a route answers with the given status (200 unless said). */
// biome-ignore lint/suspicious/noExplicitAny: any route's client function
type Answer<Route extends (...args: any[]) => any, Status extends 200 | 201 = 200> = InferResponseType<Route, Status>;

// Findings: the list (a page with its cursor) and one finding with its comment thread.
type FindingsApi = Client<ReturnType<typeof findingsRoutes>>['api']['findings'];

/** A page of findings as GET /api/findings answers. */
export type FindingsPage = Answer<FindingsApi['$get']>;

/** A finding as the list shows it (the API's Finding). */
export type Finding = FindingsPage['items'][number];

/** One finding with its comments, as GET and PATCH /api/findings/{id} answer. */
export type FindingDetail = Answer<FindingsApi[':id']['$get']>;

/** A page of the audit log as GET /api/audit answers (the finding page's history). */
export type AuditPage = Answer<Client<ReturnType<typeof auditRoutes>>['api']['audit']['$get']>;

/** A tone check as POST /api/tone answers. */
export type ToneResult = Answer<Client<ReturnType<typeof toneRoutes>>['api']['tone']['$post']>;

/** A saved view of the findings list as GET and POST /api/views answer. */
export type SavedView = Answer<Client<ReturnType<typeof viewsRoutes>>['api']['views']['$get']>['items'][number];

// Session and sign-in.
type SignInApi = Client<ReturnType<typeof signInRoutes>>['api'];

/** Who is signed in, as GET /api/session (and sign-in, and accepting an invitation) answers. */
export type Me = Answer<Client<ReturnType<typeof sessionRoutes>>['api']['session']['$get']>;

/** How this server signs people in, as GET /api/session/sso answers. */
export type SsoInfo = Answer<SignInApi['session']['sso']['$get']>;

/** An invitation as GET /api/invitations/{token} answers. */
export type Invitation = Answer<SignInApi['invitations'][':token']['$get']>;

// Organisation: teams and services.
type OrgApi = Client<ReturnType<typeof orgRoutes>>['api'];

/** The teams as GET /api/teams answers. */
export type Teams = Answer<OrgApi['teams']['$get']>;

/** A team with its lead, members and notification channels. */
export type Team = Teams['items'][number];

/** The services as GET /api/services answers. */
export type Services = Answer<OrgApi['services']['$get']>;

/** A service with its owner team and what it exposes. */
export type Service = Services['items'][number];

// Exceptions, commitments, changes, exposure.

/** An exception as GET /api/exceptions answers (and each of its steps). */
export type Exception = Answer<
  Client<ReturnType<typeof exceptionsRoutes>>['api']['exceptions']['$get']
>['items'][number];

/** A commitment as GET /api/commitments answers (and its verification). */
export type Commitment = Answer<
  Client<ReturnType<typeof commitmentsRoutes>>['api']['commitments']['$get']
>['items'][number];

type ChangesApi = Client<ReturnType<typeof changesRoutes>>['api']['changes'];

/** A change as GET /api/changes answers (and each of its steps). */
export type ApiChange = Answer<ChangesApi['$get']>['items'][number];

/** A change's risk check as POST /api/changes/preview answers: nothing is written. */
export type ChangePreview = Answer<ChangesApi['preview']['$post']>;

/** An open port as GET /api/exposure answers. */
export type Exposure = Answer<Client<ReturnType<typeof exposureRoutes>>['api']['exposure']['$get']>['items'][number];

// Gates.
type GatesApi = Client<ReturnType<typeof gatesRoutes>>['api']['gates'];

/** A stored decision as GET /api/gates lists it. */
export type GateItem = Answer<GatesApi['$get']>['items'][number];

/** A stored decision with its reasons and commitments, as GET /api/gates/{id} answers. */
export type Gate = Answer<GatesApi[':id']['$get']>;

/** What changed since the service's last go, as GET /api/gates/{id}/changes answers. */
export type SinceLastGo = Answer<GatesApi[':id']['changes']['$get']>;

// Scorecard and goals.
type GoalsApi = Client<ReturnType<typeof goalsRoutes>>['api'];

/** The shared scorecard as GET /api/scorecard answers. */
export type Scorecard = Answer<GoalsApi['scorecard']['$get']>;

/** The card's trend alone, as GET /api/scorecard/trend answers (Home's chart). */
export type ScorecardTrend = Answer<GoalsApi['scorecard']['trend']['$get']>;

/** A joint goal as GET /api/goals answers (and POST /api/goals). */
export type Goal = Answer<GoalsApi['goals']['$get']>['items'][number];

// Reviews.
type ReviewsApi = Client<ReturnType<typeof reviewsRoutes>>['api']['reviews'];

/**
 * A review with its agenda, as GET /api/reviews lists it, and GET /api/reviews/{id} and each step answer (the API's
 * Review). From the list: the one-review route also answers markdown, HTML and a calendar, so its answer type is wider.
 */
export type Review = Answer<ReviewsApi['$get']>['items'][number];

// Settings: policy, tokens, notifications.

type PolicyApi = Client<ReturnType<typeof policyRoutes>>['api']['policy'];

/** The policy in force and its revisions, as GET /api/policy answers. */
export type PolicyView = Answer<PolicyApi['$get']>;

/** A candidate policy's check, as POST /api/policy/check answers (nothing is changed). */
export type PolicyCheck = Answer<PolicyApi['check']['$post']>;

/** The line diff between two policy revisions, as GET /api/policy/diff answers. */
export type PolicyDiff = Answer<PolicyApi['diff']['$get']>;

type TokensApi = Client<ReturnType<typeof tokensRoutes>>['api']['tokens'];

/** An API token as GET /api/tokens lists it (never its secret). */
export type Token = Answer<TokensApi['$get']>['items'][number];

/** A new token as POST /api/tokens answers: the only time its secret is shown. */
export type NewToken = Answer<TokensApi['$post'], 201>;

type NotificationsApi = Client<ReturnType<typeof notificationsRoutes>>['api']['notifications'];

/** A notification as GET /api/notifications answers (the API's Notification). */
export type Notification = Answer<NotificationsApi['$get']>['items'][number];

/** A person's notification preferences as GET and PUT /api/notifications/prefs answer (NotificationPrefs). */
export type NotificationPrefs = Answer<NotificationsApi['prefs']['$get']>;
