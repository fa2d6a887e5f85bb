/** Reads what the exploitation feeds (CISA KEV, EPSS) say about a set of CVEs. */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';

export interface FeedFacts {
  kev: Set<string>;
  epss: Map<string, number>;
}

/** KEV membership and EPSS scores for the given CVE ids, in two queries. */
export async function lookupFeeds(db: Kysely<DB>, cves: string[]): Promise<FeedFacts> {
  if (cves.length === 0) return { kev: new Set(), epss: new Map() };
  const [kev, epss] = await Promise.all([
    db
      .selectFrom('feed_kev')
      .select('cve')
      .where('cve', '=', (eb) => eb.fn.any(eb.val(cves)))
      .execute(),
    db
      .selectFrom('feed_epss')
      .select(['cve', 'score'])
      .where('cve', '=', (eb) => eb.fn.any(eb.val(cves)))
      .execute(),
  ]);
  return { kev: new Set(kev.map((r) => r.cve)), epss: new Map(epss.map((r) => [r.cve, Number(r.score)])) };
}
