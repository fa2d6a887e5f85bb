/** `entente notifications list | prefs | retry`: the outbox and who gets what, locally or through a server. */
import { defineCommand } from 'citty';
import { badInput } from '../errors.ts';
import { notificationMessages } from '../voice/messages/notifications.ts';
import { idArg, out } from './shared.ts';
import { args as A } from './commands.ts';
import { withApi } from './api/area.ts';
import { notificationsApi, type Notification } from './api/notifications-api.ts';

const service = () => import('../notifications/notifications-service.ts');

function line(n: Notification): string {
  const state = n.status === 'sent' ? `sent ${n.sentAt}` : n.status === 'pending' ? `pending, next try ${n.nextAttemptAt}` : n.status;
  const why = n.lastError && n.status !== 'sent' ? ` (${n.lastError}; ${n.attempts} attempt${n.attempts === 1 ? '' : 's'})` : '';
  return `#${n.id}  ${n.event}  ${n.channel} to ${n.recipient ?? '-'}  ${state}${why}  "${n.subject}"`;
}

export const list = defineCommand({
  args: A['notifications list'],
  async run({ args }) {
    const limit = Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw badInput('--limit: a whole number from 1 to 500');
    const items = await withApi(args, notificationsApi, (api) => api.list({ failed: Boolean(args.failed), limit }));
    if (args.json) return void items.forEach((n) => out(JSON.stringify(n)));
    if (items.length === 0) return out(notificationMessages.noneListed.render({ failed: Boolean(args.failed) }));
    for (const n of items) out(line(n));
  },
});

export const prefs = defineCommand({
  args: A['notifications prefs'],
  async run({ args }) {
    if (args.channel !== undefined && args.event === undefined) throw badInput('--channel needs --event: which event to send that way');
    if (args.event !== undefined && args.channel === undefined) throw badInput('--event needs --channel email or --channel none');
    const { parsePref } = await service();
    const pref = args.event !== undefined ? parsePref(args.event, args.channel) : undefined;
    if (!args.server && !args.email) throw badInput('--email: whose preferences (the local data folder has no person of its own)');
    const view = await withApi(args, notificationsApi, (api) => (pref ? api.setPref(args.email, pref) : api.prefs(args.email)));
    if (args.json) return out(JSON.stringify(view));
    out(`Notifications for ${view.email}:`);
    for (const p of view.prefs) out(`  ${p.event.padEnd(18)} ${p.channel}${p.isDefault ? ' (default)' : ''}`);
  },
});

export const retry = defineCommand({
  args: A['notifications retry'],
  async run({ args }) {
    const id = idArg(args.id, 'a notification', 'entente notifications list');
    const view = await withApi(args, notificationsApi, (api) => api.retry(id));
    out(args.json ? JSON.stringify(view) : notificationMessages.retried.render({ id: view.id }));
  },
});
