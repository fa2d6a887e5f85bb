/**
 * One canonical JSON text, for what is hashed (the audit chain's before/after, a gate's policy): keys sorted at every
 * level, no spaces, and members whose value is undefined left out, as JSON.stringify leaves them out. The audit only
 * ever hashes parsed JSON, which has no undefined, so its stored hashes are the same as with its earlier copy.
 */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
