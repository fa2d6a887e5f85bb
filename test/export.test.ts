import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseCsv } from 'csv-parse/sync';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { trivy } from './support/reports.ts';
import { sarifParser } from '../src/imports/parsers/sarif.ts';
import { cyclonedxJsonParser } from '../src/imports/parsers/cyclonedx.ts';
import { reportFromBuffer } from '../src/imports/report-input.ts';
import { fingerprintOf } from '../src/imports/fingerprint.ts';
import type { ParsedFinding, ReportParser } from '../src/imports/types.ts';
import { findingPages } from '../src/export/finding-pages.ts';
import { csvChunks } from '../src/export/csv.ts';
import { sarifChunks } from '../src/export/sarif.ts';
import { vexChunks } from '../src/export/cyclonedx-vex.ts';
import { checkTone } from '../src/voice/check-tone.ts';
import { rulesFor } from '../src/voice/voice-config.ts';

const formulaTitle = '=HYPERLINK("http://evil.example/?q=1","click, here")';
const oddRule = 'odd,"rule"\nspanning lines';

/** A parsed CSV row: every column is text. */
type Row = Record<string, string> &
  Record<
    | 'id'
    | 'service'
    | 'owner_team'
    | 'status'
    | 'priority'
    | 'due_date'
    | 'severity'
    | 'aliases'
    | 'cwe'
    | 'component'
    | 'fingerprint'
    | 'first_seen'
    | 'rule_id'
    | 'title'
    | 'location'
    | 'status_note',
    string
  >;
/** A SARIF log from three tools: CodeQL (code, with awkward titles, rule ids and paths), Gitleaks (a secret), Checkov (config). */
function codeReport(): string {
  const run = (name: string, rules: object[], results: object[]) => ({
    tool: { driver: { name, version: '2.1.0', rules } },
    results,
  });
  const at = (file: string, line: number, resource?: string) => [
    {
      physicalLocation: { artifactLocation: { uri: file }, region: { startLine: line } },
      ...(resource ? { logicalLocations: [{ fullyQualifiedName: resource }] } : {}),
    },
  ];
  return JSON.stringify({
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      run(
        'CodeQL',
        [
          {
            id: 'js/sql-injection',
            shortDescription: { text: 'Query built from "user" input, unsafely' },
            properties: { tags: ['security', 'external/cwe/cwe-089'] },
          },
          {
            id: 'js/formula',
            shortDescription: { text: formulaTitle },
            properties: { tags: ['external/cwe/cwe-1236'] },
          },
          { id: oddRule, shortDescription: { text: '+1 more reason' } },
        ],
        [
          {
            ruleId: 'js/sql-injection',
            level: 'error',
            message: { text: 'SQL built here' },
            locations: at('src/db/users.ts', 10),
          },
          {
            ruleId: 'js/formula',
            level: 'warning',
            message: { text: 'formula' },
            locations: at('-src/odd,name "x".ts', 5),
          },
          {
            ruleId: oddRule,
            level: 'note',
            message: { text: 'odd' },
            locations: at('src/@weird/path with space.ts', 7),
          },
        ],
      ),
      run(
        'Gitleaks',
        [{ id: 'aws-access-token', shortDescription: { text: 'AWS access token' } }],
        [{ ruleId: 'aws-access-token', message: { text: 'a token' }, locations: at('config/.env', 3) }],
      ),
      run(
        'Checkov',
        [{ id: 'CKV_AWS_18', shortDescription: { text: 'S3 bucket without access logging' } }],
        [
          {
            ruleId: 'CKV_AWS_18',
            message: { text: 'no logging' },
            locations: at('infra/main.tf', 1, 'aws_s3_bucket.logs'),
          },
        ],
      ),
    ],
  });
}

const lodash = { cve: 'CVE-2021-23337', pkg: 'lodash', version: '4.17.20', fixed: '4.17.21' };
const minimist = { cve: 'CVE-2021-44906', pkg: 'minimist', version: '1.2.5', fixed: '1.2.6', severity: 'CRITICAL' };
const babel = { cve: 'GHSA-p6mc-m468-83gw', pkg: '@babel/traverse', version: '7.22.0', fixed: '7.23.2' };
const oldMinimist = { cve: 'CVE-2020-7598', pkg: 'minimist', version: '1.2.0', severity: 'MEDIUM' };

/** One team's service with every status: open code, secret and config findings, a false positive, an accepted risk, a fixed one. */
async function world(e: TestEnv) {
  const engineer = `${e.uniq('eng')}@example.com`;
  const lead = `${e.uniq('lead')}@example.com`;
  const { team, service } = await e.makeService({ members: [engineer], lead });
  const admin = await e.token('admin');
  const tokens = {
    engineer: await e.token('engineer', engineer),
    lead: await e.token('engineer', lead),
    security: await e.token('security', `${e.uniq('sec')}@example.com`),
    auditor: await e.token('auditor'),
    admin,
  };
  await e.importText(service, 'codeql.sarif', codeReport());
  await e.importText(service, 'trivy.json', trivy([lodash, minimist, babel, oldMinimist]));
  const all = await list(e, admin, service);
  const byAlias = (id: string) => all.find((f) => f.aliases.includes(id))!;
  const fp = byAlias(lodash.cve);
  const accepted = byAlias(minimist.cve);
  const fixed = byAlias(oldMinimist.cve);
  const marked = await e.call('PATCH', `/api/findings/${fp.id}`, {
    token: tokens.engineer,
    json: {
      status: 'false_positive',
      comment: 'We only call lodash.template with our own constant templates, never with user input.',
    },
  });
  assert.equal(marked.status, 200, JSON.stringify(marked.body));
  const asked = await e.call('POST', '/api/exceptions', {
    token: tokens.engineer,
    json: {
      findingIds: [accepted.id],
      reason: 'minimist only parses our own CLI flags; the upgrade lands with the Node 22 move',
      controls: ['no user input reaches the parser', 'WAF rule 9421'],
    },
  });
  assert.equal(asked.status, 201, JSON.stringify(asked.body));
  assert.equal((await e.call('POST', `/api/exceptions/${asked.body.id}/approve`, { token: tokens.lead })).status, 200);
  assert.equal(
    (await e.call('POST', `/api/exceptions/${asked.body.id}/approve`, { token: tokens.security })).status,
    200,
  );
  await e.importText(service, 'trivy.json', trivy([lodash, minimist, babel]));
  const findings = await list(e, admin, service);
  const statusOf = (id: number) => findings.find((f) => f.id === id)!.status;
  assert.deepEqual(
    [statusOf(fp.id), statusOf(accepted.id), statusOf(fixed.id)],
    ['false_positive', 'accepted', 'fixed'],
  );
  return { team, service, tokens, findings, fp, accepted, fixed, exceptionId: asked.body.id as number };
}

type World = Awaited<ReturnType<typeof world>>;

async function list(e: TestEnv, token: string, service: string): Promise<any[]> {
  const r = await e.call('GET', `/api/findings?service=${encodeURIComponent(service)}&status=all&limit=500`, { token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items;
}

/** Calls the export route and returns the response with its text. */
async function exported(e: TestEnv, token: string | undefined, query: string) {
  const res = await e.app.request(`/api/findings/export?${query}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function parseWith(parser: ReportParser, name: string, text: string): Promise<ParsedFinding[]> {
  const out: ParsedFinding[] = [];
  for await (const f of parser.parse(reportFromBuffer(name, Buffer.from(text)))) out.push(f);
  return out;
}

const sorted = (xs: string[]) => [...xs].sort();
// What a spreadsheet cell that would start a formula becomes: text, with a leading apostrophe.
const inert = (s: string) => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
const open = (w: World) => w.findings.filter((f) => f.status === 'open' || f.status === 'in_progress');

describeEachEngine('export', (env) => {
  let w: World;
  before(async () => {
    w = await world(env());
    assert.equal(w.findings.length, 9);
  });

  test("SARIF has one run per tool, and Entente's own SARIF parser reads back the same fingerprints and kinds", async () => {
    const e = env();
    const r = await exported(e, w.tokens.auditor, `format=sarif&service=${w.service}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('content-type'), 'application/sarif+json');
    assert.equal(
      r.headers.get('content-disposition'),
      `attachment; filename="entente-findings-${w.service}-2026-03-02.sarif"`,
    );
    const log = JSON.parse(r.text);
    assert.equal(log.version, '2.1.0');
    assert.deepEqual(
      log.runs.map((run: any) => run.tool.driver.name),
      ['Checkov', 'CodeQL', 'Gitleaks', 'Trivy'],
    );
    const results = log.runs.flatMap((run: any) => run.results);
    assert.deepEqual(
      sorted(results.map((x: any) => x.partialFingerprints['entente/v1'])),
      sorted(w.findings.map((f) => f.fingerprint)),
    );
    for (const run of log.runs) {
      for (const result of run.results) assert.equal(run.tool.driver.rules[result.ruleIndex].id, result.ruleId);
    }
    // Suppressed results (closed findings) come back with their status as the state; everything open exactly as it was.
    const parsed = await parseWith(sarifParser, 'export.sarif', r.text);
    assert.deepEqual(
      sorted(parsed.filter((p) => !p.state).map((p) => fingerprintOf(p).value)),
      sorted(open(w).map((f) => f.fingerprint)),
    );
    const statusOf = new Map(w.findings.map((f) => [f.fingerprint, f.status]));
    for (const p of parsed.filter((x) => x.state))
      assert.equal(p.state?.status, statusOf.get(fingerprintOf(p).value), p.ruleId);
    const kindOf = new Map(w.findings.map((f) => [f.fingerprint, f.kind]));
    for (const p of parsed) assert.equal(p.kind, kindOf.get(fingerprintOf(p).value), p.ruleId);
    // Without the suppressions, every finding — closed ones included — has the same fingerprint again.
    for (const result of results) delete result.suppressions;
    const unsuppressed = await parseWith(sarifParser, 'export.sarif', JSON.stringify(log));
    assert.deepEqual(
      sorted(unsuppressed.map((p) => fingerprintOf(p).value)),
      sorted(w.findings.map((f) => f.fingerprint)),
    );
  });

  test('SARIF re-imported into another service stores the same fingerprints, open ones open and closed ones with their status', async () => {
    const e = env();
    const r = await exported(e, w.tokens.admin, `format=sarif&service=${w.service}`);
    const other = await e.makeService();
    const summary = await e.importText(other.service, 'entente-export.sarif', r.text);
    assert.deepEqual(
      [summary.created, summary.closedInReport],
      [w.findings.length, w.findings.length - open(w).length],
    );
    const stored = await list(e, w.tokens.admin, other.service);
    const closedAs = (s: string) => (s === 'in_progress' ? 'open' : s);
    assert.deepEqual(
      sorted(stored.map((f) => `${f.fingerprint} ${f.status}`)),
      sorted(w.findings.map((f) => `${f.fingerprint} ${closedAs(f.status)}`)),
    );
    const codeql = stored.find((f) => f.ruleId === 'js/sql-injection');
    assert.deepEqual(
      [codeql.location.file, codeql.location.line, codeql.cwes, codeql.severity],
      ['src/db/users.ts', 10, [89], 'high'],
    );
  });

  test('SARIF states closed findings as external suppressions with who, why and until when', async () => {
    const r = await exported(env(), w.tokens.auditor, `format=sarif&service=${w.service}`);
    const results: any[] = JSON.parse(r.text).runs.flatMap((run: any) => run.results);
    const of = (f: { fingerprint: string }) =>
      results.find((x) => x.partialFingerprints['entente/v1'] === f.fingerprint);
    const fp = of(w.fp).suppressions[0];
    assert.deepEqual([fp.kind, fp.status, fp.properties.status], ['external', 'accepted', 'false_positive']);
    assert.match(fp.justification, /false positive .*never with user input/);
    const accepted = of(w.accepted).suppressions[0].justification;
    assert.match(
      accepted,
      new RegExp(`until \\d{4}-\\d{2}-\\d{2} under exception #${w.exceptionId}: “minimist only parses`),
    );
    assert.match(accepted, /Safeguards in place meanwhile: “no user input reaches the parser”; “WAF rule 9421”/);
    assert.match(
      of(w.fixed).suppressions[0].justification,
      /^We fixed this: no scanner has reported it since 2026-03-02/,
    );
    for (const f of open(w)) assert.equal(of(f).suppressions, undefined);
    const sql = results.find((x) => x.ruleId === 'js/sql-injection');
    assert.deepEqual(
      [sql.level, sql.properties['security-severity'], sql.properties.tags.includes('external/cwe/cwe-89')],
      ['error', '8.0', true],
    );
  });

  test('CSV has a header and one row per finding, with commas, quotes, newlines and formula-looking values intact and inert', async () => {
    const r = await exported(env(), w.tokens.auditor, `format=csv&service=${w.service}&status=all`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('content-type'), 'text/csv; charset=utf-8; header=present');
    assert.match(r.headers.get('content-disposition') ?? '', /filename="entente-findings-.*\.csv"/);
    assert.ok(r.text.startsWith('id,service,owner_team,status,priority,due_date,'));
    assert.ok(r.text.endsWith('\r\n'));
    const rows: Row[] = parseCsv(r.text, { columns: true });
    assert.equal(rows.length, w.findings.length);
    for (const f of w.findings) {
      const row = rows.find((x) => x.id === String(f.id))!;
      assert.deepEqual(
        [
          row.service,
          row.owner_team,
          row.status,
          row.priority,
          row.due_date,
          row.severity,
          row.aliases,
          row.cwe,
          row.component,
          row.fingerprint,
        ],
        [
          f.service,
          f.ownerTeam,
          f.status,
          f.priority,
          f.dueAt.slice(0, 10),
          f.severity,
          f.aliases.join('; '),
          f.cwes.map((c: number) => `CWE-${c}`).join('; '),
          inert(f.component.name ?? ''),
          f.fingerprint,
        ],
      );
      assert.equal(row.first_seen, f.firstSeenAt);
    }
    const formula = rows.find((x) => x.rule_id === 'js/formula')!;
    assert.equal(formula.title, `'${formulaTitle}`);
    assert.equal(formula.location, `'-src/odd,name "x".ts:5`);
    assert.equal(rows.find((x) => x.aliases === babel.cve)!.component, "'@babel/traverse");
    const odd = rows.find((x) => x.title === "'+1 more reason")!;
    assert.equal(odd.rule_id, oddRule);
    assert.equal(rows.find((x) => x.id === String(w.fp.id))!.status_note.includes('never with user input'), true);
    for (const row of rows) for (const v of Object.values(row)) assert.doesNotMatch(v, /^[=+\-@\t\r]/);
  });

  test('CSV without a status exports the open work, like the list', async () => {
    const rows: Row[] = parseCsv((await exported(env(), w.tokens.auditor, `format=csv&service=${w.service}`)).text, {
      columns: true,
    });
    assert.deepEqual(sorted(rows.map((x) => x.id)), sorted(open(w).map((f) => String(f.id))));
  });

  test('VEX states the false positive and the accepted risk, each with its reason, against the package by purl', async () => {
    const r = await exported(env(), w.tokens.auditor, `format=cyclonedx-vex&service=${w.service}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('content-type'), 'application/vnd.cyclonedx+json; version=1.6');
    const bom = JSON.parse(r.text);
    assert.deepEqual(
      [bom.bomFormat, bom.specVersion, bom.metadata.tools.components[0].name],
      ['CycloneDX', '1.6', 'Entente'],
    );
    assert.match(bom.serialNumber, /^urn:uuid:[0-9a-f-]{36}$/);
    assert.equal(bom.vulnerabilities.length, 2);
    const fp = bom.vulnerabilities.find((v: any) => v.id === lodash.cve);
    assert.equal(fp.analysis.state, 'false_positive');
    assert.match(fp.analysis.detail, /never with user input/);
    assert.deepEqual(fp.affects, [{ ref: 'pkg:npm/lodash@4.17.20' }]);
    const acc = bom.vulnerabilities.find((v: any) => v.id === minimist.cve);
    assert.deepEqual(
      [acc.analysis.state, acc.analysis.response],
      ['exploitable', ['will_not_fix', 'workaround_available']],
    );
    assert.match(acc.analysis.detail, /We accepted this risk until \d{4}-\d{2}-\d{2}/);
    assert.equal(acc.workaround, 'no user input reaches the parser; WAF rule 9421');
    assert.deepEqual(acc.source, { name: 'NVD', url: `https://nvd.nist.gov/vuln/detail/${minimist.cve}` });
    const refs = new Set(bom.components.map((c: any) => c['bom-ref']));
    for (const v of bom.vulnerabilities) assert.ok(refs.has(v.affects[0].ref), v.affects[0].ref);
    assert.deepEqual(
      bom.components.find((c: any) => c.name === 'minimist'),
      {
        type: 'library',
        'bom-ref': 'pkg:npm/minimist@1.2.5',
        name: 'minimist',
        version: '1.2.5',
        purl: 'pkg:npm/minimist@1.2.5',
      },
    );
  });

  test("VEX read by Entente's CycloneDX parser keeps the false positive and the accepted risk (will-not-fix) with their states, same fingerprints", async () => {
    const e = env();
    const bomText = (await exported(e, w.tokens.auditor, `format=cyclonedx-vex&service=${w.service}`)).text;
    const parsed = await parseWith(cyclonedxJsonParser, 'vex.cdx.json', bomText);
    assert.deepEqual(
      sorted(parsed.map((p) => `${fingerprintOf(p).value} ${p.state?.status ?? 'open'}`)),
      sorted([`${w.accepted.fingerprint} accepted`, `${w.fp.fingerprint} false_positive`]),
    );
    const accepted = parsed.find((p) => p.state?.status === 'accepted')!;
    assert.deepEqual((accepted.detail as any).analysis, {
      state: 'exploitable',
      responses: ['will_not_fix', 'workaround_available'],
      detail: (accepted.detail as any).analysis.detail,
    });
    // Every status: open dependencies come back (in triage) with their fingerprints, closed ones with their state.
    const all = JSON.parse(
      (await exported(e, w.tokens.auditor, `format=cyclonedx-vex&service=${w.service}&status=all`)).text,
    );
    assert.deepEqual(all.properties, [
      {
        name: 'entente:without-package',
        value:
          '5 findings name no package, so this document has nothing to state about them; we list every finding in the SARIF and CSV exports.',
      },
    ]);
    const back = await parseWith(cyclonedxJsonParser, 'vex.cdx.json', JSON.stringify(all));
    const expected = w.findings
      .filter((f) => f.kind === 'dependency' && (f.status === 'open' || f.status === 'accepted'))
      .map((f) => f.fingerprint);
    assert.deepEqual(
      sorted(back.filter((p) => !p.state || p.state.status === 'accepted').map((p) => fingerprintOf(p).value)),
      sorted(expected),
    );
  });

  test('VEX imported into another service lands the false positive and the accepted risk with the same states', async () => {
    const e = env();
    const bomText = (await exported(e, w.tokens.auditor, `format=cyclonedx-vex&service=${w.service}`)).text;
    const other = await e.makeService();
    const summary = await e.importText(other.service, 'vex.cdx.json', bomText);
    assert.deepEqual([summary.created, summary.closedInReport], [2, 2]);
    const stored = await list(e, w.tokens.admin, other.service);
    assert.deepEqual(
      sorted(stored.map((f) => `${f.fingerprint} ${f.status}`)),
      sorted([`${w.accepted.fingerprint} accepted`, `${w.fp.fingerprint} false_positive`]),
    );
  });

  test("importing our own VEX back changes no finding's status", async () => {
    const e = env();
    const before = await list(e, w.tokens.admin, w.service);
    const bomText = (await exported(e, w.tokens.auditor, `format=cyclonedx-vex&service=${w.service}`)).text;
    const summary = await e.importText(w.service, 'vex.cdx.json', bomText);
    assert.deepEqual([summary.created, summary.fixed, summary.reopened], [0, 0, 0]);
    const after = await list(e, w.tokens.admin, w.service);
    assert.deepEqual(after.map((f) => [f.id, f.status]).sort(), before.map((f) => [f.id, f.status]).sort());
  });

  test("engineers export their own teams' findings; auditors export every team's; a token is needed", async () => {
    const e = env();
    const other = await e.makeService();
    await e.importText(other.service, 'trivy.json', trivy([lodash]));
    const engineerRows: Row[] = parseCsv((await exported(e, w.tokens.engineer, 'format=csv&status=all')).text, {
      columns: true,
    });
    assert.ok(engineerRows.length > 0);
    assert.deepEqual([...new Set(engineerRows.map((x) => x.owner_team))], [w.team]);
    const theirs: Row[] = parseCsv(
      (await exported(e, w.tokens.engineer, `format=csv&status=all&service=${other.service}`)).text,
      { columns: true },
    );
    assert.equal(theirs.length, 0);
    const auditorRows: Row[] = parseCsv((await exported(e, w.tokens.auditor, 'format=csv&status=all')).text, {
      columns: true,
    });
    assert.ok(auditorRows.some((x) => x.owner_team === other.team) && auditorRows.some((x) => x.owner_team === w.team));
    assert.equal((await exported(e, undefined, 'format=csv')).status, 401);
  });

  test('a wrong format, status or service is a 400 saying what and where', async () => {
    const e = env();
    const cases: [string, RegExp][] = [
      ['format=pdf', /format/],
      ['format=csv&status=closed', /status takes open, in_progress, fixed, false_positive, accepted, all; "closed"/],
      ['format=csv&priority=urgent', /priority takes act, attend, track\*, track; "urgent"/],
      ['format=sarif&service=no-such-service', /we know no service named "no-such-service"/],
      ['format=csv&team=no-such-team', /we know no team named "no-such-team"/],
    ];
    for (const [query, message] of cases) {
      const r = await exported(e, w.tokens.auditor, query);
      assert.equal(r.status, 400, query);
      const body = JSON.parse(r.text);
      assert.equal(body.error.code, 'bad_input');
      assert.match(body.error.message, message);
    }
  });

  test('streams page by page: the same SARIF, CSV and VEX whatever the page size', async () => {
    const e = env();
    const deps = { db: e.ctx.database.db, now: e.ctx.now, epssHigh: e.ctx.policy.epss.high };
    const filter = { service: w.service, status: ['all'] };
    const text = async (chunks: AsyncIterable<string>) => {
      let s = '';
      for await (const c of chunks) s += c;
      return s;
    };
    let pages = 0;
    for await (const page of findingPages(deps, filter, 'priority', 2)) {
      assert.ok(page.length <= 2);
      pages++;
    }
    assert.equal(pages, Math.ceil(w.findings.length / 2));
    assert.equal(
      await text(csvChunks(findingPages(deps, filter, 'priority', 2))),
      await text(csvChunks(findingPages(deps, filter, 'priority'))),
    );
    const run = (size?: number) =>
      (async function* () {
        yield { tool: 'Trivy', pages: findingPages(deps, { ...filter, tool: 'Trivy' }, 'priority', size) };
      })();
    const opts = { scope: 'x', exportedAt: e.clock.now.toISOString() };
    const small = await text(sarifChunks(run(1), opts));
    assert.equal(small, await text(sarifChunks(run(), opts)));
    assert.equal(JSON.parse(small).runs[0].results.length, 4);
    const vexOpts = {
      exportedAt: opts.exportedAt,
      serialNumber: 'urn:uuid:00000000-0000-4000-8000-000000000000',
      version: '0.1.0',
    };
    const vex = await text(vexChunks(findingPages(deps, filter, 'priority', 3), vexOpts));
    assert.equal(vex, await text(vexChunks(findingPages(deps, filter, 'priority'), vexOpts)));
    assert.equal(JSON.parse(vex).vulnerabilities.length, 4);
  });

  test("what the exports say about a status reads as a partner's words", async () => {
    const e = env();
    const rules = rulesFor(undefined);
    const rows: Row[] = parseCsv(
      (await exported(e, w.tokens.auditor, `format=csv&service=${w.service}&status=all`)).text,
      { columns: true },
    );
    const notes = rows.map((x) => x.status_note).filter(Boolean);
    assert.equal(notes.length, 3);
    const vex = JSON.parse(
      (await exported(e, w.tokens.auditor, `format=cyclonedx-vex&service=${w.service}&status=all`)).text,
    );
    const texts = [
      ...notes,
      vex.properties[0].value,
      ...vex.vulnerabilities.map((v: any) => v.analysis.detail).filter(Boolean),
    ];
    for (const t of texts) assert.deepEqual(checkTone(t, rules).flags, [], t);
  });
});
