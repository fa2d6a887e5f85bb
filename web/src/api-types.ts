/**
 * The API's answers as the server's routes type them, so the pages cannot drift from what the server sends. Every
 * import here is `import type`: esbuild (Vite) erases it without reading the module, so no server code, zod or Hono
 * reaches the browser bundle; only `npx tsc --noEmit` reads src/http/. One area so far (notifications); the rest of the
 * hand-written types in api.ts and the pages follow the same way (docs/DESIGN-NOTES.md, "Web types from the routes").
 */
import type { Hono } from 'hono';
import type { hc, InferResponseType } from 'hono/client';
import type { notificationsRoutes } from '../../src/http/notifications-routes.ts';

/** Hono's client type for an area's routes: only its types are used, the client itself is never made here. */
// biome-ignore lint/suspicious/noExplicitAny: any area's routes, whatever its environment, schema and base path
type Client<Routes extends Hono<any, any, any>> = ReturnType<typeof hc<Routes>>;

type NotificationsClient = Client<ReturnType<typeof notificationsRoutes>>['api']['notifications'];

/** A notification as GET /api/notifications answers (the API's Notification). */
export type Notification = InferResponseType<NotificationsClient['$get'], 200>['items'][number];

/** A person's notification preferences as GET and PUT /api/notifications/prefs answer (NotificationPrefs). */
export type NotificationPrefs = InferResponseType<NotificationsClient['prefs']['$get'], 200>;
