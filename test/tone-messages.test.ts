import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cliArgs, spawnTimeout } from './support/cli.ts';
import { seedDataFolder } from './support/template.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describeEachEngine } from './support/engines.ts';
import { kev, sarif, trivy } from './support/reports.ts';
import { importFeed } from '../src/feeds/feed-service.ts';
import { checkTone } from '../src/voice/check-tone.ts';
import { rulesFor } from '../src/voice/voice-config.ts';

const rules = rulesFor(undefined);
const day = 86_400_000;

describeEachEngine('exception messages', (env) => {
  test('an exception that lapses because its CVE entered KEV says which finding rose, from what to what, and what to do next', async () => {
    const e = env();
    const db = e.ctx.database.db;
    const { service } = await e.makeService({ criticality: 4, exposure: 'internet' });
    const cve = `CVE-2026-${41000 + Math.floor(Math.random() * 9000)}`;
    await e.importText(service, 'trivy.json', trivy([{ cve, pkg: e.uniq('pkg'), version: '1.0.0', severity: 'HIGH' }]));
    const f = await db
      .selectFrom('findings as f')
      .innerJoin('services as s', 's.id', 'f.service_id')
      .select(['f.id', 'f.priority', 'f.priority_rank', 'f.owner_team_id'])
      .where('s.name', '=', service)
      .executeTakeFirstOrThrow();
    assert.notEqual(f.priority, 'act');
    const { rows } = await sql<{
      id: number;
    }>`insert into exceptions (status, reason, requested_by, team_id, expires_at, decided_at)
      values ('approved', 'a WAF rule blocks the exploit', 'lead@example.com', ${f.owner_team_id}, ${new Date(e.clock.now.getTime() + 60 * day).toISOString()}, ${e.clock.now.toISOString()})
      returning id`.execute(db);
    const exceptionId = rows[0]!.id;
    await sql`insert into exception_findings (exception_id, finding_id, priority_rank_at_request) values (${exceptionId}, ${f.id}, ${f.priority_rank})`.execute(
      db,
    );
    await sql`update findings set status = 'accepted' where id = ${f.id}`.execute(db);
    e.clock.advanceDays(5);
    await importFeed({ db, policy: e.ctx.policy, now: () => e.clock.now }, 'kev.json', Buffer.from(kev([cve])), 'test');
    const r = await e.call('GET', `/api/exceptions/${exceptionId}`, { token: await e.token('auditor') });
    assert.equal(r.body.status, 'lapsed');
    const ended = e.clock.now.toISOString().slice(0, 10);
    assert.equal(
      r.body.summary,
      `We ended this exception on ${ended} because #${f.id} went from ${f.priority} to act, and the exception was agreed for the risk as it was. `
        + "Its findings are back on the team's list as they were (open, or in progress), with a fresh due date; if the risk still has to be accepted, ask again with the current picture and we will look at it together.",
    );
    assert.deepEqual(checkTone(r.body.summary, rules).flags, []);
  });
});

/** Runs the real CLI (from source) with an environment; returns its exit code and output. */
function entente(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [...cliArgs, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: spawnTimeout,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('the CLI speaks through the templates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-voice-'));
  const env = { ENTENTE_DATA: join(dir, 'data'), DATABASE_URL: '' };
  before(() => seedDataFolder(env.ENTENTE_DATA)); // a migrated database: these messages are not about a first start
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("an import summary, an empty list and an expiry run read as a partner's and say what comes next", () => {
    const org = join(dir, 'org.yaml');
    writeFileSync(
      org,
      'teams:\n  - name: payments\n    kind: engineering\nservices:\n  - name: checkout-api\n    owner: payments\n    criticality: 4\n    exposure: internet\n',
    );
    assert.equal(entente(env, 'org', 'apply', org).code, 0);
    const report = join(dir, 'r.sarif');
    writeFileSync(report, sarif('ToolA', [{ rule: 'A1', file: 'src/a.ts', line: 10, cwe: 79 }]));
    const imported = entente(env, 'import', report, '--service', 'checkout-api');
    assert.equal(imported.code, 0, imported.err);
    const lines = imported.out.split('\n');
    const at = lines.findIndex((l) => l.startsWith('We imported'));
    assert.ok(at >= 0, imported.out);
    const summary = lines.slice(at, at + 3).join('\n');
    assert.match(
      summary,
      /^We imported 1 finding from ToolA \(sarif\) for checkout-api \(scan \d+\)\.\n {2}created 1, unchanged 0, fixed 0, reopened 0\n/,
    );
    assert.match(summary, /entente findings --service checkout-api --priority act,attend|we track the rest/);
    assert.deepEqual(checkTone(summary, rules).flags, []);
    const none = entente(env, 'findings', '--service', 'checkout-api', '--cwe', '1');
    assert.equal(none.code, 0, none.err);
    assert.equal(
      none.out.trim().split('\n').at(-1),
      'No findings match these filters; nothing is waiting on anyone here.',
    );
    const expiry = entente(env, 'exceptions', 'expire');
    assert.equal(expiry.code, 0, expiry.err);
    assert.equal(
      expiry.out.trim().split('\n').at(-1),
      'No exception was due to end today; we will check again on the next run.',
    );
  });
});
