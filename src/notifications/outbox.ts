/**
 * The outbox: one row per event × person × channel, written in the transaction of the event that causes it, so an
 * event that rolls back notifies no one and one that commits is never forgotten. The idempotency key is unique: writing
 * the same event again (a re-run, a retried transaction) stores nothing new. Each person's preference for the event
 * routes their row: `email` (sent at once, quiet hours permitting), `digest` (a row on the digest channel, gathered by
 * the daily digest job), or `none` (no row).
 *
 * A burst is folded: when one call would send a person (or a team's channel) more than `burstThreshold` rows of one
 * event, they get one summary row instead; the single rows are kept, `digested` and pointing at it (see foldBursts).
 */
import { createHash } from 'node:crypto';
import { sql, type Insertable, type Kysely } from 'kysely';
import type { DB, NotificationsTable } from '../db/schema.ts';
import { pgJson } from '../db/pg-json.ts';
import { defaultChannel, digestChannel, eventLabels, teamChannelEvent, type NotificationEvent } from './events.ts';
import { renderBurst, type Rendered } from './render.ts';
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

/**
 * The same for many events, each for the members of its own team (an import's new findings, a sweep's reminders);
 * a burst is folded over the whole call, not per chunk, so 1,500 new findings are one e-mail per person, not three.
 */
export async function enqueueTeamEvents(trx: Kysely<DB>, events: readonly TeamEvent[]): Promise<number> {
  const written: Written[] = [];
  for (let i = 0; i < events.length; i += chunkSize) {
    const chunk = events.slice(i, i + chunkSize);
    const members = await membersOf(trx, [...new Set(chunk.map((e) => e.teamId))]);
    written.push(
      ...(await write(
        trx,
        chunk.map((e) => ({ e, personIds: members.get(e.teamId) ?? [], teamId: e.teamId })),
      )),
    );
  }
  await foldBursts(trx, written);
  return written.length;
}

/** The same for the members of several teams (a person in two of them gets one row); team channels for the first team. */
export async function enqueueForTeams(trx: Kysely<DB>, e: OutboxEvent, teamIds: readonly number[]): Promise<number> {
  if (teamIds.length === 0) return 0;
  const members = await membersOf(trx, teamIds);
  const written = await write(trx, [
    { e, personIds: teamIds.flatMap((t) => members.get(t) ?? []), teamId: teamIds[0]! },
  ]);
  await foldBursts(trx, written);
  return written.length;
}

/** Writes a row for each of these people (an exception's or a change's approvers) who has not turned the event off. */
export async function enqueueForPeople(trx: Kysely<DB>, e: OutboxEvent, personIds: readonly number[]): Promise<number> {
  const written = await write(trx, [{ e, personIds, teamId: null }]);
  await foldBursts(trx, written);
  return written.length;
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

/** Writes the rows of these events; returns the rows it inserted (not those that were there already). */
async function write(trx: Kysely<DB>, items: readonly Addressed[]): Promise<Written[]> {
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
    const row = (key: string, channel: string, person: Person | null): Row => ({
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
    const of = (r: Row, teamChannel: boolean): Pending => ({ row: r, e, teamId, teamChannel });
    return [
      ...wanted.map(({ p, channel }) => of(row(`${e.event}:${e.key}:person:${p.id}:${channel}`, channel, p), false)),
      ...channels.map((name) => of(row(`${e.event}:${e.key}:team:${teamId}:${name}`, name, null), true)),
    ];
  });
  const written: Written[] = [];
  // At most a thousand rows (17 values each) per statement: well inside PostgreSQL's 65,535 parameters.
  for (let i = 0; i < rows.length; i += 1_000) {
    const batch = rows.slice(i, i + 1_000);
    const done = await trx
      .insertInto('notifications')
      .values(batch.map((b) => b.row))
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returning(['id', 'idempotency_key'])
      .execute();
    const ids = new Map(done.map((d) => [d.idempotency_key, d.id]));
    for (const b of batch) {
      const id = ids.get(b.row.idempotency_key);
      if (id === undefined) continue;
      // A key twice in one statement (a person in two teams that hear the same event) is one row: counted once.
      ids.delete(b.row.idempotency_key);
      written.push(writtenOf(id, b));
    }
  }
  return written;
}

/** A row as the insert takes it. */
type Row = Insertable<NotificationsTable> & { idempotency_key: string; channel: string; subject: string };

/** A row about to be written, with the event and team it came from. */
interface Pending {
  row: Row;
  e: OutboxEvent;
  teamId: number | null;
  teamChannel: boolean;
}

/** What folding needs of a row that was inserted: who it is for, on which channel, and what its e-mail said. */
interface Written {
  id: number;
  key: string;
  event: NotificationEvent;
  channel: string;
  person: Person | null;
  /** The team whose member (or whose channel) it is for; null for approvers addressed one by one. */
  teamId: number | null;
  teamChannel: boolean;
  subject: string;
  now: Date;
  entity: string;
  team: string | null;
  service: string | null;
  priority: string | null;
}

/** The inserted row's record for folding: its facts' team, service and priority say what the summary can name. */
function writtenOf(id: number, { row, e, teamId, teamChannel }: Pending): Written {
  const fact = (name: string): string | null => (typeof e.facts[name] === 'string' ? (e.facts[name] as string) : null);
  return {
    id,
    key: row.idempotency_key,
    event: e.event,
    channel: row.channel,
    person: row.person_id ? { id: row.person_id, email: row.recipient_email!, name: row.recipient_name ?? null } : null,
    teamId,
    teamChannel,
    subject: row.subject,
    now: e.now,
    entity: e.entity.kind,
    team: fact('team'),
    service: fact('service'),
    priority: fact('priority'),
  };
}

/**
 * More rows than this of one event for one person (or one team channel) in one call are folded into one summary: an
 * import of 1,500 new act findings is one e-mail per member that lists them, not 1,500. Ten alike e-mails at once is
 * already a lot to read; at or below it each comes on its own, as it would have.
 */
export const burstThreshold = 10;

/**
 * Folds each burst among the rows just inserted: one summary row (a pending row on the same channel, sent like any
 * other, quiet hours permitting) and the single rows marked `digested`, pointing at it, as the daily digest marks its
 * rows. Digest-channel rows are left to the digest. Only rows this call inserted count, so a re-run that finds its rows
 * there already writes no summary; the summary's key comes from its event, recipient, first and last keys and count,
 * so the same burst written again (a retried transaction) finds its summary there and writes nothing new.
 */
async function foldBursts(trx: Kysely<DB>, written: readonly Written[]): Promise<void> {
  const groups = new Map<string, Written[]>();
  for (const w of written) {
    if (w.channel === digestChannel) continue;
    const to = w.teamChannel ? `team:${w.teamId}` : `person:${w.person?.id}`;
    const id = `${w.event}:${to}:${w.channel}`;
    const list = groups.get(id) ?? [];
    list.push(w);
    groups.set(id, list);
  }
  const bursts = [...groups.entries()].filter(([, list]) => list.length > burstThreshold);
  if (bursts.length === 0) return;
  const teamIds = [...new Set(bursts.flatMap(([, list]) => list.map((w) => w.teamId)).filter((t) => t !== null))];
  const teams = new Map(
    teamIds.length === 0
      ? []
      : (await trx.selectFrom('teams').select(['id', 'name']).where('id', 'in', teamIds).execute()).map((t) => [
          t.id,
          t.name,
        ]),
  );
  for (const [to, list] of bursts) {
    const summary = await trx
      .insertInto('notifications')
      .values(summaryRow(to, list, teams))
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!summary) continue;
    await sql`update notifications set status = 'digested', digest_id = ${summary.id}
      where id = any(${list.map((w) => w.id)}::int[])`.execute(trx);
  }
}

/** The one value all rows share, or null when they differ (or have none). */
function shared<T>(list: readonly Written[], of: (w: Written) => T | null): T | null {
  const first = of(list[0]!);
  return list.every((w) => of(w) === first) ? first : null;
}

/**
 * Why the reader receives the summary: as a member of the team all rows came through, as one who can approve for the
 * team all rows concern (rows addressed to approvers one by one), else without naming a team.
 */
function footerOf(event: NotificationEvent, memberOf: string | null, approverFor: string | null) {
  return memberOf !== null
    ? { team: memberOf, event }
    : approverFor !== null
      ? { team: approverFor, event, approver: true }
      : { event };
}

/** The summary row of one burst: rendered from the voice templates, keyed by what it folds. */
function summaryRow(to: string, list: readonly Written[], teams: ReadonlyMap<number, string>): Row {
  const first = list[0]!;
  const event = first.event;
  const memberOf = shared(list, (w) => w.teamId);
  const teamName = memberOf === null ? null : (teams.get(memberOf) ?? null);
  const team = shared(list, (w) => w.team) ?? teamName;
  const findings = shared(list, (w) => w.entity) === 'finding';
  const service = shared(list, (w) => w.service);
  const priority = shared(list, (w) => w.priority);
  const r = renderBurst(
    {
      event,
      label: eventLabels[event],
      count: list.length,
      team,
      service,
      updates: list.map((w) => ({ subject: w.subject, link: null })),
      findings:
        findings && service !== null && priority !== null
          ? { service, priority, overdue: event === 'finding.overdue' }
          : null,
    },
    footerOf(event, teamName, list.every((w) => w.teamId === null) ? team : null),
  );
  const digest = createHash('sha256')
    .update(`${first.key}\n${list.at(-1)!.key}\n${list.length}`)
    .digest('hex');
  return {
    idempotency_key: `burst:${to}:${digest.slice(0, 24)}`,
    event,
    person_id: first.person?.id ?? null,
    recipient_email: first.person?.email ?? null,
    recipient_name: first.person?.name ?? null,
    channel: first.channel,
    status: 'pending',
    next_attempt_at: first.now,
    subject: r.subject,
    body_text: r.text,
    body_html: r.html,
    link: null,
    facts: pgJson({ updates: list.length, team, service }),
    entity: null,
    entity_id: null,
    created_at: first.now,
  };
}
