import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { sarif } from './support/reports.ts';
import { priorityRanks } from '../src/findings/priority.ts';
import { resolveScope } from '../src/goals/scope.ts';
import { fixTimes, flowIn, priorities, reopenRate } from '../src/goals/metrics.ts';
import { percentileOfCounts, windowMeasures } from '../src/goals/day-stats.ts';
import { writeSnapshots } from '../src/goals/snapshots.ts';
import { policyCalendar } from '../src/policy/calendar.ts';
import type { Priority } from '../src/findings/vocabulary.ts';

// Findings with hours that are not whole (the p80 from hourly buckets is then approximate), fixed over three weeks,
// some reopened, one closed as a false positive and one fixed today (read live).
interface Seed {
  priority: Priority;
  seenH: number;
  fixedH?: number;
  dueH: number;
  status?: 'open' | 'false_positive';
  reopened?: number;
  changedH?: number;
}
const hourMs = 3_600_000;
const seeds: Seed[] = [
  { priority: 'act', seenH: -500.3, fixedH: -450.97, dueH: -330 },
  { priority: 'act', seenH: -400.5, fixedH: -324.8, dueH: -232 },
  { priority: 'act', seenH: -300.25, fixedH: -200.15, dueH: -132 },
  { priority: 'act', seenH: -260.6, fixedH: -109.7, dueH: -92, reopened: 1 },
  { priority: 'act', seenH: -250.1, fixedH: -49.65, dueH: -82 },
  { priority: 'act', seenH: -120.4, fixedH: -107.2, dueH: 48 },
  { priority: 'attend', seenH: -480.8, fixedH: -30.33, dueH: 240 },
  { priority: 'attend', seenH: -200.2, fixedH: -150.05, dueH: 520 },
  { priority: 'attend', seenH: -36.5, fixedH: -2.25, dueH: 600 },
  { priority: 'attend', seenH: -90, dueH: 500, status: 'open', reopened: 1, changedH: -70 },
  { priority: 'attend', seenH: -80, dueH: 500, status: 'false_positive', changedH: -60 },
  { priority: 'track', seenH: -10, dueH: 2000, status: 'open' },
];

async function seedHours(e: TestEnv): Promise<{ team: string; ids: number[] }> {
  const { team, service } = await e.makeService();
  await e.importText(
    service,
    'hours.sarif',
    sarif(
      'Hours',
      seeds.map((_, i) => ({ rule: `hours/${String(i).padStart(2, '0')}`, file: `src/h${i}.ts`, line: i + 1 })),
    ),
  );
  const db = e.ctx.database.db;
  const ids = (
    await db
      .selectFrom('findings as f')
      .innerJoin('services as s', 's.id', 'f.service_id')
      .select('f.id')
      .where('s.name', '=', service)
      .orderBy('f.rule_id')
      .execute()
  ).map((r) => r.id);
  const at = (h: number) => new Date(e.clock.now.getTime() + h * hourMs);
  for (const [i, s] of seeds.entries()) {
    const fixed = s.fixedH !== undefined;
    await db
      .updateTable('findings')
      .set({
        priority: s.priority,
        priority_rank: priorityRanks[s.priority],
        first_seen_at: at(s.seenH),
        due_at: at(s.dueH),
        status: fixed ? 'fixed' : (s.status ?? 'open'),
        fixed_at: fixed ? at(s.fixedH!) : null,
        status_changed_at: at(fixed ? s.fixedH! : (s.changedH ?? s.seenH)),
        reopened_count: s.reopened ?? 0,
      })
      .where('id', '=', ids[i]!)
      .execute();
  }
  return { team, ids };
}

describeEachEngine('the scorecard at scale: flow, time to fix and reopens from the days the job wrote', (env) => {
  test("the percentile of counted values is PostgreSQL's percentile_cont: 2, 4, 10 give 7.6; repeated values count as often as they occur", () => {
    assert.equal(
      Math.round(
        percentileOfCounts(
          [
            [10, 1],
            [2, 1],
            [4, 1],
          ],
          0.8,
        )! * 10,
      ) / 10,
      7.6,
    );
    assert.ok(
      Math.abs(
        percentileOfCounts(
          [
            [1, 4],
            [5, 1],
          ],
          0.8,
        )! - 1.8,
      ) < 1e-9,
    ); // 1 1 1 1 5: rank 3.2, 0.2 of the way from 1 to 5
    assert.equal(percentileOfCounts([[3, 1]], 0.8), 3);
    assert.equal(percentileOfCounts([], 0.8), null);
  });

  test('read from the written days (and today live), the card matches the findings read directly: exact counts, means and due dates, the p80 within half an hour', async () => {
    const e = env();
    const { team } = await seedHours(e);
    const db = e.ctx.database.db;
    const cal = policyCalendar(e.ctx.policy);
    const today = cal.dayOf(e.clock.now);
    await writeSnapshots(db, e.ctx.policy, cal.addDays(today, -25), cal.addDays(today, -1), e.clock.now);
    const scope = await resolveScope(db, { team });
    const w = { start: cal.startOf(cal.addDays(today, -25)), end: e.clock.now };
    const fromDays = await windowMeasures(db, scope, w, cal, today);
    assert.ok(
      Number(
        (
          await sql<{
            n: number;
          }>`select count(*)::int n from finding_fix_days where team_id = (select id from teams where name = ${team})`.execute(
            db,
          )
        ).rows[0]!.n,
      ) > 0,
    );
    const [flow, times, reopen] = await Promise.all([
      flowIn(db, scope, w),
      fixTimes(db, scope, w),
      reopenRate(db, scope, w),
    ]);
    assert.deepEqual(fromDays.flow, flow);
    assert.deepEqual(fromDays.reopen, reopen);
    assert.deepEqual(reopen, { closed: 10, reopened: 2, ratio: 0.2 });
    assert.deepEqual(flow, { arrivals: 12, closures: 10, fixed: 9 });
    for (const p of priorities) {
      const a = fromDays.timeToFix[p];
      const b = times[p];
      assert.deepEqual([a.fixed, a.mttrDays, a.withinDue], [b.fixed, b.mttrDays, b.withinDue], p);
      // Hourly buckets move a value by at most half an hour; both sides are rounded to a tenth of a day.
      if (b.p80Days === null) assert.equal(a.p80Days, null);
      else
        assert.ok(
          Math.abs(a.p80Days! - b.p80Days) <= 0.05 + 0.5 / 24 + 1e-9,
          `${p}: p80 ${a.p80Days} against ${b.p80Days}`,
        );
    }
    assert.equal(fromDays.timeToFix.act.fixed, 6);
  });

  test('the written days are what the card reads: a past fix changed afterwards shows once its days are written again', async () => {
    const e = env();
    const { team, ids } = await seedHours(e);
    const db = e.ctx.database.db;
    const cal = policyCalendar(e.ctx.policy);
    const today = cal.dayOf(e.clock.now);
    const from = cal.addDays(today, -25);
    await writeSnapshots(db, e.ctx.policy, from, cal.addDays(today, -1), e.clock.now);
    const scope = await resolveScope(db, { team });
    const w = { start: cal.startOf(from), end: cal.startOf(today) };
    const before = await windowMeasures(db, scope, w, cal, today);
    // The first act fix (2 days and 1 hour) is moved out of the window behind the job's back.
    await db
      .updateTable('findings')
      .set({
        fixed_at: new Date(e.clock.now.getTime() - 40 * 24 * hourMs),
        first_seen_at: new Date(e.clock.now.getTime() - 41 * 24 * hourMs),
      })
      .where('id', '=', ids[0]!)
      .execute();
    assert.deepEqual(await windowMeasures(db, scope, w, cal, today), before);
    await writeSnapshots(db, e.ctx.policy, from, cal.addDays(today, -1), e.clock.now);
    const after = await windowMeasures(db, scope, w, cal, today);
    assert.equal(after.timeToFix.act.fixed, before.timeToFix.act.fixed - 1);
    assert.equal(after.timeToFix.act.fixed, (await fixTimes(db, scope, w)).act.fixed);
    // A window reaching before the written days is read live for the part they do not cover.
    const wide = { start: cal.startOf(cal.addDays(today, -60)), end: cal.startOf(today) };
    assert.equal(
      (await windowMeasures(db, scope, wide, cal, today)).timeToFix.act.fixed,
      (await fixTimes(db, scope, wide)).act.fixed,
    );
  });
});
