/** Reading the audit log: a filtered list, newest first, in pages with a cursor (keyset, so a late page is as fast as the first). */
import type { Kysely, Selectable } from 'kysely';
import type { AuditLogTable, DB } from '../db/schema.ts';
import { badInput } from '../errors.ts';

export interface AuditFilter {
  entity?: string | undefined;
  entityId?: string | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  /** Entries at or after this time. */
  from?: Date | undefined;
  /** Entries before this time. */
  to?: Date | undefined;
}

/** One entry as the API and the exports show it, with the chain fields an auditor re-verifies. */
export interface AuditEntryView {
  id: string;
  at: string;
  actor: string;
  action: string;
  entity: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
  prevHash: string;
  hash: string;
  keyId: string | null;
  seal: string | null;
}

/** One page of entries, newest first, and the cursor of the next page (null on the last). */
export async function listAudit(
  db: Kysely<DB>,
  filter: AuditFilter,
  limit: number,
  cursor: string | undefined,
): Promise<{ items: AuditEntryView[]; next: string | null }> {
  let q = db.selectFrom('audit_log').selectAll();
  if (filter.entity !== undefined) q = q.where('entity', '=', filter.entity);
  if (filter.entityId !== undefined) q = q.where('entity_id', '=', filter.entityId);
  if (filter.actor !== undefined) q = q.where('actor', '=', filter.actor);
  if (filter.action !== undefined) q = q.where('action', '=', filter.action);
  if (filter.from) q = q.where('at', '>=', filter.from);
  if (filter.to) q = q.where('at', '<', filter.to);
  if (cursor !== undefined) q = q.where('id', '<', decodeCursor(cursor));
  const rows = await q
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit).map(viewOf);
  return { items, next: rows.length > limit ? encodeCursor(items.at(-1)!.id) : null };
}

/** A stored entry as people and programs read it. */
export function viewOf(r: Selectable<AuditLogTable>): AuditEntryView {
  return {
    id: String(r.id),
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    action: r.action,
    entity: r.entity,
    entityId: r.entity_id,
    before: r.before,
    after: r.after,
    prevHash: r.prev_hash,
    hash: r.hash,
    keyId: r.key_id,
    seal: r.seal,
  };
}

/** A --from/--to value: a date (2026-03-01, midnight UTC) or a date and time with its zone (2026-03-01T09:00:00Z). */
export function timeBound(text: string | undefined, name: string): Date | undefined {
  if (text === undefined || text === '') return undefined;
  const ok = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(text);
  const d = new Date(text);
  if (!ok || Number.isNaN(d.getTime()))
    throw badInput(`${name}: "${text}" is not a date or time; write 2026-03-01 or 2026-03-01T09:00:00Z`, {
      [name]: text,
    });
  return d;
}

function encodeCursor(id: string): string {
  return Buffer.from(JSON.stringify({ before: id }), 'utf8').toString('base64url');
}

// A hand-made cursor must fail as bad input, not inside PostgreSQL as a 500.
function decodeCursor(cursor: string): string {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { before?: unknown };
    if (typeof v?.before === 'string' && /^[1-9]\d{0,17}$/.test(v.before)) return v.before;
  } catch {
    /* reported below */
  }
  throw badInput('the cursor is not one this list gave out; start again without it', { cursor });
}
