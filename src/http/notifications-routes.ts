/** /api/notifications: the outbox (Security and admins see all of it, a person their own), retries, and preferences. */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from '../context.ts';
import {
  getPrefs,
  listNotifications,
  parsePrefsChange,
  retryNotification,
  setPrefs,
} from '../notifications/notifications-service.ts';
import { notificationEvents, prefChannels } from '../notifications/events.ts';
import { subApp } from './sub-app.ts';
import { errorResponses, idParam } from './schemas.ts';

export const notificationSchema = z
  .object({
    id: z.number().int(),
    event: z.string().openapi({ description: notificationEvents.join(', ') }),
    status: z
      .enum(['pending', 'sending', 'sent', 'failed', 'digested'])
      .openapi({ description: 'digested: gathered into the daily digest (a row of its own, event digest)' }),
    channel: z.string(),
    recipient: z.string().nullable(),
    subject: z.string(),
    attempts: z.number().int(),
    nextAttemptAt: z.string().nullable().openapi({ description: 'when a pending notification is tried next' }),
    lastError: z
      .string()
      .nullable()
      .openapi({ description: 'why the last attempt did not go out, or "no channel configured"' }),
    sentAt: z.string().nullable(),
    createdAt: z.string(),
    entity: z.string().nullable(),
    entityId: z.string().nullable(),
  })
  .openapi('Notification');

export const prefsSchema = z
  .object({
    email: z.string(),
    prefs: z.array(
      z.object({
        event: z.enum(notificationEvents),
        label: z.string(),
        channel: z.enum(prefChannels),
        isDefault: z.boolean(),
      }),
    ),
    digestTime: z.string().openapi({ description: 'HH:MM in timeZone: when the daily digest goes out' }),
    quiet: z
      .object({ from: z.string(), to: z.string() })
      .nullable()
      .openapi({ description: 'quiet hours in timeZone: e-mails wait until they end' }),
    timeZone: z
      .string()
      .openapi({ description: "the time zone in effect (IANA name): the person's own, else the organisation's" }),
    timeZoneIsDefault: z.boolean().openapi({ description: 'true when the person has no zone of their own' }),
    organisationTimeZone: z.string().openapi({ description: "the organisation's time zone (the policy's time_zone)" }),
  })
  .openapi('NotificationPrefs');

const listRoute = createRoute({
  method: 'get',
  path: '/api/notifications',
  tags: ['notifications'],
  summary: 'Notifications, newest first (Security and admins: all; others: their own)',
  request: {
    query: z.object({
      failed: z.enum(['true', 'false']).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
  },
  responses: {
    200: {
      description: 'The notifications',
      content: { 'application/json': { schema: z.object({ items: z.array(notificationSchema) }) } },
    },
    ...errorResponses,
  },
});

const retryRoute = createRoute({
  method: 'post',
  path: '/api/notifications/{id}/retry',
  tags: ['notifications'],
  summary: 'Queue a failed or waiting notification to be sent again now',
  request: { params: idParam },
  responses: {
    200: {
      description: 'The notification, pending again',
      content: { 'application/json': { schema: notificationSchema } },
    },
    ...errorResponses,
  },
});

const getPrefsRoute = createRoute({
  method: 'get',
  path: '/api/notifications/prefs',
  tags: ['notifications'],
  summary: "A person's notification preferences (your own; an admin may name anyone)",
  request: { query: z.object({ email: z.string().optional() }) },
  responses: {
    200: {
      description: 'Each event and how it reaches the person',
      content: { 'application/json': { schema: prefsSchema } },
    },
    ...errorResponses,
  },
});

const putPrefsRoute = createRoute({
  method: 'put',
  path: '/api/notifications/prefs',
  tags: ['notifications'],
  summary: 'Set how one event reaches a person (email, digest or none), the digest time, quiet hours, or time zone',
  request: {
    body: {
      content: {
        'application/json': {
          schema: z
            .object({
              email: z.string().optional(),
              event: z.string().optional(),
              channel: z.string().optional(),
              digestTime: z.string().optional().openapi({ description: 'HH:MM' }),
              quiet: z
                .string()
                .nullable()
                .optional()
                .openapi({ description: 'HH:MM-HH:MM (e.g. 20:00-07:00), or null / "off" for none' }),
              timeZone: z.string().nullable().optional().openapi({
                description: 'an IANA time zone (e.g. Asia/Singapore); null, "" or "default": the organisation\'s',
              }),
            })
            .strict(),
        },
      },
      required: true,
    },
  },
  responses: {
    200: { description: "The person's preferences", content: { 'application/json': { schema: prefsSchema } } },
    ...errorResponses,
  },
});

/** The notifications routes over a context. */
export function notificationsRoutes(ctx: Context) {
  const deps = { db: ctx.database.db, now: ctx.now, timeZone: ctx.policy.time_zone };
  return subApp()
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      return c.json(
        { items: await listNotifications(deps, c.get('principal'), { failed: q.failed === 'true', limit: q.limit }) },
        200,
      );
    })
    .openapi(retryRoute, async (c) => {
      const view = await retryNotification(deps, c.get('principal'), c.req.valid('param').id);
      ctx.nudgeNotifications?.();
      return c.json(view, 200);
    })
    .openapi(getPrefsRoute, async (c) =>
      c.json(await getPrefs(deps, c.get('principal'), c.req.valid('query').email), 200),
    )
    .openapi(putPrefsRoute, async (c) => {
      const body = c.req.valid('json');
      return c.json(await setPrefs(deps, c.get('principal'), body.email, parsePrefsChange(body)), 200);
    });
}
