/**
 * Scorecard speed at the issue's scale: findings spread over two years across ten teams and twenty services (half
 * fixed some days and hours later, a tenth closed by people, some reopened, some lowered from act), two years of
 * daily snapshots written as the first job run does (the backfill), then the daily-snapshot job, and the
 * organisation's and one team's card (p50 and p95 over many calls).
 * BENCH_FINDINGS sets how many on PostgreSQL (default 1,000,000, the issue's figure), BENCH_FINDINGS_PGLITE on PGlite
 * (default 50,000: filling the embedded engine is slow); BENCH_CALLS how many cards of each.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../src/db/schema.ts';
import { defaultPolicy } from '../src/policy/policy.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { resolveScope } from '../src/goals/scope.ts';
import { periodOf, scorecardFor } from '../src/goals/scorecard.ts';
import { backfillSnapshots, dailySnapshot } from '../src/goals/snapshots.ts';
import { benchDatabase, benchSize, cpuMs, engineArg, figure, loadFigure } from './support.ts';
import { bulkLoadLimit, inSeconds, roundTripLimit, scanLimit } from './limits.ts';

const engine = engineArg();
const n = benchSize(engine, { postgres: 1_000_000, pglite: 50_000 });
const calls = Number(process.env.BENCH_CALLS ?? 20);
const bulkLoad = await bulkLoadLimit(engine);
const { database, drop, fresh } = await benchDatabase(engine, 'scorecard');
try {
  const db = database.db;
  if (fresh) await seed(db);
  const scan = await scanLimit(db);
  const roundTrip = await roundTripLimit(db);
  const deps = { db, policy: defaultPolicy, now: () => new Date() };
  const period = periodOf(defaultPolicy, new Date(), {});
  loadFigure(engine);
  if (fresh) {
    const c = await cpuMs(engine, db);
    const t = performance.now();
    const backfill = await backfillSnapshots(db, defaultPolicy, new Date());
    figure(
      `two years of snapshots backfilled (the first job run), ${n.toLocaleString('en')} findings [${engine}]`,
      (performance.now() - t) / 1000,
      's',
    );
    figure(`two years of snapshots backfilled, CPU [${engine}]`, ((await cpuMs(engine, db)) - c) / 1000, 's');
    figure(`days backfilled [${engine}]`, backfill ? backfill.rows : 0, 'snapshot rows');
  }

  const c = await cpuMs(engine, db);
  const t = performance.now();
  await dailySnapshot(deps);
  figure(
    `daily-snapshot job, ${n.toLocaleString('en')} findings [${engine}]`,
    (performance.now() - t) / 1000,
    's',
    '<= 10 s at 1,000,000',
    inSeconds(scan),
  );
  figure(`daily-snapshot job, CPU [${engine}]`, ((await cpuMs(engine, db)) - c) / 1000, 's');
  await sql`vacuum analyze`.execute(db);
  const team = await resolveScope(db, { team: 'team-3' });
  for (const [name, scope, target, limit] of [
    ['org', { kind: 'org' } as const, '<= 200 ms at 1,000,000', scan],
    ['team', team, '<= 50 ms at 1,000,000', roundTrip],
  ] as const) {
    await scorecardFor(deps, scope, period); // warm up
    const times: number[] = [];
    const cpu0 = await cpuMs(engine, db);
    for (let i = 0; i < calls; i++) {
      const s = performance.now();
      await scorecardFor(deps, scope, period);
      times.push(performance.now() - s);
    }
    figure(
      `${name} scorecard, ${n.toLocaleString('en')} findings, CPU per card (this process and the database's) [${engine}]`,
      ((await cpuMs(engine, db)) - cpu0) / calls,
      'ms',
    );
    times.sort((a, b) => a - b);
    loadFigure(engine);
    figure(
      `${name} scorecard, ${n.toLocaleString('en')} findings, p50 [${engine}]`,
      times[Math.floor(times.length * 0.5)]!,
      'ms',
      undefined,
      limit,
    );
    figure(
      `${name} scorecard, ${n.toLocaleString('en')} findings, p95 [${engine}]`,
      times[Math.min(times.length - 1, Math.floor(times.length * 0.95))]!,
      'ms',
      target,
      limit,
    );
  }
} finally {
  await drop();
}

/** Ten teams of two services, and `n` findings over the last two years in them. */
async function seed(db: Kysely<DB>): Promise<void> {
  const teams = Array.from({ length: 10 }, (_, i) => `team-${i}`);
  const yaml =
    `teams:\n${teams.map((t) => `  - { name: ${t}, kind: engineering }\n`).join('')}  - { name: security, kind: security }\nservices:\n`
    + teams
      .flatMap((t) =>
        [0, 1].map((k) => `  - { name: ${t}-svc-${k}, owner: ${t}, criticality: ${k + 2}, exposure: internal }\n`),
      )
      .join('');
  await applyOrg(db, parseOrgFile(yaml, 'bench'), { prune: false, actor: 'bench', now: new Date() });
  const services = await db.selectFrom('services').select(['id', 'owner_team_id']).orderBy('id').execute();
  const serviceIds = services.map((x) => x.id);
  const teamIds = services.map((x) => x.owner_team_id);
  const t0 = performance.now();
  // First seen over the last two years; half fixed some days and hours later (those whose day has not come yet are
  // still open), a tenth closed by people; due by priority; one in 25 came back once; one in 40 of the track ones was act at first (crying wolf).
  for (let start = 0; start < n; start += 100_000) {
    await sql`insert into findings (service_id, fingerprint, recipe, kind, tool, rule_id, title, severity, severity_rank, aliases, cwes,
        status, priority, priority_rank, peak_rank, reopened_count, due_at, owner_team_id, first_seen_at, fixed_at, status_changed_at)
      select (${serviceIds}::int[])[g % 20 + 1], md5('sc' || g::text), 'code/v1', 'code', 'BenchScanner', 'R' || (g % 50), 'Finding ' || g, 'high', 2, '{}', '{}',
        case when settled > now() then 'open' else st end, (array['act','attend','track*','track'])[g / 20 % 4 + 1], g / 20 % 4 + 1, case when g / 20 % 4 = 3 and g % 40 = 7 then 1 end, case when g % 25 = 0 then 1 else 0 end,
        seen + make_interval(days => (array[7, 30, 90, 180])[g / 20 % 4 + 1]), (${teamIds}::int[])[g % 20 + 1], seen,
        case when st = 'fixed' and settled <= now() then settled end, case when st = 'open' or settled > now() then seen else settled end
      from generate_series(${start + 1}::int, ${Math.min(start + 100_000, n)}::int) g
      cross join lateral (select (array['open','fixed','fixed','fixed','fixed','open','false_positive','accepted','fixed','open'])[g / 80 % 10 + 1] st,
        now() - make_interval(days => g % 730, hours => g % 24) seen) x
      cross join lateral (select x.seen + make_interval(days => g % 60, hours => g % 7) settled) y`.execute(db);
  }
  await sql`vacuum analyze findings`.execute(db);
  figure(`seeded findings [${engine}]`, n / ((performance.now() - t0) / 1000), 'rows/s', undefined, bulkLoad);
}
