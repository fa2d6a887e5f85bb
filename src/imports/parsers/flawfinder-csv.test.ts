import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseCsv } from 'csv-parse/sync';
import { fingerprintOf } from '../fingerprint.ts';
import type { ParsedFinding } from '../types.ts';
import { flawfinderCsvParser } from './flawfinder-csv.ts';
import { sarifParser } from './sarif.ts';
import { badInputError, textInputOf, robustnessTests } from '../../../test/support/parsing.ts';

const run = promisify(execFile);
const hasFlawfinder = !spawnSync('flawfinder', ['--version']).error;

async function parse(
  text: string,
  name = 'flawfinder.csv',
): Promise<{ findings: ParsedFinding[]; tools: [string, string | undefined][] }> {
  const findings: ParsedFinding[] = [];
  const tools: [string, string | undefined][] = [];
  for await (const f of flawfinderCsvParser.parse(textInputOf(name, text), { tool: (n, v) => tools.push([n, v]) }))
    findings.push(f);
  return { findings, tools };
}

const header =
  'File,Line,Column,DefaultLevel,Level,Category,Name,Warning,Suggestion,Note,CWEs,Context,Fingerprint,ToolVersion,RuleId,HelpUri';
// Rows as flawfinder 2.0.19 writes them: quoted only where a field holds a comma, CRLF line ends.
const rows = [
  'src/net/parse.c,41,5,4,4,buffer,strcpy,Does not check for buffer overflows when copying to destination [MS-banned] (CWE-120).,"Consider using snprintf, strcpy_s, or strlcpy (warning: strncpy easily misused).",,CWE-120,"    strcpy(host, argv[1]);",ec15926452585fb0f64c4b89b2303693a78314070b7ae452808885cc6cfbe3dd,2.0.19,FF1001,https://cwe.mitre.org/data/definitions/120.html',
  'src/net/parse.c,57,9,4,4,format,printf,"If format strings can be influenced by an attacker, they can be exploited (CWE-134).",Use a constant for the format specification.,,CWE-134,        printf(msg);,2c2f7f43df89fc40b7c5281fa316be2846f21b6736c3b54a0f42b3732604d29e,2.0.19,FF1016,https://cwe.mitre.org/data/definitions/134.html',
  './src/util.c,12,3,2,2,buffer,char,"Statically-sized arrays can be improperly restricted, leading to potential overflows or other issues (CWE-119!/CWE-120).","Perform bounds checking, use functions that limit length, or ensure that the size is larger than the maximum possible length.",,CWE-119!/CWE-120,  char name[32];,f8bd72609fcf9e1123e74ed2ab5aa38f49593871255165d3086feea1a0957480,2.0.19,FF1013,https://cwe.mitre.org/data/definitions/119.html',
  'src/util.c,30,5,4,5,buffer,gets,Does not check for buffer overflows (CWE-120 CWE-20).,Use fgets() instead.,,"CWE-120, CWE-20",    gets(line);,8681551908ef1699f55d6a2ebaaaf86b1ea2b769e66a0011ce774ac9fac1026c,2.0.19,FF1014,https://cwe.mitre.org/data/definitions/120.html',
];
const report = `${header}\r\n${rows.join('\r\n')}\r\n`;

describe('flawfinder CSV detection', () => {
  test('recognises the CSV header of flawfinder 2.0.x, also the older one without DefaultLevel', () => {
    assert.ok(flawfinderCsvParser.detect(report.slice(0, 4096), 'ff.csv'));
    assert.ok(
      flawfinderCsvParser.detect(
        'File,Line,Column,Level,Category,Name,Warning,Suggestion,Note,CWEs,Context,Fingerprint\n',
        'ff.csv',
      ),
    );
    assert.ok(flawfinderCsvParser.detect(`\uFEFF${header}`, 'ff.csv'));
  });

  test('does not claim other CSV, SARIF or XML reports', () => {
    assert.ok(!flawfinderCsvParser.detect('File,Line,Message\nsrc/a.c,1,x\n', 'other.csv'));
    assert.ok(
      !flawfinderCsvParser.detect('{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"Flawfinder"}}}]}', 'ff.sarif'),
    );
    assert.ok(
      !flawfinderCsvParser.detect('<?xml version="1.0"?><results version="2"><cppcheck version="2.10"/>', 'cc.xml'),
    );
  });
});

describe('flawfinder CSV report', () => {
  test('reads one code finding per row and names the tool run once', async () => {
    const { findings, tools } = await parse(report);
    assert.equal(findings.length, 4);
    assert.deepEqual(tools, [['Flawfinder', '2.0.19']]);
    assert.ok(findings.every((f) => f.kind === 'code' && f.tool === 'Flawfinder' && f.toolVersion === '2.0.19'));
  });

  test('maps rule id, title, severity, CWEs, location, reference and detail', async () => {
    const [strcpy] = (await parse(report)).findings;
    assert.ok(strcpy);
    assert.equal(strcpy.ruleId, 'FF1001');
    assert.equal(
      strcpy.title,
      'Does not check for buffer overflows when copying to destination [MS-banned] (CWE-120).',
    );
    assert.equal(strcpy.severity, 'high');
    assert.deepEqual(strcpy.cwes, [120]);
    assert.deepEqual(strcpy.location, { file: 'src/net/parse.c', line: 41, column: 5 });
    assert.deepEqual(strcpy.references, ['https://cwe.mitre.org/data/definitions/120.html']);
    assert.match(strcpy.description ?? '', /Consider using snprintf/);
    assert.deepEqual(strcpy.detail, {
      category: 'buffer',
      name: 'strcpy',
      level: 4,
      defaultLevel: 4,
      suggestion: 'Consider using snprintf, strcpy_s, or strlcpy (warning: strncpy easily misused).',
      cwes: 'CWE-120',
      context: 'strcpy(host, argv[1]);',
      fingerprint: 'ec15926452585fb0f64c4b89b2303693a78314070b7ae452808885cc6cfbe3dd',
    });
  });

  test('reads every CWE of "CWE-119!/CWE-120" and "CWE-120, CWE-20", and strips ./ from paths', async () => {
    const [, , array, gets] = (await parse(report)).findings;
    assert.deepEqual(array?.cwes, [119, 120]);
    assert.equal(array?.location.file, 'src/util.c');
    assert.deepEqual(gets?.cwes, [20, 120]);
  });

  test('maps levels as flawfinder SARIF does: 4-5 high, 3 medium, 1-2 low, 0 info', async () => {
    const row = (level: number): string =>
      `a.c,${level + 1},1,${level},${level},buffer,x,Warn.,,,CWE-120,x,h,2.0.19,FF1,`;
    const { findings } = await parse([header, ...[0, 1, 2, 3, 4, 5].map(row)].join('\n'));
    assert.deepEqual(
      findings.map((f) => f.severity),
      ['info', 'low', 'low', 'medium', 'high', 'high'],
    );
  });

  test('falls back to category/name as rule id for reports without a RuleId column', async () => {
    const old =
      'File,Line,Column,Level,Category,Name,Warning,Suggestion,Note,CWEs,Context,Fingerprint\nsrc/a.c,3,5,4,shell,system,This causes a new program to execute (CWE-78).,,,CWE-78,system(cmd);,abc\n';
    const { findings, tools } = await parse(old);
    assert.equal(findings[0]?.ruleId, 'shell/system');
    assert.deepEqual(tools, [['Flawfinder', undefined]]);
  });

  test('a hit gives the same code fingerprint as flawfinder --sarif reports for it', async () => {
    const [strcpy] = (await parse(report)).findings;
    const sarif = JSON.stringify({
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'Flawfinder',
              version: '2.0.19',
              rules: [
                {
                  id: 'FF1001',
                  name: 'buffer/strcpy',
                  defaultConfiguration: { level: 'error' },
                  helpUri: 'https://cwe.mitre.org/data/definitions/120.html',
                  relationships: [
                    {
                      target: {
                        id: 'CWE-120',
                        toolComponent: { name: 'CWE', guid: 'FFC64C90-42B6-44CE-8BEB-F6B7DAE649E5' },
                      },
                      kinds: ['relevant'],
                    },
                  ],
                },
              ],
            },
          },
          results: [
            {
              ruleId: 'FF1001',
              level: 'error',
              message: {
                text: 'buffer/strcpy:Does not check for buffer overflows when copying to destination [MS-banned] (CWE-120).',
              },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: 'src/net/parse.c', uriBaseId: 'SRCROOT' },
                    region: { startLine: 41, startColumn: 5, endColumn: 26 },
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    const fromSarif: ParsedFinding[] = [];
    for await (const f of sarifParser.parse(textInputOf('flawfinder.sarif', sarif))) fromSarif.push(f);
    assert.ok(strcpy && fromSarif[0]);
    assert.deepEqual(fingerprintOf(strcpy), fingerprintOf(fromSarif[0]));
  });

  test('an empty run (header only) has no findings but still counts as a Flawfinder run', async () => {
    const { findings, tools } = await parse(`${header}\r\n`);
    assert.equal(findings.length, 0);
    assert.deepEqual(tools, [['Flawfinder', undefined]]);
  });
});

describe('flawfinder CSV errors', () => {
  test('a truncated file (cut inside a quoted field) says it looks truncated and where', async () => {
    const cut = report.slice(0, report.indexOf('Consider using') + 5);
    await assert.rejects(parse(cut), badInputError(/flawfinder\.csv: not valid CSV at line \d+: .*looks truncated/));
  });

  test('a row cut short names the row and line', async () => {
    await assert.rejects(
      parse(`${header}\n${rows[0]}\nsrc/a.c,3,5,4`),
      badInputError(/row 2 at line 3 has 4 fields, the header has 16/),
    );
  });

  test('a non-numeric Line or an out-of-range Level names the row and column', async () => {
    await assert.rejects(
      parse(`${header}\n${rows[0]?.replace(',41,', ',forty-one,')}`),
      badInputError(/row 1 at line 2: Line is "forty-one", expected a whole number/),
    );
    await assert.rejects(
      parse(`${header}\n${rows[0]?.replace(',4,4,buffer', ',4,9,buffer')}`),
      badInputError(/row 1 at line 2: Level is "9", expected a whole number from 0 to 5/),
    );
  });

  test('a CSV file of another tool is refused with the columns it lacks', async () => {
    await assert.rejects(
      parse('Path,Row,Message\na.c,1,x\n'),
      badInputError(/not a Flawfinder CSV report: the header lacks File, Line, Level, Name, Warning/),
    );
    await assert.rejects(parse(''), badInputError(/the file is empty/));
  });

  robustnessTests({ parse, seeds: [report] });
});

describe('flawfinder CSV from the real tool', () => {
  const source = [
    '#include <stdio.h>',
    '#include <stdlib.h>',
    '#include <string.h>',
    '',
    'int main(int argc, char **argv) {',
    '    char buf[16];',
    '    strcpy(buf, argv[1]);',
    '    printf(argv[2]);',
    '    system(argv[3]);',
    '    return 0;',
    '}',
    '',
  ].join('\n');

  test('reads exactly what flawfinder --csv reports', {
    skip: !hasFlawfinder && 'flawfinder is not installed',
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'entente-flawfinder-'));
    try {
      await writeFile(join(dir, 'vuln.c'), source);
      const { stdout } = await run('flawfinder', ['--csv', 'vuln.c'], { cwd: dir });
      const expected = parseCsv(stdout, { columns: true }) as Record<string, string>[];
      const { findings, tools } = await parse(stdout, 'flawfinder.csv');
      assert.equal(findings.length, expected.length);
      assert.deepEqual(tools, [['Flawfinder', expected[0]?.ToolVersion]]);
      for (const [i, row] of expected.entries()) {
        const f = findings[i];
        assert.equal(f?.ruleId, row.RuleId);
        assert.equal(f?.title, row.Warning);
        assert.deepEqual(f?.location, { file: row.File, line: Number(row.Line), column: Number(row.Column) });
        assert.equal(f?.detail?.['level'], Number(row.Level));
        assert.equal(f?.detail?.['fingerprint'], row.Fingerprint);
      }
      const byName = new Map(findings.map((f) => [f.detail?.['name'], f]));
      assert.deepEqual([byName.get('strcpy')?.location.line, byName.get('strcpy')?.cwes], [7, [120]]);
      assert.deepEqual(
        [byName.get('printf')?.location.line, byName.get('printf')?.cwes, byName.get('printf')?.severity],
        [8, [134], 'high'],
      );
      assert.deepEqual([byName.get('system')?.location.line, byName.get('system')?.cwes], [9, [78]]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
