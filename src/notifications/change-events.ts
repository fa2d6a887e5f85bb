/** The outbox rows changes cause: temporary access about to end, long-lived access due for recertification (each written
 * inside its reminder's transaction). */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Day } from '../policy/calendar.ts';
import { notificationMessages } from '../voice/messages/notifications.ts';
import { enqueueForTeam } from './outbox.ts';
import { renderEmail } from './render.ts';

/** Writes a row per member of the requesting team, once per change and end date. */
export async function notifyLeaseEnding(
  trx: Kysely<DB>,
  e: {
    change: { id: number; title: string; ends_at: Date | string | null; team: string; team_id: number };
    endsAt: string;
    message: string;
    now: Date;
  },
): Promise<number> {
  const c = e.change;
  return enqueueForTeam(trx, {
    event: 'change.lease_ending',
    key: `change:${c.id}:ends:${new Date(c.ends_at!).toISOString()}`,
    teamId: c.team_id,
    entity: { kind: 'change', id: c.id },
    facts: { changeId: c.id, title: c.title, endsAt: e.endsAt, team: c.team },
    link: null,
    now: e.now,
    render: () =>
      renderEmail(
        notificationMessages.leaseSubject.render({ id: c.id, title: c.title, endsAt: e.endsAt }),
        e.message,
        { team: c.team, event: 'change.lease_ending' },
        null,
      ),
  });
}

/**
 * Writes a row per member of the requesting team when long-lived access falls due for recertification (inside the
 * recertification reminder's transaction), once per change and due date: recertified, it is due again later, a new event.
 */
export async function notifyRecertificationDue(
  trx: Kysely<DB>,
  e: {
    change: { id: number; title: string; recertify_due_at: Date | string | null; team: string; team_id: number };
    dueAt: Day;
    message: string;
    now: Date;
  },
): Promise<number> {
  const c = e.change;
  return enqueueForTeam(trx, {
    event: 'change.recertification_due',
    key: `change:${c.id}:recertify:${new Date(c.recertify_due_at!).toISOString()}`,
    teamId: c.team_id,
    entity: { kind: 'change', id: c.id },
    facts: { changeId: c.id, title: c.title, dueAt: e.dueAt, team: c.team },
    link: null,
    now: e.now,
    render: () =>
      renderEmail(
        notificationMessages.recertifySubject.render({ id: c.id, title: c.title, dueAt: e.dueAt }),
        e.message,
        { team: c.team, event: 'change.recertification_due' },
        null,
      ),
  });
}
