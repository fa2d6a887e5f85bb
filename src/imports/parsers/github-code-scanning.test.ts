import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EntenteError } from '../../errors.ts';
import { fingerprintOf } from '../fingerprint.ts';
import type { ParsedFinding } from '../types.ts';
import { githubCodeScanningParser } from './github-code-scanning.ts';
import { sarifParser } from './sarif.ts';
import { detectParser, parserByFormat } from './index.ts';
import { reportFromBuffer } from '../report-input.ts';
import { reportInput, refusal } from '../../../test/support/parsing.ts';

// ---- fixtures: alerts shaped like GET /repos/{owner}/{repo}/code-scanning/alerts ----

const repo = 'https://api.github.com/repos/acme/checkout';

const sqlAlert = (extra: Record<string, unknown> = {}) => ({
  number: 42,
  created_at: '2026-02-01T10:00:00Z',
  updated_at: '2026-02-03T08:00:00Z',
  url: `${repo}/code-scanning/alerts/42`,
  html_url: 'https://github.com/acme/checkout/security/code-scanning/42',
  state: 'open',
  fixed_at: null,
  dismissed_by: null,
  dismissed_at: null,
  dismissed_reason: null,
  dismissed_comment: null,
  rule: {
    id: 'js/sql-injection',
    severity: 'error',
    security_severity_level: 'high',
    description: 'Database query built from user-controlled sources',
    name: 'js/sql-injection',
    full_description:
      'Building a database query from user-controlled sources is vulnerable to insertion of malicious code by the user.',
    tags: ['correctness', 'external/cwe/cwe-089', 'external/cwe/cwe-090', 'security'],
    help: '# Database query built from user-controlled sources\n\nIf a database query is built from user-provided data without sufficient sanitization, …',
    help_uri: 'https://codeql.github.com/codeql-query-help/javascript/js-sql-injection/',
  },
  tool: { name: 'CodeQL', guid: null, version: '2.19.3' },
  most_recent_instance: {
    ref: 'refs/heads/main',
    analysis_key: '.github/workflows/codeql.yml:analyze',
    environment: '{"language":"javascript"}',
    category: '/language:javascript',
    state: 'open',
    commit_sha: '39406e42cb832f683daa691dd652a8dc36ee8930',
    message: { text: 'This query string depends on a user-provided value.' },
    location: { path: 'src/db/orders.js', start_line: 21, end_line: 21, start_column: 5, end_column: 48 },
    classifications: [],
  },
  instances_url: `${repo}/code-scanning/alerts/42/instances`,
  ...extra,
});

const dismissed = (reason: string | null, comment: string | null) =>
  sqlAlert({
    number: 43,
    state: 'dismissed',
    dismissed_by: { login: 'sam', id: 7 },
    dismissed_at: '2026-02-04T09:00:00Z',
    dismissed_reason: reason,
    dismissed_comment: comment,
  });

const trivyAlert = () =>
  sqlAlert({
    number: 44,
    rule: {
      id: 'CVE-2021-44228',
      severity: 'error',
      security_severity_level: 'critical',
      description: 'log4j-core: Remote code injection in Log4j',
      name: 'OsPackageVulnerability',
      tags: ['vulnerability', 'security', 'CRITICAL'],
    },
    tool: { name: 'Trivy', guid: null, version: '0.57.0' },
    most_recent_instance: {
      ref: 'refs/heads/main',
      state: 'open',
      commit_sha: 'abc',
      message: {
        text: 'Package: org.apache.logging.log4j:log4j-core\nInstalled Version: 2.14.1\nVulnerability CVE-2021-44228\nSeverity: CRITICAL\nFixed Version: 2.15.0',
      },
      location: { path: 'app/pom.xml', start_line: 1, end_line: 1, start_column: 1, end_column: 1 },
    },
  });

const list = (...alerts: unknown[]): string => JSON.stringify(alerts, null, 2);

async function parse(text: string, name = 'alerts.json'): Promise<ParsedFinding[]> {
  const out: ParsedFinding[] = [];
  for await (const f of githubCodeScanningParser.parse(reportInput(text, name))) out.push(f);
  return out;
}

describe('GitHub code scanning alerts', () => {
  test('become findings of the tool that uploaded them, with its rule, CWEs, security severity, place and the alert', async () => {
    const [f] = await parse(list(sqlAlert()));
    assert.deepEqual(
      {
        tool: f!.tool,
        toolVersion: f!.toolVersion,
        ruleId: f!.ruleId,
        kind: f!.kind,
        severity: f!.severity,
        cwes: f!.cwes,
        location: f!.location,
        title: f!.title,
      },
      {
        tool: 'CodeQL',
        toolVersion: '2.19.3',
        ruleId: 'js/sql-injection',
        kind: 'code',
        severity: 'high',
        cwes: [89, 90],
        location: { file: 'src/db/orders.js', line: 21, column: 5 },
        title: 'Database query built from user-controlled sources',
      },
    );
    assert.match(f!.description!, /^Building a database query/);
    assert.deepEqual(f!.references, ['https://codeql.github.com/codeql-query-help/javascript/js-sql-injection/']);
    assert.deepEqual(f!.detail, {
      alertNumber: 42,
      alertUrl: 'https://github.com/acme/checkout/security/code-scanning/42',
      state: 'open',
      ref: 'refs/heads/main',
      commit: '39406e42cb832f683daa691dd652a8dc36ee8930',
      category: '/language:javascript',
      message: 'This query string depends on a user-provided value.',
      createdAt: '2026-02-01T10:00:00Z',
    });
    assert.equal(f!.state, undefined);
  });

  test("have the fingerprint of the same result in the tool's SARIF log", async () => {
    const [alert] = await parse(list(sqlAlert()));
    const sarif = JSON.stringify({
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'CodeQL',
              rules: [
                {
                  id: 'js/sql-injection',
                  properties: { tags: ['security', 'external/cwe/cwe-089', 'external/cwe/cwe-090'] },
                },
              ],
            },
          },
          results: [
            {
              ruleId: 'js/sql-injection',
              message: { text: 'This query string depends on a user-provided value.' },
              locations: [
                { physicalLocation: { artifactLocation: { uri: 'src/db/orders.js' }, region: { startLine: 21 } } },
              ],
            },
          ],
        },
      ],
    });
    const fromSarif: ParsedFinding[] = [];
    for await (const f of sarifParser.parse(reportInput(sarif, 'codeql.sarif'))) fromSarif.push(f);
    assert.equal(fingerprintOf(alert!).value, fingerprintOf(fromSarif[0]!).value);
  });

  test("dismissed alerts are closed by the report: false positive or used in tests as false positive, won't fix as accepted", async () => {
    const found = await parse(
      list(
        dismissed('false positive', 'sanitised by the ORM'),
        dismissed('used in tests', null),
        dismissed("won't fix", 'internal admin tool only'),
        dismissed(null, null),
      ),
    );
    assert.deepEqual(
      found.map((f) => f.state),
      [
        {
          status: 'false_positive',
          reason: 'dismissed in GitHub code scanning by sam: false positive: sanitised by the ORM',
        },
        { status: 'false_positive', reason: 'dismissed in GitHub code scanning by sam: used in tests' },
        { status: 'accepted', reason: "dismissed in GitHub code scanning by sam: won't fix: internal admin tool only" },
        { status: 'accepted', reason: 'dismissed in GitHub code scanning by sam' },
      ],
    );
  });

  test('fixed alerts are closed as fixed; a state GitHub may add later is read as open', async () => {
    const found = await parse(
      list(
        sqlAlert({ state: 'fixed', fixed_at: '2026-02-05T00:00:00Z' }),
        sqlAlert({ state: 'closed' }),
        sqlAlert({ state: 'reopened_by_someone' }),
      ),
    );
    assert.deepEqual(
      found.map((f) => f.state?.status),
      ['fixed', 'fixed', undefined],
    );
  });

  test("a dependency scanner's alert is a dependency finding with its package, version and fix", async () => {
    const [f] = await parse(list(trivyAlert()));
    assert.equal(f!.kind, 'dependency');
    assert.deepEqual(f!.aliases, ['CVE-2021-44228']);
    assert.deepEqual(
      [f!.component?.name, f!.component?.version, f!.fixedVersion, f!.severity],
      ['org.apache.logging.log4j:log4j-core', '2.14.1', '2.15.0', 'critical'],
    );
  });

  test('pages one after another (gh api --paginate) or as a list of pages (--slurp) read as one list', async () => {
    const one = await parse(list(sqlAlert(), trivyAlert(), dismissed("won't fix", null)));
    const paginated = await parse(`${list(sqlAlert(), trivyAlert())}\n${list(dismissed("won't fix", null))}\n`);
    const slurped = await parse(JSON.stringify([[sqlAlert(), trivyAlert()], [dismissed("won't fix", null)]]));
    assert.equal(one.length, 3);
    assert.deepEqual(paginated, one);
    assert.deepEqual(slurped, one);
  });

  test("an organisation's list names each alert's repository; the tools of the list are its runs", async () => {
    const tools: string[] = [];
    const out: ParsedFinding[] = [];
    for await (const f of githubCodeScanningParser.parse(
      reportInput(list(sqlAlert({ repository: { full_name: 'acme/checkout' } }), trivyAlert()), 'org.json'),
      { tool: (t) => void tools.push(t) },
    ))
      out.push(f);
    assert.equal(out[0]!.detail?.repository, 'acme/checkout');
    assert.deepEqual([...new Set(tools)].sort(), ['CodeQL', 'Trivy']);
  });
});

describe('GitHub code scanning detection', () => {
  test('recognises a list of alerts, pages of them, and one whose rule help fills the head', () => {
    const detect = (text: string) => detectParser(reportFromBuffer('alerts.json', Buffer.from(text))).format;
    assert.equal(detect(list(sqlAlert())), 'github-code-scanning');
    assert.equal(detect(JSON.stringify([[sqlAlert()]])), 'github-code-scanning');
    const longHelp = sqlAlert({ rule: { ...sqlAlert().rule, help: 'x'.repeat(6000) } });
    assert.equal(detect(JSON.stringify([longHelp])), 'github-code-scanning', "the alert's URLs come before its rule");
    assert.equal(parserByFormat('github-code-scanning'), githubCodeScanningParser);
  });

  test('leaves Dependabot alerts, Gitleaks, Nuclei and SARIF to their parsers', () => {
    const dependabot = [
      {
        number: 7,
        state: 'open',
        dependency: { package: { ecosystem: 'pip', name: 'django' } },
        security_advisory: { ghsa_id: 'GHSA-xxxx' },
        security_vulnerability: {},
        url: `${repo}/dependabot/alerts/7`,
        html_url: 'x',
      },
    ];
    assert.equal(githubCodeScanningParser.detect(JSON.stringify(dependabot), 'a.json'), false);
    assert.equal(
      githubCodeScanningParser.detect(
        '[{"RuleID": "aws-access-token", "File": "a.env", "StartLine": 3}]',
        'leaks.json',
      ),
      false,
    );
    assert.equal(githubCodeScanningParser.detect('{"version": "2.1.0", "runs": []}', 'x.sarif'), false);
    assert.equal(githubCodeScanningParser.detect('[]', 'alerts.json'), false);
  });
});

describe('GitHub code scanning errors', () => {
  test('an object instead of a list, an alert without its rule, and broken JSON are refused with where', async () => {
    assert.match(
      (await refusal(() => parse('{"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}')))
        .message,
      /alerts\.json: not GitHub code scanning alerts: expected a list of alerts/,
    );
    assert.match(
      (await refusal(() => parse(list(sqlAlert(), { number: 2, rule: 'js/xss' })))).message,
      /expected an object at \[1\]\.rule/,
    );
    assert.match(
      (await refusal(() => parse(`${list(sqlAlert())}\n[{"number": 3,\n "rule": }]`))).message,
      /not valid JSON at line \d+, column \d+/,
    );
    assert.match(
      (await refusal(() => parse(`${list(sqlAlert())}\n{"message": "API rate limit exceeded"}`))).message,
      /as page 2/,
    );
  });

  test('never fails with anything but a bad-input error, whatever JSON it is given', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (v) => {
        try {
          await parse(JSON.stringify([v, sqlAlert()]));
        } catch (e) {
          assert.ok(e instanceof EntenteError && e.code === 'bad_input', String(e));
        }
      }),
      { numRuns: 300 },
    );
  });
});
