import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { EntenteError } from '../../errors.ts';
import { findingKinds, severities, type ParsedFinding, type ReportInput } from '../types.ts';
import { sarifParser } from './sarif.ts';
import { fingerprintOf } from '../fingerprint.ts';
import { reportInput } from '../../../test/support/parsing.ts';
import { detectParser } from './index.ts';
import { reportFromBuffer, reportFromFile } from '../report-input.ts';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Json } from './common.ts';

const schema = 'https://json.schemastore.org/sarif-2.1.0.json';

const input = (text: string, name = 'scan.sarif'): ReportInput => reportInput(text, name);

async function parseText(text: string, name?: string): Promise<ParsedFinding[]> {
  const out: ParsedFinding[] = [];
  for await (const f of sarifParser.parse(input(text, name))) out.push(f);
  return out;
}

/** A SARIF log of the given runs, as a tool would write it. */
const log = (...runs: unknown[]): string => JSON.stringify({ $schema: schema, version: '2.1.0', runs }, null, 2);
const run = (name: string, results: unknown[], extra: Json = {}, driver: Json = {}): Json => ({
  tool: { driver: { name, ...driver } },
  results,
  ...extra,
});
const at = (uri: string, startLine?: number, more: Json = {}): Json => ({
  physicalLocation: { artifactLocation: { uri, ...more }, ...(startLine ? { region: { startLine } } : {}) },
});
const parseRuns = (...runs: unknown[]): Promise<ParsedFinding[]> => parseText(log(...runs));
const one = async (...runs: unknown[]): Promise<ParsedFinding> => {
  const found = await parseRuns(...runs);
  assert.equal(found.length, 1);
  return found[0] as ParsedFinding;
};
async function rejects(text: string, pattern: RegExp): Promise<EntenteError> {
  try {
    await parseText(text);
  } catch (e) {
    assert.ok(e instanceof EntenteError, `expected an EntenteError, got ${String(e)}`);
    assert.equal(e.code, 'bad_input');
    assert.match(e.message, pattern);
    return e;
  }
  assert.fail('expected the parser to reject the report');
}

describe('SARIF detection', () => {
  test('recognises a 2.1.0 log by its version and runs, whatever the whitespace and key order', () => {
    assert.equal(sarifParser.detect('{"runs":[{"tool":{"driver":{"name":"x"}}}],"version":"2.1.0"}', 'out.json'), true);
    assert.equal(sarifParser.detect('{\n\t"version" :  "2.1.0",\r\n\t"runs": [', 'results.json'), true);
  });

  test('recognises a log by its SARIF $schema even when the head is cut before "runs"', () => {
    assert.equal(sarifParser.detect(`{ "$schema": "${schema}", "version": "2.1.0", "ru`, 'x'), true);
  });

  test('recognises a .sarif file whose version comes after a long first run', () => {
    assert.equal(
      sarifParser.detect('\uFEFF{ "runs": [ { "tool": { "driver": { "name": "njsscan"', 'njsscan.sarif'),
      true,
    );
  });

  test('does not claim other JSON reports or non-JSON text', () => {
    assert.equal(
      sarifParser.detect('{"SchemaVersion": 2, "ArtifactName": "alpine", "Results": []}', 'trivy.json'),
      false,
    );
    assert.equal(sarifParser.detect('{"bomFormat":"CycloneDX","specVersion":"1.5","version":1}', 'bom.json'), false);
    assert.equal(sarifParser.detect('<?xml version="1.0"?><OWASPZAPReport version="2.1.0">', 'zap.xml'), false);
    assert.equal(sarifParser.detect('{"version": "2.1.0", "name": "my-package"}', 'package.json'), false);
  });
});

// What Bandit's own SARIF formatter writes: `runs` first, `version` and `$schema` last, and Bandit's metrics (keys such
// as "SEVERITY.HIGH" that Bandit JSON is known by) inside the run.
function banditSarif(results = 1): string {
  const metrics = {
    loc: 120,
    nosec: 0,
    skipped_tests: 0,
    'SEVERITY.UNDEFINED': 0,
    'CONFIDENCE.UNDEFINED': 0,
    'SEVERITY.LOW': 0,
    'CONFIDENCE.LOW': 0,
    'SEVERITY.MEDIUM': 0,
    'CONFIDENCE.MEDIUM': 0,
    'SEVERITY.HIGH': results,
    'CONFIDENCE.HIGH': results,
  };
  return JSON.stringify(
    {
      runs: [
        {
          tool: {
            driver: {
              name: 'Bandit',
              organization: 'PyCQA',
              version: '1.7.9',
              rules: [
                {
                  id: 'B602',
                  name: 'subprocess_popen_with_shell_equals_true',
                  properties: { tags: ['security', 'external/cwe/cwe-78'], precision: 'high' },
                },
              ],
            },
          },
          invocations: [{ executionSuccessful: true, endTimeUtc: '2026-03-02T09:00:00Z' }],
          properties: { metrics: { _totals: metrics, './app.py': metrics } },
          results: Array.from({ length: results }, (_, i) => ({
            message: { text: 'subprocess call with shell=True identified, security issue.' },
            level: 'error',
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: 'app.py' },
                  region: { startLine: 4 + i, startColumn: 5, snippet: { text: 'subprocess.call(cmd, shell=True)' } },
                },
              },
            ],
            properties: { issue_confidence: 'HIGH', issue_severity: 'HIGH' },
            ruleId: 'B602',
            ruleIndex: 0,
          })),
        },
      ],
      version: '2.1.0',
      $schema: schema,
    },
    null,
    2,
  );
}

describe('SARIF detection by structure', () => {
  test("a Bandit-written SARIF log (runs first, version last, Bandit's metrics inside) is SARIF, not Bandit JSON", async () => {
    for (const results of [1, 60]) {
      const text = banditSarif(results);
      const parser = detectParser(reportFromBuffer('bandit-results.json', Buffer.from(text)));
      assert.equal(parser.format, 'sarif', `${results} results, ${text.length} bytes`);
      const found = await parseText(text, 'bandit-results.json');
      assert.equal(found.length, results);
      assert.deepEqual([found[0]!.tool, found[0]!.ruleId, found[0]!.cwes], ['Bandit', 'B602', [78]]);
    }
  });

  test('a ZAP-written SARIF log with its version after a long run is SARIF, whatever the file is called', () => {
    const alerts = Array.from({ length: 40 }, (_, i) => ({
      ruleId: `100${i}`,
      level: 'warning',
      message: { text: `Alert ${i}: ${'a cookie without its SameSite attribute. '.repeat(3)}` },
      locations: [{ physicalLocation: { artifactLocation: { uri: `https://shop.example/p${i}` } } }],
      properties: { 'zap:risk': 'Medium' },
    }));
    const text = JSON.stringify({
      runs: [run('ZAP', alerts, {}, { version: '2.15.0', informationUri: 'https://www.zaproxy.org/' })],
      $schema: schema,
      version: '2.1.0',
    });
    assert.ok(text.length > 8192, 'the head sees neither the version nor the schema');
    assert.equal(detectParser(reportFromBuffer('zap-report.json', Buffer.from(text))).format, 'sarif');
  });

  test('whatever the order of its top-level members, a log is SARIF from its head and tail, on disk or uploaded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'entente-sarif-detect-'));
    try {
      const members: Record<string, unknown> = {
        runs: [
          run(
            'AnyTool',
            Array.from({ length: 50 }, (_, i) => ({
              ruleId: `R${i}`,
              message: { text: 'x'.repeat(120) },
              locations: [at('a.ts', i + 1)],
            })),
          ),
        ],
        version: '2.1.0',
        $schema: schema,
        properties: { note: 'a property bag' },
      };
      await fc.assert(
        fc.asyncProperty(
          fc.shuffledSubarray(Object.keys(members), { minLength: 4 }),
          fc.boolean(),
          async (order, pretty) => {
            const text = JSON.stringify(
              Object.fromEntries(order.map((k) => [k, members[k]])),
              null,
              pretty ? 2 : undefined,
            );
            const file = join(dir, 'log.json');
            writeFileSync(file, text);
            assert.equal(detectParser(await reportFromFile(file)).format, 'sarif', order.join(','));
            assert.equal(
              detectParser(reportFromBuffer('log.json', Buffer.from(text))).format,
              'sarif',
              order.join(','),
            );
            // Without the schema, version 2.1.0 and a runs list are enough, in either order.
            const bare = JSON.stringify(
              Object.fromEntries(order.filter((k) => k !== '$schema').map((k) => [k, members[k]])),
            );
            assert.equal(
              detectParser(reportFromBuffer('log.json', Buffer.from(bare))).format,
              'sarif',
              `${order.join(',')} without $schema`,
            );
          },
        ),
        { numRuns: 40 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('only top-level members count: another document with a nested "version" and "runs" is not SARIF', () => {
    assert.equal(
      sarifParser.detect('{"name": "pipeline", "stages": {"version": "2.1.0", "runs": []}}', 'ci.json', ''),
      false,
    );
    assert.equal(
      sarifParser.detect('{"name": "x", "note": "\\"version\\": \\"2.1.0\\", \\"runs\\": ["}', 'x.json', ''),
      false,
    );
    assert.equal(sarifParser.detect('{"name": "x"', 'x.json', ',"stages": {"version": "2.1.0", "runs": [1]}}'), false);
  });

  test('a 600 MB log is recognised from its two ends without being read whole', async () => {
    // A sparse file: its middle holds no data, and read as one string it would exceed what V8 can hold.
    const dir = mkdtempSync(join(tmpdir(), 'entente-sarif-detect-'));
    try {
      const file = join(dir, 'huge.json');
      const fd = openSync(file, 'w');
      try {
        writeSync(
          fd,
          '{"runs": [{"tool": {"driver": {"name": "Bandit"}}, "properties": {"metrics": {"_totals": {"SEVERITY.HIGH": 1}}}, "results": [',
        );
        writeSync(
          fd,
          '{}]}], "version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json"}\n',
          600 << 20,
        );
      } finally {
        closeSync(fd);
      }
      const input = await reportFromFile(file);
      assert.ok(input.size! > 600 << 20);
      assert.equal(detectParser(input).format, 'sarif');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('which SARIF results become findings', () => {
  test('keeps failing results of every run and drops passes and results absent since the baseline', async () => {
    const found = await parseRuns(
      run(
        'ToolA',
        [
          {
            ruleId: 'A1',
            level: 'error',
            message: { text: 'Tainted data reaches a sink.' },
            locations: [at('src/a.ts', 10)],
          },
          { ruleId: 'A1', kind: 'pass', message: { text: 'Checked.' }, locations: [at('src/b.ts', 3)] },
          {
            ruleId: 'A1',
            baselineState: 'absent',
            level: 'error',
            message: { text: 'Fixed since.' },
            locations: [at('src/c.ts', 7)],
          },
        ],
        {},
        {
          rules: [
            {
              id: 'A1',
              shortDescription: { text: 'Cross-site scripting' },
              relationships: [{ target: { id: '79', toolComponent: { name: 'CWE' } }, kinds: ['superset'] }],
            },
          ],
        },
      ),
      run('ToolB', [
        { ruleId: 'B1', level: 'warning', message: { text: 'Weak hash.' }, locations: [at('lib/hash.py', 4)] },
        { ruleId: 'B2', level: 'note', message: { text: 'TODO left in code.' }, locations: [at('lib/util.py', 9)] },
      ]),
    );
    assert.equal(found.length, 3);
    assert.equal(found[0]?.location.file, 'src/a.ts');
    assert.equal(found[0]?.location.line, 10);
    assert.deepEqual(found[0]?.cwes, [79]);
    assert.equal(found[0]?.severity, 'high');
    assert.deepEqual(
      found.map((f) => [f.tool, f.severity]),
      [
        ['ToolA', 'high'],
        ['ToolB', 'medium'],
        ['ToolB', 'low'],
      ],
    );
  });

  test('keeps "review" and "open" results, which still need a person, at info unless the tool says more', async () => {
    const kinds = ['fail', 'review', 'open', 'pass', 'informational', 'notApplicable'];
    const found = await parseRuns(
      run(
        'Scanner',
        kinds.map((kind) => ({ ruleId: `R-${kind}`, kind, message: { text: kind } })),
      ),
    );
    assert.deepEqual(
      found.map((f) => [f.ruleId, f.severity]),
      [
        ['R-fail', 'medium'],
        ['R-review', 'info'],
        ['R-open', 'info'],
      ],
    );
  });

  test('reads suppressions in effect (accepted or without a status) as accepted, false positive when the justification says so; those under review or rejected stay open', async () => {
    const result = (ruleId: string, suppressions?: unknown): Json => ({
      ruleId,
      message: { text: ruleId },
      ...(suppressions === undefined ? {} : { suppressions }),
    });
    const found = await parseRuns(
      run('Scanner', [
        result('none'),
        result('empty-list', []),
        result('no-status', [{ kind: 'inSource' }]),
        result('accepted', [{ kind: 'external', status: 'accepted', justification: 'test code' }]),
        result('false-positive', [
          { kind: 'external', status: 'accepted', justification: 'False positive: the input is a constant' },
        ]),
        result('under-review', [{ kind: 'external', status: 'underReview' }]),
        result('rejected', [{ kind: 'external', status: 'rejected' }]),
        result('one-of-two-accepted', [
          { kind: 'external', status: 'rejected' },
          { kind: 'inSource', status: 'accepted' },
        ]),
      ]),
    );
    assert.deepEqual(
      found.map((f) => [f.ruleId, f.state?.status]),
      [
        ['none', undefined],
        ['empty-list', undefined],
        ['no-status', 'accepted'],
        ['accepted', 'accepted'],
        ['false-positive', 'false_positive'],
        ['under-review', undefined],
        ['rejected', undefined],
        ['one-of-two-accepted', 'accepted'],
      ],
    );
    assert.deepEqual(found.map((f) => f.state?.reason).filter(Boolean), [
      "suppressed in the source by the tool's suppression (inSource)",
      'suppressed in the report: test code',
      'suppressed in the report: False positive: the input is a constant',
      "suppressed in the source by the tool's suppression (inSource)",
    ]);
    assert.deepEqual(found[5]?.detail?.suppressions, [{ kind: 'external', status: 'underReview' }]);
  });

  test('a result absent since the baseline is not read', async () => {
    const found = await parseRuns(
      run('Scanner', [
        { ruleId: 'gone', message: { text: 'gone' }, baselineState: 'absent' },
        { ruleId: 'here', message: { text: 'here' }, baselineState: 'unchanged' },
      ]),
    );
    assert.deepEqual(
      found.map((f) => f.ruleId),
      ['here'],
    );
  });

  // Corpus: SuppressionTestCurrent.sarif — DefectDojo counts 4, and so does Entente: three of the four results carry
  // an external suppression with no status, which SARIF treats as in effect (§3.35); both read them as closed.
  test('reads all four results of SuppressionTestCurrent, three of them accepted by an external suppression', async () => {
    const rules = ['TST0001', 'TST0002', 'TST0003', 'TST0004'].map((id, i) => ({
      id,
      fullDescription: { text: `Rule 00${i + 1}` },
    }));
    const result = (n: number, suppressed: boolean): Json => ({
      ruleId: `TST000${n}`,
      message: { text: `Result ${n}.` },
      locations: [at(`file:///C:/code/file${n}.c`)],
      ...(suppressed ? { suppressions: [{ kind: 'external' }] } : {}),
    });
    const found = await parseRuns(
      run('CodeScanner', [result(1, true), result(2, true), result(3, true), result(4, false)], {}, { rules }),
    );
    assert.deepEqual(
      found.map((f) => [f.ruleId, f.state?.status]),
      [
        ['TST0001', 'accepted'],
        ['TST0002', 'accepted'],
        ['TST0003', 'accepted'],
        ['TST0004', undefined],
      ],
    );
    assert.equal(found[3]?.location.file, 'C:/code/file4.c');
  });

  // Corpus: appendix_k4.sarif (the SARIF spec's comprehensive example) — DefectDojo counts 1, and so does Entente:
  // its only result has a suppression with status "accepted", read as an accepted finding.
  test('reads the one result of appendix K4 as accepted by its suppression', async () => {
    const found = await parseRuns(
      run(
        'CodeScanner',
        [
          {
            ruleId: 'C2001',
            ruleIndex: 0,
            kind: 'fail',
            level: 'error',
            baselineState: 'unchanged',
            message: { id: 'default', arguments: ['ptr', '0'] },
            suppressions: [{ kind: 'external', status: 'accepted' }],
            locations: [at('collections/list.h', 15, { uriBaseId: 'SRCROOT' })],
          },
        ],
        {},
        {
          rules: [
            {
              id: 'C2001',
              messageStrings: { default: { text: 'Variable "{0}" was used without being initialized.' } },
            },
          ],
        },
      ),
    );
    assert.deepEqual(
      found.map((f) => f.state),
      [{ status: 'accepted', reason: "suppressed in the report by the tool's suppression (external)" }],
    );
  });

  // Corpus: appendix_k1_double.sarif — the peer's 2 is the number of runs (it makes one test per run); neither run
  // has a result, so there are no findings.
  test("reads 0 findings from two runs without results (the peer's 2 counts runs)", async () => {
    assert.equal((await parseRuns(run('CodeScanner', []), run('OtherScanner', []))).length, 0);
    assert.equal((await parseRuns({ tool: { driver: { name: 'NotRun' } }, results: null })).length, 0);
  });

  // Corpus: njsscan.sarif — DefectDojo counts 3, and so does Entente. SARIF means a result with several locations
  // as one problem that involves all of them, and Entente reads it so (cppcheck, below, and a plain tool here). The
  // libsast tools (nodejsscan, mobsfscan) put every match of a rule into one result instead, each its own place to fix,
  // so their locations are split into one finding each.
  test('splits the matches nodejsscan lists in one result into a finding each (3, as the peer counts)', async () => {
    const rules = {
      rules: [
        { id: 'node_insecure_random_generator', name: 'NodeInsecureRandomGenerator' },
        { id: 'node_password', name: 'NodePassword' },
      ],
    };
    const results = [
      {
        ruleId: 'node_insecure_random_generator',
        ruleIndex: 0,
        message: { text: 'Math.random() is a weak random number generator.' },
        locations: [at('file:///src/index.js', 321)],
        properties: { cwe: 'CWE-327: Use of a Broken or Risky Cryptographic Algorithm' },
      },
      {
        ruleId: 'node_password',
        ruleIndex: 1,
        level: 'error',
        message: { text: 'A hardcoded password in plain text is identified.' },
        locations: [at('file:///src/index.js', 235), at('file:///src/index.js', 239)],
        properties: { cwe: 'CWE-798: Use of Hard-coded Credentials' },
      },
    ];
    const found = await parseRuns(run('nodejsscan', results, {}, rules));
    assert.deepEqual(
      found.map((f) => [f.ruleId, f.location]),
      [
        ['node_insecure_random_generator', { file: '/src/index.js', line: 321 }],
        ['node_password', { file: '/src/index.js', line: 235 }],
        ['node_password', { file: '/src/index.js', line: 239 }],
      ],
    );
    assert.equal(found[1]?.detail?.otherLocations, undefined);
    assert.deepEqual(
      found.map((f) => f.cwes),
      [[327], [798], [798]],
    );
    assert.notEqual(fingerprintOf(found[1]!).value, fingerprintOf(found[2]!).value);
    const plain = await parseRuns(run('OtherScanner', results, {}, rules));
    assert.equal(plain.length, 2);
    assert.deepEqual(plain[1]?.detail?.otherLocations, ['/src/index.js:239']);
  });
});

describe('SARIF rules', () => {
  test('finds a rule by index, by id, and in an extension named through result.rule.toolComponent', async () => {
    const found = await parseRuns(
      run(
        'CodeQL',
        [
          { ruleId: 'js/xss', ruleIndex: 1, message: { text: 'XSS.' } },
          { ruleId: 'js/sql-injection', message: { text: 'SQLi.' } },
          { rule: { id: 'js/path-injection', index: 0, toolComponent: { index: 0 } }, message: { text: 'Path.' } },
          {
            ruleId: 'js/unused',
            rule: { id: 'js/unused', toolComponent: { name: 'codeql/javascript-queries' } },
            message: { text: 'Unused.' },
          },
        ],
        {},
        {
          semanticVersion: '2.15.0',
          rules: [
            { id: 'js/sql-injection', shortDescription: { text: 'Database query built from user-controlled sources' } },
            { id: 'js/xss', shortDescription: { text: 'Client-side cross-site scripting' } },
          ],
        },
      ),
    );
    // The third names an extension the log does not have and the fourth a rule no component has: no rule, so the
    // title falls back to the message rather than borrowing another rule's.
    assert.deepEqual(
      found.map((f) => f.title),
      ['Client-side cross-site scripting', 'Database query built from user-controlled sources', 'Path.', 'Unused.'],
    );
    assert.equal(found[0]?.toolVersion, '2.15.0');
  });

  test('resolves rules that live in tool extensions (CodeQL query packs)', async () => {
    const found = await parseRuns({
      tool: {
        driver: { name: 'CodeQL', semanticVersion: '2.15.0' },
        extensions: [
          {
            name: 'codeql/javascript-queries',
            rules: [
              {
                id: 'js/path-injection',
                shortDescription: { text: 'Uncontrolled data used in path expression' },
                properties: {
                  tags: ['security', 'external/cwe/cwe-022', 'external/cwe/cwe-023'],
                  'security-severity': '7.5',
                },
              },
              {
                id: 'js/unused-local-variable',
                shortDescription: { text: 'Unused variable' },
                defaultConfiguration: { level: 'note' },
              },
            ],
          },
        ],
      },
      results: [
        {
          ruleId: 'js/path-injection',
          rule: { id: 'js/path-injection', index: 0, toolComponent: { index: 0 } },
          message: { text: 'This path depends on a user-provided value.' },
          locations: [at('server.js', 12)],
        },
        {
          ruleId: 'js/unused-local-variable',
          rule: { id: 'js/unused-local-variable', index: 1, toolComponent: { index: 0 } },
          message: { text: 'Unused variable x.' },
        },
        { ruleId: 'js/unused-local-variable', message: { text: 'Unused variable y (found by id in any extension).' } },
      ],
    });
    assert.deepEqual(
      found.map((f) => [f.title, f.severity, f.cwes]),
      [
        ['Uncontrolled data used in path expression', 'high', [22, 23]],
        ['Unused variable', 'low', []],
        ['Unused variable', 'low', []],
      ],
    );
  });

  test('matches a hierarchical rule id ("CA2101/sub") to its parent rule', async () => {
    const f = await one(
      run(
        'Analyzer',
        [{ ruleId: 'CA2101/marshal', message: { text: 'Specify marshaling.' } }],
        {},
        { rules: [{ id: 'CA2101', shortDescription: { text: 'Specify marshaling for P/Invoke string arguments' } }] },
      ),
    );
    assert.equal(f.ruleId, 'CA2101/marshal');
    assert.equal(f.title, 'Specify marshaling for P/Invoke string arguments');
  });

  test('finds the rule of a Gitleaks 7 result, which has no ruleId, from the start of its message', async () => {
    const f = await one(
      run(
        'Gitleaks',
        [
          {
            message: { text: 'AWS Secret Key secret detected' },
            properties: { commit: '6d12798', offender: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', author: 'dev' },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: 'config/prod.env' },
                  region: { startLine: 3, snippet: { text: 'AWS_SECRET=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } },
                },
              },
            ],
          },
        ],
        {},
        {
          semanticVersion: 'v7.4.0',
          rules: [
            { id: 'AWS', name: 'AWS' },
            { id: 'AWS Secret Key', name: 'AWS Secret Key' },
          ],
        },
      ),
    );
    assert.equal(f.ruleId, 'AWS Secret Key');
    assert.equal(f.kind, 'secret');
    assert.equal(f.location.file, 'config/prod.env');
  });

  test('does not store the secret a secret scanner found, in the snippet or in properties', async () => {
    const f = await one(
      run('gitleaks', [
        {
          ruleId: 'generic-api-key',
          message: { text: 'generic-api-key has detected secret for file app.ts.' },
          properties: { offender: 'sk_live_abc123', commit: 'abc' },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: 'app.ts' },
                region: { startLine: 1, snippet: { text: 'key = "sk_live_abc123"' } },
              },
            },
          ],
        },
      ]),
    );
    assert.ok(!JSON.stringify(f).includes('sk_live_abc123'));
    assert.deepEqual(f.detail?.properties, { offender: '[redacted]', commit: 'abc' });
  });
});

describe('SARIF severity', () => {
  const withLevel = (level?: unknown, ruleLevel?: string, props?: Json, ruleProps?: Json): Json =>
    run(
      'Scanner',
      [
        {
          ruleId: 'R1',
          message: { text: 'm' },
          ...(level === undefined ? {} : { level }),
          ...(props ? { properties: props } : {}),
        },
      ],
      {},
      {
        rules: [
          {
            id: 'R1',
            ...(ruleLevel ? { defaultConfiguration: { level: ruleLevel } } : {}),
            ...(ruleProps ? { properties: ruleProps } : {}),
          },
        ],
      },
    );

  test('maps levels error, warning, note and none to high, medium, low and info', async () => {
    const got = await Promise.all(
      ['error', 'warning', 'note', 'none'].map(async (l) => (await one(withLevel(l))).severity),
    );
    assert.deepEqual(got, ['high', 'medium', 'low', 'info']);
  });

  test('falls back to the rule\'s default level, then to SARIF\'s default "warning"', async () => {
    assert.equal((await one(withLevel(undefined, 'error'))).severity, 'high');
    assert.equal((await one(withLevel('note', 'error'))).severity, 'low');
    assert.equal((await one(withLevel(undefined))).severity, 'medium');
    assert.equal((await one(withLevel(42))).severity, 'medium');
  });

  test('gives review and open results SARIF\'s level "none", whatever their rule\'s default level', async () => {
    const f = await one(
      run(
        'Scanner',
        [{ ruleId: 'R1', kind: 'review', message: { text: 'Check by hand.' } }],
        {},
        { rules: [{ id: 'R1', defaultConfiguration: { level: 'error' } }] },
      ),
    );
    assert.equal(f.severity, 'info');
  });

  test('prefers a numeric security-severity (GitHub convention) on the result or its rule', async () => {
    assert.equal(
      (await one(withLevel('warning', undefined, undefined, { 'security-severity': '9.8' }))).severity,
      'critical',
    );
    assert.equal((await one(withLevel('error', undefined, { 'security-severity': '3.1' }))).severity, 'low');
    assert.equal((await one(withLevel('note', undefined, undefined, { 'security-severity': '7.5' }))).severity, 'high');
  });

  test("honours the tool's own severity word in properties (Semgrep, Dependency-Check, Black Duck, CodeQL)", async () => {
    assert.equal(
      (await one(withLevel(undefined, 'error', undefined, { 'security-severity': 'CRITICAL' }))).severity,
      'critical',
    );
    assert.equal((await one(withLevel('error', undefined, { severity: 'low', source: 'RETIREJS' }))).severity, 'low');
    assert.equal((await one(withLevel('error', undefined, { securityRisk: 'CRITICAL' }))).severity, 'critical');
    assert.equal(
      (await one(withLevel(undefined, undefined, undefined, { 'problem.severity': 'error' }))).severity,
      'high',
    );
    assert.equal(
      (await one(withLevel(undefined, 'note', undefined, { 'problem.severity': 'recommendation' }))).severity,
      'low',
    );
  });

  test('uses a CVSS v3 base score from Dependency-Check properties over the level', async () => {
    const f = await one(
      withLevel('error', undefined, { cvssv3_baseScore: 6.1, cvssv3_version: '3.1', cvssv2_score: 4.3, source: 'NVD' }),
    );
    assert.equal(f.severity, 'medium');
    assert.deepEqual(f.cvss, { version: '3.1', score: 6.1 });
  });

  test('reads a CVSS vector string from properties', async () => {
    const f = await one(withLevel('error', undefined, { cvssV3: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }));
    assert.deepEqual(f.cvss, { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' });
  });
});

describe('SARIF CWEs and advisory ids', () => {
  test('collects CWEs from rule tags, cwe properties, relationships and taxa, but not from other taxonomies', async () => {
    const f = await one({
      tool: {
        driver: {
          name: 'Scanner',
          rules: [
            {
              id: 'R1',
              properties: { tags: ['security', 'external/cwe/cwe-079', 'CWE-80', '5'], cwe: ['CWE-116'] },
              relationships: [
                { target: { id: '20', toolComponent: { name: 'CWE' } } },
                { target: { id: '3', toolComponent: { name: 'OWASP Top 10' } } },
                { target: { id: '352', index: 0, toolComponent: { index: 0 } } },
              ],
            },
          ],
        },
      },
      taxonomies: [{ name: 'CWE', version: '4.13', taxa: [{ id: '352' }] }],
      results: [
        {
          ruleId: 'R1',
          message: { text: 'm' },
          properties: { cwe: 'CWE-601: Open Redirect' },
          taxa: [{ id: '918', toolComponent: { name: 'CWE' } }],
        },
      ],
    });
    assert.deepEqual(f.cwes, [20, 79, 80, 116, 352, 601, 918]);
  });

  test("takes CVE and GHSA ids from the rule id, the rule's name and the message, making the result a dependency", async () => {
    const found = await parseRuns(
      run(
        'Grype',
        [
          {
            ruleId: 'CVE-2021-44228-log4j-core',
            level: 'error',
            message: { text: 'A critical vulnerability in log4j-core 2.14.1.' },
          },
          { ruleId: 'R2', message: { text: 'lodash 4.17.20 is affected by GHSA-35jh-r3h4-6jhm.' } },
        ],
        {},
        {
          rules: [{ id: 'CVE-2021-44228-log4j-core', shortDescription: { text: 'CVE-2021-44228 log4j-core 2.14.1' } }],
        },
      ),
    );
    assert.deepEqual(
      found.map((f) => [f.aliases, f.kind]),
      [
        [['CVE-2021-44228'], 'dependency'],
        [['GHSA-35jh-r3h4-6jhm'], 'dependency'],
      ],
    );
  });

  test('ignores CVE ids quoted in free-text properties such as a commit message', async () => {
    const f = await one(
      run('Semgrep OSS', [
        {
          ruleId: 'js.eval',
          message: { text: 'eval() with user input.' },
          properties: { commitMessage: 'fix CVE-2020-1234 in parser' },
        },
      ]),
    );
    assert.deepEqual(f.aliases, []);
    assert.equal(f.kind, 'code');
  });
});

describe('SARIF kinds and packages', () => {
  test('tells code, secret, config and dependency results apart by tool, tags and package', async () => {
    const kindOf = async (tool: string, result: Json = {}, rule: Json = {}): Promise<string> =>
      (
        await one(
          run(tool, [{ ruleId: 'R', message: { text: 'm' }, ...result }], {}, { rules: [{ id: 'R', ...rule }] }),
        )
      ).kind;
    assert.equal(await kindOf('CodeQL'), 'code');
    assert.equal(await kindOf('trufflehog'), 'secret');
    assert.equal(await kindOf('Trivy', {}, { properties: { tags: ['secret', 'security'] } }), 'secret');
    assert.equal(await kindOf('checkov'), 'config');
    assert.equal(await kindOf('Hadolint'), 'config');
    assert.equal(await kindOf('Trivy', {}, { properties: { tags: ['misconfiguration', 'security'] } }), 'config');
    assert.equal(
      await kindOf('dependency-check', { message: { text: 'Prototype pollution - Prototype pollution' } }),
      'dependency',
    );
    assert.equal(
      await kindOf('Example-Application', {
        properties: { component: 'lodash', componentVersion: '4.17.20', componentOrigin: 'npm' },
      }),
      'dependency',
    );
  });

  test('reads a Black Duck component from properties and builds its purl', async () => {
    const f = await one(
      run('Example-Application', [
        {
          ruleId: 'BDSA-2021-1002 (CVE-2021-23337)',
          level: 'error',
          message: { text: 'BDSA-2021-1002 (CVE-2021-23337) in lodash 4.17.20' },
          locations: [at('npm/lodash@4.17.20')],
          properties: {
            securityRisk: 'HIGH',
            component: 'lodash',
            componentVersion: '4.17.20',
            componentOrigin: 'npm',
          },
          fingerprints: { csvRowSha256: { value: 'bbbb' } },
        },
      ]),
    );
    assert.deepEqual(f.component, {
      name: 'lodash',
      version: '4.17.20',
      purl: 'pkg:npm/lodash@4.17.20',
      ecosystem: 'npm',
    });
    assert.deepEqual(f.aliases, ['CVE-2021-23337']);
    assert.deepEqual(f.detail?.fingerprints, { csvRowSha256: { value: 'bbbb' } });
  });

  test('reads package, installed and fixed versions from a Trivy message', async () => {
    const f = await one(
      run(
        'Trivy',
        [
          {
            ruleId: 'CVE-2023-0286',
            ruleIndex: 0,
            level: 'error',
            message: {
              text: 'Package: libssl3\nInstalled Version: 3.0.7-r0\nVulnerability CVE-2023-0286\nSeverity: HIGH\nFixed Version: 3.0.8-r0\nLink: [CVE-2023-0286](https://avd.aquasec.com/nvd/cve-2023-0286)',
            },
            locations: [at('library/alpine', 1)],
          },
        ],
        {},
        {
          version: '0.48.0',
          rules: [
            {
              id: 'CVE-2023-0286',
              shortDescription: { text: 'openssl: X.400 address type confusion in X.509 GeneralName' },
              helpUri: 'https://avd.aquasec.com/nvd/cve-2023-0286',
              properties: { 'security-severity': '7.4', tags: ['vulnerability', 'security', 'HIGH'] },
            },
          ],
        },
      ),
    );
    assert.deepEqual(f.component, { name: 'libssl3', version: '3.0.7-r0' });
    assert.equal(f.fixedVersion, '3.0.8-r0');
    assert.equal(f.severity, 'high');
    assert.deepEqual(f.references, ['https://avd.aquasec.com/nvd/cve-2023-0286']);
    assert.equal(f.toolVersion, '0.48.0');
  });

  test("reads a package from a purl in the message or in the rule's properties", async () => {
    const found = await parseRuns(
      run(
        'osv-scanner',
        [
          {
            ruleId: 'GHSA-c2qf-rxjj-qqgw',
            message: { text: 'semver is vulnerable (pkg:npm/%40babel/core@7.0.0?x=1).' },
          },
          { ruleId: 'CVE-2022-42889', message: { text: 'Text4Shell' } },
        ],
        {},
        { rules: [{ id: 'CVE-2022-42889', properties: { purl: 'pkg:maven/org.apache.commons/commons-text@1.9' } }] },
      ),
    );
    assert.deepEqual(
      found.map((f) => f.component),
      [
        { name: '@babel/core', version: '7.0.0', purl: 'pkg:npm/%40babel/core@7.0.0?x=1', ecosystem: 'npm' },
        {
          name: 'org.apache.commons:commons-text',
          version: '1.9',
          purl: 'pkg:maven/org.apache.commons/commons-text@1.9',
          ecosystem: 'maven',
        },
      ],
    );
  });
});

describe('SARIF locations', () => {
  test('joins a relative uri to the relative part of its uriBaseId chain, leaving out the absolute root', async () => {
    const f = await one(
      run(
        'Scanner',
        [
          {
            ruleId: 'R',
            message: { text: 'm' },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: 'collections/list%20view.h', uriBaseId: 'SRCROOT' },
                  region: { startLine: 15, startColumn: 9, endLine: 17 },
                },
              },
            ],
          },
        ],
        {
          originalUriBaseIds: {
            PROJECTROOT: { uri: 'file://build.example.com/work/' },
            SRCROOT: { uri: 'src/', uriBaseId: 'PROJECTROOT' },
          },
        },
      ),
    );
    assert.deepEqual(f.location, { file: 'src/collections/list view.h', line: 15, endLine: 17, column: 9 });
  });

  test('makes an absolute file uri relative to an absolute base and keeps unknown %SRCROOT% paths as they are', async () => {
    const found = await parseRuns(
      run(
        'Scanner',
        [
          { ruleId: 'R', message: { text: 'a' }, locations: [at('file:///home/ci/repo/app/main.go', 3)] },
          { ruleId: 'R', message: { text: 'b' }, locations: [at('good/db_init.py', 39, { uriBaseId: '%SRCROOT%' })] },
          { ruleId: 'R', message: { text: 'c' }, locations: [at('file:////src/.venv/lib/jquery.min.js')] },
          { ruleId: 'R', message: { text: 'd' }, locations: [at('.\\win\\path.cs', 2)] },
        ],
        { originalUriBaseIds: { ROOT: { uri: 'file:///home/ci/repo/' } } },
      ),
    );
    assert.deepEqual(
      found.map((f) => f.location.file),
      ['app/main.go', 'good/db_init.py', '/src/.venv/lib/jquery.min.js', 'win/path.cs'],
    );
  });

  test('reads the uri from run.artifacts when the location gives only an index', async () => {
    const f = await one(
      run(
        'Scanner',
        [
          {
            ruleId: 'R',
            message: { text: 'm' },
            locations: [{ physicalLocation: { artifactLocation: { index: 1 }, region: { startLine: 2 } } }],
          },
        ],
        { artifacts: [{ location: { uri: 'a.c' } }, { location: { uri: 'lib/b.c' } }] },
      ),
    );
    assert.deepEqual(f.location, { file: 'lib/b.c', line: 2 });
  });

  test('keeps a logical-only location as the resource (fully qualified name or run.logicalLocations entry)', async () => {
    const found = await parseRuns(
      run(
        'BinaryScanner',
        [
          {
            ruleId: 'B6412',
            level: 'warning',
            message: { text: 'The insecure method "Crypto.Sha1.Encrypt" should not be used.' },
            locations: [{ logicalLocations: [{ fullyQualifiedName: 'Example.Worker.DoWork', index: 2 }] }],
          },
          { ruleId: 'B6413', message: { text: 'm' }, locations: [{ logicalLocations: [{ index: 1 }] }] },
        ],
        {
          logicalLocations: [
            { name: 'Example', kind: 'namespace' },
            { name: 'Worker', fullyQualifiedName: 'Example.Worker', kind: 'type' },
          ],
        },
      ),
    );
    assert.deepEqual(
      found.map((f) => f.location),
      [{ resource: 'Example.Worker.DoWork' }, { resource: 'Example.Worker' }],
    );
  });

  test('falls back to the analysis target when a result has no physical location', async () => {
    const f = await one(
      run('Scanner', [{ ruleId: 'R', message: { text: 'm' }, analysisTarget: { uri: 'Dockerfile' } }]),
    );
    assert.equal(f.location.file, 'Dockerfile');
  });
});

describe('SARIF messages and text', () => {
  test('fills {0} placeholders from arguments, including in message strings looked up by id', async () => {
    const found = await parseRuns(
      run(
        'CodeScanner',
        [
          { ruleId: 'C2001', message: { id: 'default', arguments: ['ptr', '0'] } },
          { ruleId: 'C2001', message: { text: 'Use {{braces}} for {0}.', arguments: ['templates'] } },
          { ruleId: 'C2001', message: { id: 'variableDeclared', arguments: ['q'] } },
          { ruleId: 'C2001', message: { text: 'Keep {0} when no arguments are given.' } },
        ],
        {},
        {
          globalMessageStrings: { variableDeclared: { text: 'Variable "{0}" was declared here.' } },
          rules: [
            {
              id: 'C2001',
              messageStrings: {
                default: { text: 'Variable "{0}" was used without being initialized. It was declared [here]({1}).' },
              },
            },
          ],
        },
      ),
    );
    // The rule has no description of its own, so the message is the description (and not repeated in detail).
    assert.deepEqual(
      found.map((f) => f.detail?.message ?? f.description),
      [
        'Variable "ptr" was used without being initialized. It was declared [here](0).',
        'Use {braces} for templates.',
        'Variable "q" was declared here.',
        'Keep {0} when no arguments are given.',
      ],
    );
  });

  test("titles come from the rule's short description, then its name, then the message's first paragraph or sentence", async () => {
    const long =
      'Using CBC with PKCS5Padding is susceptible to padding oracle attacks. A malicious actor\ncould discern the difference between plaintext with valid or invalid padding and recover data.\n';
    const found = await parseRuns(
      run(
        'semgrep',
        [
          { ruleId: 'short', message: { text: 'm' } },
          { ruleId: 'named', message: { text: 'm' } },
          { ruleId: 'cbc', message: { text: long } },
          { ruleId: 'no-rule', message: { text: '\nFirst paragraph\nwraps here.\n\nSecond paragraph.' } },
        ],
        {},
        {
          rules: [
            { id: 'short', name: 'short', shortDescription: { text: 'Short description' } },
            { id: 'named', name: 'NamedRule' },
            { id: 'cbc', name: 'cbc', fullDescription: { text: long } },
          ],
        },
      ),
    );
    assert.deepEqual(
      found.map((f) => f.title),
      [
        'Short description',
        'NamedRule',
        'Using CBC with PKCS5Padding is susceptible to padding oracle attacks.',
        'First paragraph wraps here.',
      ],
    );
    assert.equal(found[2]?.description, long);
  });

  test('describes with the full description, else help text, else the message; helpUri and URL-only help are references', async () => {
    const found = await parseRuns(
      run(
        'Dockle',
        [
          { ruleId: 'CIS-DI-0010', level: 'error', message: { text: 'Suspicious ENV key found : DB_PASSWORD' } },
          { ruleId: 'H1', message: { text: 'm' } },
        ],
        {},
        {
          rules: [
            {
              id: 'CIS-DI-0010',
              shortDescription: { text: 'Do not store credential in ENVIRONMENT vars/files' },
              help: { text: 'https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#CIS-DI-0010' },
            },
            { id: 'H1', help: { text: 'Pin versions in apt-get install.' }, helpUri: 'https://example.com/H1' },
          ],
        },
      ),
    );
    assert.deepEqual(
      found.map((f) => [f.description, f.references, f.kind]),
      [
        [
          'Suspicious ENV key found : DB_PASSWORD',
          ['https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#CIS-DI-0010'],
          'config',
        ],
        ['Pin versions in apt-get install.', ['https://example.com/H1'], 'config'],
      ],
    );
  });

  test('keeps fingerprints, the rule name, properties and snippet in detail; the message once, as the description', async () => {
    const f = await one(
      run(
        'CodeQL',
        [
          {
            ruleId: 'py/empty-except',
            ruleIndex: 0,
            message: { text: "'except' clause does nothing." },
            partialFingerprints: { primaryLocationLineHash: '9cbc869fbfffeb60:1' },
            properties: { 'github/alertNumber': 7 },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: 'good/db_init.py' },
                  region: { startLine: 39, snippet: { text: 'pass' } },
                },
              },
            ],
          },
        ],
        {},
        { rules: [{ id: 'py/empty-except', name: 'py/empty-except', shortDescription: { text: 'Empty except' } }] },
      ),
    );
    assert.equal(f.description, "'except' clause does nothing.");
    assert.deepEqual(f.detail, {
      ruleName: 'py/empty-except',
      partialFingerprints: { primaryLocationLineHash: '9cbc869fbfffeb60:1' },
      properties: { 'github/alertNumber': 7 },
      snippet: 'pass',
    });
  });

  test('keeps the message in detail when the rule has a description of its own, or when the description is cut', async () => {
    const long = `${'x'.repeat(20_000)} and the end`;
    const found = await parseRuns(
      run(
        'Scanner',
        [
          { ruleId: 'D1', message: { text: 'At this call.' } },
          { ruleId: 'P1', message: { text: long } },
        ],
        {},
        { rules: [{ id: 'D1', fullDescription: { text: 'What D1 finds.' } }, { id: 'P1' }] },
      ),
    );
    assert.deepEqual([found[0]!.description, found[0]!.detail?.message], ['What D1 finds.', 'At this call.']);
    assert.equal(found[1]!.detail?.message, long);
  });

  test('gives a result with neither rule id nor message a placeholder rule id and title', async () => {
    const f = await one(run('Scanner', [{}]));
    assert.equal(f.ruleId, '(no rule id)');
    assert.equal(f.title, '(no rule id)');
  });
});

describe('SARIF input errors', () => {
  const valid = log(run('Scanner', [{ ruleId: 'R', message: { text: 'm' }, locations: [at('a.ts', 1)] }]));

  test('says where garbled JSON breaks, by line and column', async () => {
    const garbled = valid.replace('"ruleId": "R",', '"ruleId": "R"');
    const e = await rejects(garbled, /scan\.sarif: not valid JSON at line \d+, column \d+/);
    assert.equal(e.details?.file, 'scan.sarif');
  });

  test('says a truncated log is truncated or where it stops', async () => {
    await rejects(valid.slice(0, valid.length / 2), /not valid JSON (at line \d+, column \d+|at its end)/);
    await rejects(valid.slice(0, valid.lastIndexOf('}')), /truncated|line \d+/);
  });

  test('names the JSON path of a value of the wrong type', async () => {
    const cases: [unknown, RegExp, string][] = [
      [{ version: '2.1.0', runs: {} }, /expected an array at runs, found a object/, 'runs'],
      [{ version: '2.1.0', runs: ['x'] }, /expected an object at runs\[0\]/, 'runs[0]'],
      [
        { version: '2.1.0', runs: [{ ...run('S', []), results: 'none' }] },
        /expected an array at runs\[0\]\.results/,
        'runs[0].results',
      ],
      [
        { version: '2.1.0', runs: [run('S', [{}, {}, {}, 7])] },
        /expected an object at runs\[0\]\.results\[3\], found a number/,
        'runs[0].results[3]',
      ],
      [{ version: '2.1.0', runs: [{ results: [] }] }, /runs\[0\]\.tool/, 'runs[0].tool'],
      [
        { version: '2.1.0', runs: [{ tool: { driver: {} }, results: [] }] },
        /runs\[0\]\.tool\.driver\.name is missing/,
        'runs[0].tool.driver.name',
      ],
      [[], /expected an object at the top level/, 'the top level'],
    ];
    for (const [doc, pattern, path] of cases) {
      const e = await rejects(JSON.stringify(doc), pattern);
      assert.equal(e.details?.path, path);
    }
  });

  test('rejects other SARIF versions, saying which one Entente reads', async () => {
    await rejects(
      JSON.stringify({ version: '2.0.0', runs: [] }),
      /version "2\.0\.0"; Entente reads SARIF 2\.1\.0 only/,
    );
    await rejects(JSON.stringify({ runs: [] }), /no "version"; Entente reads SARIF 2\.1\.0 only/);
  });
});

describe('SARIF robustness', () => {
  const base = (): Json =>
    JSON.parse(
      log(
        run(
          'Scanner',
          [
            {
              ruleId: 'R1',
              ruleIndex: 0,
              level: 'error',
              kind: 'fail',
              message: { id: 'default', arguments: ['x'] },
              locations: [at('a.ts', 3, { uriBaseId: 'SRC' }), { logicalLocations: [{ index: 0 }] }],
              suppressions: [{ status: 'underReview' }],
              properties: { 'security-severity': '8.1', cvssv3_baseScore: 8.1, tags: ['CWE-89'] },
              taxa: [{ id: '89', toolComponent: { index: 0 } }],
              rule: { id: 'R1', index: 0, toolComponent: { index: 0 } },
              partialFingerprints: { a: '1' },
              fixes: [{ description: { text: 'Fix' } }],
            },
            {
              ruleId: 'CVE-2024-0001',
              message: { text: 'Package: zlib\nInstalled Version: 1.2\nFixed Version: 1.3' },
              analysisTarget: { uri: 'file:///r/x' },
            },
          ],
          {
            originalUriBaseIds: { SRC: { uri: 'src/', uriBaseId: 'ROOT' }, ROOT: { uri: 'file:///r/' } },
            artifacts: [{ location: { uri: 'src/a.ts' } }],
            logicalLocations: [{ fullyQualifiedName: 'A.b' }],
            taxonomies: [{ name: 'CWE', taxa: [{ id: '89' }] }],
          },
          {
            rules: [
              {
                id: 'R1',
                messageStrings: { default: { text: 'Bad {0}' } },
                relationships: [{ target: { id: '89', toolComponent: { name: 'CWE' } } }],
                defaultConfiguration: { level: 'warning' },
                properties: { tags: ['external/cwe/cwe-089'] },
              },
            ],
            globalMessageStrings: { g: { text: 'G {0}' } },
          },
        ),
      ),
    );

  function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
    if (v === null || typeof v !== 'object') return [prefix];
    const keys: (string | number)[] = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
    return [prefix, ...keys.flatMap((k) => paths((v as Record<string | number, unknown>)[k], [...prefix, k]))];
  }

  function setAt(root: Json, path: (string | number)[], value: unknown): unknown {
    if (path.length === 0) return value;
    let node: unknown = root;
    for (const key of path.slice(0, -1))
      node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[key] : undefined;
    if (node !== null && typeof node === 'object')
      (node as Record<string | number, unknown>)[path[path.length - 1] as string | number] = value;
    return root;
  }

  async function onlyEntenteErrors(text: string): Promise<void> {
    try {
      for (const f of await parseText(text)) {
        assert.ok(severities.includes(f.severity) && findingKinds.includes(f.kind));
        assert.ok(
          typeof f.ruleId === 'string' && f.ruleId !== '' && typeof f.title === 'string' && typeof f.tool === 'string',
        );
        assert.ok(f.cwes.every((c) => Number.isInteger(c)) && f.aliases.every((a) => typeof a === 'string'));
      }
    } catch (e) {
      if (!(e instanceof EntenteError) || e.code !== 'bad_input') throw e;
    }
  }

  test('reads the robustness fixture as intended before it is mutated', async () => {
    const found = await parseText(JSON.stringify(base()));
    assert.deepEqual(
      found.map((f) => [f.ruleId, f.location.file, f.severity, f.kind]),
      [
        ['R1', 'src/a.ts', 'high', 'code'],
        ['CVE-2024-0001', 'x', 'medium', 'dependency'],
      ],
    );
    assert.deepEqual(found[0]?.cwes, [89]);
  });

  test('random JSON documents never fail with anything but a bad-input error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        await onlyEntenteErrors(JSON.stringify(value));
        await onlyEntenteErrors(JSON.stringify({ version: '2.1.0', runs: [value] }));
        await onlyEntenteErrors(
          JSON.stringify({
            version: '2.1.0',
            runs: [
              { tool: { driver: { name: 'S', rules: [value] } }, results: [value, { ruleId: 'R', message: value }] },
            ],
          }),
        );
      }),
      { numRuns: 300 },
    );
  });

  test('a valid log with any of its values replaced by random JSON never fails with anything but a bad-input error', async () => {
    const all = paths(base());
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...all), fc.jsonValue({ maxDepth: 3 })), { minLength: 1, maxLength: 4 }),
        async (mutations) => {
          let doc: unknown = base();
          for (const [path, value] of mutations) doc = setAt(doc as Json, path, value);
          await onlyEntenteErrors(JSON.stringify(doc));
        },
      ),
      { numRuns: 500 },
    );
  });

  test('a valid log cut at any point never fails with anything but a bad-input error', async () => {
    const text = JSON.stringify(base(), null, 1);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: text.length }), async (n) => onlyEntenteErrors(text.slice(0, n))),
      { numRuns: 200 },
    );
  });
});

test('a cppcheck result is located where cppcheck reports it: the last entry of its path', async () => {
  const log = {
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Cppcheck',
            rules: [{ id: 'nullPointer', shortDescription: { text: 'Null pointer dereference: p' } }],
          },
        },
        results: [
          {
            ruleId: 'nullPointer',
            level: 'error',
            message: { text: 'Null pointer dereference: p' },
            locations: [
              { physicalLocation: { artifactLocation: { uri: 'vuln.c' }, region: { startLine: 21, startColumn: 12 } } },
              { physicalLocation: { artifactLocation: { uri: 'vuln.c' }, region: { startLine: 22, startColumn: 6 } } },
            ],
          },
        ],
      },
    ],
  };
  const text = JSON.stringify(log);
  const found = [];
  for await (const f of sarifParser.parse({
    name: 'cc.sarif',
    head: text.slice(0, 4096),
    text: async () => text,
    stream: () => Readable.from([text]),
  }))
    found.push(f);
  assert.equal(found.length, 1);
  assert.equal(found[0]!.location.line, 22);
  assert.deepEqual(found[0]!.detail?.otherLocations, ['vuln.c:21']);
});
