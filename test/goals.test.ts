import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeEachEngine, engines, type TestEnv } from './support/engines.ts';
import { sarif } from './support/reports.ts';
import { cliWorld, entente } from './support/cli.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { reprioritiseServiceWith } from '../src/findings/reprioritise.ts';
import { assessGoal, targetValue } from '../src/goals/goal-progress.ts';
import { guardrailHolds } from '../src/goals/goal-metrics.ts';
import { goalsAtRisk } from '../src/goals/goals-service.ts';
import { resolveScope } from '../src/goals/scope.ts';
import { periodOf, scorecardFor } from '../src/goals/scorecard.ts';

const dayMs = 86_400_000;
const now = new Date('2026-06-01T12:00:00Z');
const ago = (d: number) => new Date(now.getTime() - d * dayMs);

describe('goal progress and forecast (pure)', () => {
  const base = {
    baseline: 10,
    target: 7,
    lowerIsBetter: true,
    setAt: ago(10),
    deadlineEnd: new Date(now.getTime() + 30 * dayMs),
    now,
    guardrailHolds: true,
  };

  test('at the pace since it was set, a goal that reaches its target by the deadline is on track', () => {
    // -2 in 10 days: -6 more in the 30 left, 2 at the deadline.
    assert.deepEqual(assessGoal({ ...base, current: 8 }), {
      progress: 0.667,
      met: false,
      projected: 2,
      status: 'on_track',
    });
  });

  test('a pace that gets most of the way (70 % or more) is at risk, less is off track', () => {
    assert.equal(assessGoal({ ...base, current: 9.4 }).status, 'at_risk'); // 7.6 at the deadline: 80 % of the way
    assert.equal(assessGoal({ ...base, current: 9.5 }).status, 'off_track'); // 8 at the deadline: 67 %
    assert.equal(assessGoal({ ...base, current: 11 }).status, 'off_track');
  });

  test('a met target is met; past the deadline unmet is missed; in its first day a goal is too early to forecast', () => {
    assert.equal(assessGoal({ ...base, current: 7 }).status, 'met');
    assert.equal(assessGoal({ ...base, current: 9, deadlineEnd: ago(1) }).status, 'missed');
    assert.deepEqual(assessGoal({ ...base, current: 10, setAt: new Date(now.getTime() - 3_600_000) }), {
      progress: 0,
      met: false,
      projected: null,
      status: 'on_track',
    });
  });

  test('guardrail: a fall in findings counts only if scan coverage did not fall, more closed only if the reopen rate did not rise', () => {
    assert.equal(guardrailHolds('scan-coverage', 1, 0.5), false);
    assert.equal(guardrailHolds('scan-coverage', 0.5, 0.5), true);
    assert.equal(guardrailHolds('reopen-rate', 0.1, 0.2), false);
    assert.equal(guardrailHolds('reopen-rate', 0.2, 0.1), true);
    assert.equal(guardrailHolds('reopen-rate', null, 0.3), true);
    const held = assessGoal({ ...base, current: 6, guardrailHolds: false });
    assert.deepEqual(
      { progress: held.progress, met: held.met, status: held.status },
      { progress: 0, met: false, status: 'at_risk' },
    );
    // +20 % closed: 10 → 12; met at 13 only while the reopen rate holds.
    const closed = { ...base, target: 12, lowerIsBetter: false, current: 13 };
    assert.equal(assessGoal(closed).status, 'met');
    assert.equal(assessGoal({ ...closed, guardrailHolds: false }).met, false);
  });

  test('targets: a change from the baseline or a number', () => {
    assert.equal(targetValue({ percent: -30 }, 10), 7);
    assert.equal(targetValue({ percent: 20 }, 10), 12);
    assert.equal(targetValue({ value: 3 }, 10), 3);
  });
});

async function orgWithSecurity(e: TestEnv) {
  const [eng, other, sec] = [e.uniq('eng'), e.uniq('other'), e.uniq('security')];
  const [svc, member, outsider] = [e.uniq('svc'), `${e.uniq('ana')}@example.com`, `${e.uniq('ben')}@example.com`];
  await applyOrg(
    e.ctx.database.db,
    parseOrgFile(
      `teams:
  - { name: ${eng}, kind: engineering, members: [${member}] }
  - { name: ${other}, kind: engineering, members: [${outsider}] }
  - { name: ${sec}, kind: security }
services:
  - { name: ${svc}, owner: ${eng}, criticality: 4, exposure: internet }
`,
      'goals org',
    ),
    { prune: false, actor: 'test', now: e.clock.now, reprioritise: reprioritiseServiceWith(e.ctx.policy) },
  );
  await e.importText(
    svc,
    'r.sarif',
    sarif(
      'Seed',
      [1, 2, 3, 4].map((i) => ({ rule: `g/${i}`, file: `g${i}.ts`, line: i })),
    ),
  );
  const db = e.ctx.database.db;
  const ids = (
    await db
      .selectFrom('findings as f')
      .innerJoin('services as s', 's.id', 'f.service_id')
      .select('f.id')
      .where('s.name', '=', svc)
      .orderBy('f.rule_id')
      .execute()
  ).map((r) => r.id);
  // Three to act on or attend to, one to track.
  await db
    .updateTable('findings')
    .set({ priority: 'act', priority_rank: 1 })
    .where('id', 'in', ids.slice(0, 2))
    .execute();
  await db.updateTable('findings').set({ priority: 'attend', priority_rank: 2 }).where('id', '=', ids[2]!).execute();
  await db.updateTable('findings').set({ priority: 'track', priority_rank: 4 }).where('id', '=', ids[3]!).execute();
  return {
    eng,
    other,
    sec,
    svc,
    ids,
    engineer: await e.token('engineer', member),
    outsider: await e.token('engineer', outsider),
    security: await e.token('security'),
  };
}

describeEachEngine('joint goals over the API', (env) => {
  test('a goal without Security among its owners is refused with the reason, and nothing is stored', async () => {
    const e = env();
    const o = await orgWithSecurity(e);
    const count = async () =>
      (
        await e.ctx.database.db
          .selectFrom('goals')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n;
    const before = await count();
    const r = await e.call('POST', '/api/goals', {
      token: o.engineer,
      json: { metric: 'open-act-attend', team: o.eng, owners: [o.eng], target: '-30%', deadline: '2026-12-31' },
    });
    assert.equal(r.status, 400);
    assert.match(
      r.body.error.message,
      new RegExp(`owned by IT and Security together.*please add .*${o.sec}.* to --owners beside ${o.eng}`),
    );
    const onlySecurity = await e.call('POST', '/api/goals', {
      token: o.security,
      json: { metric: 'open-act-attend', org: true, owners: [o.sec], target: '-30%', deadline: '2026-12-31' },
    });
    assert.equal(onlySecurity.status, 400);
    assert.match(onlySecurity.body.error.message, /engineering or IT operations team/);
    assert.equal(await count(), before);
  });

  test('bad input names the field: unknown metric, bad target, past deadline, unknown team or owner', async () => {
    const e = env();
    const o = await orgWithSecurity(e);
    const body = {
      metric: 'open-act-attend',
      team: o.eng,
      owners: [o.eng, o.sec],
      target: '-30%',
      deadline: '2026-12-31',
    };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ metric: 'happiness' }, /^metric: "happiness" is not a goal metric; use open-act-attend, /],
      [{ target: 'a lot' }, /^target: "a lot" is not a target/],
      [{ target: '-100%' }, /^target: "-100%" is not a change we can aim at/],
      [{ deadline: '2026-03-01' }, /^deadline: 2026-03-01 is not after today \(2026-03-02\)/],
      [{ deadline: '2026-02-30' }, /^deadline: "2026-02-30" is not a day/],
      [{ team: 'nobody-here' }, /^team: no team is named "nobody-here"/],
      [{ owners: [o.eng, o.sec, 'ghosts'] }, /^owners: no team is named "ghosts"/],
      [{ team: undefined }, /^team: say what the goal is about/],
    ];
    for (const [change, message] of cases) {
      const r = await e.call('POST', '/api/goals', { token: o.security, json: { ...body, ...change } });
      assert.equal(r.status, 400, JSON.stringify(change));
      assert.match(r.body.error.message, message);
    }
  });

  test('the baseline is measured when the goal is set; an engineer sets goals their team shares; list and show read it', async () => {
    const e = env();
    const o = await orgWithSecurity(e);
    const json = {
      metric: 'open-act-attend',
      team: o.eng,
      owners: [o.eng, o.sec],
      target: '-30%',
      deadline: '2026-12-31',
    };
    assert.equal((await e.call('POST', '/api/goals', { token: o.outsider, json })).status, 403);
    const made = await e.call('POST', '/api/goals', { token: o.engineer, json });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.baseline, 3);
    assert.deepEqual(made.body.target, { text: '-30%', value: 2.1 });
    assert.deepEqual(made.body.owners, [o.eng, o.sec]);
    assert.deepEqual(made.body.guardrail, { metric: 'scan-coverage', baseline: 1, current: 1, holds: true });
    const shown = await e.call('GET', `/api/goals/${made.body.id}`, { token: await e.token('manager') });
    assert.equal(shown.status, 200);
    assert.equal(shown.body.current, 3);
    const listed = await e.call('GET', `/api/goals?team=${o.eng}`, { token: o.outsider });
    assert.deepEqual(
      listed.body.items.map((g: { id: number }) => g.id),
      [made.body.id],
    );
    assert.equal((await e.call('GET', '/api/goals/999999', { token: o.engineer })).status, 404);
    const audit = await e.ctx.database.db
      .selectFrom('audit_log')
      .select(['action', 'actor'])
      .where('entity', '=', 'goal')
      .where('entity_id', '=', String(made.body.id))
      .execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.action, 'goal.set');
  });

  test('findings fixed while scanning stopped do not count: the guardrail holds the goal at risk, and the card says so', async () => {
    const e = env();
    const o = await orgWithSecurity(e);
    const made = await e.call('POST', '/api/goals', {
      token: o.security,
      json: { metric: 'open-act-attend', team: o.eng, owners: [o.eng, o.sec], target: '-30%', deadline: '2026-12-31' },
    });
    assert.equal(made.status, 201);
    e.clock.advanceDays(40);
    await e.ctx.database.db
      .updateTable('findings')
      .set({ status: 'fixed', fixed_at: e.clock.now, status_changed_at: e.clock.now })
      .where('id', 'in', o.ids)
      .execute();
    const held = (await e.call('GET', `/api/goals/${made.body.id}`, { token: o.engineer })).body;
    assert.equal(held.current, 0);
    assert.deepEqual(held.guardrail, { metric: 'scan-coverage', baseline: 1, current: 0, holds: false });
    assert.equal(held.progress, 0);
    assert.equal(held.status, 'at_risk');
    assert.match(
      held.summary,
      /at risk\. It counts once scan coverage is back to where it was\. Let's look at it together at the next review\./,
    );
    const deps = { db: e.ctx.database.db, policy: e.ctx.policy, now: e.ctx.now };
    const scope = await resolveScope(deps.db, { team: o.eng });
    assert.deepEqual(
      (await goalsAtRisk(deps, scope)).map((g) => g.id),
      [made.body.id],
    );
    const card = await scorecardFor(deps, scope, periodOf(deps.policy, e.clock.now, {}));
    assert.deepEqual(
      card.goalsAtRisk.map((g) => g.id),
      [made.body.id],
    );
    assert.ok(card.summary.includes(held.summary));
    // A new scan brings coverage back: the fall now counts, and the goal is met.
    await e.importText(o.svc, 'again.sarif', sarif('Other', [{ rule: 'x/1', file: 'x.ts', line: 1 }]));
    await e.ctx.database.db
      .updateTable('findings')
      .set({ priority: 'track', priority_rank: 4 })
      .where('rule_id', '=', 'x/1')
      .execute();
    const met = (await e.call('GET', `/api/goals/${made.body.id}`, { token: o.engineer })).body;
    assert.deepEqual([met.status, met.progress, met.guardrail.holds], ['met', 1, true]);
  });

  test("GET /api/scorecard: a team's card for its engineers, Security and managers; another team's engineer is refused", async () => {
    const e = env();
    const o = await orgWithSecurity(e);
    const mine = await e.call('GET', `/api/scorecard?team=${o.eng}`, { token: o.engineer });
    assert.equal(mine.status, 200, JSON.stringify(mine.body));
    assert.deepEqual(mine.body.open, { act: 2, attend: 1, 'track*': 0, track: 1, total: 4 });
    assert.equal(typeof mine.body.securityServiceLevels, 'object');
    assert.equal(
      (await e.call('GET', `/api/scorecard?service=${o.svc}`, { token: await e.token('manager') })).status,
      200,
    );
    assert.equal((await e.call('GET', `/api/scorecard?team=${o.eng}`, { token: o.outsider })).status, 403);
    assert.equal((await e.call('GET', '/api/scorecard', { token: o.outsider })).status, 200);
    const bad = await e.call('GET', '/api/scorecard?from=yesterday', { token: o.security });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /^from: "yesterday" is not a day/);
  });

  test("GET /api/scorecard/trend: the card's trend alone, the same days and figures as the whole card's, under its read rule", async () => {
    const e = env();
    const o = await orgWithSecurity(e);
    const from = new Date(e.clock.now.getTime() - 10 * 86_400_000).toISOString().slice(0, 10);
    const card = (await e.call('GET', `/api/scorecard?team=${o.eng}&from=${from}`, { token: o.engineer })).body;
    const trend = await e.call('GET', `/api/scorecard/trend?team=${o.eng}&from=${from}`, { token: o.engineer });
    assert.equal(trend.status, 200, JSON.stringify(trend.body));
    assert.deepEqual(trend.body, { scope: card.scope, period: card.period, trend: card.trend });
    assert.equal(trend.body.trend.at(-1).open.act, 2, "today's point is live");
    assert.equal((await e.call('GET', `/api/scorecard/trend?team=${o.eng}`, { token: o.outsider })).status, 403);
    const bad = await e.call('GET', '/api/scorecard/trend?to=tomorrow', { token: o.security });
    assert.equal(bad.status, 400);
  });
});

for (const engine of engines) {
  describe(`entente scorecard and entente goal [${engine}]`, () => {
    const { dir, env } = cliWorld(engine, 'goals-cli');

    test('the card as JSON and text, a goal set with its baseline, a goal without Security refused (exit 2), list and show', () => {
      const org = join(dir, 'org.yaml');
      writeFileSync(
        org,
        'teams:\n  - name: payments\n    kind: engineering\n    members: [ana@example.com]\n  - name: security\n    kind: security\n'
          + 'services:\n  - name: checkout-api\n    owner: payments\n    criticality: 4\n    exposure: internet\n',
      );
      assert.equal(entente(env, 'org', 'apply', org).code, 0);
      const report = join(dir, 'r.sarif');
      writeFileSync(report, sarif('CodeQL', [{ rule: 'js/sqli', file: 'src/db.ts', line: 3, cwe: 89 }]));
      assert.equal(entente(env, 'import', report, '--service', 'checkout-api').code, 0);
      const card = entente(env, 'scorecard', '--team', 'payments', '--json');
      assert.equal(card.code, 0, card.err);
      const parsed = JSON.parse(card.out);
      assert.equal(parsed.open.total, 1);
      assert.ok(parsed.securityServiceLevels.triage);
      const text = entente(env, 'scorecard', '--team', 'payments');
      assert.match(
        text.out,
        /^From \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2} for payments, together we fixed 0 findings while 1 arrived\./,
      );
      const refused = entente(
        env,
        'goal',
        'set',
        '--metric',
        'open-act-attend',
        '--team',
        'payments',
        '--owners',
        'payments',
        '--target=-30%',
        '--deadline',
        '2099-06-30',
      );
      assert.equal(refused.code, 2);
      assert.match(refused.err, /owned by IT and Security together.*please add security to --owners beside payments/);
      const unknown = entente(
        env,
        'goal',
        'set',
        '--metric',
        'speed',
        '--org',
        '--owners',
        'payments,security',
        '--target',
        '5',
        '--deadline',
        '2099-06-30',
      );
      assert.equal(unknown.code, 2);
      assert.match(unknown.err, /metric: "speed" is not a goal metric/);
      const set = entente(
        env,
        'goal',
        'set',
        '--metric',
        'open-act-attend',
        '--team',
        'payments',
        '--owners',
        'payments,security',
        '--target=-30%',
        '--deadline',
        '2099-06-30',
        '--json',
      );
      assert.equal(set.code, 0, set.err);
      const goal = JSON.parse(set.out);
      assert.equal(typeof goal.baseline, 'number');
      assert.equal(goal.baseline, parsed.open.act + parsed.open.attend);
      const listed = entente(env, 'goal', 'list');
      assert.match(
        listed.out,
        new RegExp(
          `^Goal #${goal.id}, owned by payments and security: open act and attend findings -30% by 2099-06-30`,
        ),
      );
      const shown = entente(env, 'goal', 'show', String(goal.id), '--json');
      assert.equal(JSON.parse(shown.out).id, goal.id);
      assert.equal(entente(env, 'goal', 'show', 'x').code, 2);
    });
  });
}
