/**
 * The compensating controls of an exception as commitments: once it is approved, each control it names is owed by the
 * team, shown to be in place with evidence within the policy's controls_due_days (it is claimed to be in place already);
 * once it ends, the controls it still owes are released, since nothing relies on them any more.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Policy } from '../policy/policy.ts';
import { createCommitments, releaseCommitments } from '../commitments/commitments-service.ts';
import { policyCalendar } from '../policy/calendar.ts';

/** The exception whose controls become commitments. */
export interface ApprovedException {
  id: number;
  teamId: number;
  controls: string[];
  expiresAt: Date;
}

const evidence =
  'evidence that it is in place and working (a rule or ticket id, a configuration link, a test it passes)';

/** Creates one commitment per control of a just-approved exception, in the caller's transaction; returns their ids. */
export async function oweControls(
  trx: Kysely<DB>,
  opts: { now: Date; policy: Policy; actor: string },
  ex: ApprovedException,
): Promise<number[]> {
  const services = await trx
    .selectFrom('exception_findings as ef')
    .innerJoin('findings as f', 'f.id', 'ef.finding_id')
    .select('f.service_id')
    .distinct()
    .where('ef.exception_id', '=', ex.id)
    .execute();
  // A control shields every finding the exception covers; it is the service's only when they are all on one service.
  const serviceId = services.length === 1 ? services[0]!.service_id : null;
  const window = policyCalendar(opts.policy).dueIn(opts.now, opts.policy.exceptions.controls_due_days);
  const dueAt = window < ex.expiresAt ? window : ex.expiresAt;
  const created = await createCommitments(
    { db: trx, now: () => opts.now, policy: opts.policy },
    opts.actor,
    ex.controls.map((title) => ({
      kind: 'compensating-control',
      title,
      ownerTeamId: ex.teamId,
      serviceId,
      dueAt,
      verification: { method: 'evidence' as const, detail: evidence },
      source: { type: 'exception' as const, id: ex.id },
    })),
  );
  return created.map((c) => c.id);
}

/** Releases the open and missed control commitments of exceptions that ended, saying how each ended. */
export async function releaseControls(
  trx: Kysely<DB>,
  opts: { now: Date; actor: string },
  ended: number[],
  how: 'expired' | 'lapsed' | 'revoked',
): Promise<number[]> {
  const words = {
    expired: 'reached its end date',
    lapsed: 'ended when a finding it covers became more urgent',
    revoked: 'was ended early',
  }[how];
  const reasons = new Map(ended.map((id) => [id, `exception ${id}, which it supported, ${words}`]));
  return releaseCommitments({ db: trx, now: () => opts.now }, opts.actor, 'exception', reasons);
}
