import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { EntenteError } from '../../errors.ts';
import type { ParsedFinding, ReportInput } from '../types.ts';
import { banditParser } from './bandit.ts';
import { addToRows, type ImportRow } from '../normalise.ts';
import { expectBadInput, refusal, reportInput, mutatedOrCutNeverThrow } from '../../../test/support/parsing.ts';

// ---- fixtures: what Debian's bandit 1.6.2 writes (no CWE, no columns), and what Bandit 1.7.3+ adds ----

const shell = {
  code: '3 def f(x):\n4     subprocess.call(x, shell=True)\n5     hashlib.md5(x)\n',
  filename: './app.py',
  issue_confidence: 'HIGH',
  issue_severity: 'HIGH',
  issue_text: 'subprocess call with shell=True identified, security issue.',
  line_number: 4,
  line_range: [4],
  more_info: 'https://bandit.readthedocs.io/en/latest/plugins/b602_subprocess_popen_with_shell_equals_true.html',
  test_id: 'B602',
  test_name: 'subprocess_popen_with_shell_equals_true',
};

const sql = {
  code: "50     # copy the table\n51     copy_string = 'INSERT INTO `' + new_table + '` SELECT * FROM `' + table + '`;'\n52     cursor.execute(str(copy_string))\n",
  filename: 'dojo/management/commands/migrate_surveys.py',
  issue_confidence: 'LOW',
  issue_severity: 'MEDIUM',
  issue_text: 'Possible SQL injection vector through string-based query construction.',
  line_number: 51,
  line_range: [51],
  more_info: 'https://bandit.readthedocs.io/en/latest/plugins/b608_hardcoded_sql_expressions.html',
  test_id: 'B608',
  test_name: 'hardcoded_sql_expressions',
};

const tryPass = {
  code: '10     pass\n11 except:\n12     pass\n',
  filename: './app.py',
  issue_confidence: 'HIGH',
  issue_severity: 'LOW',
  issue_text: 'Try, Except, Pass detected.',
  line_number: 11,
  line_range: [11, 12],
  more_info: 'https://bandit.readthedocs.io/en/latest/plugins/b110_try_except_pass.html',
  test_id: 'B110',
  test_name: 'try_except_pass',
};

const password = {
  code: '1 import x\n2 x.login(password="hunter2")\n3 def g(password="s3cret"):\n',
  filename: './pw.py',
  issue_confidence: 'MEDIUM',
  issue_severity: 'LOW',
  issue_text: "Possible hardcoded password: 'hunter2'",
  line_number: 2,
  line_range: [2],
  more_info: 'https://bandit.readthedocs.io/en/latest/plugins/b106_hardcoded_password_funcarg.html',
  test_id: 'B106',
  test_name: 'hardcoded_password_funcarg',
};

/** Bandit 1.7.3+ adds the CWE and columns. */
const withCwe = {
  ...shell,
  issue_cwe: { id: 78, link: 'https://cwe.mitre.org/data/definitions/78.html' },
  col_offset: 4,
  end_col_offset: 34,
};

function report(results: unknown[], errors: unknown[] = []): Record<string, unknown> {
  const totals = {
    'CONFIDENCE.HIGH': 2.0,
    'CONFIDENCE.LOW': 0.0,
    'CONFIDENCE.MEDIUM': 0.0,
    'CONFIDENCE.UNDEFINED': 0.0,
    'SEVERITY.HIGH': 1.0,
    'SEVERITY.LOW': 1.0,
    'SEVERITY.MEDIUM': 0.0,
    'SEVERITY.UNDEFINED': 0.0,
    loc: 13,
    nosec: 0,
  };
  return { errors, generated_at: '2026-11-23T10:35:10Z', metrics: { './app.py': totals, _totals: totals }, results };
}

const input = (text: string, name = 'bandit.json'): ReportInput => reportInput(text, name);

async function parseWithTools(doc: unknown): Promise<{ found: ParsedFinding[]; tools: string[] }> {
  // Bandit writes sorted keys, two-space indents and ", " / ": " separators (json.dumps(sort_keys=True, indent=2)).
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2);
  const found: ParsedFinding[] = [];
  const tools: string[] = [];
  for await (const f of banditParser.parse(input(text), { tool: (n) => tools.push(n) })) found.push(f);
  return { found, tools };
}

const parse = async (doc: unknown): Promise<ParsedFinding[]> => (await parseWithTools(doc)).found;

const badInputOf = (doc: unknown): Promise<EntenteError> => refusal(() => parse(doc));

describe('Bandit reports', () => {
  test("read Debian's bandit 1.6 output: test id, severity, confidence, location, snippet and the test's CWE", async () => {
    const { found, tools } = await parseWithTools(report([shell]));
    assert.deepEqual(tools, ['Bandit']);
    const [f] = found;
    assert.ok(f);
    assert.equal(f.tool, 'Bandit');
    assert.equal(f.kind, 'code');
    assert.equal(f.ruleId, 'B602');
    assert.equal(f.title, 'subprocess call with shell=True identified, security issue.');
    assert.equal(f.severity, 'high');
    assert.deepEqual(f.cwes, [78]);
    assert.deepEqual(f.aliases, []);
    assert.deepEqual(f.location, { file: 'app.py', line: 4 });
    assert.deepEqual(f.references, [shell.more_info]);
    assert.deepEqual(f.detail, {
      testName: 'subprocess_popen_with_shell_equals_true',
      confidence: 'high',
      cweSource: 'inferred from the test id: Bandit writes no CWE before 1.7.3',
      snippet: shell.code,
    });
  });

  test('read the CWE and the column Bandit 1.7.3+ writes (columns counted from 1, as in its SARIF)', async () => {
    const [f] = await parse(report([withCwe]));
    assert.deepEqual(f?.cwes, [78]);
    assert.deepEqual(f?.location, { file: 'app.py', line: 4, column: 5 });
    assert.equal(f?.detail?.cweSource, undefined);
    const [none] = await parse(report([{ ...withCwe, test_id: 'B000', issue_cwe: {} }]));
    assert.deepEqual(none?.cwes, []);
  });

  test('map severities and keep a multi-line range', async () => {
    const found = await parse(
      report([
        shell,
        { ...sql, issue_severity: 'MEDIUM' },
        tryPass,
        { ...tryPass, line_number: 20, issue_severity: 'UNDEFINED' },
      ]),
    );
    assert.deepEqual(
      found.map((f) => f.severity),
      ['high', 'medium', 'low', 'info'],
    );
    assert.deepEqual(found[2]?.location, { file: 'app.py', line: 11, endLine: 12 });
    assert.deepEqual(
      found.map((f) => f.cwes),
      [[78], [89], [703], [703]],
    );
  });

  // The peer keeps both (165 on its sample where Entente makes 164): Bandit reports B608 once per concatenation
  // node, and identical reports at one place are one weakness.
  test('read identical issues at one place as listings of one fingerprint, which the import merges (as the peer counts them)', async () => {
    const found = await parse(report([sql, sql, { ...sql, line_number: 60, line_range: [60] }]));
    assert.equal(found.length, 3);
    assert.deepEqual(
      found.map((f) => f.detail?.occurrence),
      [{ result: 0 }, { result: 1 }, undefined],
    );
    const rows = new Map<string, ImportRow>();
    for (const f of found) addToRows(rows, f);
    assert.equal(rows.size, 2);
    assert.equal([...rows.values()][0]?.finding.detail?.occurrenceCount, 2);
  });

  test('never keep a hard-coded password, in the text or in the code', async () => {
    const found = await parse(
      report([
        password,
        { ...password, test_id: 'B107', issue_text: "Possible hardcoded password: 's3cret'", line_number: 3 },
      ]),
    );
    assert.deepEqual(
      found.map((f) => f.title),
      ['Possible hardcoded password: [redacted]', 'Possible hardcoded password: [redacted]'],
    );
    assert.deepEqual(
      found.map((f) => f.cwes),
      [[259], [259]],
    );
    assert.ok(!/hunter2|s3cret/.test(JSON.stringify(found)));
  });

  test('list the candidates of a baseline comparison', async () => {
    const [f] = await parse(
      report([
        {
          ...sql,
          candidates: [
            { ...sql, line_number: 51 },
            { ...sql, line_number: 77 },
          ],
        },
      ]),
    );
    assert.deepEqual(f?.detail?.candidates, [
      { file: sql.filename, line: 51 },
      { file: sql.filename, line: 77 },
    ]);
  });

  test('find nothing in a clean report, and still say Bandit ran', async () => {
    const { found, tools } = await parseWithTools(
      report([], [{ filename: './bad.py', reason: 'syntax error while parsing AST from file' }]),
    );
    assert.deepEqual(found, []);
    assert.deepEqual(tools, ['Bandit']);
  });
});

describe('Bandit detection', () => {
  test('recognises Bandit heads, even when per-file metrics or skipped files fill the first 4 KB', () => {
    const manyFiles = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [`./pkg/mod${i}.py`, { loc: 10, nosec: 0 }]),
    );
    const heads = [
      JSON.stringify(report([shell]), null, 2),
      JSON.stringify({ errors: [], generated_at: 'x', metrics: { ...manyFiles, _totals: {} }, results: [] }, null, 2),
      JSON.stringify(
        { errors: Array(80).fill({ filename: './bad.py', reason: 'syntax error while parsing AST from file' }) },
        null,
        2,
      ),
      `{"results": [${JSON.stringify(shell)}]}`,
    ];
    for (const h of heads) assert.ok(banditParser.detect(h.slice(0, 4096), 'bandit.json'), h.slice(0, 80));
  });

  test('refuses Semgrep, Trivy, SARIF, Snyk and Gitleaks heads', () => {
    const heads = [
      '{"results": [], "errors": []}',
      '{\n  "errors": [],\n  "results": [\n    {\n      "check_id": "python.lang.security.audit.x",\n      "extra": {',
      '{\n  "SchemaVersion": 2,\n  "ArtifactName": ".",\n  "Results": [',
      '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"Bandit"}},"results":[]}]}',
      '{\n  "vulnerabilities": [],\n  "ok": true,\n  "dependencyCount": 0,',
      '[{"line": "x", "offender": "y", "rule": "AWS"}]',
      'null',
    ];
    for (const h of heads) assert.equal(banditParser.detect(h, 'report.json'), false, h.slice(0, 60));
  });
});

describe('Bandit errors', () => {
  test('a truncated report is refused with the file, line and column', async () => {
    const text = JSON.stringify(report([shell, sql, tryPass]), null, 2);
    const cut = text.slice(0, 1400);
    const err = await badInputOf(cut);
    assert.match(
      err.message,
      new RegExp(`bandit\\.json: not valid JSON at line ${cut.split('\n').length}, column \\d+`),
    );
  });

  test('wrong types are refused with the JSON path at fault', async () => {
    assert.match((await badInputOf(report({} as unknown as unknown[]))).message, /at results,/);
    assert.match((await badInputOf(report([shell, 42]))).message, /results\[1\]/);
    assert.match((await badInputOf(report([{ ...shell, test_id: null }]))).message, /results\[0\]\.test_id/);
    assert.match((await badInputOf(report([{ ...shell, filename: {} }]))).message, /results\[0\]\.filename/);
    assert.match((await badInputOf(report([{ ...withCwe, issue_cwe: 'CWE-78' }]))).message, /results\[0\]\.issue_cwe/);
  });

  test('a JSON document that is not a Bandit report is refused', async () => {
    await badInputOf({ runs: [] });
    await badInputOf('[]');
    await badInputOf('null');
  });

  test('never fails with anything but a bad-input error, whatever JSON it is given', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        await parse(value).catch(expectBadInput);
        await parse({ generated_at: 'x', results: value }).catch(expectBadInput);
        await parse({ generated_at: 'x', results: [value] }).catch(expectBadInput);
      }),
      { numRuns: 300 },
    );
  });

  test('never fails with anything but a bad-input error on mutated or cut real-shaped reports', async () => {
    const seed = report([shell, withCwe, sql, tryPass, password, { ...sql, candidates: [sql] }]);
    await mutatedOrCutNeverThrow(parse, [seed]);
  });
});
