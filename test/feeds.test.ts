import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { epss, kev, trivy } from './support/reports.ts';
import { importFeed } from '../src/feeds/feed-service.ts';
import { EntenteError } from '../src/errors.ts';
import { dueAtOf } from '../src/policy/policy.ts';

let cveCounter = 0;
/** A CVE id no other test in this file uses (the feed tables are shared by the file's tests). */
const newCve = (): string => `CVE-2026-${30000 + ++cveCounter}`;

const day = 86_400_000;

function load(e: TestEnv, name: string, bytes: string | Buffer) {
  return importFeed(
    { db: e.ctx.database.db, policy: e.ctx.policy, now: () => e.clock.now },
    name,
    Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes),
    'test',
  );
}

/** A finding's stored facts, with the reasons people are shown (read through the API). */
async function findingOf(e: TestEnv, service: string, cve: string) {
  const row = await e.ctx.database.db
    .selectFrom('findings as f')
    .innerJoin('services as s', 's.id', 'f.service_id')
    .select(['f.id', 'f.status', 'f.priority', 'f.priority_rank', 'f.kev', 'f.epss', 'f.due_at', 'f.owner_team_id'])
    .where('s.name', '=', service)
    .where(sql<boolean>`f.aliases @> array[${cve}]::text[]`)
    .executeTakeFirstOrThrow();
  const view = await e.call('GET', `/api/findings/${row.id}`, { token: await e.token('auditor') });
  assert.equal(view.status, 200, JSON.stringify(view.body));
  return { ...row, due: new Date(row.due_at).getTime(), reasons: view.body.priorityReasons as string[] };
}

/** A service and one finding for a new CVE in it. */
async function withFinding(
  e: TestEnv,
  opts: { criticality?: number; exposure?: 'internet' | 'internal' | 'isolated'; severity?: string } = {},
) {
  const { team, service } = await e.makeService({
    criticality: opts.criticality ?? 4,
    exposure: opts.exposure ?? 'internet',
  });
  const cve = newCve();
  await e.importText(
    service,
    'trivy.json',
    trivy([{ cve, pkg: e.uniq('pkg'), version: '1.0.0', severity: opts.severity ?? 'HIGH' }]),
  );
  return { team, service, cve };
}

async function feedTables(e: TestEnv) {
  const db = e.ctx.database.db;
  return {
    kev: (await db.selectFrom('feed_kev').select('cve').orderBy('cve').execute()).map((r) => r.cve),
    epss: (await db.selectFrom('feed_epss').select(['cve', 'score']).orderBy('cve').execute()).map(
      (r) => `${r.cve}=${r.score}`,
    ),
  };
}

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof EntenteError, String(err));
    assert.equal(err.code, 'bad_input');
    assert.match(err.message, pattern);
    return true;
  });
}

describeEachEngine('exploitation feeds', (env) => {
  test("a KEV catalogue listing a finding's CVE raises it to act, says why and brings its due date forward", async () => {
    const e = env();
    const { service, cve } = await withFinding(e);
    const before = await findingOf(e, service, cve);
    assert.equal(before.priority, 'track*');
    assert.equal(before.due, dueAtOf(e.ctx.policy, e.clock.now)('track*').getTime());
    e.clock.advanceDays(5);
    const summary = await load(e, 'known_exploited_vulnerabilities.json', kev([cve, newCve()]));
    assert.equal(summary.feed, 'kev');
    assert.equal(summary.entries, 2);
    assert.ok(summary.findingsReprioritised >= 1);
    const after = await findingOf(e, service, cve);
    assert.equal(after.priority, 'act');
    assert.equal(after.priority_rank, 1);
    assert.equal(after.kev, true);
    assert.ok(
      after.reasons.some((r) => r.includes('Known Exploited Vulnerabilities catalogue')),
      after.reasons.join('; '),
    );
    assert.equal(after.due, dueAtOf(e.ctx.policy, e.clock.now)('act').getTime());
  });

  test('a KEV listing never moves a due date later, and leaving the catalogue keeps the earlier date', async () => {
    const e = env();
    // Critical and automatable on an internet-facing service: attend, due in 30 days.
    const { service, cve } = await withFinding(e, { severity: 'CRITICAL' });
    const first = await findingOf(e, service, cve);
    assert.equal(first.priority, 'attend');
    e.clock.advanceDays(28);
    await load(e, 'kev.json', kev([cve]));
    const listed = await findingOf(e, service, cve);
    assert.equal(listed.priority, 'act');
    assert.equal(listed.due, first.due, 'act would be due in 7 days, later than the 2 days left');
    await load(e, 'kev.json', kev([newCve()]));
    const delisted = await findingOf(e, service, cve);
    assert.equal(delisted.priority, 'attend');
    assert.equal(delisted.kev, false);
    assert.equal(delisted.due, first.due);
  });

  for (const [label, encode] of [
    ['plain', (s: string) => Buffer.from(s)],
    ['gzip', (s: string) => gzipSync(s)],
  ] as const) {
    test(`a high EPSS score (${label} CSV) raises a CVE finding on an internet-facing critical service`, async () => {
      const e = env();
      const { service, cve } = await withFinding(e);
      const before = await findingOf(e, service, cve);
      assert.equal(before.priority, 'track*');
      const summary = await load(
        e,
        `epss_scores.csv${label === 'gzip' ? '.gz' : ''}`,
        encode(
          epss([
            [cve, 0.62],
            [newCve(), 0.01],
          ]),
        ),
      );
      assert.equal(summary.feed, 'epss');
      assert.equal(summary.entries, 2);
      const after = await findingOf(e, service, cve);
      assert.ok(after.priority_rank < before.priority_rank, `${before.priority} → ${after.priority}`);
      assert.equal(after.priority, 'act');
      assert.ok(Math.abs(after.epss! - 0.62) < 1e-6);
      assert.ok(
        after.reasons.some((r) => r.includes('EPSS') && r.includes('62.0%')),
        after.reasons.join('; '),
      );
    });
  }

  test('a low EPSS score leaves a finding on an isolated criticality-1 service at track', async () => {
    const e = env();
    const { service, cve } = await withFinding(e, { criticality: 1, exposure: 'isolated' });
    assert.equal((await findingOf(e, service, cve)).priority, 'track');
    await load(e, 'epss.csv', epss([[cve, 0.01]]));
    const after = await findingOf(e, service, cve);
    assert.equal(after.priority, 'track');
    assert.ok(Math.abs(after.epss! - 0.01) < 1e-6, 'the score was recorded');
    assert.ok(
      after.reasons.some((r) => /EPSS .*1\.0%: no sign of exploitation/.test(r)),
      after.reasons.join('; '),
    );
  });

  test('a broken feed file is refused with bad_input naming where, and the feed tables keep their contents', async () => {
    const e = env();
    await load(e, 'kev.json', kev([newCve(), newCve()]));
    await load(e, 'epss.csv', epss([[newCve(), 0.3]]));
    const before = await feedTables(e);
    await rejects(
      load(e, 'kev.json', '{\n  "vulnerabilities": [\n    {"cveID": "CVE-2024-1234",}\n  ]\n}'),
      /kev\.json: not valid JSON at line 3/,
    );
    const whole = kev([newCve(), newCve()]);
    await rejects(
      load(e, 'kev.json', whole.slice(0, Math.floor(whole.length / 2))),
      /kev\.json: not valid JSON at (line \d+|its end)/,
    );
    await rejects(
      load(e, 'kev.json', JSON.stringify({ vulnerabilities: [{ cveID: newCve() }, { cveID: 'not-a-cve' }] })),
      /vulnerabilities\[1\]\.cveID/,
    );
    const badScore = `${epss([[newCve(), 0.2]])}CVE-2026-39999,lots,0.5\n`;
    await rejects(load(e, 'epss.csv', badScore), /epss\.csv: line 4:/);
    const shortRow = `${epss([[newCve(), 0.2]])}CVE-2026-39998,0.5\n`;
    await rejects(load(e, 'epss.csv', shortRow), /line 4/);
    await rejects(load(e, 'epss.csv.gz', gzipSync(badScore)), /line 4/);
    await rejects(load(e, 'feed.txt', 'hello'), /neither|nor/);
    assert.deepEqual(await feedTables(e), before);
  });

  test('loading the same feed twice changes nothing the second time', async () => {
    const e = env();
    const a = await withFinding(e);
    const b = await withFinding(e);
    const kevFile = kev([a.cve]);
    const epssFile = epss([[b.cve, 0.4]]);
    assert.ok((await load(e, 'kev.json', kevFile)).findingsReprioritised >= 1);
    assert.ok((await load(e, 'epss.csv', epssFile)).findingsReprioritised >= 1);
    const after = [await findingOf(e, a.service, a.cve), await findingOf(e, b.service, b.cve)];
    e.clock.advanceDays(1);
    assert.equal((await load(e, 'kev.json', kevFile)).findingsReprioritised, 0);
    assert.equal((await load(e, 'epss.csv', epssFile)).findingsReprioritised, 0);
    assert.deepEqual([await findingOf(e, a.service, a.cve), await findingOf(e, b.service, b.cve)], after);
  });

  test('a report imported after the KEV catalogue is prioritised act at once', async () => {
    const e = env();
    const { service } = await e.makeService({ criticality: 4, exposure: 'internet' });
    const cve = newCve();
    await load(e, 'kev.json', kev([cve]));
    const summary = await e.importText(service, 'trivy.json', trivy([{ cve, pkg: 'jsonwebtoken', version: '8.0.0' }]));
    assert.equal(summary.act, 1);
    const f = await findingOf(e, service, cve);
    assert.equal(f.priority, 'act');
    assert.equal(f.kev, true);
    assert.equal(f.due, dueAtOf(e.ctx.policy, e.clock.now)('act').getTime());
  });

  test("an approved exception lapses when its finding's CVE enters KEV, and the finding is open with a fresh due date", async () => {
    const e = env();
    const db = e.ctx.database.db;
    const { service } = await e.makeService({ criticality: 4, exposure: 'internet' });
    const cve = newCve();
    const calmCve = newCve();
    await e.importText(
      service,
      'trivy.json',
      trivy([
        { cve, pkg: 'tar', version: '6.0.0' },
        { cve: calmCve, pkg: 'semver', version: '5.0.0' },
      ]),
    );
    // Two exceptions: one whose finding will rise, one whose finding will not.
    const exceptionFor = async (findingCve: string): Promise<{ exceptionId: number; findingId: number }> => {
      const f = await findingOf(e, service, findingCve);
      const { rows } = await sql<{
        id: number;
      }>`insert into exceptions (status, reason, requested_by, team_id, expires_at, decided_at)
        values ('approved', 'compensating WAF rule', 'lead@example.com', ${f.owner_team_id}, ${new Date(e.clock.now.getTime() + 60 * day).toISOString()}, ${e.clock.now.toISOString()})
        returning id`.execute(db);
      const ex = rows[0]!;
      await sql`insert into exception_findings (exception_id, finding_id, priority_rank_at_request) values (${ex.id}, ${f.id}, ${f.priority_rank})`.execute(
        db,
      );
      await sql`update findings set status = 'accepted' where id = ${f.id}`.execute(db);
      return { exceptionId: ex.id, findingId: f.id };
    };
    const lapsing = await exceptionFor(cve);
    const staying = await exceptionFor(calmCve);
    e.clock.advanceDays(10);
    const summary = await load(e, 'kev.json', kev([cve]));
    assert.ok(summary.exceptionsLapsed >= 1);
    const ended = await db
      .selectFrom('exceptions')
      .selectAll()
      .where('id', 'in', [lapsing.exceptionId, staying.exceptionId])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      ended.map((x) => x.status),
      ['lapsed', 'approved'],
    );
    assert.equal(new Date(ended[0]!.ended_at!).getTime(), e.clock.now.getTime());
    const f = await db.selectFrom('findings').selectAll().where('id', '=', lapsing.findingId).executeTakeFirstOrThrow();
    assert.equal(f.status, 'open');
    assert.equal(f.priority, 'act');
    assert.equal(new Date(f.due_at).getTime(), dueAtOf(e.ctx.policy, e.clock.now)('act').getTime());
    const calm = await db
      .selectFrom('findings')
      .select('status')
      .where('id', '=', staying.findingId)
      .executeTakeFirstOrThrow();
    assert.equal(calm.status, 'accepted');
    const audit = await db
      .selectFrom('audit_log')
      .select('action')
      .where('entity', '=', 'exception')
      .where('entity_id', '=', String(lapsing.exceptionId))
      .execute();
    assert.deepEqual(
      audit.map((a) => a.action),
      ['exception.lapsed'],
    );
  });

  test('POST /api/feeds loads a raw KEV body or a multipart gzip EPSS file for admin and security', async () => {
    const e = env();
    const { service, cve } = await withFinding(e);
    const r = await e.call('POST', '/api/feeds', { token: await e.token('admin'), body: kev([cve]) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.feed, 'kev');
    assert.equal(r.body.entries, 1);
    assert.equal((await findingOf(e, service, cve)).priority, 'act');
    const other = await withFinding(e);
    const form = new FormData();
    form.append('file', new Blob([gzipSync(epss([[other.cve, 0.9]]))]), 'epss_scores-current.csv.gz');
    const m = await e.call('POST', '/api/feeds', { token: await e.token('security'), body: form });
    assert.equal(m.status, 200, JSON.stringify(m.body));
    assert.equal(m.body.feed, 'epss');
    assert.ok(Math.abs((await findingOf(e, other.service, other.cve)).epss! - 0.9) < 1e-6);
  });

  test('POST /api/feeds refuses engineers with 403 and a broken file with 400', async () => {
    const e = env();
    const before = await feedTables(e);
    const person = `${e.uniq('eng')}@example.com`;
    await e.makeService({ members: [person] }); // engineers act for a person in a team
    const engineer = await e.call('POST', '/api/feeds', {
      token: await e.token('engineer', person),
      body: kev([newCve()]),
    });
    assert.equal(engineer.status, 403);
    assert.equal(engineer.body.error.code, 'forbidden');
    const broken = await e.call('POST', '/api/feeds', {
      token: await e.token('admin'),
      body: 'cve,epss,percentile\nCVE-2026-1,0.1,0.1\n',
    });
    assert.equal(broken.status, 400);
    assert.match(broken.body.error.message, /line 2/);
    assert.deepEqual(await feedTables(e), before);
  });
});
