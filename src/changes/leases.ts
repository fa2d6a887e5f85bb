/**
 * The lease work the job runner does, each a plain function of (deps, clock): remind owners before a lease ends, end
 * leases whose date has passed (a removal commitment due at once, and the exposure they covered checked again), and
 * remind owners of long-lived access that is due for recertification. Each is safe to run twice.
 */
import { command } from '../voice/suggest.ts';
import { sql } from 'kysely';
import { recordAudit } from '../audit/audit.ts';
import { createCommitments } from '../commitments/commitments-service.ts';
import { reassessExposure } from '../exposure/exposure-service.ts';
import { coveringStates } from '../exposure/exposure-rules.ts';
import { changeMessages } from './change-messages.ts';
import type { ChangesDeps } from './changes-service.ts';
import { policyCalendar } from '../policy/calendar.ts';
import { notifyLeaseEnding, notifyRecertificationDue } from '../notifications/change-events.ts';

/** The actor the audit log names for what the lease jobs do. */
const leaseActor = 'entente:leases';

const dayMs = 86_400_000;

export interface Reminder {
  id: number;
  team: string;
  message: string;
}

/** Reminds the owners of leases ending within the policy's reminder_days (once per lease, again after an extension). */
export async function remindLeases(deps: ChangesDeps): Promise<Reminder[]> {
  const now = deps.now();
  const horizon = new Date(now.getTime() + deps.policy.changes.reminder_days * dayMs);
  return deps.db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('change_requests as c')
      .innerJoin('teams as t', 't.id', 'c.team_id')
      .select(['c.id', 'c.title', 'c.ends_at', 'c.extended_at', 't.name as team', 't.id as team_id'])
      .where('c.status', 'in', [...coveringStates])
      .where('c.ends_at', '>', now)
      .where('c.ends_at', '<=', horizon)
      .where('c.lease_reminded_at', 'is', null)
      .orderBy('c.id')
      .forUpdate()
      .skipLocked()
      .execute();
    const out: Reminder[] = [];
    for (const c of due) {
      const message = changeMessages.reminder.render({
        id: c.id,
        title: c.title,
        endsAt: policyCalendar(deps.policy).dayOf(c.ends_at!),
        extended: c.extended_at !== null,
      });
      await trx.updateTable('change_requests').set({ lease_reminded_at: now }).where('id', '=', c.id).execute();
      await recordAudit(trx, {
        actor: leaseActor,
        action: 'change.lease_reminder',
        entity: 'change',
        entityId: c.id,
        after: { team: c.team, message },
        at: now,
      });
      await notifyLeaseEnding(trx, { change: c, endsAt: policyCalendar(deps.policy).dayOf(c.ends_at!), message, now });
      out.push({ id: c.id, team: c.team, message });
    }
    return out;
  });
}

/** Ends leases whose date has passed: each change is expired with a removal commitment due at its end (so overdue at once),
 * then the exposure of the services concerned is matched again, so a port still open becomes a finding without waiting for a scan. */
export async function expireLeases(deps: ChangesDeps): Promise<{ expired: number[]; commitments: number[] }> {
  const now = deps.now();
  const result = await deps.db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('change_requests')
      .select(['id', 'title', 'status', 'ends_at', 'team_id', 'service_id', 'commitment_ids'])
      .where('status', 'in', [...coveringStates])
      .where('ends_at', '<=', now)
      .orderBy('id')
      .forUpdate()
      .skipLocked()
      .execute();
    const commitments: number[] = [];
    for (const c of due) {
      const [removal] = await createCommitments({ db: trx, now: () => now, policy: deps.policy }, leaseActor, [
        {
          kind: 'removal',
          title: `Remove the access of change #${c.id} (${c.title}) and confirm`,
          ownerTeamId: c.team_id,
          serviceId: c.service_id,
          dueAt: new Date(c.ends_at!),
          verification: {
            method: 'evidence',
            detail: `the access is taken down; confirm with \`${command('change remove', {}, c.id)}\``,
          },
          source: { type: 'change', id: c.id },
        },
      ]);
      commitments.push(removal!.id);
      await trx
        .updateTable('change_requests')
        .set({
          status: 'expired',
          expired_at: now,
          commitment_ids: [...c.commitment_ids, removal!.id],
          updated_at: now,
        })
        .where('id', '=', c.id)
        .execute();
      await recordAudit(trx, {
        actor: leaseActor,
        action: 'change.expired',
        entity: 'change',
        entityId: c.id,
        before: { status: c.status },
        after: {
          status: 'expired',
          endedAt: c.ends_at,
          removalCommitment: removal!.id,
          message: changeMessages.leaseEnded.render({
            id: c.id,
            endedAt: policyCalendar(deps.policy).dayOf(c.ends_at!),
          }),
        },
        at: now,
      });
    }
    return { expired: due.map((c) => c.id), services: [...new Set(due.map((c) => c.service_id))], commitments };
  });
  if (result.services.length > 0) await reassessExposure(deps, result.services, leaseActor);
  return { expired: result.expired, commitments: result.commitments };
}

/** Reminds the owners of long-lived access whose recertification falls due within reminder_days (once per period): the
 * audit log records it and the requesting team's members hear of it through the outbox. */
export async function remindRecertification(deps: ChangesDeps): Promise<Reminder[]> {
  const now = deps.now();
  const horizon = new Date(now.getTime() + deps.policy.changes.reminder_days * dayMs);
  return deps.db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('change_requests as c')
      .innerJoin('teams as t', 't.id', 'c.team_id')
      .select(['c.id', 'c.title', 'c.recertify_due_at', 't.name as team', 't.id as team_id'])
      .where('c.status', 'in', [...coveringStates])
      .where('c.ends_at', 'is', null)
      .where('c.recertify_due_at', '<=', horizon)
      .where(
        sql<boolean>`(c.lease_reminded_at is null or c.lease_reminded_at < coalesce(c.recertified_at, c.decided_at))`,
      )
      .orderBy('c.id')
      .forUpdate()
      .skipLocked()
      .execute();
    const out: Reminder[] = [];
    for (const c of due) {
      const dueAt = policyCalendar(deps.policy).dayOf(c.recertify_due_at!);
      const message = changeMessages.recertifyDue.render({ id: c.id, title: c.title, dueAt });
      await trx.updateTable('change_requests').set({ lease_reminded_at: now }).where('id', '=', c.id).execute();
      await recordAudit(trx, {
        actor: leaseActor,
        action: 'change.recertify_reminder',
        entity: 'change',
        entityId: c.id,
        after: { team: c.team, message },
        at: now,
      });
      await notifyRecertificationDue(trx, { change: c, dueAt, message, now });
      out.push({ id: c.id, team: c.team, message });
    }
    return out;
  });
}
