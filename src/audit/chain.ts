/** The audit chain's arithmetic: the canonical form of an entry, its SHA-256 link to the one before, and the HMAC seal over it. */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '../canonical-json.ts';

/** The link the first entry points back to. */
export const genesis = '0'.repeat(64);

/** What an entry's hash covers, in the form it is hashed: `at` as ISO 8601 with milliseconds, before/after as canonical JSON text. */
export interface HashedFields {
  at: string;
  actor: string;
  action: string;
  entity: string;
  entityId: string | null;
  before: string | null;
  after: string | null;
}

/**
 * SHA-256 of the previous hash followed by the JSON array of the entry's fields. Anyone can recompute it from an
 * export (docs/DESIGN-NOTES.md, Audit); the seal is what someone without the key cannot.
 */
export function chainHash(prev: string, e: HashedFields): string {
  return createHash('sha256')
    .update(prev)
    .update(JSON.stringify([e.at, e.actor, e.action, e.entity, e.entityId, e.before, e.after]))
    .digest('hex');
}

/** The seal of an entry: HMAC-SHA256 under the audit key of its hash (which already covers the link and the content). */
export function sealOf(secret: Buffer, hash: string): string {
  return createHmac('sha256', secret).update(`entente-audit-entry:${hash}`).digest('hex');
}

/** The seal of any other record under the audit key (a checkpoint line). */
export function sealText(secret: Buffer, purpose: string, text: string): string {
  return createHmac('sha256', secret).update(`entente-audit-${purpose}:${text}`).digest('hex');
}

/** Compares two hex seals in constant time. */
export function sameSeal(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A stored before/after value as it is hashed: SQL NULL stays null, anything else its canonical text (jsonb re-orders
 * keys, so the hash is taken over keys sorted at every level). */
export function hashedJson(v: unknown): string | null {
  return v === null || v === undefined ? null : canonicalJson(v);
}
