/**
 * The commitments sweep a job runner calls: checks Entente can run are run, and open commitments past their date become
 * missed (their teams hear of it through the outbox, in the same transaction).
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import { inTransaction } from './commitments-service.ts';
import { defaultPolicy, type Policy } from '../policy/policy.ts';
import { notifyMissedCommitments } from './missed-reminders.ts';

/** The actor the audit log names for what the sweep does. */
const sweepActor = 'entente:commitments-sweep';

export interface SweepSummary {
  verified: number[];
  missed: number[];
}

/**
 * Verifies open (or missed) commitments whose check now passes (finding-fixed: the finding is fixed or a false positive),
 * then marks open commitments whose due date has passed as missed. A plain function of (db, clock); safe to run twice.
 * `serviceId` narrows it to one service (a gate sweeps its own service first, so it never decides on stale states).
 * Whoever marks a commitment missed (the job, a gate, `entente commitments sweep`) writes its notices: `policy` gives
 * the calendar their dates are read in and the gate rules that say whether a release is held.
 */
export async function sweepMissedCommitments(
  db: Kysely<DB>,
  now: Date,
  serviceId?: number,
  policy: Policy = defaultPolicy,
): Promise<SweepSummary> {
  return inTransaction(db, async (trx) => {
    const verified = await runChecks(trx, now, serviceId);
    let q = trx
      .updateTable('commitments')
      .set({ state: 'missed', missed_at: now })
      .where('state', '=', 'open')
      .where('due_at', '<', now);
    if (serviceId !== undefined) q = q.where('service_id', '=', serviceId);
    const missed = await q.returning(['id']).execute();
    const ids = missed.map((m) => m.id).sort((a, b) => a - b);
    if (ids.length) {
      await recordAudit(trx, {
        actor: sweepActor,
        action: 'commitment.missed',
        entity: 'commitment',
        entityId: ids.length === 1 ? ids[0] : null,
        before: { state: 'open' },
        after: { state: 'missed', ids },
        at: now,
      });
      await notifyMissedCommitments(trx, policy, ids, now);
    }
    return { verified, missed: ids };
  });
}

/** Runs the checks of check-verified commitments; returns the ids that are now verified. */
async function runChecks(trx: Kysely<DB>, now: Date, serviceId?: number): Promise<number[]> {
  const { rows } = await sql<{ id: number; status: string }>`
    update commitments c set state = 'verified', verified_at = ${now}, verified_by = ${sweepActor},
      evidence = 'finding #' || f.id || ' is ' || replace(f.status, '_', ' ')
    from findings f
    where f.id = c.finding_id and c.state in ('open', 'missed') and c.verification->>'method' = 'check'
      and c.verification->>'detail' = 'finding-fixed' and f.status in ('fixed', 'false_positive')
      ${serviceId === undefined ? sql`` : sql`and c.service_id = ${serviceId}`}
    returning c.id, f.status`.execute(trx);
  const ids = rows.map((r) => r.id).sort((a, b) => a - b);
  if (ids.length) {
    await recordAudit(trx, {
      actor: sweepActor,
      action: 'commitment.verify',
      entity: 'commitment',
      entityId: ids.length === 1 ? ids[0] : null,
      after: { state: 'verified', ids, check: 'finding-fixed' },
      at: now,
    });
  }
  return ids;
}
