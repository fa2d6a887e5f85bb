/** The append-only, hash-chained and sealed audit log: every write says who, what, before and after; the chain can be verified. */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { entryTexts, type EntryTexts } from './entry-texts.ts';
import { auditTrailOf } from './audit-trail.ts';
import { chainHash, genesis, sealOf } from './chain.ts';

export { verifyAudit } from './verify.ts';
export type { AuditVerification } from './chain-check.ts';

export interface AuditEntry {
  actor: string;
  action: string; // e.g. "finding.update", "scan.import", "org.apply"
  entity: string; // e.g. "finding", "scan", "service"
  entityId?: string | number | null;
  before?: unknown;
  after?: unknown;
  at: Date;
}

const chainLock = 7_314_001; // advisory lock id: one writer extends the chain at a time

/**
 * Appends one entry to the chain, sealed with the audit key in force; call inside the transaction that makes the change.
 * `texts`: the entry's before and after as `entryTexts` makes them, when the caller made them already (off the event
 * loop, for a big entry); made here from `entry.before` and `entry.after` otherwise.
 */
export async function recordAudit(
  trx: Kysely<DB>,
  entry: AuditEntry,
  texts: EntryTexts = entryTexts(entry.before, entry.after),
): Promise<void> {
  const { keyring } = auditTrailOf(trx);
  await sql`select pg_advisory_xact_lock(${chainLock})`.execute(trx);
  const last = await trx.selectFrom('audit_log').select('hash').orderBy('id', 'desc').limit(1).executeTakeFirst();
  const prev = last?.hash ?? genesis;
  const { before, after, hashedBefore, hashedAfter } = texts;
  const entityId = entry.entityId == null ? null : String(entry.entityId);
  const at = entry.at.toISOString();
  const hash = chainHash(prev, {
    at,
    actor: entry.actor,
    action: entry.action,
    entity: entry.entity,
    entityId,
    before: hashedBefore,
    after: hashedAfter,
  });
  await trx
    .insertInto('audit_log')
    .values({
      at,
      actor: entry.actor,
      action: entry.action,
      entity: entry.entity,
      entity_id: entityId,
      before,
      after,
      prev_hash: prev,
      hash,
      key_id: keyring.current.id,
      seal: sealOf(keyring.current.secret, hash),
    })
    .execute();
}
