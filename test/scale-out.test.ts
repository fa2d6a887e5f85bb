import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../src/db/connect.ts';
import { deliveryJob, digestJob } from '../src/notifications/delivery-job.ts';
import { defaultJobs } from '../src/jobs/jobs.ts';
import { createToken } from '../src/people/tokens.ts';
import { engines } from './support/engines.ts';
import { serveCli } from './support/cli.ts';
import { createScratchPg } from './support/scratch-pg.ts';

// Several `entente serve` processes on one PostgreSQL database behind one address (docs/deploy.md): each scheduled job
// runs once per period, whichever server claims it, and every server answers with the same data.
describe('two servers on one PostgreSQL database', {
  skip: engines.includes('postgres') ? false : 'PostgreSQL is not among ENTENTE_TEST_ENGINES',
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-scale-out-'));
  let url = '';
  let drop = async (): Promise<void> => {};
  let database: Database | undefined;
  // The servers share what a deployment shares: the database and the audit key; each has a data folder of its own.
  const shared = { DATABASE_URL: '', ENTENTE_AUDIT_KEY: randomBytes(32).toString('hex') };
  before(async () => {
    const scratch = await createScratchPg('entente_scale_out');
    url = scratch.url;
    shared.DATABASE_URL = url;
    drop = scratch.drop;
  });
  after(async () => {
    await database?.close();
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('started at the same moment on an empty database, they migrate it once, each job runs once, and both answer', async () => {
    const started = Date.now();
    const servers = await Promise.all(['a', 'b'].map((n) => serveCli({ ...shared, ENTENTE_DATA: join(dir, n) })));
    // What `entente serve` runs: the scheduled jobs, the notifications' delivery every few seconds and the daily
    // digests (no Jira here).
    const serveJobs = [...defaultJobs, deliveryJob(new Map(), 120), digestJob()];
    try {
      database = await openDatabase({ url, auditKey: shared.ENTENTE_AUDIT_KEY });
      const db = database!.db;
      // Each server's job runner ticks at start; wait until every job has run and finished somewhere.
      const deadline = Date.now() + 30_000;
      let rows: { name: string; runs: number; finished: boolean }[] = [];
      while (Date.now() < deadline) {
        ({ rows } = await sql<{
          name: string;
          runs: number;
          finished: boolean;
        }>`select name, runs, last_finished_at is not null as finished from job_schedule order by name`.execute(db));
        if (rows.length === serveJobs.length && rows.every((r) => r.finished)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.deepEqual(
        rows.map((r) => r.name),
        serveJobs.map((j) => j.name).sort(),
      );
      // A little longer: a second run by the other server would show here.
      await new Promise((r) => setTimeout(r, 1500));
      ({ rows } = await sql<{
        name: string;
        runs: number;
        finished: boolean;
      }>`select name, runs, last_finished_at is not null as finished from job_schedule order by name`.execute(db));
      // A periodic job ran once. One that also runs at every start (the audit verification, which checks the chain against
      // that server's own checkpoints) ran once per server start at most: twice, or once when the two starts overlapped.
      const runs = Object.fromEntries(rows.map((r) => [r.name, Number(r.runs)]));
      // A job due every few seconds ran once per period at most, not once per server and period.
      const periods = (job: { everySeconds: number }) =>
        Math.ceil((Date.now() - started) / 1000 / job.everySeconds) + 1;
      for (const job of serveJobs) {
        if (job.atStart)
          assert.ok(runs[job.name]! >= 1 && runs[job.name]! <= 2, `${job.name} ran ${runs[job.name]} times`);
        else if (job.everySeconds < 60)
          assert.ok(runs[job.name]! >= 1 && runs[job.name]! <= periods(job), `${job.name} ran ${runs[job.name]} times`);
        else assert.equal(runs[job.name], 1, `${job.name} ran ${runs[job.name]} times`);
      }
      const {
        rows: [failed],
      } = await sql<{ n: number }>`select count(*)::int as n from job_schedule where last_error is not null`.execute(
        db,
      );
      assert.equal(failed!.n, 0);

      // The first start's admin token is made once, by whichever server got there first.
      const {
        rows: [firsts],
      } = await sql<{ n: number }>`select count(*)::int as n from api_tokens where name = 'first admin'`.execute(db);
      assert.equal(firsts!.n, 1);

      // One token, both servers: what one writes the other reads.
      const { token } = await createToken(db, { name: 'scale-out', role: 'admin', actor: 'test', now: new Date() });
      const org =
        'teams:\n  - name: ops\n    kind: it-operations\n  - name: security\n    kind: security\nservices:\n  - name: portal\n    owner: ops\n    criticality: 2\n    exposure: internal\n    data: internal\n';
      const applied = await fetch(`${servers[0]!.url}/api/org`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/yaml' },
        body: org,
      });
      assert.equal(applied.status, 200, await applied.text());
      const teams = await fetch(`${servers[1]!.url}/api/teams`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(teams.status, 200);
      assert.deepEqual(((await teams.json()) as { items: { name: string }[] }).items.map((t) => t.name).sort(), [
        'ops',
        'security',
      ]);
      // And the audit log both wrote verifies as one chain.
      const verified = await fetch(`${servers[1]!.url}/api/audit/verify`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await verified.json()) as { ok?: boolean; message?: string };
      assert.equal(body.ok, true, JSON.stringify(body));
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  });
});
