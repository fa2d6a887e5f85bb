import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { trivy } from './support/reports.ts';
import { defaultPolicy, parsePolicy } from '../src/policy/policy.ts';
import { sweepFindingsSla } from '../src/findings/sla-sweep.ts';
import { notifySlaReminders } from '../src/notifications/finding-events.ts';
import { defaultJobs } from '../src/jobs/jobs.ts';

// Critical and reachable without privileges: on an internet-facing criticality-4 service that is attend (due in 30 days).
const remote = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
let n = 0;
const cve = (): string => `CVE-2032-${String(50_000 + ++n)}`;

const jobDeps = (e: TestEnv) => ({ db: e.ctx.database.db, policy: e.ctx.policy, now: () => e.clock.now });
/** Runs one of the scheduled jobs now, as the runner would when it is due. */
const runJob = (e: TestEnv, name: string) => defaultJobs.find((j) => j.name === name)!.run(jobDeps(e));

/** A service with one attend finding imported now; returns the finding as the API shows it, and the people to act on it. */
async function world(e: TestEnv) {
  const engineer = `${e.uniq('eng')}@example.com`;
  const lead = `${e.uniq('lead')}@example.com`;
  const { team, service } = await e.makeService({ members: [engineer], lead });
  await e.importText(
    service,
    'trivy.json',
    trivy([{ cve: cve(), pkg: 'left-pad', version: '1.0.0', severity: 'CRITICAL', vector: remote }]),
  );
  const admin = await e.token('admin');
  const finding = (await e.call('GET', `/api/findings?service=${service}`, { token: admin })).body.items[0];
  assert.equal(finding.priority, 'attend');
  const tokens = {
    engineer: await e.token('engineer', engineer),
    lead: await e.token('engineer', lead),
    security: await e.token('security', `${e.uniq('sec')}@example.com`),
  };
  return { team, service, admin, finding, tokens };
}

type World = Awaited<ReturnType<typeof world>>;

async function approvedException(e: TestEnv, w: World, days: number): Promise<any> {
  const asked = await e.call('POST', '/api/exceptions', {
    token: w.tokens.engineer,
    json: {
      findingIds: [w.finding.id],
      reason: 'vendor fix due in May',
      controls: ['WAF rule blocks the payload'],
      days,
    },
  });
  assert.equal(asked.status, 201, JSON.stringify(asked.body));
  await e.call('POST', `/api/exceptions/${asked.body.id}/approve`, { token: w.tokens.lead });
  const r = await e.call('POST', `/api/exceptions/${asked.body.id}/approve`, { token: w.tokens.security });
  assert.equal(r.body.status, 'approved');
  return r.body;
}

const mine = (w: World, r: Awaited<ReturnType<typeof sweepFindingsSla>>) =>
  r.reminders.filter((x) => x.team === w.team);
const statusOf = async (e: TestEnv, w: World, id: number) =>
  (await e.call('GET', `/api/exceptions/${id}`, { token: w.admin })).body;

describeEachEngine('days, in UTC', (env) => {
  test('on 19 December a finding due on the 21st is due in 2 days, whatever the hour', async () => {
    const e = env();
    e.clock.now = new Date('2026-11-21T09:00:00Z');
    const w = await world(e);
    assert.deepEqual([w.finding.dueDate, w.finding.dueAt], ['2026-12-21', '2026-12-21T23:59:59.999Z']);
    e.clock.now = new Date('2026-12-19T15:00:00Z');
    const [soon] = mine(w, await sweepFindingsSla(jobDeps(e), notifySlaReminders));
    assert.match(soon!.message, /is due in 2 days, on 2026-12-21/);
  });

  test('an exception valid until 5 February covers all of that day and ends as the day does, saying so', async () => {
    const e = env();
    e.clock.now = new Date('2026-12-07T15:00:00Z');
    const w = await world(e);
    const ex = await approvedException(e, w, 60);
    assert.deepEqual([ex.validUntil, ex.expiresAt], ['2027-02-05', '2027-02-05T23:59:59.999Z']);
    assert.match(ex.summary, /^We can accept this risk until 2027-02-05/);
    e.clock.now = new Date('2027-02-05T23:59:59Z');
    assert.deepEqual(await runJob(e, 'exceptions-expiry'), { expired: 0, requestsClosed: 0 });
    assert.equal((await statusOf(e, w, ex.id)).status, 'approved', 'the last second of its last day is still covered');
    e.clock.now = new Date('2027-02-06T00:05:00Z');
    await runJob(e, 'exceptions-expiry');
    const ended = await statusOf(e, w, ex.id);
    assert.equal(ended.status, 'expired');
    assert.match(ended.summary, /^This exception ran until its end date, 2027-02-05, so its findings are back/);
    const finding = (await e.call('GET', `/api/findings/${w.finding.id}`, { token: w.admin })).body;
    assert.deepEqual(
      [finding.status, finding.dueDate],
      ['open', '2027-03-08'],
      'back on the 6th with 30 days: due on 8 March',
    );
  });

  test('a finding is due on its due day until the day ends, and overdue from the next day on', async () => {
    const e = env();
    e.clock.now = new Date('2026-05-01T09:00:00Z');
    const w = await world(e);
    assert.equal(w.finding.dueDate, '2026-05-31');
    e.clock.now = new Date('2026-05-31T23:59:00Z');
    assert.equal((await e.call('GET', `/api/findings/${w.finding.id}`, { token: w.admin })).body.overdue, false);
    assert.match(
      mine(w, await sweepFindingsSla(jobDeps(e), notifySlaReminders))[0]!.message,
      /is due today, on 2026-05-31/,
    );
    e.clock.now = new Date('2026-06-01T00:00:00Z');
    assert.equal((await e.call('GET', `/api/findings/${w.finding.id}`, { token: w.admin })).body.overdue, true);
    const overdue = (await e.call('GET', `/api/findings?service=${w.service}&overdue=true`, { token: w.admin })).body
      .items;
    assert.deepEqual(
      overdue.map((f: any) => f.id),
      [w.finding.id],
    );
    assert.match(
      mine(w, await sweepFindingsSla(jobDeps(e), notifySlaReminders))[0]!.message,
      /passed its due date, 2026-05-31, 1 day ago/,
    );
  });
});

describeEachEngine(
  "days, in the organisation's time zone (New York)",
  (env) => {
    test('due dates, reminders and the overdue mark follow midnight in New York, not in UTC', async () => {
      const e = env();
      // 21:00 on 1 March in New York is already 2 March in UTC.
      e.clock.now = new Date('2026-03-02T02:00:00Z');
      const w = await world(e);
      // 30 days from 1 March is 31 March, all of it: until midnight in New York (daylight-saving time by then, UTC-4).
      assert.deepEqual([w.finding.dueDate, w.finding.dueAt], ['2026-03-31', '2026-04-01T03:59:59.999Z']);
      e.clock.now = new Date('2026-03-29T03:30:00Z');
      assert.match(
        mine(w, await sweepFindingsSla(jobDeps(e), notifySlaReminders))[0]!.message,
        /is due in 3 days, on 2026-03-31/,
        '23:30 on 28 March in New York',
      );
      e.clock.now = new Date('2026-04-01T03:59:00Z');
      assert.equal(
        (await e.call('GET', `/api/findings/${w.finding.id}`, { token: w.admin })).body.overdue,
        false,
        '23:59 on 31 March in New York',
      );
      e.clock.now = new Date('2026-04-01T04:00:00Z');
      assert.equal((await e.call('GET', `/api/findings/${w.finding.id}`, { token: w.admin })).body.overdue, true);
      assert.match(
        mine(w, await sweepFindingsSla(jobDeps(e), notifySlaReminders))[0]!.message,
        /passed its due date, 2026-03-31, 1 day ago/,
      );
    });

    test('an exception ends at midnight in New York on its last day, and its controls are owed by a New York day', async () => {
      const e = env();
      e.clock.now = new Date('2026-03-02T02:00:00Z');
      const w = await world(e);
      const ex = await approvedException(e, w, 10);
      assert.deepEqual([ex.validUntil, ex.expiresAt], ['2026-03-11', '2026-03-12T03:59:59.999Z']);
      assert.deepEqual(
        ex.commitments.map((c: any) => [c.dueDate, c.dueAt]),
        [['2026-03-08', '2026-03-09T03:59:59.999Z']],
      );
      assert.match(ex.commitments[0].summary, /has it in hand by 2026-03-08/);
      const listed = await e.call('GET', `/api/exceptions?team=${w.team}`, { token: w.admin });
      assert.equal(listed.body.items[0].validUntil, '2026-03-11');
      e.clock.now = new Date('2026-03-12T03:59:00Z');
      await runJob(e, 'exceptions-expiry');
      assert.equal((await statusOf(e, w, ex.id)).status, 'approved', '23:59 on 11 March in New York');
      e.clock.now = new Date('2026-03-12T04:00:00Z');
      await runJob(e, 'exceptions-expiry');
      const ended = await statusOf(e, w, ex.id);
      assert.equal(ended.status, 'expired');
      assert.match(ended.summary, /ran until its end date, 2026-03-11/);
    });
  },
  parsePolicy('time_zone: America/New_York', 'test policy'),
);

test('the default policy counts days in UTC', () => {
  assert.equal(defaultPolicy.time_zone, 'UTC');
});
