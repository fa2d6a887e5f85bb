import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { sarif } from './support/reports.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { reprioritiseServiceWith } from '../src/findings/reprioritise.ts';
import { priorityRanks } from '../src/findings/priority.ts';
import { resolveScope } from '../src/goals/scope.ts';
import { periodOf, scorecardFor } from '../src/goals/scorecard.ts';
import { dailySnapshot, readSnapshots, writeSnapshots } from '../src/goals/snapshots.ts';
import { defaultJobs } from '../src/jobs/jobs.ts';
import { runDueJobs } from '../src/jobs/runner.ts';
import type { Priority } from '../src/findings/vocabulary.ts';
import type { Day } from '../src/policy/calendar.ts';

// Findings with hand-set dates: each seeded finding is imported for real, then its priority and dates are set to the
// case's values (days relative to the test clock's now, which is 09:00 UTC, so whole days are whole days).
interface Seed {
  priority: Priority;
  seen: number;
  due: number;
  fixed?: number;
  status?: 'open' | 'false_positive';
}

const dayMs = 86_400_000;

async function seed(e: TestEnv, seeds: Seed[]): Promise<{ team: string; service: string; ids: number[] }> {
  const { team, service } = await e.makeService();
  await e.importText(
    service,
    'seed.sarif',
    sarif(
      'Seed',
      seeds.map((_, i) => ({ rule: `seed/${i}`, file: `src/s${i}.ts`, line: i + 1 })),
    ),
  );
  const rows = await e.ctx.database.db
    .selectFrom('findings as f')
    .innerJoin('services as s', 's.id', 'f.service_id')
    .select('f.id')
    .where('s.name', '=', service)
    .orderBy('f.rule_id')
    .execute();
  const at = (d: number) => new Date(e.clock.now.getTime() + d * dayMs);
  const ids = rows.map((r) => r.id);
  for (const [i, s] of seeds.entries()) {
    const status = s.fixed !== undefined ? 'fixed' : (s.status ?? 'open');
    await e.ctx.database.db
      .updateTable('findings')
      .set({
        priority: s.priority,
        priority_rank: priorityRanks[s.priority],
        first_seen_at: at(s.seen),
        due_at: at(s.due),
        status,
        fixed_at: s.fixed !== undefined ? at(s.fixed) : null,
        status_changed_at: s.fixed !== undefined ? at(s.fixed) : at(s.seen),
      })
      .where('id', '=', ids[i]!)
      .execute();
  }
  // Setting the case's priority is not a lowering people would see: the finding starts with it.
  await sql`update findings set peak_rank = null where id = any(${ids})`.execute(e.ctx.database.db);
  return { team, service, ids };
}

const deps = (e: TestEnv) => ({ db: e.ctx.database.db, policy: e.ctx.policy, now: e.ctx.now });
const dayOf = (e: TestEnv, offset: number): Day =>
  new Date(e.clock.now.getTime() + offset * dayMs).toISOString().slice(0, 10) as Day;

// A: act seen day -20, fixed -10 (10 days, after its due day -13); B: act, fixed in 2 days (on time); C: act, fixed in
// 4 days (on time); D: attend seen -30, open, due yesterday (overdue); E: track seen -3, open.
const fiveFindings: Seed[] = [
  { priority: 'act', seen: -20, due: -13, fixed: -10 },
  { priority: 'act', seen: -20, due: -13, fixed: -18 },
  { priority: 'act', seen: -5, due: 2, fixed: -1 },
  { priority: 'attend', seen: -30, due: -1 },
  { priority: 'track', seen: -3, due: 100 },
];

describeEachEngine('the scorecard: measures against hand-computed cases', (env) => {
  test('open now, overdue, arrivals and closures, MTTR, p80 time to fix and SLA compliance for a team', async () => {
    const e = env();
    const { team } = await seed(e, fiveFindings);
    const scope = await resolveScope(e.ctx.database.db, { team });
    const card = await scorecardFor(deps(e), scope, periodOf(e.ctx.policy, e.clock.now, { from: dayOf(e, -25) }));
    assert.deepEqual(card.open, { act: 0, attend: 1, 'track*': 0, track: 1, total: 2 });
    assert.equal(card.overdueNow, 1);
    assert.deepEqual(card.flow, { arrivals: 4, closures: 3, fixed: 3 });
    // (10 + 2 + 4) / 3 = 5.33; the 80th percentile of 2, 4, 10 lies 0.6 of the way from 4 to 10: 7.6.
    assert.deepEqual(card.timeToFix.act, { fixed: 3, mttrDays: 5.3, p80Days: 7.6, withinDue: 2 });
    assert.deepEqual(card.timeToFix.attend, { fixed: 0, mttrDays: null, p80Days: null, withinDue: 0 });
    assert.deepEqual(card.slaCompliance, { closed: 3, withinDue: 2, ratio: 0.667 });
    assert.deepEqual(card.scope, { kind: 'team', name: team });
    assert.match(card.summary[0]!, /together we fixed 3 findings while 4 arrived/);
  });

  test('the JSON names Security\'s service levels at its top level, and its first "act" key counts the open act findings', async () => {
    const e = env();
    const { team } = await seed(e, [
      { priority: 'act', seen: -2, due: 5 },
      { priority: 'act', seen: -1, due: 6 },
      { priority: 'track', seen: -1, due: 60 },
    ]);
    const card = await scorecardFor(
      deps(e),
      await resolveScope(e.ctx.database.db, { team }),
      periodOf(e.ctx.policy, e.clock.now, {}),
    );
    const text = JSON.stringify(card);
    assert.equal(Number(/"act":(\d+)/.exec(text)![1]), 2);
    assert.deepEqual(Object.keys(card.securityServiceLevels), [
      'triage',
      'exceptionAnswer',
      'changeAnswer',
      'gateReview',
    ]);
    assert.equal(card.securityServiceLevels.triage.waiting, 2);
    assert.equal(card.securityServiceLevels.triage.targetHours, e.ctx.policy.service_levels.triage_hours);
  });

  test('crying wolf: act and attend findings later lowered or closed as false positives, over those ever raised', async () => {
    const e = env();
    const { team, ids } = await seed(e, [
      { priority: 'act', seen: -3, due: 4 },
      { priority: 'attend', seen: -3, due: 27 },
      { priority: 'attend', seen: -3, due: 27, status: 'false_positive' },
      { priority: 'act', seen: -2, due: 5 },
      { priority: 'track', seen: -2, due: 100 },
    ]);
    // The first is lowered to track, then raised to attend again: it was raised at first, and lowered since.
    const db = e.ctx.database.db;
    await db.updateTable('findings').set({ priority: 'track', priority_rank: 4 }).where('id', '=', ids[0]!).execute();
    await db.updateTable('findings').set({ priority: 'attend', priority_rank: 2 }).where('id', '=', ids[0]!).execute();
    await db.updateTable('findings').set({ priority: 'track*', priority_rank: 3 }).where('id', '=', ids[1]!).execute();
    const peaks = await db
      .selectFrom('findings')
      .select(['id', 'peak_rank'])
      .where('id', 'in', ids)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      peaks.map((p) => p.peak_rank),
      [1, 2, null, null, null],
    );
    const card = await scorecardFor(deps(e), await resolveScope(db, { team }), periodOf(e.ctx.policy, e.clock.now, {}));
    // Raised: the first four (ever act or attend). Lowered now: the second (track*). False positive: the third. 2 of 4.
    assert.deepEqual(card.cryingWolf, { raised: 4, lowered: 1, falsePositive: 1, ratio: 0.5 });
  });

  test("Security's triage time: from a new act finding to the first person's change to it, against the policy's target", async () => {
    const e = env();
    const member = `${e.uniq('ana')}@example.com`;
    const { team, service } = await e.makeService({ members: [member] });
    await e.importText(
      service,
      'one.sarif',
      sarif('Seed', [
        { rule: 'seed/a', file: 'a.ts', line: 1 },
        { rule: 'seed/b', file: 'b.ts', line: 2 },
      ]),
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
    await db.updateTable('findings').set({ priority: 'act', priority_rank: 1 }).where('id', 'in', ids).execute();
    const security = await e.token('security', `${e.uniq('sam')}@example.com`);
    e.clock.now = new Date(e.clock.now.getTime() + 6 * 3_600_000);
    assert.equal(
      (
        await e.call('PATCH', `/api/findings/${ids[0]}`, {
          token: security,
          json: { comment: 'Confirmed; let us pair on the fix.' },
        })
      ).status,
      200,
    );
    e.clock.now = new Date(e.clock.now.getTime() + 30 * 3_600_000);
    assert.equal(
      (await e.call('PATCH', `/api/findings/${ids[1]}`, { token: security, json: { status: 'in_progress' } })).status,
      200,
    );
    const card = await scorecardFor(deps(e), await resolveScope(db, { team }), periodOf(e.ctx.policy, e.clock.now, {}));
    // 6 hours and 36 hours: one within the 24-hour target; the median of two is their mean.
    assert.deepEqual(card.securityServiceLevels.triage, {
      targetHours: 24,
      answered: 2,
      medianHours: 21,
      p80Hours: 30,
      withinTarget: 1,
      ratio: 0.5,
      waiting: 0,
      oldestWaitingHours: null,
    });
    assert.match(
      card.summary.join('\n'),
      /Security's triage of new act and attend findings: 1 of 2 within the 24-hour target\./,
    );
  });

  test("scan coverage, unapproved exposure and the period's bad input naming the field", async () => {
    const e = env();
    const { team } = await seed(e, [{ priority: 'attend', seen: -1, due: 20 }]);
    const card = await scorecardFor(
      deps(e),
      await resolveScope(e.ctx.database.db, { team }),
      periodOf(e.ctx.policy, e.clock.now, {}),
    );
    assert.deepEqual(card.scanCoverage, { days: 30, services: 1, scanned: 1, ratio: 1 });
    assert.equal(card.exposureUnapproved, 0);
    assert.throws(() => periodOf(e.ctx.policy, e.clock.now, { from: '2026-02-30' }), /from: "2026-02-30" is not a day/);
    assert.throws(
      () => periodOf(e.ctx.policy, e.clock.now, { from: '2026-03-01', to: '2026-02-01' }),
      /from: 2026-03-01 is after --to/,
    );
    assert.throws(() => periodOf(e.ctx.policy, e.clock.now, { to: '2027-01-01' }), /to: 2027-01-01 is after today/);
    await assert.rejects(
      resolveScope(e.ctx.database.db, { team: 'no-such-team' }),
      /team: no team is named "no-such-team"/,
    );
    await assert.rejects(
      resolveScope(e.ctx.database.db, { service: 'no-such-service' }),
      /service: no service is named "no-such-service"/,
    );
  });
});

describeEachEngine('the scorecard: daily snapshots', (env) => {
  test("the first scorecard call backfills each day from the findings' dates: open by priority, arrivals, closures, overdue", async () => {
    const e = env();
    const { team } = await seed(e, fiveFindings);
    const db = e.ctx.database.db;
    assert.equal(
      Number((await sql<{ n: string }>`select count(*) n from finding_snapshot_days`.execute(db)).rows[0]!.n),
      0,
    );
    const scope = await resolveScope(db, { team });
    const card = await scorecardFor(deps(e), scope, periodOf(e.ctx.policy, e.clock.now, { from: dayOf(e, -31) }));
    const byDay = new Map(card.trend.map((d) => [d.day, d]));
    // Nothing is written before the oldest finding (day -30). Day -30: D arrives. Day -20: A and B arrive (act 2). Day -18: B closes. Day -12: A is overdue (due day -13).
    assert.equal(byDay.get(dayOf(e, -31)), undefined);
    assert.deepEqual(byDay.get(dayOf(e, -30))?.open, { act: 0, attend: 1, 'track*': 0, track: 0 });
    assert.deepEqual(byDay.get(dayOf(e, -20)), {
      day: dayOf(e, -20),
      open: { act: 2, attend: 1, 'track*': 0, track: 0 },
      arrivals: 2,
      closures: 0,
      overdue: 0,
    });
    assert.deepEqual(byDay.get(dayOf(e, -18)), {
      day: dayOf(e, -18),
      open: { act: 1, attend: 1, 'track*': 0, track: 0 },
      arrivals: 0,
      closures: 1,
      overdue: 0,
    });
    assert.equal(byDay.get(dayOf(e, -13))?.overdue, 0);
    assert.equal(byDay.get(dayOf(e, -12))?.overdue, 1);
    assert.deepEqual(byDay.get(dayOf(e, -10)), {
      day: dayOf(e, -10),
      open: { act: 0, attend: 1, 'track*': 0, track: 0 },
      arrivals: 0,
      closures: 1,
      overdue: 0,
    });
    // D (attend) was due yesterday: overdue from today on; today's point is read live.
    assert.equal(byDay.get(dayOf(e, -1))?.overdue, 0);
    assert.deepEqual(byDay.get(dayOf(e, 0)), {
      day: dayOf(e, 0),
      open: { act: 0, attend: 1, 'track*': 0, track: 1 },
      arrivals: 0,
      closures: 0,
      overdue: 1,
    });
    assert.equal(card.trend.length, 31);
  });

  test('writing the same days again, by hand or by the daily-snapshot job, leaves the same rows (idempotent)', async () => {
    const e = env();
    await seed(e, fiveFindings);
    const db = e.ctx.database.db;
    const rows = async () =>
      (
        await sql`select day::text, team_id, service_id, priority, open_count, arrivals, closures, overdue from finding_snapshots order by 1, 2, 3, 4`.execute(
          db,
        )
      ).rows;
    await writeSnapshots(db, e.ctx.policy, dayOf(e, -40), dayOf(e, 0), e.clock.now);
    const first = await rows();
    assert.ok(first.length > 0);
    await writeSnapshots(db, e.ctx.policy, dayOf(e, -40), dayOf(e, 0), e.clock.now);
    await dailySnapshot(deps(e));
    assert.deepEqual(await rows(), first);
    const job = defaultJobs.find((j) => j.name === 'daily-snapshot');
    assert.ok(job, 'the daily-snapshot job is scheduled');
    const runs = await runDueJobs(
      deps(e),
      defaultJobs.filter((j) => j.name === 'daily-snapshot'),
    );
    assert.deepEqual(
      runs.map((r) => [r.name, r.ok]),
      [['daily-snapshot', true]],
    );
    assert.deepEqual((runs[0]!.result as { days: Day[] }).days, [dayOf(e, -1), dayOf(e, 0)]);
    assert.deepEqual(await rows(), first);
  });

  test('a day with nothing stored reads as zeros for a service, and a finding fixed later moves only the days after', async () => {
    const e = env();
    const { service, ids } = await seed(e, [{ priority: 'act', seen: -4, due: 3 }]);
    const db = e.ctx.database.db;
    const scope = await resolveScope(db, { service });
    await writeSnapshots(db, e.ctx.policy, dayOf(e, -6), dayOf(e, -1), e.clock.now);
    const before = await readSnapshots(db, scope, dayOf(e, -6), dayOf(e, -1));
    assert.deepEqual(
      before.map((d) => d.open.act),
      [0, 0, 1, 1, 1, 1],
    );
    await db
      .updateTable('findings')
      .set({
        status: 'fixed',
        fixed_at: new Date(e.clock.now.getTime() - 2 * dayMs),
        status_changed_at: new Date(e.clock.now.getTime() - 2 * dayMs),
      })
      .where('id', '=', ids[0]!)
      .execute();
    await writeSnapshots(db, e.ctx.policy, dayOf(e, -6), dayOf(e, -1), e.clock.now);
    const after = await readSnapshots(db, scope, dayOf(e, -6), dayOf(e, -1));
    assert.deepEqual(
      after.map((d) => d.open.act),
      [0, 0, 1, 1, 0, 0],
    );
    assert.deepEqual(
      after.map((d) => d.closures),
      [0, 0, 0, 0, 1, 0],
    );
  });
});

export { seed, fiveFindings, dayOf };

// Keeps the org helpers referenced for the goals tests (test/goals.test.ts) without a second copy.
export const applyTestOrg = (e: TestEnv, yaml: string) =>
  applyOrg(e.ctx.database.db, parseOrgFile(yaml, 'test org'), {
    prune: false,
    actor: 'test',
    now: e.clock.now,
    reprioritise: reprioritiseServiceWith(e.ctx.policy),
  });
