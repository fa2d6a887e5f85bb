/** The audit chain's published recipe (docs/DESIGN-NOTES.md, Audit), written from the description as an auditor or an attacker would. */
import { createHash } from 'node:crypto';

/** JSON with keys sorted at every level and no spaces. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** An entry's hash: SHA-256 of the previous hash followed by the JSON array of its fields, before/after as canonical JSON text. */
export function recipeHash(
  prev: string,
  r: {
    at: Date | string;
    actor: string;
    action: string;
    entity: string;
    entity_id: string | null;
    before: unknown;
    after: unknown;
  },
): string {
  const json = (v: unknown) => (v === null || v === undefined ? null : canonicalJson(v));
  return createHash('sha256')
    .update(prev)
    .update(
      JSON.stringify([
        new Date(r.at).toISOString(),
        r.actor,
        r.action,
        r.entity,
        r.entity_id,
        json(r.before),
        json(r.after),
      ]),
    )
    .digest('hex');
}
