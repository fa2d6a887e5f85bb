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

interface Person {
  id: number;
  email: string;
  name: string | null;
}

/** One event and who it is for: people by id, and the team whose own channels hear it (null: people only). */
interface Addressed {
  e: OutboxEvent;
  personIds: readonly number[];
  teamId: number | null;
}

/**
 * Events resolved and written a chunk at a time: per chunk one query for the people and their preferences, one for the
 * teams' channels and one multi-row insert, whatever the number of events (an import of 100,000 new findings writes its
 * rows in a few hundred statements, not a few hundred thousand).
 */
const chunkSize = 500;

/** Writes a row for each member of the team who has not turned this event off; returns how many rows are new. */
export async function enqueueForTeam(trx: Kysely<DB>, e: TeamEvent): Promise<number> {
  return enqueueTeamEvents(trx, [e]);
}

/** The same for many events, each for the members of its own team (an import's new findings, a sweep's reminders). */
export async function enqueueTeamEvents(trx: Kysely<DB>, events: readonly TeamEvent[]): Promise<number> {
  let written = 0;
  for (let i = 0; i < events.length; i += chunkSize) {
    const chunk = events.slice(i, i + chunkSize);
    const members = await membersOf(trx, [...new Set(chunk.map((e) => e.teamId))]);
    written += await write(
      trx,
      chunk.map((e) => ({ e, personIds: members.get(e.teamId) ?? [], teamId: e.teamId })),
    );
  }
  return written;
}

/** The same for the members of several teams (a person in two of them gets one row); team channels for the first team. */
export async function enqueueForTeams(trx: Kysely<DB>, e: OutboxEvent, teamIds: readonly number[]): Promise<number> {
  if (teamIds.length === 0) return 0;
  const members = await membersOf(trx, teamIds);
  return write(trx, [{ e, personIds: teamIds.flatMap((t) => members.get(t) ?? []), teamId: teamIds[0]! }]);
}

/** Writes a row for each of these people (an exception's or a change's approvers) who has not turned the event off. */
export async function enqueueForPeople(trx: Kysely<DB>, e: OutboxEvent, personIds: readonly number[]): Promise<number> {
  return write(trx, [{ e, personIds, teamId: null }]);
}

async function membersOf(trx: Kysely<DB>, teamIds: readonly number[]): Promise<Map<number, number[]>> {
  const { rows } = await sql<{
    team_id: number;
    person_id: number;
  }>`select team_id, person_id from team_members where team_id = any(${[...new Set(teamIds)]}::int[])
    order by team_id, person_id`.execute(trx);
  const byTeam = new Map<number, number[]>();
  for (const r of rows) {
    const list = byTeam.get(r.team_id) ?? [];
    list.push(r.person_id);
    byTeam.set(r.team_id, list);
  }
  return byTeam;
}

async function write(trx: Kysely<DB>, items: readonly Addressed[]): Promise<number> {
  const personIds = [...new Set(items.flatMap((i) => i.personIds))];
  const events = [...new Set(items.map((i) => i.e.event))];
  const { rows: found } =
    personIds.length === 0
      ? { rows: [] as (Person & { event: string | null; channel: string | null })[] }
      : await sql<
          Person & { event: string | null; channel: string | null }
        >`select p.id, p.email, p.name, np.event, np.channel
    from people p left join notification_prefs np on np.person_id = p.id and np.event = any(${events}::text[])
    where p.id = any(${personIds}::int[])`.execute(trx);
  const people = new Map<number, Person>();
  const chosen = new Map<string, string>();
  for (const r of found) {
    people.set(r.id, { id: r.id, email: r.email, name: r.name });
    if (r.event !== null && r.channel !== null) chosen.set(`${r.id}:${r.event}`, r.channel);
  }
  // The teams' own channels (Slack, Teams, a webhook) get one row each for the whole team, not one per person.
  const channelTeams = [
    ...new Set(items.filter((i) => i.teamId !== null && teamChannelEvent(i.e.event)).map((i) => i.teamId!)),
  ];
  const teamChannels = new Map<number, string[]>();
  if (channelTeams.length > 0) {
    const teams = await trx.selectFrom('teams').select(['id', 'notify']).where('id', 'in', channelTeams).execute();
    for (const t of teams)
      teamChannels.set(
        t.id,
        teamChannelNames.filter((name) => Boolean((t.notify as Record<string, unknown> | null)?.[name])),
      );
  }
  const rows = items.flatMap(({ e, personIds: ids, teamId }) => {
    const wanted = [...new Set(ids)]
      .sort((a, b) => a - b)
      .flatMap((id) => {
        const p = people.get(id);
        const channel = chosen.get(`${id}:${e.event}`) ?? defaultChannel[e.event];
        return p && channel !== 'none' ? [{ p, channel }] : [];
      });
    const channels = teamId !== null && teamChannelEvent(e.event) ? (teamChannels.get(teamId) ?? []) : [];
    if (wanted.length === 0 && channels.length === 0) return [];
    const r = e.render();
    const row = (key: string, channel: string, person: Person | null) => ({
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
    return [
      ...wanted.map(({ p, channel }) => row(`${e.event}:${e.key}:person:${p.id}:${channel}`, channel, p)),
      ...channels.map((name) => row(`${e.event}:${e.key}:team:${teamId}:${name}`, name, null)),
    ];
  });
  let inserted = 0;
  // At most a thousand rows (17 values each) per statement: well inside PostgreSQL's 65,535 parameters.
  for (let i = 0; i < rows.length; i += 1_000) {
    const done = await trx
      .insertInto('notifications')
      .values(rows.slice(i, i + 1_000))
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returning('id')
      .execute();
    inserted += done.length;
  }
  return inserted;
}
