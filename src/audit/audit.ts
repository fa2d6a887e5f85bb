/** The append-only, hash-chained audit log: every write says who, what, before and after; the chain can be verified. */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { pgJson } from '../db/pg-json.ts';

export interface AuditEntry {
  actor: string;
  action: string;          // e.g. "finding.update", "scan.import", "org.apply"
  entity: string;          // e.g. "finding", "scan", "service"
  entityId?: string | number | null;
  before?: unknown;
  after?: unknown;
  at: Date;
}

const genesis = '0'.repeat(64);
const chainLock = 7_314_001; // advisory lock id: one writer extends the chain at a time

/** Appends one entry to the chain; call inside the transaction that makes the change. */
export async function recordAudit(trx: Kysely<DB>, entry: AuditEntry): Promise<void> {
  await sql`select pg_advisory_xact_lock(${chainLock})`.execute(trx);
  const last = await trx.selectFrom('audit_log').select('hash').orderBy('id', 'desc').limit(1).executeTakeFirst();
  const prev = last?.hash ?? genesis;
  // null is stored as SQL NULL like undefined: a jsonb null reads back as null, so it must be hashed as absent too.
  const before = entry.before == null ? null : pgJson(entry.before);
  const after = entry.after == null ? null : pgJson(entry.after);
  const hashedBefore = before === null ? null : canonical(JSON.parse(before));
  const hashedAfter = after === null ? null : canonical(JSON.parse(after));
  const entityId = entry.entityId == null ? null : String(entry.entityId);
  const at = entry.at.toISOString();
  const hash = chainHash(prev, { at, actor: entry.actor, action: entry.action, entity: entry.entity, entityId, before: hashedBefore, after: hashedAfter });
  await trx.insertInto('audit_log').values({
    at, actor: entry.actor, action: entry.action, entity: entry.entity, entity_id: entityId, before, after, prev_hash: prev, hash,
  }).execute();
}

interface Hashed { at: string; actor: string; action: string; entity: string; entityId: string | null; before: string | null; after: string | null }

function chainHash(prev: string, e: Hashed): string {
  return createHash('sha256').update(prev).update(JSON.stringify([e.at, e.actor, e.action, e.entity, e.entityId, e.before, e.after])).digest('hex');
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  /** The first entry whose hash or link does not match, when the chain is broken. */
  brokenAt?: string;
}

/** Recomputes the whole chain and reports the first entry that was altered, removed or re-ordered. */
export async function verifyAudit(db: Kysely<DB>): Promise<AuditVerification> {
  let prev = genesis;
  let entries = 0;
  let lastId = '0';
  for (;;) {
    const rows = await db.selectFrom('audit_log').selectAll().where('id', '>', lastId).orderBy('id').limit(5000).execute();
    if (rows.length === 0) return { ok: true, entries };
    for (const r of rows) {
      const before = r.before === null ? null : canonical(r.before);
      const after = r.after === null ? null : canonical(r.after);
      const at = new Date(r.at).toISOString();
      const expected = chainHash(prev, { at, actor: r.actor, action: r.action, entity: r.entity, entityId: r.entity_id, before, after });
      if (r.prev_hash !== prev || r.hash !== expected) return { ok: false, entries, brokenAt: String(r.id) };
      prev = r.hash;
      entries++;
      lastId = String(r.id);
    }
  }
}

// jsonb re-orders keys, so the hash is taken over a canonical form: keys sorted at every level.
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
