/** The texts an audit entry's before and after are stored and hashed as: pure, so that a big entry's can be made off
 * the thread that answers requests (a gate's, in its worker: src/gates/gate-worker.ts) and handed to `recordAudit`. */
import { pgJson } from '../db/pg-json.ts';
import { canonicalJson } from '../canonical-json.ts';

export interface EntryTexts {
  /** The JSON stored (jsonb), or null. */
  before: string | null;
  after: string | null;
  /** The canonical JSON the chain hashes, or null. */
  hashedBefore: string | null;
  hashedAfter: string | null;
}

/** null is stored as SQL NULL like undefined: a jsonb null reads back as null, so it must be hashed as absent too. */
export function entryTexts(before: unknown, after: unknown): EntryTexts {
  const b = before == null ? null : pgJson(before);
  const a = after == null ? null : pgJson(after);
  return {
    before: b,
    after: a,
    hashedBefore: b === null ? null : canonicalJson(JSON.parse(b)),
    hashedAfter: a === null ? null : canonicalJson(JSON.parse(a)),
  };
}
