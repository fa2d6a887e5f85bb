/**
 * Which of the scorecard's reads costs what, on a database the scorecard benchmark kept (BENCH_KEEP_DB): each measure
 * alone, BENCH_CALLS times, wall and CPU per call, for the organisation and team-3.
 */
import { defaultPolicy } from '../src/policy/policy.ts';
import { policyCalendar } from '../src/policy/calendar.ts';
import { resolveScope, type Scope } from '../src/goals/scope.ts';
import { periodOf } from '../src/goals/scorecard.ts';
import { cryingWolf, exposureUnapproved, openNow, type Window } from '../src/goals/metrics.ts';
import { windowMeasures } from '../src/goals/day-stats.ts';
import { securityServiceLevels } from '../src/goals/service-levels.ts';
import { readSnapshots } from '../src/goals/snapshots.ts';
import { goalsAtRisk } from '../src/goals/goals-service.ts';
import { benchDatabase, cpuMs, figure, loadFigure } from './support.ts';

const calls = Number(process.env.BENCH_CALLS ?? 10);
const { database, drop, fresh } = await benchDatabase('postgres', 'scorecard');
try {
  if (fresh) throw new Error('BENCH_KEEP_DB must name a database the scorecard benchmark filled');
  const db = database.db;
  const deps = { db, policy: defaultPolicy, now: () => new Date() };
  const cal = policyCalendar(defaultPolicy);
  const now = new Date();
  const period = periodOf(defaultPolicy, now, {});
  const w: Window = { start: cal.startOf(period.from), end: now };
  const team = await resolveScope(db, { team: 'team-3' });
  loadFigure('postgres');
  for (const [label, scope] of [
    ['org', { kind: 'org' }],
    ['team', team],
  ] as [string, Scope][]) {
    const parts: [string, () => Promise<unknown>][] = [
      ['openNow', () => openNow(db, scope, now)],
      ['windowMeasures', () => windowMeasures(db, scope, w, cal, cal.dayOf(now))],
      ['cryingWolf', () => cryingWolf(db, scope, w)],
      ['securityServiceLevels', () => securityServiceLevels(db, defaultPolicy, scope, w, now)],
      ['readSnapshots', () => readSnapshots(db, scope, period.from, period.to)],
      ['exposureUnapproved', () => exposureUnapproved(db, scope)],
      ['goalsAtRisk', () => goalsAtRisk(deps, scope)],
    ];
    for (const [name, run] of parts) {
      await run();
      const c = await cpuMs('postgres', db);
      const t = performance.now();
      for (let i = 0; i < calls; i++) await run();
      figure(
        `${label} ${name}: wall / CPU per call`,
        (performance.now() - t) / calls,
        `ms / ${(((await cpuMs('postgres', db)) - c) / calls).toFixed(1)} ms`,
      );
    }
  }
} finally {
  await drop();
}
