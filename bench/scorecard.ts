/**
 * Scorecard speed: findings spread over two years across ten teams, two years of daily snapshots (the first card's
 * backfill), then the daily-snapshot job, and the organisation's and one team's card (p50 and p95 over many calls).
 * BENCH_FINDINGS sets how many (default 50,000 so it finishes in about a minute here; the issue's target is 1,000,000).
 */
import { sql } from 'kysely';
import { defaultPolicy } from '../src/policy/policy.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { resolveScope } from '../src/goals/scope.ts';
import { periodOf, scorecardFor } from '../src/goals/scorecard.ts';
import { dailySnapshot } from '../src/goals/snapshots.ts';
import { engineArg, figure, scratchDatabase } from './support.ts';
import { bulkLoadLimit, inSeconds, roundTripLimit, scanLimit } from './limits.ts';

const n = Number(process.env.BENCH_FINDINGS ?? 50_000);
const calls = Number(process.env.BENCH_CALLS ?? 20);
const engine = engineArg();
const bulkLoad = await bulkLoadLimit(engine);
const { database, drop } = await scratchDatabase(engine);
try {
  const db = database.db;
  const teams = Array.from({ length: 10 }, (_, i) => `team-${i}`);
  const yaml = `teams:\n${teams.map((t) => `  - { name: ${t}, kind: engineering }\n`).join('')}  - { name: security, kind: security }\nservices:\n`
    + teams.flatMap((t) => [0, 1].map((k) => `  - { name: ${t}-svc-${k}, owner: ${t}, criticality: ${k + 2}, exposure: internal }\n`)).join('');
  await applyOrg(db, parseOrgFile(yaml, 'bench'), { prune: false, actor: 'bench', now: new Date() });
  const t0 = performance.now();
  // First seen over the last two years; half fixed some days later, a tenth closed by people; due by priority.
  for (let start = 0; start < n; start += 100_000) {
    await sql`insert into findings (service_id, fingerprint, recipe, kind, tool, rule_id, title, severity, severity_rank, aliases, cwes,
        status, priority, priority_rank, due_at, owner_team_id, first_seen_at, fixed_at, status_changed_at)
      select s.id, md5('sc' || g::text), 'code/v1', 'code', 'BenchScanner', 'R' || (g % 50), 'Finding ' || g, 'high', 2, '{}', '{}',
        st, p, g % 4 + 1, seen + make_interval(days => (array[7, 30, 90, 180])[g % 4 + 1]), s.owner_team_id, seen,
        case when st = 'fixed' then seen + make_interval(days => g % 60) end, case when st = 'open' then seen else seen + make_interval(days => g % 60) end
      from generate_series(${start + 1}::int, ${Math.min(start + 100_000, n)}::int) g
      cross join lateral (select (array['open','fixed','fixed','fixed','fixed','open','false_positive','accepted','fixed','open'])[g % 10 + 1] st,
        (array['act','attend','track*','track'])[g % 4 + 1] p, now() - make_interval(days => g % 730, hours => g % 24) seen) x
      join lateral (select id, owner_team_id from services order by id offset g % 20 limit 1) s on true`.execute(db);
  }
  await sql`update findings set fixed_at = least(fixed_at, now()), status_changed_at = least(status_changed_at, now())`.execute(db);
  await sql`analyze`.execute(db);
  figure(`seeded findings [${engine}]`, n / ((performance.now() - t0) / 1000), 'rows/s', undefined, bulkLoad);
  const scan = await scanLimit(db);
  const roundTrip = await roundTripLimit(db);
  const deps = { db, policy: defaultPolicy, now: () => new Date() };
  const period = periodOf(defaultPolicy, new Date(), {});
  let t = performance.now();
  await scorecardFor(deps, { kind: 'org' }, period);
  figure(`first org scorecard with two years of snapshots backfilled, ${n.toLocaleString('en')} findings [${engine}]`, (performance.now() - t) / 1000, 's', undefined, inSeconds(scan));
  const days = Number((await sql<{ n: string }>`select count(*) n from finding_snapshots`.execute(db)).rows[0]!.n);
  figure(`snapshot rows [${engine}]`, days, 'rows');
  t = performance.now();
  await dailySnapshot(deps);
  figure(`daily-snapshot job, ${n.toLocaleString('en')} findings [${engine}]`, (performance.now() - t) / 1000, 's', '<= 10 s at 1,000,000', inSeconds(scan));
  const team = await resolveScope(db, { team: 'team-3' });
  // The organisation's card reads every finding (fix times, flow); a team's reads its own slice through indexes.
  for (const [name, scope, target, limit] of [['org', { kind: 'org' } as const, '<= 200 ms at 1,000,000', scan], ['team', team, '<= 50 ms at 1,000,000', roundTrip]] as const) {
    await scorecardFor(deps, scope, period); // warm up
    const times: number[] = [];
    for (let i = 0; i < calls; i++) {
      const s = performance.now();
      await scorecardFor(deps, scope, period);
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    figure(`${name} scorecard, ${n.toLocaleString('en')} findings, p50 [${engine}]`, times[Math.floor(times.length * 0.5)]!, 'ms', undefined, limit);
    figure(`${name} scorecard, ${n.toLocaleString('en')} findings, p95 [${engine}]`, times[Math.min(times.length - 1, Math.floor(times.length * 0.95))]!, 'ms', target, limit);
  }
} finally {
  await drop();
}
