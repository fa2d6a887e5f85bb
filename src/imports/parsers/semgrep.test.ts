import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { EntenteError } from '../../errors.ts';
import type { ParsedFinding, ReportInput } from '../types.ts';
import { semgrepParser } from './semgrep.ts';
import { expectBadInput, refusal, reportInput, mutatedOrCutNeverThrow } from '../../../test/support/parsing.ts';

// ---- fixtures: semgrep --json ----

const sqli = {
  check_id: 'python.django.security.injection.sql.sql-injection-using-raw.sql-injection-db-cursor-execute',
  path: './app/views.py',
  start: { line: 42, col: 9, offset: 1210 },
  end: { line: 43, col: 30, offset: 1290 },
  extra: {
    message:
      'User-controlled data from a request is passed to execute(). This could lead to a SQL injection and therefore protected information could be leaked.',
    metadata: {
      cwe: ["CWE-89: Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')"],
      owasp: ['A01:2017 - Injection', 'A03:2021 - Injection'],
      references: ['https://docs.djangoproject.com/en/3.0/topics/security/#sql-injection-protection'],
      category: 'security',
      technology: ['django'],
      confidence: 'HIGH',
      likelihood: 'MEDIUM',
      impact: 'HIGH',
      subcategory: ['vuln'],
      vulnerability_class: ['SQL Injection'],
      source:
        'https://semgrep.dev/r/python.django.security.injection.sql.sql-injection-using-raw.sql-injection-db-cursor-execute',
      shortlink: 'https://sg.run/2b1L',
    },
    severity: 'ERROR',
    fingerprint: '8e1f0e6b6c2a4f1d9c0a7f3e2b1d4c5a',
    lines: '        cursor.execute("SELECT * FROM users WHERE name = \'%s\'" % request.GET["name"])',
    is_ignored: false,
    engine_kind: 'OSS',
    validation_state: 'NO_VALIDATOR',
  },
};

const awsKey = {
  check_id: 'generic.secrets.security.detected-aws-access-key-id-value.detected-aws-access-key-id-value',
  path: 'deploy/settings.env',
  start: { line: 3, col: 19 },
  end: { line: 3, col: 39 },
  extra: {
    message: 'AWS Access Key ID Value detected. This is a sensitive credential and should not be hardcoded here.',
    metadata: { cwe: ['CWE-798: Use of Hard-coded Credentials'], category: 'security', technology: ['secrets', 'aws'] },
    severity: 'ERROR',
    lines: 'AWS_ACCESS_KEY_ID=AKIAJ7QXZ3EXAMPLEKEY',
  },
};

const flush = {
  check_id: 'python.lang.correctness.tempfile.flush.tempfile-without-flush',
  path: 'tasks.py',
  start: { line: 186, col: 39 },
  end: { line: 186, col: 48 },
  extra: {
    message: "Using 'temp.name' without '.flush()' may cause an error.",
    metadata: {},
    severity: 'INFO',
    lines: 'requires login',
    fingerprint: 'requires login',
  },
};

const ginSca = {
  check_id: 'ssc-0ddf890152a281f12fd6d01c3953da8d88ce2e7b',
  path: 'go.mod',
  start: { line: 6, col: 1, offset: 0 },
  end: { line: 6, col: 1, offset: 0 },
  extra: {
    message:
      'Affected versions of github.com/gin-gonic/gin are vulnerable to Download of Code Without Integrity Check.',
    metadata: {
      confidence: 'LOW',
      category: 'security',
      cve: 'CVE-2023-29401',
      ghsa: 'GHSA-2c4m-59x9-fr2g',
      cwe: ['CWE-494: Download of Code Without Integrity Check'],
      owasp: ['A06:2021 - Vulnerable and Outdated Components'],
      references: [
        'https://github.com/advisories/GHSA-2c4m-59x9-fr2g',
        'https://nvd.nist.gov/vuln/detail/CVE-2023-29401',
      ],
      'sca-fix-versions': [{ 'github.com/gin-gonic/gin': '1.9.1' }],
      'sca-kind': 'legacy',
      'sca-severity': 'MODERATE',
      'sca-vuln-database-identifier': 'CVE-2023-29401',
    },
    severity: 'WARNING',
    fingerprint: 'b2f1c9d8e7a6',
    lines: '\tgithub.com/gin-gonic/gin v1.6.3 // indirect',
    is_ignored: false,
    sca_info: {
      reachability_rule: false,
      sca_finding_schema: 20220913,
      reachable: false,
      dependency_match: {
        dependency_pattern: {
          ecosystem: 'gomod',
          package: 'github.com/gin-gonic/gin',
          semver_range: '>=1.3.1-0.20190301021747-ccb9e902956d, <1.9.1',
        },
        found_dependency: {
          package: 'github.com/gin-gonic/gin',
          version: '1.6.3',
          ecosystem: 'gomod',
          allowed_hashes: {},
          resolved_url: 'github.com/gin-gonic/gin',
          transitivity: 'transitive',
          manifest_path: 'go.mod',
          lockfile_path: 'go.mod',
          line_number: 6,
        },
        lockfile: 'go.mod',
      },
    },
    engine_kind: 'OSS',
  },
};

function report(results: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: '1.84.1',
    results,
    errors: [],
    paths: { scanned: ['app/views.py'] },
    interfile_languages_used: [],
    skipped_rules: [],
    ...extra,
  };
}

// ---- fixtures: the Supply Chain API export ----

const grpcRule = JSON.stringify({
  id: 'ssc-82207871-bbda-49be-b1af-49fd927a2f93',
  'r2c-internal-project-depends-on': {
    'depends-on-either': [
      { namespace: 'gem', package: 'grpc', version: '< 1.53.0' },
      { namespace: 'pypi', package: 'grpcio', version: '< 1.53.0' },
    ],
  },
});

function apiVuln(repository: string, version: string): Record<string, unknown> {
  return {
    title: 'Reachable Assertion in grpc',
    advisory: {
      ruleId: 'ssc-82207871-bbda-49be-b1af-49fd927a2f93',
      title: 'Reachable Assertion in grpc',
      description: 'grpcio versions before 1.53.0 are vulnerable to Reachable Assertion. ',
      ecosystem: 'gem',
      severity: 'HIGH',
      references: {
        cveIds: ['CVE-2023-1428'],
        cweIds: ['CWE-617: Reachable Assertion'],
        owaspIds: ['A06:2021 - Vulnerable and Outdated Components'],
        urls: ['https://github.com/advisories/GHSA-6628-q6j9-w8vg', 'https://nvd.nist.gov/vuln/detail/CVE-2023-1428'],
      },
      ruleText: grpcRule,
      reachability: 'MANUAL_REVIEW_REACHABLE',
      vulnerableDependencies: [{ name: 'grpc', versionSpecifier: '< 1.53.0' }],
      safeDependencies: [
        { name: 'grpc', versionSpecifier: '1.53.0' },
        { name: 'grpcio', versionSpecifier: '1.53.0' },
      ],
    },
    exposureType: 'REACHABLE',
    repositoryId: '136260',
    matchedDependency: { name: 'grpcio', versionSpecifier: version },
    dependencyFileLocation: {
      path: 'requirements3.txt',
      startLine: '130',
      url: 'https://git.example.com/requirements3.txt#L130',
      startCol: '0',
      endLine: '0',
      endCol: '0',
    },
    triage: { status: 'NEW', dismissReason: 'UNKNOWN_REASON', issueUrl: '', prUrl: '' },
    groupKey: `136260::::ssc-82207871::reachable`,
    repositoryName: repository,
    openedAt: '2023-07-15T12:51:53Z',
    transitivity: 'TRANSITIVE',
    subdirectory: '',
    usages: [],
    packageManager: 'no_package_manager',
  };
}

// ---- helpers ----

const input = (text: string, name = 'semgrep.json'): ReportInput => reportInput(text, name);

async function parseWithTools(doc: unknown): Promise<{ found: ParsedFinding[]; tools: string[] }> {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2);
  const found: ParsedFinding[] = [];
  const tools: string[] = [];
  for await (const f of semgrepParser.parse(input(text), { tool: (n, v) => tools.push(v ? `${n} ${v}` : n) }))
    found.push(f);
  return { found, tools };
}

const parse = async (doc: unknown): Promise<ParsedFinding[]> => (await parseWithTools(doc)).found;

const badInputOf = (doc: unknown): Promise<EntenteError> => refusal(() => parse(doc));

describe('Semgrep code results', () => {
  test('give a code finding with rule id, CWE, location, severity, references and metadata in detail', async () => {
    const [f] = await parse(report([sqli]));
    assert.ok(f);
    assert.equal(f.tool, 'Semgrep');
    assert.equal(f.toolVersion, '1.84.1');
    assert.equal(f.kind, 'code');
    assert.equal(f.ruleId, sqli.check_id);
    assert.equal(f.title, 'User-controlled data from a request is passed to execute().');
    assert.equal(f.description, sqli.extra.message);
    assert.equal(f.severity, 'high');
    assert.deepEqual(f.cwes, [89]);
    assert.deepEqual(f.aliases, []);
    assert.deepEqual(f.location, { file: 'app/views.py', line: 42, endLine: 43, column: 9 });
    assert.deepEqual(f.references, [
      'https://docs.djangoproject.com/en/3.0/topics/security/#sql-injection-protection',
      sqli.extra.metadata.source,
      'https://sg.run/2b1L',
    ]);
    assert.deepEqual(f.detail, {
      confidence: 'HIGH',
      likelihood: 'MEDIUM',
      impact: 'HIGH',
      category: 'security',
      subcategory: ['vuln'],
      owasp: ['A01:2017 - Injection', 'A03:2021 - Injection'],
      vulnerabilityClass: ['SQL Injection'],
      technology: ['django'],
      fingerprint: '8e1f0e6b6c2a4f1d9c0a7f3e2b1d4c5a',
      engineKind: 'OSS',
      validationState: 'NO_VALIDATOR',
      snippet: sqli.extra.lines,
    });
  });

  test('map Semgrep levels as its platform shows them, and the newer level words as written', async () => {
    const at = (severity: string, line: number) => ({
      ...flush,
      start: { line, col: 1 },
      extra: { ...flush.extra, severity },
    });
    const found = await parse(
      report([at('ERROR', 1), at('WARNING', 2), at('INFO', 3), at('CRITICAL', 4), at('LOW', 5), at('EXPERIMENT', 6)]),
    );
    assert.deepEqual(
      found.map((f) => f.severity),
      ['high', 'medium', 'low', 'critical', 'low', 'info'],
    );
  });

  test('read a CWE written as one string, several CWEs, and CWE-less rules', async () => {
    const one = { ...sqli, extra: { ...sqli.extra, metadata: { cwe: 'CWE-696: Incorrect Behavior Order' } } };
    const two = {
      ...sqli,
      path: 'b.py',
      extra: {
        ...sqli.extra,
        metadata: {
          cwe: ['CWE-327: Use of a Broken or Risky Cryptographic Algorithm', 'CWE-696: Incorrect Behavior Order'],
        },
      },
    };
    const none = { ...flush };
    assert.deepEqual(
      (await parse(report([one, two, none]))).map((f) => f.cwes),
      [[696], [327, 696], []],
    );
  });

  // The peer keeps one finding too: Semgrep repeats a match when metavariables bind differently.
  test('merge repeated matches of one rule on one line into one finding that counts them', async () => {
    const found = await parse(
      report([
        sqli,
        { ...sqli, start: { line: 42, col: 20 } },
        { ...sqli, start: { line: 50, col: 9 }, end: { line: 50, col: 20 } },
      ]),
    );
    assert.equal(found.length, 2);
    assert.equal(found[0]?.detail?.occurrences, 2);
    assert.equal(found[1]?.detail?.occurrences, undefined);
  });

  test('never keep the matched text of a secrets rule', async () => {
    const [f] = await parse(report([awsKey]));
    assert.equal(f?.kind, 'code');
    assert.deepEqual(f?.cwes, [798]);
    assert.ok(!JSON.stringify(f).includes('AKIAJ7QXZ3EXAMPLEKEY'));
  });

  test('treat Semgrep Secrets results as secrets', async () => {
    const [f] = await parse(
      report([
        {
          ...awsKey,
          extra: {
            ...awsKey.extra,
            validation_state: 'CONFIRMED_VALID',
            metadata: { ...awsKey.extra.metadata, product: 'secrets' },
          },
        },
      ]),
    );
    assert.equal(f?.kind, 'secret');
    assert.equal(f?.detail?.validationState, 'CONFIRMED_VALID');
  });

  test('drop the "requires login" placeholders and skip results Semgrep marks as ignored', async () => {
    const found = await parse(report([flush, { ...sqli, extra: { ...sqli.extra, is_ignored: true } }]));
    assert.equal(found.length, 1);
    assert.equal(found[0]?.detail?.snippet, undefined);
    assert.equal(found[0]?.detail?.fingerprint, undefined);
  });

  test('read a report with no results, and say Semgrep ran', async () => {
    const { found, tools } = await parseWithTools({ results: [], errors: [] });
    assert.deepEqual(found, []);
    assert.deepEqual(tools, ['Semgrep']);
  });
});

describe('Semgrep Supply Chain results', () => {
  test('give a dependency finding with the advisory as rule id, aliases, purl, fix version and lockfile', async () => {
    const [f] = await parse(report([ginSca]));
    assert.ok(f);
    assert.equal(f.tool, 'Semgrep Supply Chain');
    assert.equal(f.kind, 'dependency');
    assert.equal(f.ruleId, 'CVE-2023-29401');
    assert.deepEqual(f.aliases, ['CVE-2023-29401', 'GHSA-2c4m-59x9-fr2g']);
    assert.deepEqual(f.cwes, [494]);
    assert.equal(f.severity, 'medium');
    assert.deepEqual(f.component, {
      name: 'github.com/gin-gonic/gin',
      version: '1.6.3',
      purl: 'pkg:golang/github.com/gin-gonic/gin@1.6.3',
      ecosystem: 'golang',
    });
    assert.equal(f.fixedVersion, '1.9.1');
    assert.deepEqual(f.location, { file: 'go.mod', line: 6, endLine: 6, column: 1, target: 'go.mod' });
    assert.equal(f.detail?.reachable, false);
    assert.equal(f.detail?.transitivity, 'transitive');
    assert.equal(f.detail?.semgrepRule, ginSca.check_id);
  });

  test('declare Semgrep Supply Chain beside Semgrep, and alone when every result is a Supply Chain one', async () => {
    assert.deepEqual((await parseWithTools(report([sqli, ginSca]))).tools, [
      'Semgrep 1.84.1',
      'Semgrep Supply Chain 1.84.1',
    ]);
    assert.deepEqual((await parseWithTools(report([ginSca]))).tools, ['Semgrep Supply Chain 1.84.1']);
  });

  // The peer dedupes the export by title, file and line (18 on its sample of 22, all in different repositories):
  // two repositories that pin grpcio in requirements3.txt at line 130 are two places to fix.
  test('read the API export, one finding per vulnerable dependency of each repository (Entente: 2, peer: 1)', async () => {
    const { found, tools } = await parseWithTools({
      vulns: [apiVuln('example/wdof', '1.39.0'), apiVuln('example/wcpf', '1.39.0')],
      hasMore: false,
      cursor: '1',
    });
    assert.deepEqual(tools, ['Semgrep Supply Chain']);
    assert.equal(found.length, 2);
    const [f] = found;
    assert.equal(f?.ruleId, 'CVE-2023-1428');
    assert.deepEqual(f?.aliases, ['CVE-2023-1428', 'GHSA-6628-q6j9-w8vg']);
    assert.deepEqual(f?.cwes, [617]);
    assert.equal(f?.severity, 'high');
    // The advisory says "gem", but its rule names grpcio's ecosystem: PyPI.
    assert.deepEqual(f?.component, {
      name: 'grpcio',
      version: '1.39.0',
      purl: 'pkg:pypi/grpcio@1.39.0',
      ecosystem: 'pypi',
    });
    assert.equal(f?.fixedVersion, '1.53.0');
    assert.deepEqual(
      found.map((x) => x.location),
      [
        { file: 'requirements3.txt', line: 130, target: 'example/wdof' },
        { file: 'requirements3.txt', line: 130, target: 'example/wcpf' },
      ],
    );
    assert.equal(f?.detail?.dismissReason, undefined);
    assert.equal(f?.detail?.exposure, 'REACHABLE');
  });

  test('not declare a run for one page of a longer export, which does not say what the other pages hold', async () => {
    const { found, tools } = await parseWithTools({
      vulns: [apiVuln('example/wdof', '1.39.0')],
      hasMore: true,
      cursor: '19922841',
    });
    assert.equal(found.length, 1);
    assert.deepEqual(tools, []);
  });
});

describe('Semgrep detection', () => {
  test('recognises code results, empty reports, errors-first reports and the API export', () => {
    const heads = [
      JSON.stringify(report([sqli]), null, 2),
      '{\n  "errors": [ ],\n  "results": [\n    {\n      "check_id": "javascript.express.security.audit.x",\n      "end": {',
      '{"results": [], "errors": []}',
      `{"errors": [${Array(40).fill('{"code": 3, "level": "warn", "type": "Syntax error", "message": "Syntax error at line x.py:1", "path": "x.py"}').join(',')}`,
      JSON.stringify({ vulns: [apiVuln('a/b', '1.0.0')], hasMore: true, cursor: '2' }),
    ];
    for (const h of heads) assert.ok(semgrepParser.detect(h.slice(0, 4096), 'semgrep.json'), h.slice(0, 80));
  });

  test('refuses Bandit, Trivy, SARIF, npm audit, Snyk and Gitleaks heads', () => {
    const heads = [
      '{\n  "errors": [],\n  "generated_at": "2021-03-30T18:23:12Z",\n  "metrics": {\n    "_totals": {',
      '{\n  "errors": [\n    {\n      "filename": "./bad.py",\n      "reason": "syntax error while parsing AST from file"\n    }\n  ],\n  "generated_at": "2026-11-23T10:35:10Z",\n  "metrics": {},\n  "results": []\n}',
      '{\n  "SchemaVersion": 2,\n  "ArtifactName": ".",\n  "Results": [',
      '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"Semgrep OSS"}},"results":[]}]}',
      '{"auditReportVersion": 2, "vulnerabilities": {}}',
      '{\n  "vulnerabilities": [],\n  "ok": true,\n  "dependencyCount": 0,',
      '[{"RuleID": "aws-access-token", "File": "a.env", "StartLine": 1}]',
      'null',
      '',
    ];
    for (const h of heads) assert.equal(semgrepParser.detect(h, 'report.json'), false, h.slice(0, 60));
  });
});

describe('Semgrep errors', () => {
  test('a truncated report is refused with the file, line and column', async () => {
    const text = JSON.stringify(report([sqli, ginSca]), null, 2);
    const cut = text.slice(0, 1500);
    const err = await badInputOf(cut);
    assert.match(
      err.message,
      new RegExp(`semgrep\\.json: not valid JSON at line ${cut.split('\n').length}, column \\d+`),
    );
  });

  test('wrong types are refused with the JSON path at fault', async () => {
    assert.match((await badInputOf({ results: {} })).message, /at results,/);
    assert.match((await badInputOf(report([sqli, 'oops']))).message, /results\[1\]/);
    assert.match((await badInputOf(report([{ ...sqli, check_id: ['x'] }]))).message, /results\[0\]\.check_id/);
    assert.match((await badInputOf(report([{ ...sqli, extra: 'x' }]))).message, /results\[0\]\.extra/);
    assert.match((await badInputOf(report([{ ...sqli, path: null }]))).message, /results\[0\]\.path/);
    assert.match(
      (await badInputOf(report([{ ...ginSca, extra: { ...ginSca.extra, sca_info: [] } }]))).message,
      /results\[0\]\.extra\.sca_info/,
    );
    assert.match((await badInputOf({ vulns: [apiVuln('a/b', '1'), { advisory: 3 }] })).message, /vulns\[1\]\.advisory/);
  });

  test('a JSON document that is not a Semgrep report is refused', async () => {
    await badInputOf({ runs: [] });
    await badInputOf('[]');
    await badInputOf('null');
  });

  test('never fails with anything but a bad-input error, whatever JSON it is given', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        await parse(value).catch(expectBadInput);
        await parse({ results: value }).catch(expectBadInput);
        await parse({ results: [value] }).catch(expectBadInput);
        await parse({ vulns: [value] }).catch(expectBadInput);
      }),
      { numRuns: 300 },
    );
  });

  test('never fails with anything but a bad-input error on mutated or cut real-shaped reports', async () => {
    const seeds = [report([sqli, awsKey, flush, ginSca]), { vulns: [apiVuln('a/b', '1.39.0')], hasMore: false }];
    await mutatedOrCutNeverThrow(parse, seeds);
  });
});
