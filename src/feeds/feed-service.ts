/** Loads a KEV or EPSS file into the database and re-prioritises open findings, in one transaction. */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Policy } from '../policy/policy.ts';
import { recordAudit } from '../audit/audit.ts';
import { reprioritise } from '../findings/reprioritise.ts';
import { lapseExceptionsOnRisingPriority } from '../exceptions/lapse.ts';
import { readFeedFile } from './feed-files.ts';

export interface FeedImportSummary {
  feed: 'kev' | 'epss';
  entries: number;
  findingsChecked: number;
  findingsReprioritised: number;
  exceptionsLapsed: number;
}

const chunk = 10_000;

/** Replaces the feed's contents with the file's and re-decides every open finding that carries a CVE. */
export async function importFeed(
  deps: { db: Kysely<DB>; policy: Policy; now: () => Date },
  name: string,
  bytes: Buffer,
  actor: string,
): Promise<FeedImportSummary> {
  const feed = readFeedFile(name, bytes);
  const now = deps.now();
  return deps.db.transaction().execute(async (trx) => {
    if (feed.kind === 'kev') {
      await sql`delete from feed_kev`.execute(trx);
      for (let i = 0; i < feed.entries.length; i += chunk) {
        const part = feed.entries.slice(i, i + chunk);
        await sql`insert into feed_kev (cve, name, date_added, ransomware)
          select * from unnest(${part.map((e) => e.cve)}::text[], ${part.map((e) => e.name)}::text[], ${part.map((e) => e.dateAdded)}::date[], ${part.map((e) => e.ransomware)}::boolean[])
          on conflict (cve) do nothing`.execute(trx);
      }
    } else {
      await sql`delete from feed_epss`.execute(trx);
      for (let i = 0; i < feed.entries.length; i += chunk) {
        const part = feed.entries.slice(i, i + chunk);
        await sql`insert into feed_epss (cve, score, percentile, scored_on)
          select cve, score, percentile, ${feed.scoredOn}::date from unnest(${part.map((e) => e.cve)}::text[], ${part.map((e) => e.score)}::real[], ${part.map((e) => e.percentile)}::real[]) as u(cve, score, percentile)
          on conflict (cve) do nothing`.execute(trx);
      }
    }
    const re = await reprioritise(trx, { policy: deps.policy, now });
    const lapsed = await lapseExceptionsOnRisingPriority(trx, { now, policy: deps.policy, actor });
    const summary: FeedImportSummary = {
      feed: feed.kind,
      entries: feed.entries.length,
      findingsChecked: re.checked,
      findingsReprioritised: re.changed,
      exceptionsLapsed: lapsed,
    };
    await recordAudit(trx, {
      actor,
      action: 'feed.import',
      entity: 'feed',
      entityId: feed.kind,
      after: summary,
      at: now,
    });
    return summary;
  });
}
