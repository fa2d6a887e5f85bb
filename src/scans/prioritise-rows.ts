/** A report's rows with their priorities decided, on the facts the feeds add (KEV, EPSS) to the report's own. */
import type { Kysely } from 'kysely';
import type { DB, Service } from '../db/schema.ts';
import type { Policy } from '../policy/policy.ts';
import type { ImportRow } from '../imports/normalise.ts';
import type { DecidedRow } from '../findings/insert-new.ts';
import { decidePriority } from '../findings/priority.ts';
import { lookupFeeds } from '../feeds/lookup.ts';

/** Looks the rows' CVEs up in the feeds and decides each row's priority (without its reasons: an import needs none). */
export async function prioritiseRows(
  db: Kysely<DB>,
  policy: Policy,
  service: Service,
  rows: ImportRow[],
): Promise<DecidedRow[]> {
  const cves = [...new Set(rows.flatMap((r) => r.finding.aliases.filter((a) => a.startsWith('CVE-'))))];
  const feeds = await lookupFeeds(db, cves);
  return rows.map((row) => {
    const f = row.finding;
    const kev = f.aliases.some((a) => feeds.kev.has(a));
    const epss = maxEpss(f.aliases, feeds.epss);
    // Only the facts a priority is decided on (copying the whole finding per row cost a tenth of an import).
    const facts = {
      severity: f.severity,
      kind: f.kind,
      ruleId: f.ruleId,
      cvssVector: f.cvss?.vector,
      aliases: f.aliases,
      cwes: f.cwes,
      kev,
      epss,
      service,
    };
    const decision = decidePriority(facts, policy.epss.high, false);
    return { row, decision, kev, epss };
  });
}

function maxEpss(aliases: string[], epss: Map<string, number>): number | null {
  let best: number | null = null;
  for (const a of aliases) {
    const s = epss.get(a);
    if (s !== undefined && (best === null || s > best)) best = s;
  }
  return best;
}
