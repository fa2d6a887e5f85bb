/** The outbox and who gets what, as the CLI reads and sets them, locally (as the data folder's administrator) or on a server. */
import type { z } from '@hono/zod-openapi';
import type { notificationSchema, notificationsRoutes, prefsSchema } from '../../http/notifications-routes.ts';
import type { PrefsChange } from '../../notifications/notifications-service.ts';
import { localAdmin } from '../../people/tokens.ts';
import type { Area } from './area.ts';
import { clientOf } from './remote.ts';

/** A notification and a person's preferences as the API gives them (their OpenAPI schemas). */
export type Notification = z.infer<typeof notificationSchema>;
export type Prefs = z.infer<typeof prefsSchema>;

export interface NotificationsApi {
  list(opts: { failed: boolean; limit: number }): Promise<Notification[]>;
  retry(id: number): Promise<Notification>;
  /** A person's preferences (your own through a server when `email` is not given). */
  prefs(email: string | undefined): Promise<Prefs>;
  /** Sets one event's channel, the digest time, quiet hours or time zone (what `change` holds). */
  setPrefs(email: string | undefined, change: PrefsChange): Promise<Prefs>;
}

// The service is loaded on use: the remote path never loads it.
const service = () => import('../../notifications/notifications-service.ts');

export const notificationsApi: Area<NotificationsApi> = {
  local: (ctx) => {
    const deps = { db: ctx.database.db, now: ctx.now, timeZone: ctx.policy.time_zone };
    return {
      list: async (opts) => (await service()).listNotifications(deps, localAdmin, opts),
      retry: async (id) => (await service()).retryNotification(deps, localAdmin, id),
      prefs: async (email) => (await service()).getPrefs(deps, localAdmin, email),
      setPrefs: async (email, change) => (await service()).setPrefs(deps, localAdmin, email, change),
    };
  },
  remote: (remote) => {
    const api = clientOf<ReturnType<typeof notificationsRoutes>>(remote).api.notifications;
    return {
      list: async ({ failed, limit }) =>
        (
          await (
            await api.$get({ query: { limit: String(limit), ...(failed ? { failed: 'true' as const } : {}) } })
          ).json()
        ).items,
      retry: async (id) => (await api[':id'].retry.$post({ param: { id: String(id) } })).json(),
      prefs: async (email) => (await api.prefs.$get({ query: email ? { email } : {} })).json(),
      setPrefs: async (email, change) =>
        (
          await api.prefs.$put({
            json: {
              ...(change.pref ?? {}),
              ...(change.digestTime ? { digestTime: change.digestTime } : {}),
              ...(change.quiet !== undefined
                ? { quiet: change.quiet ? `${change.quiet.from}-${change.quiet.to}` : null }
                : {}),
              ...(change.timeZone !== undefined ? { timeZone: change.timeZone } : {}),
              ...(email ? { email } : {}),
            },
          })
        ).json(),
    };
  },
};
