/**
 * The outbox: one row per event × person × channel, written in the transaction of the event that causes it, so an
 * event that rolls back notifies no one and one that commits is never forgotten. The idempotency key is unique: writing
 * the same event again (a re-run, a retried transaction) stores nothing new. Each person's preference for the event
 * routes their row: `email` (sent at once, quiet hours permitting), `digest` (a row on the digest channel, gathered by
 * the daily digest job), or `none` (no row).
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { pgJson } from '../db/pg-json.ts';
import { defaultChannel, teamChannelEvent, type NotificationEvent } from './events.ts';
import type { Rendered } from './render.ts';
import { teamChannelNames } from './channels/team-channels.ts';

/** One event: what it is, what it is about, and how it reads. */
export interface OutboxEvent {
  event: NotificationEvent;
  /** What makes this event unique, e.g. "finding:42" or "finding:42:due:2026-03-16". */
  key: string;
  entity: { kind: string; id: string | number };
  facts: Record<string, string | number | null>;
  link: string | null;
  render: () => Rendered;
  now: Date;
}

/** One event for the members of a team (and the team's own channels, for the events that interrupt). */
export interface TeamEvent extends OutboxEvent {
  teamId: number;
}

interface Member {
  id: number;
  email: string;
  name: string | null;
  channel: string;
}

/** Writes a row for each member of the team who has not turned this event off; returns how many rows are new. */
export async function enqueueForTeam(trx: Kysely<DB>, e: TeamEvent): Promise<number> {
  return enqueueForTeams(trx, e, [e.teamId]);
}

/** The same for the members of several teams (a person in two of them gets one row); team channels for the first team. */
export async function enqueueForTeams(trx: Kysely<DB>, e: OutboxEvent, teamIds: readonly number[]): Promise<number> {
  if (teamIds.length === 0) return 0;
  const { rows } = await sql<{
    id: number;
  }>`select distinct person_id as id from team_members where team_id = any(${[...teamIds]}::int[])`.execute(trx);
  return write(
    trx,
    e,
    rows.map((r) => r.id),
    teamIds[0]!,
  );
}

/** Writes a row for each of these people (an exception's or a change's approvers) who has not turned the event off. */
export async function enqueueForPeople(trx: Kysely<DB>, e: OutboxEvent, personIds: readonly number[]): Promise<number> {
  return write(trx, e, personIds, null);
}

async function write(
  trx: Kysely<DB>,
  e: OutboxEvent,
  personIds: readonly number[],
  teamId: number | null,
): Promise<number> {
  const { rows: members } =
    personIds.length === 0
      ? { rows: [] as Member[] }
      : await sql<Member>`select p.id, p.email, p.name,
      coalesce(np.channel, ${defaultChannel[e.event]}) as channel
    from people p left join notification_prefs np on np.person_id = p.id and np.event = ${e.event}
    where p.id = any(${[...new Set(personIds)]}::int[]) order by p.id`.execute(trx);
  const wanted = members.filter((m) => m.channel !== 'none');
  // The team's own channels (Slack, Teams, a webhook) get one row each for the whole team, not one per person.
  const team =
    teamId === null || !teamChannelEvent(e.event)
      ? undefined
      : await trx.selectFrom('teams').select('notify').where('id', '=', teamId).executeTakeFirst();
  const teamChannels = teamChannelNames.filter((name) =>
    Boolean((team?.notify as Record<string, unknown> | null | undefined)?.[name]),
  );
  if (wanted.length === 0 && teamChannels.length === 0) return 0;
  const r = e.render();
  const row = (key: string, channel: string, person: { id: number; email: string; name: string | null } | null) => ({
    idempotency_key: key,
    event: e.event,
    person_id: person?.id ?? null,
    recipient_email: person?.email ?? null,
    recipient_name: person?.name ?? null,
    channel,
    status: 'pending' as const,
    next_attempt_at: e.now,
    subject: r.subject,
    body_text: r.text,
    body_html: r.html,
    link: e.link,
    facts: pgJson(e.facts),
    entity: e.entity.kind,
    entity_id: String(e.entity.id),
    created_at: e.now,
  });
  const inserted = await trx
    .insertInto('notifications')
    .values([
      ...wanted.map((m) => row(`${e.event}:${e.key}:person:${m.id}:${m.channel}`, m.channel, m)),
      ...teamChannels.map((name) => row(`${e.event}:${e.key}:team:${teamId}:${name}`, name, null)),
    ])
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .execute();
  return inserted.length;
}
