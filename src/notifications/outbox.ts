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
import { teamChannelNames } from './channels/team-channels.ts';

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
  // The team's own channels (Slack, Teams, a webhook) get one row each for the whole team, not one per person.
  const team = await trx.selectFrom('teams').select('notify').where('id', '=', e.teamId).executeTakeFirst();
  const teamChannels = teamChannelNames.filter((name) => Boolean((team?.notify as Record<string, unknown> | null | undefined)?.[name]));
  if (wanted.length === 0 && teamChannels.length === 0) return 0;
  const r = e.render();
  const row = (key: string, channel: string, person: { id: number; email: string; name: string | null } | null) => ({
    idempotency_key: key, event: e.event, person_id: person?.id ?? null, recipient_email: person?.email ?? null, recipient_name: person?.name ?? null, channel,
    status: 'pending' as const, next_attempt_at: e.now, subject: r.subject, body_text: r.text, body_html: r.html,
    link: e.link, facts: pgJson(e.facts), entity: e.entity.kind, entity_id: String(e.entity.id), created_at: e.now,
  });
  const inserted = await trx.insertInto('notifications').values([
    ...wanted.map((m) => row(`${e.event}:${e.key}:person:${m.id}:${m.channel}`, m.channel, m)),
    ...teamChannels.map((name) => row(`${e.event}:${e.key}:team:${e.teamId}:${name}`, name, null)),
  ]).onConflict((oc) => oc.column('idempotency_key').doNothing()).returning('id').execute();
  return inserted.length;
}
