/** Ends what is due: approved exceptions past their date (their findings come back) and requests whose date came before both approvals. */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Policy } from '../policy/policy.ts';
import { recordAudit } from '../audit/audit.ts';
import { expireExceptions, startOfToday } from './lapse.ts';

/** Runs inside the caller's transaction; returns how many approved exceptions expired and how many requests closed. */
export async function endDueExceptions(
  trx: Kysely<DB>,
  opts: { now: Date; policy: Policy; actor: string },
): Promise<{ expired: number; requestsClosed: number }> {
  const expired = await expireExceptions(trx, opts);
  const now = opts.now.toISOString();
  const reason = 'its date passed before both approvals came in';
  const { rows } = await sql<{
    id: number;
  }>`update exceptions set status = 'expired', ended_at = ${now}, end_reason = ${reason}
    where status = 'requested' and expires_at < ${startOfToday(opts)} returning id`.execute(trx);
  for (const { id } of rows.sort((a, b) => a.id - b.id)) {
    await recordAudit(trx, {
      actor: opts.actor,
      action: 'exception.expired',
      entity: 'exception',
      entityId: id,
      before: { status: 'requested' },
      after: { status: 'expired', reason },
      at: opts.now,
    });
  }
  return { expired, requestsClosed: rows.length };
}
