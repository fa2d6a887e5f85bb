/**
 * Delivery: claims due outbox rows with FOR UPDATE SKIP LOCKED (several servers on one PostgreSQL database never take
 * the same row), marks each `sending` with the claim time and commits, sends it, then marks it `sent`. A failed send
 * waits 1 min, 5, 30, 2 h, then the row is `failed` (`entente notifications retry` queues it again).
 *
 * Crash between send and mark: the row stays `sending`; once its claim is older than claimSeconds it is claimed again
 * and sent again. That is at-least-once, chosen over at-most-once because a lost "act now" e-mail costs more than a
 * rare second copy; the window is only the moment between the SMTP server's "250 queued" and our update, and the copy
 * carries the same Message-ID. A row already `sent` is never claimed, so restarts do not resend.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Channel, OutgoingNotification } from './channel.ts';
import { calendarOf } from '../policy/calendar.ts';
import { digestChannel, retryDelays } from './events.ts';
import { pageOf } from './links.ts';
import { withLink } from './render.ts';
import { quietUntil, scheduleOf } from './schedule.ts';

export interface DeliveryDeps {
  db: Kysely<DB>;
  now: () => Date;
  channels: ReadonlyMap<string, Channel>;
  /** A claim older than this (its sender died mid-send) is taken again. */
  claimSeconds: number;
  /** The web app's address (ENTENTE_PUBLIC_URL): a notification about a finding or a change links to its page. */
  publicUrl?: string | undefined;
  /** The organisation's time zone (the policy's): quiet hours of people without a zone of their own; UTC when absent. */
  timeZone?: string | undefined;
}

export interface DeliveryRun {
  sent: number;
  retrying: number;
  failed: number;
  waitingForChannel: number;
  quiet: number;
}

const noChannelError = 'no channel configured';

interface Claimed {
  id: number;
  idempotency_key: string;
  event: string;
  recipient_email: string | null;
  recipient_name: string | null;
  channel: string;
  attempts: number;
  subject: string;
  body_text: string;
  body_html: string;
  link: string | null;
  facts: unknown;
  claimed_at: Date;
  entity: string | null;
  entity_id: string | null;
  person_id: number | null;
}

// For each claimed e-mail whose person is in their quiet hours now: when those end.
async function quietEnds(deps: DeliveryDeps, rows: readonly Claimed[], now: Date): Promise<Map<number, Date>> {
  const people = [
    ...new Set(rows.filter((r) => r.channel === 'email' && r.person_id !== null).map((r) => r.person_id!)),
  ];
  const ends = new Map<number, Date>();
  if (people.length === 0) return ends;
  const schedules = await deps.db
    .selectFrom('notification_schedules')
    .select(['person_id', 'digest_time', 'quiet_from', 'quiet_to', 'time_zone'])
    .where('person_id', 'in', people)
    .where('quiet_from', 'is not', null)
    .execute();
  if (schedules.length === 0) return ends;
  const cal = calendarOf(deps.timeZone ?? 'UTC');
  const until = new Map(schedules.map((s) => [s.person_id, quietUntil(scheduleOf(s), cal, now)]));
  for (const r of rows) {
    const u = r.channel === 'email' && r.person_id !== null ? until.get(r.person_id) : undefined;
    if (u) ends.set(r.id, u);
  }
  return ends;
}

/** Sends what is due now (at most `limit` rows per call); returns what happened. */
export async function deliverDue(deps: DeliveryDeps, limit = 50): Promise<DeliveryRun> {
  const now = deps.now();
  const names = [...deps.channels.keys()];
  const run: DeliveryRun = { sent: 0, retrying: 0, failed: 0, waitingForChannel: 0, quiet: 0 };
  // Rows for a channel that is not set up stay pending, and say why where people look (digest rows wait for the digest).
  const waiting = await sql`update notifications set last_error = ${noChannelError}
    where status = 'pending' and channel <> ${digestChannel} and not (channel = any(${names}::text[])) and last_error is distinct from ${noChannelError}`.execute(
    deps.db,
  );
  run.waitingForChannel = Number(waiting.numAffectedRows ?? 0);
  if (names.length === 0) return run;
  const stale = new Date(now.getTime() - deps.claimSeconds * 1000);
  const { rows } =
    await sql<Claimed>`update notifications n set status = 'sending', claimed_at = ${now}, attempts = n.attempts + 1
    where n.id in (select id from notifications
      where channel = any(${names}::text[])
        and ((status = 'pending' and next_attempt_at <= ${now}) or (status = 'sending' and claimed_at < ${stale}))
      order by next_attempt_at, id limit ${limit} for update skip locked)
    returning n.id, n.idempotency_key, n.event, n.recipient_email, n.recipient_name, n.channel, n.attempts, n.subject, n.body_text, n.body_html,
      n.link, n.facts, n.claimed_at, n.entity, n.entity_id, n.person_id`.execute(deps.db);
  const quiet = await quietEnds(deps, rows, now);
  for (const row of rows) {
    const until = quiet.get(row.id);
    if (until) {
      // In the person's quiet hours: the e-mail waits until they end, and this claim does not count as an attempt.
      await deps.db
        .updateTable('notifications')
        .set({ status: 'pending', claimed_at: null, attempts: sql`attempts - 1`, next_attempt_at: until })
        .where('id', '=', row.id)
        .where('status', '=', 'sending')
        .where('claimed_at', '=', row.claimed_at)
        .execute();
      run.quiet++;
      continue;
    }
    const channel = deps.channels.get(row.channel)!;
    try {
      const { externalId } = await channel.send(outgoing(row, deps.publicUrl));
      // Only our own claim is marked: if it went stale and another server took it, that server marks it.
      await deps.db
        .updateTable('notifications')
        .set({ status: 'sent', sent_at: deps.now(), external_id: externalId ?? null, last_error: null })
        .where('id', '=', row.id)
        .where('status', '=', 'sending')
        .where('claimed_at', '=', row.claimed_at)
        .execute();
      run.sent++;
    } catch (e) {
      const error = ((e as Error)?.message ?? String(e)).slice(0, 500);
      // A channel that said when to come back (429/503 with Retry-After) is not asked sooner.
      const asked = (e as { retryAfterSeconds?: number }).retryAfterSeconds;
      const planned = retryDelays[row.attempts - 1];
      const delay = planned === undefined ? undefined : Math.max(planned, asked ?? 0);
      const after = deps.now();
      await deps.db
        .updateTable('notifications')
        .set(
          delay === undefined
            ? { status: 'failed', last_error: error, claimed_at: null }
            : {
                status: 'pending',
                last_error: error,
                claimed_at: null,
                next_attempt_at: new Date(after.getTime() + delay * 1000),
              },
        )
        .where('id', '=', row.id)
        .where('status', '=', 'sending')
        .where('claimed_at', '=', row.claimed_at)
        .execute();
      if (delay === undefined) run.failed++;
      else run.retrying++;
    }
  }
  return run;
}

// The web app's page for what the notification is about: Slack's and Teams' "Open in Entente" button, and a line in
// the e-mail's text and HTML (rows are rendered when the event happens; the address is known when they are sent).
function outgoing(row: Claimed, publicUrl: string | undefined): OutgoingNotification {
  const facts = (typeof row.facts === 'string' ? JSON.parse(row.facts) : row.facts) as Record<
    string,
    string | number | null
  >;
  const link = row.link ?? pageOf(publicUrl, row.entity, row.entity_id);
  const body =
    row.channel === 'email'
      ? withLink({ text: row.body_text, html: row.body_html }, link)
      : { text: row.body_text, html: row.body_html };
  return {
    id: String(row.id),
    idempotencyKey: row.idempotency_key,
    event: row.event,
    recipient: { email: row.recipient_email, name: row.recipient_name },
    subject: row.subject,
    text: body.text,
    html: body.html,
    link,
    facts,
  };
}

/** Runs `deliver` soon after each nudge, never two at once; nudges that arrive meanwhile cause one more run after it. */
export function coalesced(deliver: () => Promise<unknown>, onError: (e: Error) => void): () => void {
  let running = false;
  let again = false;
  const go = (): void => {
    running = true;
    again = false;
    void deliver()
      .catch(onError)
      .finally(() => {
        running = false;
        if (again) go();
      });
  };
  return () => {
    if (running) again = true;
    else go();
  };
}
