/** `entente notifications list | prefs | retry`: the outbox and who gets what, locally or through a server. */
import { defineCommand } from 'citty';
import { badInput } from '../errors.ts';
import { localAdmin } from '../people/tokens.ts';
import type { NotificationView, PrefsView } from '../notifications/notifications-service.ts';
import { notificationMessages } from '../voice/messages/notifications.ts';
import { callServer, idArg, out, withLocalContext } from './shared.ts';
import { args as A } from './commands.ts';

const service = () => import('../notifications/notifications-service.ts');
const jsonHeaders = { 'content-type': 'application/json' };

function line(n: NotificationView): string {
  const state = n.status === 'sent' ? `sent ${n.sentAt}` : n.status === 'pending' ? `pending, next try ${n.nextAttemptAt}` : n.status;
  const why = n.lastError && n.status !== 'sent' ? ` (${n.lastError}; ${n.attempts} attempt${n.attempts === 1 ? '' : 's'})` : '';
  return `#${n.id}  ${n.event}  ${n.channel} to ${n.recipient ?? '-'}  ${state}${why}  "${n.subject}"`;
}

export const list = defineCommand({
  args: A['notifications list'],
  async run({ args }) {
    const limit = Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw badInput('--limit: a whole number from 1 to 500');
    const items = args.server
      ? ((await callServer(args.server, args.token, `api/notifications?${new URLSearchParams({ limit: String(limit), ...(args.failed ? { failed: 'true' } : {}) })}`)) as { items: NotificationView[] }).items
      : await withLocalContext(async (ctx) => (await service()).listNotifications({ db: ctx.database.db, now: ctx.now }, localAdmin, { failed: args.failed, limit }));
    if (args.json) return void items.forEach((n) => out(JSON.stringify(n)));
    if (items.length === 0) return out(notificationMessages.noneListed.render({ failed: Boolean(args.failed) }));
    for (const n of items) out(line(n));
  },
});

export const prefs = defineCommand({
  args: A['notifications prefs'],
  async run({ args }) {
    if (args.channel !== undefined && args.event === undefined) throw badInput('--channel needs --event: which event to send that way');
    if (args.event !== undefined && args.channel === undefined) throw badInput('--event needs --channel email, digest or none');
    const { parsePrefsChange } = await service();
    const asked = { event: args.event, channel: args.channel, digestTime: args['digest-time'], quiet: args.quiet };
    const change = Object.values(asked).some((v) => v !== undefined) ? parsePrefsChange(asked) : undefined;
    let view: PrefsView;
    if (args.server) {
      const body = { ...(change?.pref ?? {}), ...(change?.digestTime ? { digestTime: change.digestTime } : {}),
        ...(change?.quiet !== undefined ? { quiet: change.quiet ? `${change.quiet.from}-${change.quiet.to}` : null } : {}), ...(args.email ? { email: args.email } : {}) };
      view = change
        ? (await callServer(args.server, args.token, 'api/notifications/prefs', { method: 'PUT', headers: jsonHeaders, body: JSON.stringify(body) })) as PrefsView
        : (await callServer(args.server, args.token, `api/notifications/prefs${args.email ? `?${new URLSearchParams({ email: args.email })}` : ''}`)) as PrefsView;
    } else {
      if (!args.email) throw badInput('--email: whose preferences (the local data folder has no person of its own)');
      view = await withLocalContext(async (ctx) => {
        const s = await service();
        const deps = { db: ctx.database.db, now: ctx.now };
        return change ? s.setPrefs(deps, localAdmin, args.email, change) : s.getPrefs(deps, localAdmin, args.email);
      });
    }
    if (args.json) return out(JSON.stringify(view));
    out(`Notifications for ${view.email}: daily digest at ${view.digestTime}, ${view.quiet ? `quiet hours ${view.quiet.from}-${view.quiet.to} (e-mails wait until they end)` : 'no quiet hours'}`);
    for (const p of view.prefs) out(`  ${p.event.padEnd(20)} ${`${p.channel}${p.isDefault ? ' (default)' : ''}`.padEnd(17)} ${p.label}`);
  },
});

export const retry = defineCommand({
  args: A['notifications retry'],
  async run({ args }) {
    const id = idArg(args.id, 'a notification', 'entente notifications list');
    const view = args.server
      ? (await callServer(args.server, args.token, `api/notifications/${id}/retry`, { method: 'POST' })) as NotificationView
      : await withLocalContext(async (ctx) => (await service()).retryNotification({ db: ctx.database.db, now: ctx.now }, localAdmin, id));
    out(args.json ? JSON.stringify(view) : notificationMessages.retried.render({ id: view.id }));
  },
});
