/** The outbox and who gets what, as the CLI reads and sets them, locally (as the data folder's administrator) or on a server. */
import type { z } from '@hono/zod-openapi';
import type { notificationSchema, notificationsRoutes, prefsSchema } from '../../http/notifications-routes.ts';
import type { parsePref } from '../../notifications/notifications-service.ts';
import { localAdmin } from '../../people/tokens.ts';
import type { Area } from './area.ts';
import { clientOf } from './remote.ts';

/** A notification and a person's preferences as the API gives them (their OpenAPI schemas). */
export type Notification = z.infer<typeof notificationSchema>;
export type Prefs = z.infer<typeof prefsSchema>;
type Pref = ReturnType<typeof parsePref>;

export interface NotificationsApi {
  list(opts: { failed: boolean; limit: number }): Promise<Notification[]>;
  retry(id: number): Promise<Notification>;
  /** A person's preferences (your own through a server when `email` is not given). */
  prefs(email: string | undefined): Promise<Prefs>;
  setPref(email: string | undefined, pref: Pref): Promise<Prefs>;
}

// The service is loaded on use: the remote path never loads it.
const service = () => import('../../notifications/notifications-service.ts');

export const notificationsApi: Area<NotificationsApi> = {
  local: (ctx) => {
    const deps = { db: ctx.database.db, now: ctx.now };
    return {
      list: async (opts) => (await service()).listNotifications(deps, localAdmin, opts),
      retry: async (id) => (await service()).retryNotification(deps, localAdmin, id),
      prefs: async (email) => (await service()).getPrefs(deps, localAdmin, email),
      setPref: async (email, pref) => (await service()).setPref(deps, localAdmin, email, pref),
    };
  },
  remote: (remote) => {
    const api = clientOf<ReturnType<typeof notificationsRoutes>>(remote).api.notifications;
    return {
      list: async ({ failed, limit }) => (await (await api.$get({ query: { limit: String(limit), ...(failed ? { failed: 'true' as const } : {}) } })).json()).items,
      retry: async (id) => (await api[':id'].retry.$post({ param: { id: String(id) } })).json(),
      prefs: async (email) => (await api.prefs.$get({ query: email ? { email } : {} })).json(),
      setPref: async (email, pref) => (await api.prefs.$put({ json: { ...pref, ...(email ? { email } : {}) } })).json(),
    };
  },
};
