import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { sarif, trivy } from './support/reports.ts';

let cveCounter = 0;
/** A CVE id no other test in this file uses. */
const newCve = (): string => `CVE-2026-${20000 + ++cveCounter}`;

const ranks: Record<string, number> = { act: 1, attend: 2, 'track*': 3, track: 4 };

async function countRows(e: TestEnv, table: 'scans' | 'findings' | 'audit_log'): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(
    e.ctx.database.db,
  );
  return rows[0]!.n;
}

/** A service with four findings of different priorities, severities, tools, CVEs and CWEs. */
async function seedMixed(e: TestEnv) {
  const { team, service } = await e.makeService({ criticality: 4, exposure: 'internet' });
  const critCve = newCve();
  const highCve = newCve();
  const pkg = e.uniq('leftpad');
  await e.importText(
    service,
    'trivy.json',
    trivy([
      { cve: critCve, pkg, version: '1.0.0', fixed: '1.0.1', severity: 'CRITICAL' },
      { cve: highCve, pkg: 'express', version: '4.17.0', severity: 'HIGH' },
    ]),
  );
  await e.importText(
    service,
    'codeql.sarif',
    sarif('CodeQL', [
      { rule: 'js/sql-injection', file: 'src/db/users.ts', line: 10, cwe: 89, level: 'error' },
      { rule: 'js/xss', file: 'src/web/page.ts', line: 20, cwe: 79, level: 'note' },
    ]),
  );
  return { team, service, critCve, highCve, pkg };
}

async function list(e: TestEnv, token: string, query: string): Promise<any[]> {
  const r = await e.call('GET', `/api/findings?${query}`, { token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items;
}

/** Follows `next` until the end, returning every item in the order served. */
async function walk(e: TestEnv, token: string, query: string, limit: number): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const r: { status: number; body: any } = await e.call(
      'GET',
      `/api/findings?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      { token },
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.items.length <= limit);
    items.push(...r.body.items);
    cursor = r.body.next;
    if (!cursor) return items;
  }
  throw new Error('pagination did not end after 100 pages');
}

async function findingId(e: TestEnv, token: string, service: string, rule: string): Promise<number> {
  const items = await list(e, token, `service=${service}&status=all`);
  const f = items.find((x) => x.ruleId === rule);
  assert.ok(f, `no finding for ${rule} in ${service}`);
  return f.id;
}

describeEachEngine('HTTP API', (env) => {
  test('a request without a token is refused with 401 and the error shape', async () => {
    const r = await env().call('GET', '/api/findings');
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, 'unauthorized');
    assert.match(r.body.error.message, /Bearer/);
    assert.deepEqual(r.body.error.details, {});
  });

  test('an unknown token is refused with 401', async () => {
    const r = await env().call('GET', '/api/findings', { token: 'ent_not-a-real-token' });
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, 'unauthorized');
  });

  test('the OpenAPI document is 3.1 and lists the findings, scans and org paths', async () => {
    const r = await env().call('GET', '/api/openapi.json');
    assert.equal(r.status, 200);
    assert.equal(r.body.openapi, '3.1.0');
    for (const path of ['/api/findings', '/api/findings/{id}', '/api/scans', '/api/org', '/api/feeds']) {
      assert.ok(path in r.body.paths, `${path} is missing from the document`);
    }
  });

  test('a report sent as the raw body is imported and its counts returned with 201', async () => {
    const e = env();
    const { service } = await e.makeService();
    const admin = await e.token('admin');
    const body = trivy([
      { cve: newCve(), pkg: 'lodash', version: '4.17.20' },
      { cve: newCve(), pkg: 'minimist', version: '1.2.0' },
    ]);
    const r = await e.call('POST', `/api/scans?service=${service}&name=trivy.json`, {
      token: admin,
      body,
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.service, service);
    assert.equal(r.body.format, 'trivy');
    assert.equal(r.body.created, 2);
    assert.equal(r.body.findings, 2);
    assert.equal((await list(e, admin, `service=${service}`)).length, 2);
  });

  test('a report sent as the multipart field "file" is imported', async () => {
    const e = env();
    const { service } = await e.makeService();
    const admin = await e.token('admin');
    const form = new FormData();
    form.append(
      'file',
      new Blob([sarif('Semgrep', [{ rule: 'sqli', file: 'app.py', line: 3, cwe: 89 }])]),
      'semgrep.sarif',
    );
    const r = await e.call('POST', `/api/scans?service=${service}`, { token: admin, body: form });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.created, 1);
    assert.deepEqual(r.body.tools, ['Semgrep']);
    const [f] = await list(e, admin, `service=${service}`);
    assert.equal(f.tool, 'Semgrep');
  });

  test('an uploaded file name loses its control characters and is cut to 255 characters; the scan keeps that name', async () => {
    const e = env();
    const { service } = await e.makeService();
    const admin = await e.token('admin');
    for (const [given, kept] of [
      ['scan\u0000\n.sarif', 'scan.sarif'],
      [`${'n'.repeat(300)}.sarif`, `${'n'.repeat(254)}…`],
    ]) {
      const form = new FormData();
      form.append('file', new Blob([sarif('Semgrep', [{ rule: 'sqli', file: 'app.py', line: 3, cwe: 89 }])]), given);
      const r = await e.call('POST', `/api/scans?service=${service}`, { token: admin, body: form });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const scan = await e.ctx.database.db
        .selectFrom('scans')
        .select('file_name')
        .where('id', '=', r.body.scanId)
        .executeTakeFirstOrThrow();
      assert.equal(scan.file_name, kept);
    }
  });

  test('a multipart body without a "file" field is refused with 400', async () => {
    const e = env();
    const { service } = await e.makeService();
    const form = new FormData();
    form.append('report', 'x');
    const r = await e.call('POST', `/api/scans?service=${service}`, { token: await e.token('admin'), body: form });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /"file"/);
  });

  test('an import for an unknown service is 404, names the service and imports nothing', async () => {
    const e = env();
    const name = e.uniq('no-such-service');
    const scans = await countRows(e, 'scans');
    const findings = await countRows(e, 'findings');
    const r = await e.call('POST', `/api/scans?service=${name}`, {
      token: await e.token('admin'),
      body: trivy([{ cve: newCve(), pkg: 'a', version: '1' }]),
    });
    assert.equal(r.status, 404);
    assert.equal(r.body.error.code, 'not_found');
    assert.ok(r.body.error.message.includes(name), r.body.error.message);
    assert.equal(await countRows(e, 'scans'), scans);
    assert.equal(await countRows(e, 'findings'), findings);
  });

  test('a body that is no report, or a truncated one, is refused with 400 and imports nothing', async () => {
    const e = env();
    const { service } = await e.makeService();
    const admin = await e.token('admin');
    const scans = await countRows(e, 'scans');
    const garbage = await e.call('POST', `/api/scans?service=${service}`, {
      token: admin,
      body: 'hello, this is not a scanner report',
    });
    assert.equal(garbage.status, 400);
    assert.equal(garbage.body.error.code, 'unknown_format');
    const full = sarif('CodeQL', [{ rule: 'r', file: 'a.ts', line: 1, cwe: 79 }]);
    const cut = await e.call('POST', `/api/scans?service=${service}`, {
      token: admin,
      body: full.slice(0, full.length - 20),
    });
    assert.equal(cut.status, 400);
    assert.equal(cut.body.error.code, 'bad_input');
    const empty = await e.call('POST', `/api/scans?service=${service}`, { token: admin, body: '' });
    assert.equal(empty.status, 400);
    assert.equal(await countRows(e, 'scans'), scans);
  });

  test('a manager cannot import reports', async () => {
    const e = env();
    const { service } = await e.makeService();
    const r = await e.call('POST', `/api/scans?service=${service}`, {
      token: await e.token('manager'),
      body: trivy([{ cve: newCve(), pkg: 'a', version: '1' }]),
    });
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'forbidden');
  });

  test("the service filter returns only that service's findings", async () => {
    const e = env();
    const a = await seedMixed(e);
    const b = await seedMixed(e);
    const admin = await e.token('admin');
    const items = await list(e, admin, `service=${a.service}`);
    assert.equal(items.length, 4);
    assert.ok(items.every((f) => f.service === a.service && f.ownerTeam === a.team));
    assert.equal((await list(e, admin, `team=${b.team}`)).length, 4);
    // A service nobody has is a typo, not an empty list: 400 naming the known ones.
    const unknown = await e.call('GET', `/api/findings?service=${e.uniq('nothing')}`, { token: admin });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.code, 'bad_input');
    assert.match(unknown.body.error.message, /we know no service named "nothing-[^"]*"; the services are svc-/);
  });

  test('status defaults to open work and status=all adds what was fixed', async () => {
    const e = env();
    const { service } = await seedMixed(e);
    const admin = await e.token('admin');
    // CodeQL no longer reports the XSS: it is fixed.
    await e.importText(
      service,
      'codeql.sarif',
      sarif(
        'CodeQL',
        [{ rule: 'js/sql-injection', file: 'src/db/users.ts', line: 10, cwe: 89, level: 'error' }],
        'run 2',
      ),
    );
    const open = await list(e, admin, `service=${service}`);
    assert.equal(open.length, 3);
    assert.ok(!open.some((f) => f.ruleId === 'js/xss'));
    const all = await list(e, admin, `service=${service}&status=all`);
    assert.equal(all.length, 4);
    assert.equal(all.find((f) => f.ruleId === 'js/xss')?.status, 'fixed');
    const fixed = await list(e, admin, `service=${service}&status=fixed`);
    assert.deepEqual(
      fixed.map((f) => f.ruleId),
      ['js/xss'],
    );
  });

  test('priority and severity filters keep only matching findings', async () => {
    const e = env();
    const { service, critCve } = await seedMixed(e);
    const admin = await e.token('admin');
    const attend = await list(e, admin, `service=${service}&priority=attend`);
    // The SQL injection rated high in an internet-facing, mission-critical service is attend too (src/findings/injection.ts).
    assert.deepEqual(attend.map((f) => f.ruleId).sort(), [critCve, 'js/sql-injection'].sort());
    const low = await list(e, admin, `service=${service}&priority=track*,track`);
    assert.equal(low.length, 2);
    assert.ok(low.every((f) => f.priority === 'track*' || f.priority === 'track'));
    const critical = await list(e, admin, `service=${service}&severity=critical`);
    assert.deepEqual(
      critical.map((f) => f.severity),
      ['critical'],
    );
    const highOrLow = await list(e, admin, `service=${service}&severity=high,low`);
    assert.deepEqual(highOrLow.map((f) => f.severity).sort(), ['high', 'high', 'low']);
  });

  test('tool, cve and cwe filters keep only findings that carry them', async () => {
    const e = env();
    const { service, highCve } = await seedMixed(e);
    const admin = await e.token('admin');
    const codeql = await list(e, admin, `service=${service}&tool=codeql`);
    assert.deepEqual(codeql.map((f) => f.ruleId).sort(), ['js/sql-injection', 'js/xss']);
    const trivyOnes = await list(e, admin, `service=${service}&tool=Trivy`);
    assert.equal(trivyOnes.length, 2);
    const byCve = await list(e, admin, `service=${service}&cve=${highCve.toLowerCase()}`);
    assert.deepEqual(
      byCve.map((f) => f.aliases.includes(highCve)),
      [true],
    );
    const byCwe = await list(e, admin, `service=${service}&cwe=79`);
    assert.deepEqual(
      byCwe.map((f) => f.ruleId),
      ['js/xss'],
    );
  });

  test('q searches titles, file paths and component names, and treats % as a plain character', async () => {
    const e = env();
    const { service, pkg } = await seedMixed(e);
    const admin = await e.token('admin');
    assert.deepEqual(
      (await list(e, admin, `service=${service}&q=users.ts`)).map((f) => f.ruleId),
      ['js/sql-injection'],
    );
    assert.deepEqual(
      (await list(e, admin, `service=${service}&q=${pkg.toUpperCase()}`)).map((f) => f.component.name),
      [pkg],
    );
    assert.deepEqual(await list(e, admin, `service=${service}&q=${encodeURIComponent('%')}`), []);
  });

  test('cursor pagination walks every finding exactly once in priority order', async () => {
    const e = env();
    const { service } = await seedMixed(e);
    const admin = await e.token('admin');
    await e.importText(
      service,
      'semgrep.sarif',
      sarif(
        'Semgrep',
        [1, 2, 3].map((n) => ({ rule: `r${n}`, file: `lib/${n}.js`, line: n, level: 'warning' as const })),
      ),
    );
    const expected = (await list(e, admin, `service=${service}&limit=500`)).map((f) => f.id).sort((x, y) => x - y);
    assert.equal(expected.length, 7);
    const walked = await walk(e, admin, `service=${service}&sort=priority`, 2);
    const ids = walked.map((f) => f.id);
    assert.equal(new Set(ids).size, ids.length, 'a finding was served twice');
    assert.deepEqual(
      [...ids].sort((x, y) => x - y),
      expected,
    );
    for (let i = 1; i < walked.length; i++) {
      const [p, q] = [walked[i - 1], walked[i]];
      assert.ok(
        ranks[p.priority]! < ranks[q.priority]! || (p.priority === q.priority && p.dueAt <= q.dueAt),
        `out of order at ${i}`,
      );
    }
  });

  test('cursor pagination walks every finding exactly once newest first, ties broken by id', async () => {
    const e = env();
    const { service } = await seedMixed(e);
    const admin = await e.token('admin');
    e.clock.advanceDays(1);
    await e.importText(
      service,
      'semgrep.sarif',
      sarif(
        'Semgrep',
        [1, 2, 3].map((n) => ({ rule: `r${n}`, file: `lib/${n}.js`, line: n })),
      ),
    );
    for (const limit of [1, 3]) {
      const walked = await walk(e, admin, `service=${service}&sort=newest`, limit);
      const ids = walked.map((f) => f.id);
      assert.equal(ids.length, 7);
      assert.equal(new Set(ids).size, 7, 'a finding was served twice');
      assert.deepEqual(
        walked.slice(0, 3).map((f) => f.tool),
        ['Semgrep', 'Semgrep', 'Semgrep'],
      );
      for (let i = 1; i < walked.length; i++) {
        const [p, q] = [walked[i - 1], walked[i]];
        assert.ok(
          p.firstSeenAt > q.firstSeenAt || (p.firstSeenAt === q.firstSeenAt && p.id > q.id),
          `out of order at ${i}`,
        );
      }
    }
  });

  test('a CWE-filtered walk serves exactly the matching findings, in order, in every sort', async () => {
    const e = env();
    const { service } = await seedMixed(e);
    const admin = await e.token('admin');
    // Every third finding carries CWE-89, spread across levels so the sorts interleave them with the others.
    const levels = ['error', 'warning', 'note'] as const;
    await e.importText(
      service,
      'codeql.sarif',
      sarif(
        'CodeQL',
        Array.from({ length: 45 }, (_, n) => ({
          rule: `q${n % 9}`,
          file: `src/${n}.ts`,
          line: n + 1,
          cwe: n % 9 < 3 ? 89 : 20,
          level: levels[n % 3]!,
        })),
      ),
    );
    // Findings with several CWEs, CWE-89 first or among the rest: the priority list reads those from two indexes.
    const twoCwes = JSON.parse(
      sarif(
        'Semgrep',
        Array.from({ length: 12 }, (_, n) => ({
          rule: `s${n % 4}`,
          file: `lib/${n}.py`,
          line: n + 3,
          level: levels[n % 3]!,
        })),
      ),
    ) as { runs: any[] };
    twoCwes.runs[0].tool.driver.rules.forEach((r: any, i: number) => {
      r.properties.tags = [
        'security',
        ...[['CWE-20', 'CWE-89'], ['CWE-89', 'CWE-200'], ['CWE-79', 'CWE-352'], ['CWE-89']][i]!,
      ];
    });
    await e.importText(service, 'semgrep.sarif', JSON.stringify(twoCwes));
    const all = await list(e, admin, `service=${service}&limit=500`);
    const matching = all
      .filter((f) => f.cwes.includes(89))
      .map((f) => f.id)
      .sort((x, y) => x - y);
    assert.equal(matching.length, 24);
    assert.ok(
      all.some((f) => f.cwes.length > 1 && f.cwes[0] !== 89 && f.cwes.includes(89)),
      'some have CWE-89 after another',
    );
    for (const status of ['', '&status=open', '&status=all']) {
      const matching = (await list(e, admin, `service=${service}&limit=500${status}`))
        .filter((f) => f.cwes.includes(89))
        .map((f) => f.id)
        .sort((x, y) => x - y);
      for (const sort of ['priority', 'due', 'severity', 'newest']) {
        for (const limit of [1, 4, 50]) {
          const ids = (await walk(e, admin, `service=${service}&cwe=89&sort=${sort}${status}`, limit)).map((f) => f.id);
          assert.deepEqual(
            [...ids].sort((x, y) => x - y),
            matching,
            `sort ${sort}, limit ${limit}${status}`,
          );
          const unfiltered = (await walk(e, admin, `service=${service}&sort=${sort}${status}`, 100))
            .map((f) => f.id)
            .filter((id) => matching.includes(id));
          assert.deepEqual(
            ids,
            unfiltered,
            `sort ${sort}, limit ${limit}${status}: the filtered order differs from the list's`,
          );
        }
      }
    }
  });

  test('a tampered cursor is refused with 400', async () => {
    const e = env();
    const { service } = await seedMixed(e);
    const admin = await e.token('admin');
    const first = await e.call('GET', `/api/findings?service=${service}&limit=1`, { token: admin });
    const cursor: string = first.body.next;
    assert.ok(cursor);
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const tampered = [
      `${cursor.slice(0, -4)}!!!!`,
      Buffer.from(JSON.stringify(decoded.slice(1))).toString('base64url'),
      Buffer.from(JSON.stringify([decoded[0], 'not a date', decoded[2]])).toString('base64url'),
      Buffer.from(JSON.stringify([decoded[0], decoded[1], 'one'])).toString('base64url'),
      Buffer.from(JSON.stringify([1.5, decoded[1], decoded[2]])).toString('base64url'),
      Buffer.from(JSON.stringify([decoded[0], decoded[1], 2 ** 40])).toString('base64url'),
    ];
    for (const c of tampered) {
      const r = await e.call('GET', `/api/findings?service=${service}&limit=1&cursor=${encodeURIComponent(c)}`, {
        token: admin,
      });
      assert.equal(r.status, 400, `cursor ${c} gave ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, 'bad_input');
    }
  });

  test('one finding is shown with every tool that reported it and its comment thread', async () => {
    const e = env();
    const { service } = await e.makeService();
    const admin = await e.token('admin');
    const codeqlAt = e.clock.now.toISOString();
    await e.importText(
      service,
      'codeql.sarif',
      sarif('CodeQL', [{ rule: 'js/path-injection', file: 'src/files.ts', line: 42, cwe: 22 }]),
    );
    e.clock.advanceDays(2);
    const semgrepAt = e.clock.now.toISOString();
    await e.importText(
      service,
      'semgrep.sarif',
      sarif('Semgrep', [{ rule: 'path-traversal', file: 'src/files.ts', line: 42, cwe: 22 }]),
    );
    const [f] = await list(e, admin, `service=${service}`);
    assert.ok(f);
    // First seen by CodeQL, last seen in Semgrep's later scan; the list and the finding's page say the same.
    assert.deepEqual([f.firstSeenAt, f.lastSeenAt], [codeqlAt, semgrepAt]);
    assert.deepEqual(
      f.sources.map((s: any) => s.tool),
      ['CodeQL', 'Semgrep'],
    );
    const patched = await e.call('PATCH', `/api/findings/${f.id}`, {
      token: admin,
      json: { comment: 'Both tools agree; fixing in #123.' },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const r = await e.call('GET', `/api/findings/${f.id}`, { token: admin });
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.sources.map((s: any) => [s.tool, s.ruleId, s.present]),
      [
        ['CodeQL', 'js/path-injection', true],
        ['Semgrep', 'path-traversal', true],
      ],
    );
    assert.equal(r.body.lastSeenAt, semgrepAt);
    // Semgrep stops reporting it: it was last seen in CodeQL's scan, which still reports it.
    e.clock.advanceDays(1);
    await e.importText(service, 'semgrep.sarif', sarif('Semgrep', []));
    const after = await e.call('GET', `/api/findings/${f.id}`, { token: admin });
    assert.deepEqual(
      after.body.sources.map((s: any) => [s.tool, s.present]),
      [
        ['CodeQL', true],
        ['Semgrep', false],
      ],
    );
    assert.equal(after.body.lastSeenAt, codeqlAt);
    assert.equal(r.body.comments.length, 1);
    assert.equal(r.body.comments[0].body, 'Both tools agree; fixing in #123.');
    assert.match(r.body.comments[0].author, /^token:/);
  });

  test('an unknown finding id is 404', async () => {
    const e = env();
    const r = await e.call('GET', '/api/findings/999999999', { token: await e.token('admin') });
    assert.equal(r.status, 404);
    assert.equal(r.body.error.code, 'not_found');
  });

  test('an id or CWE number larger than the database holds is a 400 naming the field, on every route that takes one', async () => {
    const e = env();
    const admin = await e.token('admin');
    for (const [method, path, field] of [
      ['GET', '/api/findings/2147483648', 'id'],
      ['GET', '/api/exceptions/99999999999', 'id'],
      ['GET', '/api/changes/99999999999', 'id'],
      ['GET', '/api/gates/99999999999', 'id'],
      ['GET', '/api/commitments/99999999999', 'id'],
      ['GET', '/api/findings?cwe=99999999999', 'cwe'],
      ['GET', '/api/findings/export?format=csv&cwe=99999999999', 'cwe'],
      ['PATCH', '/api/findings/99999999999', 'id'],
    ] as const) {
      const r = await e.call(method, path, {
        token: admin,
        ...(method === 'PATCH' ? { json: { status: 'in_progress' } } : {}),
      });
      assert.equal(r.status, 400, `${method} ${path}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.error.message, new RegExp(`^${field}: Too big`));
    }
    const ask = await e.call('POST', '/api/exceptions', {
      token: admin,
      json: { findingIds: [99999999999], reason: 'r', controls: ['c'] },
    });
    assert.equal(ask.status, 400);
    assert.match(ask.body.error.message, /^findingIds\.0: Too big/);
  });

  test('an engineer of the owning team can start work, assign and comment', async () => {
    const e = env();
    const alice = `${e.uniq('alice')}@example.com`;
    const { service } = await e.makeService({ members: [alice] });
    await e.importText(service, 'trivy.json', trivy([{ cve: newCve(), pkg: 'qs', version: '6.0.0' }]));
    const token = await e.token('engineer', alice);
    const id = await findingId(e, token, service, (await list(e, token, `service=${service}`))[0].ruleId);
    const r = await e.call('PATCH', `/api/findings/${id}`, {
      token,
      json: { status: 'in_progress', assignee: alice, comment: 'Upgrading qs this sprint.' },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'in_progress');
    assert.equal(r.body.assignee, alice);
    assert.deepEqual(
      r.body.comments.map((c: any) => [c.author, c.body]),
      [[alice, 'Upgrading qs this sprint.']],
    );
    const again = await e.call('GET', `/api/findings/${id}`, { token });
    assert.equal(again.body.status, 'in_progress');
    assert.equal(again.body.comments.length, 1);
  });

  test('an engineer of another team is refused with 403 and the finding does not change', async () => {
    const e = env();
    const owner = `${e.uniq('owner')}@example.com`;
    const outsider = `${e.uniq('outsider')}@example.com`;
    const { service } = await e.makeService({ members: [owner] });
    await e.makeService({ members: [outsider] });
    await e.importText(service, 'trivy.json', trivy([{ cve: newCve(), pkg: 'qs', version: '6.0.0' }]));
    const admin = await e.token('admin');
    const [f] = await list(e, admin, `service=${service}`);
    const r = await e.call('PATCH', `/api/findings/${f.id}`, {
      token: await e.token('engineer', outsider),
      json: { status: 'fixed', comment: 'not mine' },
    });
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'forbidden');
    const after = await e.call('GET', `/api/findings/${f.id}`, { token: admin });
    assert.equal(after.body.status, 'open');
    assert.deepEqual(after.body.comments, []);
  });

  test('an auditor cannot change a finding', async () => {
    const e = env();
    const { service } = await e.makeService();
    await e.importText(service, 'trivy.json', trivy([{ cve: newCve(), pkg: 'qs', version: '6.0.0' }]));
    const admin = await e.token('admin');
    const [f] = await list(e, admin, `service=${service}`);
    const r = await e.call('PATCH', `/api/findings/${f.id}`, {
      token: await e.token('auditor'),
      json: { status: 'in_progress' },
    });
    assert.equal(r.status, 403);
    assert.equal((await e.call('GET', `/api/findings/${f.id}`, { token: admin })).body.status, 'open');
  });

  test('marking a false positive without a comment is refused with 400', async () => {
    const e = env();
    const { service } = await e.makeService();
    await e.importText(service, 'trivy.json', trivy([{ cve: newCve(), pkg: 'qs', version: '6.0.0' }]));
    const admin = await e.token('admin');
    const [f] = await list(e, admin, `service=${service}`);
    for (const json of [{ status: 'false_positive' }, { status: 'false_positive', comment: '   ' }]) {
      const r = await e.call('PATCH', `/api/findings/${f.id}`, { token: admin, json });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.details.field, 'comment');
    }
    assert.equal((await e.call('GET', `/api/findings/${f.id}`, { token: admin })).body.status, 'open');
  });

  test('a body with an unknown field or an unknown status is refused with 400', async () => {
    const e = env();
    const { service } = await e.makeService();
    await e.importText(service, 'trivy.json', trivy([{ cve: newCve(), pkg: 'qs', version: '6.0.0' }]));
    const admin = await e.token('admin');
    const [f] = await list(e, admin, `service=${service}`);
    assert.equal(
      (await e.call('PATCH', `/api/findings/${f.id}`, { token: admin, json: { statu: 'fixed' } })).status,
      400,
    );
    assert.equal(
      (await e.call('PATCH', `/api/findings/${f.id}`, { token: admin, json: { status: 'accepted' } })).status,
      400,
    );
  });

  test('a NUL character in a request is refused with 400 naming where it is, and changes nothing; a lone surrogate is stored as U+FFFD', async () => {
    const e = env();
    const { service } = await e.makeService();
    await e.importText(service, 'trivy.json', trivy([{ cve: newCve(), pkg: 'qs', version: '6.0.0' }]));
    const admin = await e.token('admin');
    const [f] = await list(e, admin, `service=${service}`);
    const r = await e.call('PATCH', `/api/findings/${f.id}`, {
      token: admin,
      json: { status: 'in_progress', comment: 'on it\u0000' },
    });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /^comment: contains a NUL character/);
    assert.deepEqual(r.body.error.details.path, ['comment']);
    const after = (await e.call('GET', `/api/findings/${f.id}`, { token: admin })).body;
    assert.deepEqual([after.status, after.comments.length], ['open', 0]);
    const ok = await e.call('PATCH', `/api/findings/${f.id}`, { token: admin, json: { comment: 'cut \ud800' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.comments[0].body, 'cut \ufffd');
  });

  test('a finding the report itself suppressed arrives accepted, says so in the summary, and people can re-triage it', async () => {
    const e = env();
    const { service } = await e.makeService();
    const log = JSON.parse(
      sarif('CodeQL', [
        { rule: 'js/sql-injection', file: 'src/db.ts', line: 9, cwe: 89 },
        { rule: 'js/xss', file: 'src/view.ts', line: 3, cwe: 79 },
      ]),
    );
    log.runs[0].results[0].suppressions = [
      { kind: 'inSource', status: 'accepted', justification: 'the query is a constant' },
    ];
    const summary = await e.importText(service, 'codeql.sarif', JSON.stringify(log));
    assert.equal(summary.created, 2);
    assert.equal(summary.closedInReport, 1);
    const admin = await e.token('admin');
    assert.deepEqual(
      (await list(e, admin, `service=${service}`)).map((f) => f.ruleId),
      ['js/xss'],
    );
    const [suppressed] = await list(e, admin, `service=${service}&status=accepted`);
    assert.equal(suppressed.ruleId, 'js/sql-injection');
    const reopened = await e.call('PATCH', `/api/findings/${suppressed.id}`, {
      token: admin,
      json: { status: 'open', comment: 'The constant is built from input two calls up.' },
    });
    assert.equal(reopened.status, 200, JSON.stringify(reopened.body));
    assert.equal(reopened.body.status, 'open');
  });

  test('a false positive stays a false positive when the same report is imported again', async () => {
    const e = env();
    const { service } = await e.makeService();
    const report = sarif('CodeQL', [{ rule: 'js/xss', file: 'src/a.ts', line: 5, cwe: 79 }]);
    await e.importText(service, 'codeql.sarif', report);
    const admin = await e.token('security');
    const [f] = await list(e, admin, `service=${service}`);
    const r = await e.call('PATCH', `/api/findings/${f.id}`, {
      token: admin,
      json: { status: 'false_positive', comment: 'Output is escaped by the template engine.' },
    });
    assert.equal(r.status, 200);
    e.clock.advanceDays(1);
    const summary = await e.importText(service, 'codeql.sarif', report);
    assert.equal(summary.created, 0);
    assert.equal(summary.reopened, 0);
    const after = await e.call('GET', `/api/findings/${f.id}`, { token: admin });
    assert.equal(after.body.status, 'false_positive');
    assert.deepEqual(await list(e, admin, `service=${service}`), []);
  });

  test('a finding marked fixed that the next report still has comes back reopened', async () => {
    const e = env();
    const { service } = await e.makeService();
    const report = trivy([{ cve: newCve(), pkg: 'qs', version: '6.0.0' }]);
    await e.importText(service, 'trivy.json', report);
    const admin = await e.token('admin');
    const [f] = await list(e, admin, `service=${service}`);
    assert.equal(
      (await e.call('PATCH', `/api/findings/${f.id}`, { token: admin, json: { status: 'fixed' } })).body.status,
      'fixed',
    );
    e.clock.advanceDays(3);
    const summary = await e.importText(service, 'trivy.json', report);
    assert.equal(summary.reopened, 1);
    const after = await e.call('GET', `/api/findings/${f.id}`, { token: admin });
    assert.equal(after.body.status, 'open');
    assert.equal(after.body.reopenedCount, 1);
    assert.equal(after.body.fixedAt, null);
  });

  test('a manager and an auditor can read the list and a finding', async () => {
    const e = env();
    const { service } = await e.makeService();
    await e.importText(service, 'trivy.json', trivy([{ cve: newCve(), pkg: 'qs', version: '6.0.0' }]));
    for (const role of ['manager', 'auditor']) {
      const token = await e.token(role);
      const items = await list(e, token, `service=${service}`);
      assert.equal(items.length, 1, role);
      const one = await e.call('GET', `/api/findings/${items[0].id}`, { token });
      assert.equal(one.status, 200, role);
      assert.equal(one.body.service, service);
    }
  });
});
