/** What people do with notifications: list the outbox, send one again, and choose which events reach them. */
import type { Kysely, Selectable } from 'kysely';
import type { DB, NotificationsTable } from '../db/schema.ts';
import { EntenteError, badInput } from '../errors.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Principal } from '../people/tokens.ts';
import {
  defaultChannel,
  eventLabels,
  notificationEvents,
  prefChannels,
  type NotificationEvent,
  type PrefChannel,
} from './events.ts';
import { parseQuiet, parseTime, parseTimeZone, scheduleOf, type Schedule } from './schedule.ts';

export interface NotificationView {
  id: number;
  event: string;
  status: 'pending' | 'sending' | 'sent' | 'failed' | 'digested';
  channel: string;
  recipient: string | null;
  subject: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  sentAt: string | null;
  createdAt: string;
  entity: string | null;
  entityId: string | null;
}

export interface PrefsView {
  email: string;
  prefs: { event: NotificationEvent; label: string; channel: PrefChannel; isDefault: boolean }[];
  /** HH:MM in `timeZone`. */
  digestTime: string;
  /** E-mails wait while these last (HH:MM to HH:MM in `timeZone`, over midnight when `from` is later); null: none. */
  quiet: { from: string; to: string } | null;
  /** The zone in effect: the person's own, else the organisation's. */
  timeZone: string;
  /** True when the person has no zone of their own (the organisation's is in effect). */
  timeZoneIsDefault: boolean;
  /** The organisation's zone (the policy's `time_zone`). */
  organisationTimeZone: string;
}

/** What one change of preferences sets: an event's channel, the digest time, quiet hours (null removes them), the time zone (null: the organisation's). */
export interface PrefsChange {
  pref?: { event: NotificationEvent; channel: PrefChannel };
  digestTime?: string;
  quiet?: Schedule['quiet'];
  timeZone?: string | null;
}

interface Deps {
  db: Kysely<DB>;
  now: () => Date;
  /** The organisation's time zone (the policy's): preferences name it when a person has none of their own. */
  timeZone?: string | undefined;
}

const seesAll = (who: Principal): boolean => who.role === 'admin' || who.role === 'security';
const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/** Newest first; Security and admins see every row, anyone else the rows addressed to them. */
export async function listNotifications(
  deps: Deps,
  who: Principal,
  opts: { failed?: boolean; limit?: number },
): Promise<NotificationView[]> {
  let q = deps.db
    .selectFrom('notifications')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(opts.limit ?? 100);
  if (opts.failed) q = q.where('status', '=', 'failed');
  if (!seesAll(who)) q = q.where('person_id', '=', who.personId ?? -1);
  return (await q.execute()).map(viewOf);
}

function viewOf(r: Selectable<NotificationsTable>): NotificationView {
  return {
    id: r.id,
    event: r.event,
    status: r.status,
    channel: r.channel,
    recipient: r.recipient_email,
    subject: r.subject,
    attempts: r.attempts,
    nextAttemptAt: r.status === 'pending' ? iso(r.next_attempt_at) : null,
    lastError: r.last_error,
    sentAt: iso(r.sent_at),
    createdAt: iso(r.created_at)!,
    entity: r.entity,
    entityId: r.entity_id,
  };
}

/** Queues a failed or waiting notification to go out at the next delivery run, with its retries counted afresh. */
export async function retryNotification(deps: Deps, who: Principal, id: number): Promise<NotificationView> {
  const now = deps.now();
  await deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('notifications')
      .select(['id', 'status', 'person_id'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!row || (!seesAll(who) && row.person_id !== who.personId))
      throw new EntenteError(
        'not_found',
        `no notification #${id} that you can see; \`entente notifications list\` shows them`,
        { id },
      );
    if (row.status === 'sent')
      throw new EntenteError('conflict', `notification #${id} was sent already; nothing to retry`, { id });
    if (row.status === 'sending')
      throw new EntenteError('conflict', `notification #${id} is being sent right now; look again in a minute`, { id });
    await trx
      .updateTable('notifications')
      .set({ status: 'pending', attempts: 0, next_attempt_at: now, claimed_at: null })
      .where('id', '=', id)
      .execute();
    await recordAudit(trx, {
      actor: who.actor,
      action: 'notification.retry',
      entity: 'notification',
      entityId: id,
      before: { status: row.status },
      after: { status: 'pending' },
      at: now,
    });
  });
  return viewOf(await deps.db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
}

/** Whose preferences a call is about: the caller's own person, or (for an admin) the one `email` names. */
async function personOf(
  db: Kysely<DB>,
  who: Principal,
  email: string | undefined,
): Promise<{ id: number; email: string }> {
  if (email !== undefined) {
    const p = await db
      .selectFrom('people')
      .select(['id', 'email'])
      .where('email', '=', email.trim().toLowerCase())
      .executeTakeFirst();
    if (!p)
      throw new EntenteError(
        'not_found',
        `no person with the e-mail ${email}; people come from the organisation file (\`entente org apply\`)`,
        { email },
      );
    if (p.id !== who.personId && who.role !== 'admin')
      throw new EntenteError('forbidden', "only an admin changes or reads another person's notification preferences", {
        email,
      });
    return p;
  }
  if (who.personId === null)
    throw badInput('email: this token belongs to no person; name one with email (an admin may name anyone)', {
      field: 'email',
    });
  return db.selectFrom('people').select(['id', 'email']).where('id', '=', who.personId).executeTakeFirstOrThrow();
}

/** A person's preference for each event, the defaults filled in. */
export async function getPrefs(deps: Deps, who: Principal, email?: string): Promise<PrefsView> {
  const p = await personOf(deps.db, who, email);
  const set = await deps.db
    .selectFrom('notification_prefs')
    .select(['event', 'channel'])
    .where('person_id', '=', p.id)
    .execute();
  const chosen = new Map(set.map((r) => [r.event, r.channel as PrefChannel]));
  const schedule = scheduleOf(
    await deps.db.selectFrom('notification_schedules').selectAll().where('person_id', '=', p.id).executeTakeFirst(),
  );
  return {
    email: p.email,
    prefs: notificationEvents.map((event) => ({
      event,
      label: eventLabels[event],
      channel: chosen.get(event) ?? defaultChannel[event],
      isDefault: !chosen.has(event),
    })),
    digestTime: schedule.digestTime,
    quiet: schedule.quiet,
    timeZone: schedule.timeZone ?? deps.timeZone ?? 'UTC',
    timeZoneIsDefault: schedule.timeZone === null,
    organisationTimeZone: deps.timeZone ?? 'UTC',
  };
}

/** Checks a change of preferences as typed (event with channel, digestTime, quiet, timeZone), naming what is wrong; nothing to change is bad input too. */
export function parsePrefsChange(body: {
  event?: unknown;
  channel?: unknown;
  digestTime?: unknown;
  quiet?: unknown;
  timeZone?: unknown;
}): PrefsChange {
  const change: PrefsChange = {};
  if (body.event !== undefined || body.channel !== undefined) change.pref = parsePref(body.event, body.channel);
  if (body.digestTime !== undefined) change.digestTime = parseTime(body.digestTime, 'digestTime');
  if (body.quiet !== undefined) change.quiet = body.quiet === null ? null : parseQuiet(body.quiet, 'quiet');
  if (body.timeZone !== undefined) change.timeZone = parseTimeZone(body.timeZone, 'timeZone');
  if (!change.pref && change.digestTime === undefined && change.quiet === undefined && change.timeZone === undefined) {
    throw badInput(
      'nothing to change: give event and channel, digestTime (HH:MM), quiet (HH:MM-HH:MM, or off) or timeZone (e.g. Asia/Singapore, or default)',
      { field: 'event' },
    );
  }
  return change;
}

/** Checks an event and a channel as a person typed them, naming what is wrong. */
export function parsePref(event: unknown, channel: unknown): { event: NotificationEvent; channel: PrefChannel } {
  if (typeof event !== 'string' || !notificationEvents.includes(event as NotificationEvent)) {
    throw badInput(`event: "${String(event)}" is not an event; use ${notificationEvents.join(', ')}`, {
      field: 'event',
    });
  }
  if (typeof channel !== 'string' || !prefChannels.includes(channel as PrefChannel)) {
    throw badInput(
      `channel: "${String(channel)}" is not a channel; use email (at once), digest (in your daily digest) or none`,
      { field: 'channel' },
    );
  }
  return { event: event as NotificationEvent, channel: channel as PrefChannel };
}

/** Sets how one event reaches a person, their digest time, quiet hours or time zone (audited, in one transaction); returns all their preferences. */
export async function setPrefs(
  deps: Deps,
  who: Principal,
  email: string | undefined,
  change: PrefsChange,
): Promise<PrefsView> {
  const p = await personOf(deps.db, who, email);
  const now = deps.now();
  await deps.db.transaction().execute(async (trx) => {
    if (change.pref) await savePref(trx, who, p.id, change.pref, now);
    if (change.digestTime !== undefined || change.quiet !== undefined || change.timeZone !== undefined) {
      const before = scheduleOf(
        await trx
          .selectFrom('notification_schedules')
          .selectAll()
          .where('person_id', '=', p.id)
          .forUpdate()
          .executeTakeFirst(),
      );
      const after: Schedule = {
        digestTime: change.digestTime ?? before.digestTime,
        quiet: change.quiet === undefined ? before.quiet : change.quiet,
        timeZone: change.timeZone === undefined ? before.timeZone : change.timeZone,
      };
      const row = {
        digest_time: after.digestTime,
        quiet_from: after.quiet?.from ?? null,
        quiet_to: after.quiet?.to ?? null,
        time_zone: after.timeZone,
        updated_at: now,
      };
      await trx
        .insertInto('notification_schedules')
        .values({ person_id: p.id, ...row })
        .onConflict((oc) => oc.column('person_id').doUpdateSet(row))
        .execute();
      await recordAudit(trx, {
        actor: who.actor,
        action: 'notification.schedule',
        entity: 'person',
        entityId: p.id,
        before: { ...before },
        after: { ...after },
        at: now,
      });
    }
  });
  return getPrefs(deps, who, p.email);
}

/** Sets how one event reaches a person (audited); returns all their preferences. */
export async function setPref(
  deps: Deps,
  who: Principal,
  email: string | undefined,
  pref: { event: NotificationEvent; channel: PrefChannel },
): Promise<PrefsView> {
  return setPrefs(deps, who, email, { pref });
}

async function savePref(
  trx: Kysely<DB>,
  who: Principal,
  personId: number,
  pref: { event: NotificationEvent; channel: PrefChannel },
  now: Date,
): Promise<void> {
  const before = await trx
    .selectFrom('notification_prefs')
    .select('channel')
    .where('person_id', '=', personId)
    .where('event', '=', pref.event)
    .executeTakeFirst();
  await trx
    .insertInto('notification_prefs')
    .values({ person_id: personId, event: pref.event, channel: pref.channel, updated_at: now })
    .onConflict((oc) => oc.columns(['person_id', 'event']).doUpdateSet({ channel: pref.channel, updated_at: now }))
    .execute();
  await recordAudit(trx, {
    actor: who.actor,
    action: 'notification.prefs',
    entity: 'person',
    entityId: personId,
    before: { event: pref.event, channel: before?.channel ?? defaultChannel[pref.event] },
    after: { event: pref.event, channel: pref.channel },
    at: now,
  });
}
