/**
 * The outbox: one row per event × person × channel, written in the transaction of the event that causes it, so an
 * event that rolls back notifies no one and one that commits is never forgotten. The idempotency key is unique: writing
 * the same event again (a re-run, a retried transaction) stores nothing new.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { pgJson } from '../db/pg-json.ts';
import { defaultChannel, type NotificationEvent } from './events.ts';
import type { Rendered } from './render.ts';

/** One event for the members of a team: what it is, what it is about, and how it reads for each of them. */
export interface TeamEvent {
  event: NotificationEvent;
  /** What makes this event unique, e.g. "finding:42" or "finding:42:due:2026-03-16". */
  key: string;
  teamId: number;
  entity: { kind: string; id: string | number };
  facts: Record<string, string | number | null>;
  link: string | null;
  render: () => Rendered;
  now: Date;
}

interface Member { id: number; email: string; name: string | null; channel: string }

/** Writes a row for each member of the team who has not turned this event off; returns how many rows are new. */
export async function enqueueForTeam(trx: Kysely<DB>, e: TeamEvent): Promise<number> {
  const { rows: members } = await sql<Member>`select p.id, p.email, p.name, coalesce(np.channel, ${defaultChannel[e.event]}) as channel
    from team_members tm join people p on p.id = tm.person_id
    left join notification_prefs np on np.person_id = p.id and np.event = ${e.event}
    where tm.team_id = ${e.teamId} order by p.id`.execute(trx);
  const wanted = members.filter((m) => m.channel !== 'none');
  if (wanted.length === 0) return 0;
  const r = e.render();
  const inserted = await trx.insertInto('notifications').values(wanted.map((m) => ({
    idempotency_key: `${e.event}:${e.key}:person:${m.id}:${m.channel}`,
    event: e.event, person_id: m.id, recipient_email: m.email, recipient_name: m.name, channel: m.channel,
    status: 'pending' as const, next_attempt_at: e.now, subject: r.subject, body_text: r.text, body_html: r.html,
    link: e.link, facts: pgJson(e.facts), entity: e.entity.kind, entity_id: String(e.entity.id), created_at: e.now,
  }))).onConflict((oc) => oc.column('idempotency_key').doNothing()).returning('id').execute();
  return inserted.length;
}
