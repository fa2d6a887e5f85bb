/**
 * Review speed: generating (and storing) a review's agenda for a team, and for the whole organisation, over a scope with
 * many findings — a year of them, a sixth fixed at some point in the last month. Small by default (BENCH_FINDINGS=20000);
 * the target is an agenda in at most 1 s at 1,000,000 findings (BENCH_FINDINGS=1000000, not on a shared machine).
 */
import { sql } from 'kysely';
import { defaultPolicy } from '../src/policy/policy.ts';
import { localAdmin } from '../src/people/tokens.ts';
import { newReview } from '../src/reviews/reviews-service.ts';
import { benchOrg, engineArg, figure, scratchDatabase, seedFindings } from './support.ts';
import { roundTripLimit } from './limits.ts';

const n = Number(process.env.BENCH_FINDINGS ?? 20_000);
const engine = engineArg();
const { database, drop } = await scratchDatabase(engine);
try {
  await benchOrg(database);
  const db = database.db;
  await seedFindings(db, n);
  // Spread over a year, and the fixed ones over the last month, so a period reads a slice and not everything.
  await sql`update findings set first_seen_at = now() - make_interval(days => id % 365),
    fixed_at = case when status = 'fixed' then now() - make_interval(hours => id % 720) end`.execute(db);
  await sql`vacuum analyze findings`.execute(db);
  const roundTrip = await roundTripLimit(db);
  const deps = { db, now: () => new Date(), policy: defaultPolicy };
  for (const [label, team] of [['organisation', undefined], ['team', 'bench-team']] as const) {
    await newReview(deps, localAdmin, { cadence: 'weekly', team }); // warm up
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      // Each run is the scope's first review, over the whole week before it: the most an agenda reads.
      await sql`delete from reviews`.execute(db);
      const s = performance.now();
      await newReview(deps, localAdmin, { cadence: 'weekly', team });
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    figure(`review agenda (${label}), ${n.toLocaleString('en')} findings, median [${engine}]`, times[2]!, 'ms', '<= 1000 ms at 1,000,000 findings', roundTrip);
  }
} finally {
  await drop();
}
