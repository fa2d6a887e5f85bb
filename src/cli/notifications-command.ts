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
  const state =
    n.status === 'sent'
      ? `sent ${n.sentAt}`
      : n.status === 'pending'
        ? `pending, next try ${n.nextAttemptAt}`
        : n.status;
  const why =
    n.lastError && n.status !== 'sent' ? ` (${n.lastError}; ${n.attempts} attempt${n.attempts === 1 ? '' : 's'})` : '';
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
    if (args.channel !== undefined && args.event === undefined)
      throw badInput('--channel needs --event: which event to send that way');
    if (args.event !== undefined && args.channel === undefined)
      throw badInput('--event needs --channel email, digest or none');
    const { parsePrefsChange } = await service();
    const asked = {
      event: args.event,
      channel: args.channel,
      digestTime: args['digest-time'],
      quiet: args.quiet,
      timeZone: args['time-zone'],
    };
    const change = Object.values(asked).some((v) => v !== undefined) ? parsePrefsChange(asked) : undefined;
    if (!args.server && !args.email)
      throw badInput('--email: whose preferences (the local data folder has no person of its own)');
    const view = await withApi(args, notificationsApi, (api) =>
      change ? api.setPrefs(args.email, change) : api.prefs(args.email),
    );
    if (args.json) return out(JSON.stringify(view));
    out(
      `Notifications for ${view.email}: daily digest at ${view.digestTime}, ${view.quiet ? `quiet hours ${view.quiet.from}-${view.quiet.to} (e-mails wait until they end)` : 'no quiet hours'}, times in ${view.timeZone}${view.timeZoneIsDefault ? " (the organisation's time zone)" : ''}`,
    );
    // As wide as the longest event name, so a new event (change.recertification_due) keeps the columns aligned.
    const width = Math.max(...view.prefs.map((p) => p.event.length));
    for (const p of view.prefs)
      out(`  ${p.event.padEnd(width)} ${`${p.channel}${p.isDefault ? ' (default)' : ''}`.padEnd(17)} ${p.label}`);
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
