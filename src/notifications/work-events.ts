/**
 * The outbox rows of events beyond findings: an exception or change waiting for its approvers, an exception or a
 * commitment coming due, a gate decision, a goal at risk, a review agenda. Each is written in the transaction of what
 * causes it (or of the daily job that notices it), routed through each person's preferences like every other event.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { notificationMessages, type EventSubject } from '../voice/messages/notifications.ts';
import { enqueueForPeople, enqueueForTeams } from './outbox.ts';
import { renderEmail } from './render.ts';

/** One such event: what it is, its number and title, when (a day or a state), the team it concerns, and its unique key. */
export interface WorkEvent extends EventSubject {
  key: string;
  team: string;
  now: Date;
}

const entityOf = (kind: EventSubject['kind']): string => kind.split('.')[0]!;

function outboxEvent(e: WorkEvent, approver: boolean) {
  const subject: EventSubject = { kind: e.kind, id: e.id, title: e.title, when: e.when };
  return {
    event: e.kind,
    key: e.key,
    entity: { kind: entityOf(e.kind), id: e.id },
    link: null,
    now: e.now,
    facts: { id: e.id, title: e.title, when: e.when || null, team: e.team },
    render: () =>
      renderEmail(
        notificationMessages.eventSubject.render(subject),
        notificationMessages.eventText.render(subject),
        { team: e.team, event: e.kind, approver },
        null,
      ),
  };
}

/** Writes the event for the members of these teams; returns how many rows are new. */
export async function notifyTeams(trx: Kysely<DB>, e: WorkEvent, teamIds: readonly number[]): Promise<number> {
  return enqueueForTeams(trx, outboxEvent(e, false), teamIds);
}

/** Writes the event for the people who can approve it (never the one who asked); returns how many rows are new. */
export async function notifyApprovers(trx: Kysely<DB>, e: WorkEvent, personIds: readonly number[]): Promise<number> {
  return enqueueForPeople(trx, outboxEvent(e, true), personIds);
}

/**
 * Who can approve: the lead of `leadOf` (an exception's lead place), every member of `membersOf` (a change's owner
 * place), and with `security` every member of a security team; the requester (`except`, an actor or e-mail) left out.
 */
export async function approversOf(
  trx: Kysely<DB>,
  who: { leadOf?: number; membersOf?: number; security: boolean; except: string },
): Promise<number[]> {
  const { rows } = await sql<{
    id: number;
  }>`select distinct p.id from people p where lower(p.email) <> lower(${who.except}) and (
      ${who.leadOf === undefined ? sql`false` : sql`exists (select 1 from teams t where t.id = ${who.leadOf} and lower(t.lead_email) = lower(p.email))`}
      or ${who.membersOf === undefined ? sql`false` : sql`exists (select 1 from team_members m where m.team_id = ${who.membersOf} and m.person_id = p.id)`}
      or ${who.security ? sql`exists (select 1 from team_members m join teams t on t.id = m.team_id where t.kind = 'security' and t.archived_at is null and m.person_id = p.id)` : sql`false`})
    order by p.id`.execute(trx);
  return rows.map((r) => r.id);
}
