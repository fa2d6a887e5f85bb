/** Verifies the audit log in the database against its keys and checkpoints, and checkpoints an intact head. */
import type { Kysely, Selectable } from 'kysely';
import type { AuditLogTable, DB } from '../db/schema.ts';
import { auditTrailOf } from './audit-trail.ts';
import { appendCheckpoint, readCheckpoints } from './checkpoints.ts';
import { createChainCheck, type AuditVerification, type ChainCheck, type ChainRow } from './chain-check.ts';
import { hashedJson } from './chain.ts';

const page = 5000;

/** Recomputes the whole chain and reports the first entry that was altered, removed or sealed with a key not in force. */
export async function verifyAudit(db: Kysely<DB>): Promise<AuditVerification> {
  return (await walk(db)).check.result();
}

/** Verifies; when the log is intact and its head moved since the last checkpoint, appends a checkpoint of it. */
export async function verifyAndCheckpoint(
  db: Kysely<DB>,
  now: Date,
): Promise<AuditVerification & { checkpointed: boolean }> {
  const { check, lastCheckpoint } = await walk(db);
  const v = check.result();
  const head = check.head();
  if (!v.ok || (lastCheckpoint && lastCheckpoint.id === head.id && lastCheckpoint.hash === head.hash))
    return { ...v, checkpointed: false };
  const trail = auditTrailOf(db);
  await appendCheckpoint(trail.checkpoints, trail.keyring, { ...head, at: now.toISOString() });
  return { ...v, checkpointed: true };
}

async function walk(
  db: Kysely<DB>,
): Promise<{ check: ChainCheck; lastCheckpoint: { id: string; hash: string } | undefined }> {
  const { keyring, checkpoints } = auditTrailOf(db);
  const stored = await readCheckpoints(checkpoints, keyring);
  const check = createChainCheck({
    keys: keyring.byId,
    keySource: keyring.source,
    checkpoints: stored.trusted,
    legacyUpTo: stored.legacyUpTo,
    ...(stored.alteredLine ? { alteredCheckpoint: { where: checkpoints.where, line: stored.alteredLine } } : {}),
  });
  const lastCheckpoint = stored.trusted.at(-1);
  let lastId = '0';
  for (;;) {
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('id', '>', lastId)
      .orderBy('id')
      .limit(page)
      .execute();
    if (rows.length === 0) return { check, lastCheckpoint };
    for (const r of rows) {
      if (!check.feed(chainRowOf(r))) return { check, lastCheckpoint };
      lastId = String(r.id);
    }
  }
}

/** A stored entry in the form the chain hashes it. */
function chainRowOf(r: Selectable<AuditLogTable>): ChainRow {
  return {
    id: String(r.id),
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    action: r.action,
    entity: r.entity,
    entityId: r.entity_id,
    before: hashedJson(r.before),
    after: hashedJson(r.after),
    prevHash: r.prev_hash,
    hash: r.hash,
    keyId: r.key_id,
    seal: r.seal,
  };
}
