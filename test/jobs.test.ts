import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { runDueJobs, type Job } from '../src/jobs/runner.ts';
import { defaultJobs } from '../src/jobs/jobs.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { reprioritiseServiceWith } from '../src/findings/reprioritise.ts';

const deps = (e: TestEnv) => ({ db: e.ctx.database.db, policy: e.ctx.policy, now: () => e.clock.now });

/** A job that counts its runs (names are unique per test: the schedule is shared by the file's tests). */
function counting(e: TestEnv, everySeconds: number, fail = false): Job & { count: number } {
  const job = {
    name: e.uniq('job'),
    everySeconds,
    count: 0,
    async run() {
      job.count++;
      await new Promise((r) => setTimeout(r, 20));
      if (fail) throw new Error('the mail server did not answer');
      return { count: job.count };
    },
  };
  return job;
}

describeEachEngine('job runner', (env) => {
  test('a job runs when due, not again within its period, and again once the clock passes it', async () => {
    const e = env();
    const job = counting(e, 3_600);
    assert.deepEqual(
      (await runDueJobs(deps(e), [job])).map((r) => [r.name, r.ok]),
      [[job.name, true]],
    );
    assert.deepEqual(await runDueJobs(deps(e), [job]), []);
    e.clock.advanceDays(0.02);
    assert.deepEqual(await runDueJobs(deps(e), [job]), [], 'half an hour later it is still not due');
    e.clock.advanceDays(0.03);
    assert.equal((await runDueJobs(deps(e), [job])).length, 1);
    assert.equal(job.count, 2);
    const row = await e.ctx.database.db
      .selectFrom('job_schedule')
      .selectAll()
      .where('name', '=', job.name)
      .executeTakeFirstOrThrow();
    assert.deepEqual([row.runs, row.last_error, row.last_result], [2, null, { count: 2 }]);
  });

  test('several runners over one database run each due job once', async () => {
    const e = env();
    const jobs = [counting(e, 600), counting(e, 600), counting(e, 600)];
    const runs = await Promise.all(Array.from({ length: 4 }, () => runDueJobs(deps(e), jobs)));
    assert.deepEqual(
      jobs.map((j) => j.count),
      [1, 1, 1],
    );
    assert.equal(runs.flat().length, 3);
  });

  test('a failing job records why and is tried again a minute later, not a whole period later', async () => {
    const e = env();
    const job = counting(e, 86_400, true);
    const [run] = await runDueJobs(deps(e), [job]);
    assert.deepEqual([run!.ok, run!.error], [false, 'the mail server did not answer']);
    e.clock.advanceDays(61 / 86_400);
    assert.equal((await runDueJobs(deps(e), [job])).length, 1);
    assert.equal(job.count, 2);
  });

  test('the scheduled jobs end a lease whose date passed, with its removal commitment', async () => {
    const e = env();
    const team = e.uniq('team');
    const service = e.uniq('svc');
    const member = `${e.uniq('m')}@example.com`;
    const it = `${e.uniq('it')}@example.com`; // runs the service's hosts, so its team lists them
    await applyOrg(
      e.ctx.database.db,
      parseOrgFile(
        `teams:\n  - name: ${team}\n    kind: engineering\n    members: [${member}, ${it}]\nservices:\n  - name: ${service}\n    owner: ${team}\n    criticality: 2\n    exposure: internal\n    hosts: [10.77.0.1]\n`,
        'org',
      ),
      { prune: false, actor: 'test', now: e.clock.now, reprioritise: reprioritiseServiceWith(e.ctx.policy) },
    );
    const end = new Date(e.clock.now.getTime() + 2 * 86_400_000).toISOString();
    const asked = await e.call('POST', '/api/changes', {
      token: await e.token('engineer', it),
      json: {
        type: 'remote-access',
        service,
        title: 'Vendor support session',
        protocol: 'ssh',
        destination: ['10.77.0.1'],
        authentication: 'key',
        end,
      },
    });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    await e.call('POST', `/api/changes/${asked.body.id}/approve`, { token: await e.token('engineer', member) });
    const ok = await e.call('POST', `/api/changes/${asked.body.id}/approve`, {
      token: await e.token('security', `${e.uniq('s')}@example.com`),
    });
    assert.match(ok.body.status, /^approved/);
    await runDueJobs(deps(e), defaultJobs);
    assert.match(
      (await e.call('GET', `/api/changes/${asked.body.id}`, { token: await e.token('auditor') })).body.status,
      /^approved/,
    );
    e.clock.advanceDays(3);
    const runs = await runDueJobs(deps(e), defaultJobs);
    assert.ok(
      runs.every((r) => r.ok),
      JSON.stringify(runs),
    );
    const expiry = runs.find((r) => r.name === 'lease-expiry')!.result as { expired: number[] };
    assert.ok(expiry.expired.includes(asked.body.id));
    const view = (await e.call('GET', `/api/changes/${asked.body.id}`, { token: await e.token('auditor') })).body;
    assert.equal(view.status, 'expired');
    assert.equal(view.removal.overdue, true);
  });
});
