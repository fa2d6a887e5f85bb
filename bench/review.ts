/**
 * Review speed: generating (and storing) a review's agenda for a team, and for the whole organisation, over findings
 * with two years of history — first seen over 730 days, due by priority (so the backlog is mostly overdue), the fixed
 * ones fixed some days later (or still open when that day has not come). BENCH_FINDINGS sets how many on PostgreSQL (default 1,000,000, the target of an
 * agenda in at most 1 s), BENCH_FINDINGS_PGLITE on PGlite (default 100,000).
 */
import { sql } from 'kysely';
import { defaultPolicy } from '../src/policy/policy.ts';
import { localAdmin } from '../src/people/tokens.ts';
import { newReview } from '../src/reviews/reviews-service.ts';
import type { Database } from '../src/db/connect.ts';
import { benchDatabase, benchOrg, benchSize, cpuMs, engineArg, figure, loadFigure, seedFindings } from './support.ts';
import { roundTripLimit } from './limits.ts';

const engine = engineArg();
const n = benchSize(engine, { postgres: 1_000_000, pglite: 100_000 });
const { database, drop, fresh } = await benchDatabase(engine, 'review');
try {
  const db = database.db;
  if (fresh) await seed(database);

  const roundTrip = await roundTripLimit(db);
  const deps = { db, now: () => new Date(), policy: defaultPolicy };
  for (const [label, team] of [
    ['organisation', undefined],
    ['team', 'bench-team'],
  ] as const) {
    await newReview(deps, localAdmin, { cadence: 'weekly', team }); // warm up
    const times: number[] = [];
    let cpu = 0;
    for (let i = 0; i < 5; i++) {
      // Each run is the scope's first review, over the whole week before it: the most an agenda reads.
      await sql`delete from reviews`.execute(db);
      const c = await cpuMs(engine, db);
      const s = performance.now();
      await newReview(deps, localAdmin, { cadence: 'weekly', team });
      times.push(performance.now() - s);
      cpu += (await cpuMs(engine, db)) - c;
    }
    times.sort((a, b) => a - b);
    loadFigure(engine);
    figure(
      `review agenda (${label}), ${n.toLocaleString('en')} findings, median [${engine}]`,
      times[2]!,
      'ms',
      '<= 1000 ms at 1,000,000 findings',
      roundTrip,
    );
    figure(
      `review agenda (${label}), ${n.toLocaleString('en')} findings, CPU per agenda (this process and the database's) [${engine}]`,
      cpu / 5,
      'ms',
    );
  }
} finally {
  await drop();
}

/** The bench organisation and `n` findings with two years of history. */
async function seed(database: Database): Promise<void> {
  await benchOrg(database);
  const db = database.db;
  await seedFindings(db, n);
  // Two years of history, so a week's agenda reads a slice of it and not everything.
  await sql`update findings set first_seen_at = now() - make_interval(days => id % 730, hours => id % 24),
      due_at = now() - make_interval(days => id % 730, hours => id % 24) + make_interval(days => (array[7, 30, 90, 180])[priority_rank]),
      fixed_at = case when status = 'fixed' then now() - make_interval(days => id % 730, hours => id % 24) + make_interval(days => id % 60) end,
      status_changed_at = case when status in ('fixed', 'false_positive') then now() - make_interval(days => id % 730, hours => id % 24) + make_interval(days => id % 60)
        else now() - make_interval(days => id % 730, hours => id % 24) end`.execute(db);
  // Closures whose day has not come yet: still open.
  await sql`update findings set status = 'open', fixed_at = null, status_changed_at = first_seen_at where status_changed_at > now()`.execute(
    db,
  );
  await sql`vacuum analyze findings`.execute(db);
}
