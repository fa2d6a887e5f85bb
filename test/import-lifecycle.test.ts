import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { describeEachEngine } from './support/engines.ts';
import { bandit, codeScanningAlerts, sarif, semgrep, trivy } from './support/reports.ts';
import { EntenteError } from '../src/errors.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { reprioritiseServiceWith } from '../src/findings/reprioritise.ts';
import { dueAtOf } from '../src/policy/policy.ts';
import type { Priority } from '../src/findings/vocabulary.ts';

const three = [
  { rule: 'A1', file: 'src/a.ts', line: 10, cwe: 79 },
  { rule: 'A2', file: 'src/b.ts', line: 20, cwe: 89 },
  { rule: 'A3', file: 'src/c.ts', line: 30, cwe: 22 },
];

describeEachEngine('re-import lifecycle', (env) => {
  test('an identical re-import with reworded messages changes nothing', async () => {
    const { service } = await env().makeService();
    const first = await env().importText(service, 'r1.sarif', sarif('ToolA', three, 'monday'));
    assert.deepEqual([first.created, first.unchanged, first.fixed, first.reopened], [3, 0, 0, 0]);
    const before = await statuses(service);
    for (let i = 0; i < 3; i++) {
      const again = await env().importText(service, 'r1.sarif', sarif('ToolA', three, `run ${i}`));
      assert.deepEqual([again.created, again.unchanged, again.fixed, again.reopened], [0, 3, 0, 0]);
    }
    assert.deepEqual(await statuses(service), before);
  });

  test('a finding absent from the next report is fixed, and reopened when it comes back', async () => {
    const { service } = await env().makeService();
    await env().importText(service, 'r1.sarif', sarif('ToolA', three));
    const absent = await env().importText(service, 'r2.sarif', sarif('ToolA', three.slice(0, 2)));
    assert.equal(absent.fixed, 1);
    assert.equal(absent.unchanged, 2);
    assert.deepEqual((await statuses(service)).map((s) => s.status).sort(), ['fixed', 'open', 'open']);
    const back = await env().importText(service, 'r1.sarif', sarif('ToolA', three));
    assert.deepEqual([back.created, back.reopened, back.fixed], [0, 1, 0]);
    const rows = await statuses(service);
    assert.ok(rows.every((r) => r.status === 'open'));
    assert.equal(rows.find((r) => r.reopened_count === 1)?.file_path, 'src/c.ts');
  });

  test('a tool whose name is stored cut short (or cleaned) still fixes what its next report omits', async () => {
    for (const tool of [`Long${'g'.repeat(300)}`, 'Nul\u0000Tool', 'Cut\ud800']) {
      const { service } = await env().makeService();
      await env().importText(service, 'r1.sarif', sarif(tool, three));
      const absent = await env().importText(service, 'r2.sarif', sarif(tool, three.slice(0, 2)));
      assert.deepEqual([absent.fixed, absent.unchanged, absent.created], [1, 2, 0], tool.slice(0, 10));
      const back = await env().importText(service, 'r1.sarif', sarif(tool, three));
      assert.deepEqual([back.reopened, back.unchanged, back.created], [1, 2, 0], tool.slice(0, 10));
    }
  });

  test('an empty report from the same tool fixes everything that tool found, and nothing another tool found', async () => {
    const { service } = await env().makeService();
    await env().importText(service, 'a.sarif', sarif('ToolA', three));
    await env().importText(service, 'b.sarif', sarif('ToolB', [{ rule: 'B1', file: 'lib/x.py', line: 3, cwe: 502 }]));
    const empty = await env().importText(service, 'a.sarif', sarif('ToolA', []));
    assert.equal(empty.fixed, 3);
    const open = (await statuses(service)).filter((r) => r.status === 'open');
    assert.deepEqual(
      open.map((r) => r.file_path),
      ['lib/x.py'],
    );
  });

  test('the same CWE at the same file and line from a second tool is one finding with two sources', async () => {
    const { service } = await env().makeService();
    await env().importText(service, 'a.sarif', sarif('ToolA', three));
    const other = await env().importText(
      service,
      'b.sarif',
      sarif('ToolB', [{ rule: 'XSS', file: 'src/a.ts', line: 10, cwe: 79 }]),
    );
    assert.deepEqual([other.created, other.unchanged, other.fixed], [0, 1, 0]);
    const { rows } = await sql<{
      tool: string;
    }>`select fs.tool from finding_sources fs join findings f on f.id = fs.finding_id
      join services s on s.id = f.service_id where s.name = ${service} and f.file_path = 'src/a.ts' order by fs.tool`.execute(
      env().ctx.database.db,
    );
    assert.deepEqual(
      rows.map((r) => r.tool),
      ['ToolA', 'ToolB'],
    );
    // ToolA no longer reports it, ToolB still does: it stays open.
    const a2 = await env().importText(service, 'a.sarif', sarif('ToolA', three.slice(1)));
    assert.equal(a2.fixed, 0);
    assert.equal((await statuses(service)).find((r) => r.file_path === 'src/a.ts')?.status, 'open');
    // Now ToolB drops it too: fixed.
    const b2 = await env().importText(service, 'b.sarif', sarif('ToolB', []));
    assert.equal(b2.fixed, 1);
  });

  test('one report whose two tools list the same weakness creates one finding with both sources, and the rest with their own', async () => {
    const { service } = await env().makeService();
    const runA = JSON.parse(sarif('ToolA', three)) as { runs: unknown[] };
    const runB = JSON.parse(
      sarif('ToolB', [
        { rule: 'B-XSS', file: 'src/a.ts', line: 10, cwe: 79 },
        { rule: 'B-ONLY', file: 'src/d.ts', line: 4, cwe: 78 },
      ]),
    ) as { runs: unknown[] };
    const both = JSON.stringify({ ...runA, runs: [...runA.runs, ...runB.runs] });
    const summary = await env().importText(service, 'both.sarif', both);
    assert.deepEqual([summary.created, summary.findings], [4, 4]);
    assert.deepEqual(summary.tools, ['ToolA', 'ToolB']);
    const { rows } = await sql<{
      file_path: string;
      tool: string;
      rule_id: string;
    }>`select f.file_path, fs.tool, fs.rule_id
      from finding_sources fs join findings f on f.id = fs.finding_id join services s on s.id = f.service_id
      where s.name = ${service} order by f.file_path, fs.tool`.execute(env().ctx.database.db);
    assert.deepEqual(
      rows.map((r) => `${r.file_path} ${r.tool} ${r.rule_id}`),
      ['src/a.ts ToolA A1', 'src/a.ts ToolB B-XSS', 'src/b.ts ToolA A2', 'src/c.ts ToolA A3', 'src/d.ts ToolB B-ONLY'],
    );
    // Neither tool's next report alone fixes the shared finding.
    const again = await env().importText(service, 'both.sarif', both);
    assert.deepEqual([again.created, again.unchanged, again.fixed], [0, 4, 0]);
  });

  test('two rules of one tool with the same CWE on one line are two findings, whatever their order, and stay so on re-import', async () => {
    // Bandit 1.7.3+ rates both `eval` (B307) and `input` (B322) CWE-78: two weaknesses on one line, two things to fix.
    const evalIssue = {
      test: 'B307',
      text: 'Use of possibly insecure function - consider using safer ast.literal_eval.',
      cwe: 78,
      line: 21,
    };
    const inputIssue = {
      test: 'B322',
      text: 'The input method in Python 2 will read from standard input, evaluate and run the resulting string.',
      cwe: 78,
      line: 21,
      severity: 'HIGH',
    };
    const forward = await env().makeService();
    const backward = await env().makeService();
    const a = await env().importText(forward.service, 'bandit.json', bandit([evalIssue, inputIssue]));
    const b = await env().importText(backward.service, 'bandit.json', bandit([inputIssue, evalIssue]));
    assert.deepEqual([a.findings, a.created, b.created], [2, 2, 2]);
    const found = await bySource(forward.service);
    assert.deepEqual(
      found.map((r) => `${r.rule_id} ${r.title.split(' ').slice(0, 2).join(' ')}`),
      ['B322 The input', 'B307 Use of'],
    );
    assert.deepEqual(
      await bySource(backward.service),
      found,
      'the same fingerprints, titles and sources in either order',
    );
    const again = await env().importText(forward.service, 'bandit.json', bandit([inputIssue, evalIssue]));
    assert.deepEqual([again.created, again.unchanged, again.fixed], [0, 2, 0]);
    assert.deepEqual(await bySource(forward.service), found);
    // Another tool's result of the same CWE at that line merges with one of them, as before: one finding, two sources.
    const other = await env().importText(
      forward.service,
      'semgrep.json',
      semgrep([{ rule: 'python.lang.security.audit.eval-detected', message: 'Detected eval', cwe: 78, line: 21 }]),
    );
    assert.deepEqual([other.created, other.unchanged], [0, 1]);
    assert.deepEqual(
      (await bySource(forward.service)).map((r) => `${r.tool} ${r.rule_id}`),
      ['Bandit B322', 'Bandit B307', 'Semgrep python.lang.security.audit.eval-detected'],
    );
  });

  test('a finding keeps its fingerprint when a later rule of its tool joins it on its line, and after that rule goes', async () => {
    const { service } = await env().makeService();
    const evalIssue = { test: 'B307', text: 'Use of eval', cwe: 78, line: 21 };
    const input = { test: 'B322', text: 'The input method', cwe: 78, line: 21 };
    await env().importText(service, 'bandit.json', bandit([evalIssue]));
    const [alone] = await bySource(service);
    const both = await env().importText(service, 'bandit.json', bandit([input, evalIssue]));
    assert.deepEqual([both.created, both.unchanged, both.fixed], [1, 1, 0]);
    const back = await env().importText(service, 'bandit.json', bandit([evalIssue]));
    assert.deepEqual([back.created, back.unchanged, back.fixed], [0, 1, 1]);
    const rows = await bySource(service);
    assert.deepEqual(
      rows.map((r) => [r.rule_id, r.title, r.status]),
      [
        ['B322', 'The input method', 'fixed'],
        ['B307', 'Use of eval', 'open'],
      ],
    );
    assert.equal(
      rows[1]!.fingerprint,
      alone!.fingerprint,
      'the rule alone at its place kept the fingerprint it always had',
    );
  });

  test('shell=True in an internet-facing, mission-critical service is attend on import, and when a service becomes one', async () => {
    const shell = bandit([
      {
        test: 'B602',
        text: 'subprocess call with shell=True identified, security issue.',
        cwe: 78,
        line: 4,
        severity: 'HIGH',
      },
    ]);
    const open = await env().makeService({ criticality: 4, exposure: 'internet' });
    const summary = await env().importText(open.service, 'bandit.json', shell);
    assert.deepEqual([summary.act, summary.attend], [0, 1]);
    const token = await env().token('auditor');
    const [listed] = (await env().call('GET', `/api/findings?service=${open.service}`, { token })).body.items;
    assert.equal(listed.priority, 'attend');
    const shown = (await env().call('GET', `/api/findings/${listed.id}`, { token })).body;
    assert.ok(
      shown.priorityReasons.some((r: string) =>
        /^CWE-78 \(OS command injection\) turns input into commands .* it is at least attend$/.test(r),
      ),
      shown.priorityReasons.join('\n'),
    );
    const inside = await env().makeService({ criticality: 4, exposure: 'internal' });
    assert.equal((await env().importText(inside.service, 'bandit.json', shell)).attend, 0);
    const e = env();
    const org = parseOrgFile(
      `teams:\n  - name: ${inside.team}\n    kind: engineering\nservices:\n  - name: ${inside.service}\n    owner: ${inside.team}\n    criticality: 4\n    exposure: internet\n`,
      'org.yaml',
    );
    await applyOrg(e.ctx.database.db, org, {
      prune: false,
      actor: 'test',
      now: e.clock.now,
      reprioritise: reprioritiseServiceWith(e.ctx.policy),
    });
    assert.deepEqual(
      (await statuses(inside.service)).map((r) => r.priority),
      ['attend'],
    );
  });

  test("GitHub code scanning alerts meet the same results of the tool's SARIF log, and dismissed ones arrive closed", async () => {
    const { service } = await env().makeService();
    await env().importText(
      service,
      'codeql.sarif',
      sarif('CodeQL', [{ rule: 'js/sql-injection', file: 'src/db.js', line: 21, cwe: 89 }]),
    );
    const alerts = codeScanningAlerts([
      { number: 1, rule: 'js/sql-injection', cwe: 89, file: 'src/db.js', line: 21 },
      {
        number: 2,
        rule: 'js/reflected-xss',
        cwe: 79,
        file: 'src/view.js',
        line: 5,
        state: 'dismissed',
        reason: 'false positive',
      },
    ]);
    const summary = await env().importText(service, 'alerts.json', alerts);
    assert.equal(summary.format, 'github-code-scanning');
    assert.deepEqual(summary.tools, ['CodeQL']);
    assert.deepEqual([summary.created, summary.closedInReport, summary.unchanged, summary.fixed], [1, 1, 1, 0]);
    assert.deepEqual(
      (await statuses(service)).map((r) => [r.file_path, r.status]),
      [
        ['src/db.js', 'open'],
        ['src/view.js', 'false_positive'],
      ],
    );
    const fixed = await env().importText(
      service,
      'alerts.json',
      codeScanningAlerts([
        { number: 1, rule: 'js/sql-injection', cwe: 89, file: 'src/db.js', line: 21, state: 'fixed' },
      ]),
    );
    assert.deepEqual(
      [fixed.created, fixed.unchanged],
      [0, 1],
      'a stored finding keeps the status it has in Entente when a report closes it',
    );
  });

  test('the same CVE in the same package and version from two dependency scanners is one finding', async () => {
    const { service } = await env().makeService();
    const t = await env().importText(
      service,
      'trivy.json',
      trivy([{ cve: 'CVE-2021-23337', pkg: 'lodash', version: '4.17.20', fixed: '4.17.21' }]),
    );
    assert.equal(t.created, 1);
    const npm = JSON.stringify({
      auditReportVersion: 2,
      vulnerabilities: {
        lodash: {
          name: 'lodash',
          severity: 'high',
          isDirect: true,
          range: '<4.17.21',
          nodes: ['node_modules/lodash'],
          fixAvailable: true,
          via: [
            {
              source: 1067,
              name: 'lodash',
              dependency: 'lodash',
              title: 'Command Injection in lodash',
              url: 'https://github.com/advisories/GHSA-35jh-r3h4-6jhm',
              severity: 'high',
              cwe: ['CWE-77', 'CWE-94'],
              cvss: { score: 7.2, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H' },
              range: '<4.17.21',
            },
          ],
        },
      },
      metadata: { vulnerabilities: { high: 1, total: 1 } },
    });
    // npm audit v7 names the advisory by GHSA and gives no installed version: a different finding, by design.
    const n = await env().importText(service, 'npm.json', npm);
    assert.equal(n.created, 1);
    // A second Trivy-style report from another tool name with the same CVE, package and version merges.
    const grypeLike = trivy([{ cve: 'CVE-2021-23337', pkg: 'lodash', version: '4.17.20' }], 'app/package-lock.json');
    const again = await env().importText(service, 'trivy2.json', grypeLike);
    assert.deepEqual([again.created, again.unchanged], [0, 1]);
  });

  test('false positives and accepted findings keep their status through re-imports and absence', async () => {
    const { service } = await env().makeService();
    await env().importText(service, 'r.sarif', sarif('ToolA', three));
    const db = env().ctx.database.db;
    await sql`update findings set status = 'false_positive' where file_path = 'src/a.ts' and service_id = (select id from services where name = ${service})`.execute(
      db,
    );
    await sql`update findings set status = 'accepted' where file_path = 'src/b.ts' and service_id = (select id from services where name = ${service})`.execute(
      db,
    );
    const same = await env().importText(service, 'r.sarif', sarif('ToolA', three));
    assert.deepEqual([same.created, same.fixed, same.reopened], [0, 0, 0]);
    const gone = await env().importText(service, 'r.sarif', sarif('ToolA', []));
    assert.equal(gone.fixed, 1, 'only the open finding is fixed');
    const byFile = Object.fromEntries((await statuses(service)).map((r) => [r.file_path, r.status]));
    assert.deepEqual(byFile, { 'src/a.ts': 'false_positive', 'src/b.ts': 'accepted', 'src/c.ts': 'fixed' });
  });

  test('the due date is set once from the SLA and kept through re-imports', async () => {
    const { service } = await env().makeService({ criticality: 1, exposure: 'isolated' });
    await env().importText(service, 'r.sarif', sarif('ToolA', [{ rule: 'L1', file: 'x.js', line: 1, level: 'note' }]));
    const [first] = await statuses(service);
    assert.equal(first!.priority, 'track');
    // Imported on 2 March at 09:00 (UTC, the default time zone): due at the end of the day 180 days on.
    const expected = Date.parse('2026-08-29T23:59:59.999Z');
    assert.equal(env().clock.now.toISOString(), '2026-03-02T09:00:00.000Z');
    assert.equal(new Date(first!.due_at).getTime(), expected);
    env().clock.advanceDays(10);
    await env().importText(service, 'r.sarif', sarif('ToolA', [{ rule: 'L1', file: 'x.js', line: 1, level: 'note' }]));
    const [later] = await statuses(service);
    assert.equal(new Date(later!.due_at).getTime(), expected);
    env().clock.advanceDays(-10);
  });

  test("a finding reports are scoped to their service: another service's import fixes nothing here", async () => {
    const a = await env().makeService();
    const b = await env().makeService();
    await env().importText(a.service, 'r.sarif', sarif('ToolA', three));
    const other = await env().importText(b.service, 'r.sarif', sarif('ToolA', []));
    assert.equal(other.fixed, 0);
    assert.ok((await statuses(a.service)).every((r) => r.status === 'open'));
  });

  test('a broken report or an unknown service changes nothing at all', async () => {
    const { service } = await env().makeService();
    await env().importText(service, 'r.sarif', sarif('ToolA', three));
    const db = env().ctx.database.db;
    const count = async () =>
      (
        await sql<{
          n: number;
        }>`select (select count(*) from findings)::int + (select count(*) from scans)::int + (select count(*) from audit_log)::int as n`.execute(
          db,
        )
      ).rows[0]!.n;
    const before = await count();
    const full = sarif('ToolA', three.slice(0, 1));
    await assert.rejects(
      env().importText(service, 'cut.sarif', full.slice(0, full.length - 20)),
      (e: unknown) => e instanceof EntenteError && e.code === 'bad_input' && /cut\.sarif/.test(e.message),
    );
    await assert.rejects(
      env().importText('no-such-service', 'r.sarif', full),
      (e: unknown) => e instanceof EntenteError && e.code === 'not_found' && /no-such-service/.test(e.message),
    );
    // A report whose second run is malformed after the first run's findings were read.
    const twoRuns = JSON.parse(sarif('ToolA', three.slice(0, 1))) as { runs: unknown[] };
    twoRuns.runs.push({ tool: { driver: { name: 'ToolC' } }, results: 'not a list' });
    await assert.rejects(env().importText(service, 'bad.sarif', JSON.stringify(twoRuns)), /runs\[1\]\.results/);
    assert.equal(await count(), before);
    assert.ok((await statuses(service)).every((r) => r.status === 'open'));
  });

  test('a failure inside the transaction rolls the whole import back', async () => {
    const { service } = await env().makeService();
    const db = env().ctx.database.db;
    await sql`create or replace function entente_test_fail() returns trigger language plpgsql as $$ begin
      if new.title like '%explode%' then raise exception 'simulated crash'; end if; return new; end $$`.execute(db);
    await sql`create trigger entente_test_fail before insert on findings for each row execute function entente_test_fail()`.execute(
      db,
    );
    try {
      const results = [...three, { rule: 'explode', file: 'z.ts', line: 1, cwe: 1 }];
      const report = sarif('ToolA', results).replace('Rule explode', 'explode now');
      await assert.rejects(env().importText(service, 'boom.sarif', report), /simulated crash/);
      assert.equal((await statuses(service)).length, 0);
      const scans = await sql<{
        n: number;
      }>`select count(*)::int as n from scans where service_id = (select id from services where name = ${service})`.execute(
        db,
      );
      assert.equal(scans.rows[0]!.n, 0);
    } finally {
      await sql`drop trigger entente_test_fail on findings`.execute(db);
    }
  });

  test('the summary counts act and attend findings of the report', async () => {
    const { service } = await env().makeService({ criticality: 4, exposure: 'internet' });
    await sql`insert into feed_kev (cve, name) values ('CVE-2099-0001', 'test') on conflict do nothing`.execute(
      env().ctx.database.db,
    );
    const s = await env().importText(
      service,
      't.json',
      trivy([
        { cve: 'CVE-2099-0001', pkg: 'left-pad', version: '1.0.0' },
        {
          cve: 'CVE-2099-0002',
          pkg: 'right-pad',
          version: '1.0.0',
          severity: 'LOW',
          vector: 'CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N',
        },
      ]),
    );
    assert.equal(s.act, 1);
    assert.equal(s.created, 2);
    const act = (await statuses(service)).find((r) => r.priority === 'act');
    assert.equal(new Date(act!.due_at).getTime(), dueAtOf(env().ctx.policy, env().clock.now)('act').getTime());
  });

  // Each finding's sources, one line per source, by finding.
  async function bySource(service: string) {
    const { rows } = await sql<{ fingerprint: string; title: string; tool: string; rule_id: string; status: string }>`
      select f.fingerprint, f.title, fs.tool, fs.rule_id, f.status from findings f join services s on s.id = f.service_id
        join finding_sources fs on fs.finding_id = f.id
      where s.name = ${service} order by f.title, fs.tool`.execute(env().ctx.database.db);
    return rows;
  }

  async function statuses(service: string) {
    const { rows } = await sql<{
      status: string;
      file_path: string;
      reopened_count: number;
      priority: string;
      due_at: Date;
    }>`
      select f.status, f.file_path, f.reopened_count, f.priority, f.due_at from findings f join services s on s.id = f.service_id
      where s.name = ${service} order by f.file_path, f.id`.execute(env().ctx.database.db);
    return rows;
  }
});

describeEachEngine('an accepted finding that disappears', (env) => {
  test('stays accepted while its exception runs, and comes back fixed rather than open when it ends', async () => {
    const { service, team } = await env().makeService();
    await env().importText(service, 'r.sarif', sarif('ToolA', three));
    const db = env().ctx.database.db;
    const {
      rows: [f],
    } = await sql<{
      id: number;
      priority_rank: number;
    }>`select f.id, f.priority_rank from findings f join services s on s.id = f.service_id
      where s.name = ${service} and f.file_path = 'src/a.ts'`.execute(db);
    const {
      rows: [e],
    } = await sql<{ id: number }>`insert into exceptions (status, reason, controls, requested_by, team_id, expires_at)
      select 'approved', 'vendor patch next sprint', '{WAF rule}', 'raj@example.com', t.id, ${new Date(env().clock.now.getTime() + 5 * 86_400_000).toISOString()}
      from teams t where t.name = ${team} returning id`.execute(db);
    await sql`insert into exception_findings values (${e!.id}, ${f!.id}, ${f!.priority_rank})`.execute(db);
    await sql`update findings set status = 'accepted' where id = ${f!.id}`.execute(db);
    const gone = await env().importText(service, 'r.sarif', sarif('ToolA', three.slice(1)));
    assert.equal(gone.fixed, 0);
    const { expireExceptions } = await import('../src/exceptions/lapse.ts');
    env().clock.advanceDays(6);
    try {
      const ended = await db
        .transaction()
        .execute((trx) => expireExceptions(trx, { now: env().clock.now, policy: env().ctx.policy, actor: 'test' }));
      assert.ok(ended >= 1);
      const {
        rows: [after],
      } = await sql<{ status: string }>`select status from findings where id = ${f!.id}`.execute(db);
      assert.equal(after!.status, 'fixed');
    } finally {
      env().clock.advanceDays(-6);
    }
  });
});

// ---- results the report closes itself, and listings of one weakness ----

/** A SARIF log of `three`-shaped results where the named files carry a suppression in effect. */
function suppressed(results: typeof three, closed: Record<string, string | true>): string {
  const log = JSON.parse(sarif('ToolA', results));
  for (const r of log.runs[0].results) {
    const why = closed[r.locations[0].physicalLocation.artifactLocation.uri];
    if (why !== undefined)
      r.suppressions = [{ kind: 'external', status: 'accepted', ...(why === true ? {} : { justification: why }) }];
  }
  return JSON.stringify(log);
}

/** A CycloneDX VEX of one lodash package with a vulnerability per [CVE, analysis state]. */
function vex(states: [string, string | undefined][]): string {
  return JSON.stringify({
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    metadata: { tools: [{ name: 'grype', version: '0.74.0' }] },
    components: [
      { 'bom-ref': 'lodash', type: 'library', name: 'lodash', version: '4.17.20', purl: 'pkg:npm/lodash@4.17.20' },
    ],
    vulnerabilities: states.map(([id, state]) => ({
      id,
      ratings: [{ severity: 'high' }],
      affects: [{ ref: 'lodash' }],
      ...(state
        ? { analysis: { state, justification: 'code_not_reachable', detail: 'We never call the vulnerable function.' } }
        : {}),
    })),
  });
}

describeEachEngine('results the report closes itself', (env) => {
  async function rows(service: string) {
    const { rows } = await sql<{
      id: number;
      file_path: string | null;
      aliases: string[];
      status: string;
      fixed_at: Date | null;
      reopened_count: number;
      detail: Record<string, any>;
    }>`
      select f.id, f.file_path, f.aliases, f.status, f.fixed_at, f.reopened_count, f.detail from findings f join services s on s.id = f.service_id
      where s.name = ${service} order by f.file_path, f.id`.execute(env().ctx.database.db);
    return rows;
  }

  test('a suppressed result is created accepted, counted in created and closedInReport, with the reason in detail', async () => {
    const { service } = await env().makeService({ criticality: 4, exposure: 'internet' });
    const s = await env().importText(
      service,
      'r.sarif',
      suppressed(three, { 'src/a.ts': 'handled by the framework', 'src/b.ts': 'False positive: constant input' }),
    );
    assert.deepEqual([s.created, s.closedInReport, s.unchanged, s.fixed], [3, 2, 0, 0]);
    const [a, b, c] = await rows(service);
    assert.deepEqual([a?.status, b?.status, c?.status], ['accepted', 'false_positive', 'open']);
    assert.deepEqual(a?.detail.reportState, {
      status: 'accepted',
      reason: 'suppressed in the report: handled by the framework',
    });
    assert.equal(a?.detail.closedBy, 'report');
    assert.equal(c?.detail.closedBy, undefined);
  });

  test('VEX not_affected is created as a false positive and resolved as fixed, with its fixed date', async () => {
    const { service } = await env().makeService();
    const s = await env().importText(
      service,
      'vex.json',
      vex([
        ['CVE-2021-23337', 'not_affected'],
        ['CVE-2020-28500', 'resolved'],
        ['CVE-2020-8203', undefined],
      ]),
    );
    assert.deepEqual([s.created, s.closedInReport], [3, 2]);
    const byCve = Object.fromEntries((await rows(service)).map((r) => [r.aliases[0], r]));
    assert.equal(byCve['CVE-2021-23337']?.status, 'false_positive');
    assert.equal(
      byCve['CVE-2021-23337']?.detail.reportState.reason,
      'not_affected: We never call the vulnerable function.',
    );
    assert.equal(byCve['CVE-2020-28500']?.status, 'fixed');
    assert.equal(new Date(byCve['CVE-2020-28500']!.fixed_at!).toISOString(), env().clock.now.toISOString());
    assert.equal(byCve['CVE-2020-8203']?.status, 'open');
  });

  test('a stored open finding that arrives suppressed keeps its status and counts as seen, not fixed', async () => {
    const { service } = await env().makeService();
    await env().importText(service, 'r.sarif', sarif('ToolA', three));
    const s = await env().importText(service, 'r.sarif', suppressed(three, { 'src/a.ts': true }));
    assert.deepEqual([s.created, s.closedInReport, s.unchanged, s.fixed, s.reopened], [0, 0, 3, 0, 0]);
    assert.deepEqual(
      (await rows(service)).map((r) => r.status),
      ['open', 'open', 'open'],
    );
  });

  test('a finding closed only by its report opens again when the next report lists it open; one a person closed stays closed', async () => {
    const { service } = await env().makeService();
    // src/a.ts: closed by the report. src/b.ts: open, then a person marks it a false positive.
    await env().importText(service, 'r.sarif', suppressed(three, { 'src/a.ts': true }));
    const b = (await rows(service))[1]!;
    const admin = await env().token('admin');
    const patched = await env().call('PATCH', `/api/findings/${b.id}`, {
      token: admin,
      json: { status: 'false_positive', comment: 'The value is a constant; we checked with the team.' },
    });
    assert.equal(patched.status, 200);
    await env().importText(service, 'r.sarif', suppressed(three, { 'src/a.ts': true, 'src/b.ts': true }));
    const open = await env().importText(service, 'r.sarif', sarif('ToolA', three));
    assert.deepEqual([open.reopened, open.unchanged, open.created], [1, 2, 0]);
    const [a, b2, c] = await rows(service);
    assert.deepEqual([a?.status, b2?.status, c?.status], ['open', 'false_positive', 'open']);
    assert.equal(a?.reopened_count, 1);
    assert.equal(a?.detail.closedBy, undefined, 'no longer closed by the report');
    // Listed suppressed again later: a stored finding keeps Entente's status.
    const again = await env().importText(service, 'r.sarif', suppressed(three, { 'src/a.ts': true }));
    assert.deepEqual([again.unchanged, again.reopened, again.closedInReport], [3, 0, 0]);
    assert.equal((await rows(service))[0]?.status, 'open');
  });

  test('a finding closed by its report, absent from the next one, is neither fixed nor reopened', async () => {
    const { service } = await env().makeService();
    await env().importText(service, 'r.sarif', suppressed(three, { 'src/a.ts': true }));
    const gone = await env().importText(service, 'r.sarif', sarif('ToolA', three.slice(1)));
    assert.deepEqual([gone.fixed, gone.reopened], [0, 0]);
    assert.equal((await rows(service))[0]?.status, 'accepted');
  });

  test('the summary counts no act or attend finding the report closed', async () => {
    await sql`insert into feed_kev (cve, name) values ('CVE-2099-0001', 'test') on conflict do nothing`.execute(
      env().ctx.database.db,
    );
    const { service } = await env().makeService({ criticality: 4, exposure: 'internet' });
    const open = await env().importText(service, 'open.json', vex([['CVE-2099-0001', undefined]]));
    const { service: other } = await env().makeService({ criticality: 4, exposure: 'internet' });
    const closed = await env().importText(other, 'closed.json', vex([['CVE-2099-0001', 'not_affected']]));
    assert.equal(open.act, 1);
    assert.deepEqual([closed.act, closed.attend, closed.closedInReport], [0, 0, 1]);
  });
});

describeEachEngine('what an import writes', (env) => {
  test('every value arrives as the report gave it: odd ids, several CWEs, due dates to the second, defaults', async () => {
    const { service } = await env().makeService({ criticality: 4, exposure: 'internet' });
    const odd = 'vendor "odd", {id}\\ x';
    await env().importText(
      service,
      'trivy.json',
      trivy([
        { cve: odd, pkg: 'left-pad', version: '1.0.0', fixed: '1.0.1' },
        { cve: 'CVE-2099-0002', pkg: 'right-pad', version: '2.0.0' },
      ]),
    );
    const text = sarif('ToolA', [{ rule: 'A1', file: 'src/a.ts', line: 10, cwe: 79 }]).replace(
      '"external/cwe/cwe-79"',
      '"external/cwe/cwe-79", "external/cwe/cwe-20"',
    );
    await env().importText(service, 'a.sarif', text);
    const { rows } = await sql<{
      aliases: string[];
      cwes: number[];
      component_name: string | null;
      fixed_version: string | null;
      line: number | null;
      kev: boolean;
      epss: number | null;
      status: string;
      priority: string;
      due_at: Date;
      first_seen_at: Date;
      fixed_at: Date | null;
      detail: Record<string, unknown>;
    }>`select f.aliases, f.cwes, f.component_name,
      f.fixed_version, f.line, f.kev, f.epss, f.status, f.priority, f.due_at, f.first_seen_at, f.fixed_at, f.detail from findings f join services s on s.id = f.service_id
      where s.name = ${service} order by f.id`.execute(env().ctx.database.db);
    assert.equal(rows.length, 3);
    assert.deepEqual(
      rows.map((r) => r.aliases),
      [[odd.toUpperCase()], ['CVE-2099-0002'], []],
    );
    assert.deepEqual(rows[2]!.cwes, [20, 79]);
    assert.deepEqual(rows[0]!.cwes, []);
    assert.deepEqual(
      [rows[0]!.component_name, rows[0]!.fixed_version, rows[1]!.fixed_version, rows[2]!.line],
      ['left-pad', '1.0.1', null, 10],
    );
    const sla = env().ctx.policy.sla;
    for (const r of rows) {
      assert.deepEqual([r.kev, r.epss, r.status, r.fixed_at], [false, null, 'open', null]);
      assert.equal(new Date(r.first_seen_at).getTime(), env().clock.now.getTime());
      // The end of the day the SLA's days away, in the policy's time zone (not the database session's).
      assert.equal(
        new Date(r.due_at).toISOString(),
        dueAtOf(env().ctx.policy, env().clock.now)(r.priority as Priority).toISOString(),
      );
      assert.match(
        new Date(r.due_at).toISOString(),
        /T23:59:59\.999Z$/,
        `${sla[r.priority as Priority]} days, to the end of the day`,
      );
    }
    assert.ok(Object.keys(rows[0]!.detail).length > 0);
  });

  test('an id too long to be one is left out of aliases, and a number no CWE has out of CWEs, rather than failing the import', async () => {
    const { service } = await env().makeService();
    let x = 42; // digits that do not compress, so the index entry would really be too long
    const digits = Array.from(
      { length: 12_000 },
      () => ((x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0) >>> 16) % 10,
    ).join('');
    const text = JSON.stringify({
      SchemaVersion: 2,
      ArtifactName: '.',
      Results: [
        {
          Target: 'package-lock.json',
          Type: 'npm',
          Class: 'lang-pkgs',
          Vulnerabilities: [
            {
              VulnerabilityID: 'CVE-2099-4242',
              VendorIDs: [`GHSA-${digits}`],
              PkgName: 'long-id',
              InstalledVersion: '1.0.0',
              Severity: 'HIGH',
              CweIDs: [79, 3e9, 'CWE-4294967297'],
            },
            { VulnerabilityID: `CVE-2099-${digits}`, PkgName: 'long-cve', InstalledVersion: '1.0.0', Severity: 'HIGH' },
          ],
        },
      ],
    });
    const first = await env().importText(service, 'trivy.json', text);
    assert.equal(first.created, 2);
    const { rows } = await sql<{
      aliases: string[];
      cwes: number[];
      rule_id: string;
    }>`select f.aliases, f.cwes, f.rule_id from findings f
      join services s on s.id = f.service_id where s.name = ${service} order by f.id`.execute(env().ctx.database.db);
    assert.deepEqual([rows[0]!.aliases, rows[0]!.cwes], [['CVE-2099-4242'], [79]]);
    assert.deepEqual(rows[1]!.aliases, []);
    assert.ok(rows[1]!.rule_id.startsWith('CVE-2099-'));
    const again = await env().importText(service, 'trivy.json', text);
    assert.deepEqual([again.created, again.unchanged, again.fixed], [0, 2, 0]);
  });

  test('NULs and lone surrogates, which PostgreSQL refuses, are cleaned from values and keys; a literal backslash-u0000 stays', async () => {
    const { service } = await env().makeService();
    const report = JSON.stringify({
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'NulTool', rules: [{ id: 'N1', shortDescription: { text: 'Nul\u0000 rule' } }] } },
          results: [
            {
              ruleId: 'N1',
              message: { text: 'a\u0000b and c\\u0000d' },
              properties: { 'k\u0000ey': 'v\u0000al', plain: 'x', ['cut\ud800']: 'half \udc00' },
              locations: [
                { physicalLocation: { artifactLocation: { uri: 'src/n\ud800.ts' }, region: { startLine: 3 } } },
              ],
            },
          ],
        },
      ],
    });
    const first = await env().importText(service, 'nul.sarif', report);
    assert.equal(first.created, 1);
    const { rows } = await sql<{
      title: string;
      description: string;
      file_path: string;
      detail: { properties: Record<string, string> };
    }>`select f.title,
      f.description, f.file_path, f.detail from findings f join services s on s.id = f.service_id where s.name = ${service}`.execute(
      env().ctx.database.db,
    );
    assert.deepEqual(
      [rows[0]!.title, rows[0]!.description, rows[0]!.file_path],
      ['Nul rule', 'ab and c\\u0000d', 'src/n\ufffd.ts'],
    );
    assert.deepEqual(rows[0]!.detail.properties, { key: 'val', plain: 'x', 'cut\ufffd': 'half \ufffd' });
    const again = await env().importText(service, 'nul.sarif', report);
    assert.deepEqual([again.created, again.unchanged, again.fixed], [0, 1, 0]);
  });
});

describeEachEngine('listings of one weakness', (env) => {
  test('Bandit: identical issues at one line parse as listings and import as one finding', async () => {
    const { service } = await env().makeService();
    const issue = {
      code: 'q = "select " + x',
      filename: './app.py',
      issue_confidence: 'MEDIUM',
      issue_severity: 'MEDIUM',
      issue_cwe: { id: 89, link: '' },
      issue_text: 'Possible SQL injection vector through string-based query construction.',
      line_number: 5,
      line_range: [5],
      col_offset: 4,
      test_id: 'B608',
      test_name: 'hardcoded_sql_expressions',
      more_info: '',
    };
    const text = JSON.stringify({
      errors: [],
      generated_at: '2026-03-01T00:00:00Z',
      metrics: {},
      results: [issue, issue, { ...issue, line_number: 9, line_range: [9] }],
    });
    assert.equal(await listings('bandit.json', text), 3);
    const s = await env().importText(service, 'bandit.json', text);
    assert.deepEqual([s.findings, s.created], [2, 2]);
  });

  test('tfsec: one block flagged at two attribute lines parses as two listings and imports as one finding', async () => {
    const { service } = await env().makeService();
    const result = (line: number) => ({
      rule_id: 'aws-vpc-no-excessive-port-access',
      rule_description: 'An ingress Network ACL rule allows ALL ports.',
      rule_provider: 'aws',
      description:
        "Resource 'module.SUBNETS:aws_network_acl_rule.public_inbound[0]' defines a fully open ingress Network ACL rule.",
      severity: 'CRITICAL',
      status: 'failed',
      location: { filename: 'modules/vpc/nacl.tf', start_line: line, end_line: line },
    });
    const text = JSON.stringify({ results: [result(155), result(156)] });
    assert.equal(await listings('tfsec.json', text), 2);
    const s = await env().importText(service, 'tfsec.json', text);
    assert.deepEqual([s.findings, s.created], [1, 1]);
  });

  test('Snyk: one vulnerability listed per dependency path parses per path and imports as one finding with every path', async () => {
    const { service } = await env().makeService();
    const vuln = (from: string[]) => ({
      id: 'SNYK-JS-LODASH-590103',
      title: 'Prototype Pollution',
      severity: 'high',
      packageName: 'lodash',
      name: 'lodash',
      version: '4.17.15',
      from,
      upgradePath: [],
      identifiers: { CVE: ['CVE-2020-8203'], CWE: ['CWE-400'] },
      packageManager: 'npm',
      language: 'js',
    });
    const text = JSON.stringify({
      ok: false,
      packageManager: 'npm',
      projectName: 'app',
      displayTargetFile: 'package-lock.json',
      vulnerabilities: [
        vuln(['app@1.0.0', 'lodash@4.17.15']),
        vuln(['app@1.0.0', 'node-sass@4.12.0', 'lodash@4.17.15']),
        vuln(['app@1.0.0', 'gaze@1.1.3', 'lodash@4.17.15']),
      ],
    });
    assert.equal(await listings('snyk.json', text), 3);
    const s = await env().importText(service, 'snyk.json', text);
    assert.deepEqual([s.findings, s.created], [1, 1]);
    const {
      rows: [f],
    } = await sql<{
      detail: Record<string, any>;
    }>`select f.detail from findings f join services s on s.id = f.service_id where s.name = ${service}`.execute(
      env().ctx.database.db,
    );
    assert.equal(f?.detail.occurrenceCount, 3);
    assert.deepEqual(
      f?.detail.occurrences.map((o: { path: string }) => o.path),
      [
        'app@1.0.0 > lodash@4.17.15',
        'app@1.0.0 > node-sass@4.12.0 > lodash@4.17.15',
        'app@1.0.0 > gaze@1.1.3 > lodash@4.17.15',
      ],
    );
  });
});

test("the reasons Entente writes for results a report closes read as a partner's", async () => {
  const { checkTone } = await import('../src/voice/check-tone.ts');
  const { rulesFor } = await import('../src/voice/voice-config.ts');
  const alert = (extra: Record<string, unknown>) => ({
    number: 1,
    html_url: 'https://github.com/acme/shop/security/dependabot/1',
    created_at: '2026-01-01T00:00:00Z',
    dependency: { package: { ecosystem: 'npm', name: 'lodash' }, manifest_path: 'package-lock.json' },
    security_advisory: {
      ghsa_id: 'GHSA-35jh-r3h4-6jhm',
      summary: 'Command injection in lodash',
      severity: 'high',
      identifiers: [],
    },
    ...extra,
  });
  const reports: [string, string][] = [
    ['r.sarif', suppressed(three, { 'src/a.ts': true })],
    [
      'vex.json',
      vex([
        ['CVE-2021-23337', 'not_affected'],
        ['CVE-2020-28500', 'resolved'],
      ]),
    ],
    [
      'alerts.json',
      JSON.stringify([
        alert({ state: 'dismissed', dismissed_at: '2026-01-02T00:00:00Z' }),
        alert({ number: 2, state: 'fixed', fixed_at: '2026-01-02T00:00:00Z' }),
      ]),
    ],
  ];
  const reasons: string[] = [];
  for (const [name, text] of reports)
    reasons.push(...(await parsed(name, text)).flatMap((f) => (f.state ? [f.state.reason] : [])));
  assert.equal(reasons.length, 5);
  const rules = rulesFor(undefined);
  assert.deepEqual(
    reasons.flatMap((t) => checkTone(t, rules).flags.map((f) => `"${f.text}" (${f.ruleId}) in: ${t}`)),
    [],
  );
  for (const word of [/\bdenied\b/i, /\bnot allowed\b/i, /\bblocked\b/i, /\bviolation\b/i, /\bcannot\b/i, /\bmust\b/i])
    assert.ok(!reasons.some((t) => word.test(t)), String(word));
});

/** How many findings `entente parse` prints for this report: the parser's listings. */
async function listings(name: string, text: string): Promise<number> {
  return (await parsed(name, text)).length;
}

async function parsed(name: string, text: string) {
  const { detectParser } = await import('../src/imports/parsers/index.ts');
  const input = { name, head: text.slice(0, 4096), text: async () => text, stream: () => Readable.from([text]) };
  const out = [];
  for await (const f of detectParser(input).parse(input)) out.push(f);
  return out;
}
