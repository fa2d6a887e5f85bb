import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ParsedFinding } from '../types.ts';
import { cppcheckParser } from './cppcheck.ts';
import { badInputError, inputOf, robustnessTests } from '../../../test/support/parsing.ts';

const run = promisify(execFile);
const hasCppcheck = !spawnSync('cppcheck', ['--version']).error;

async function parse(
  text: string,
  name = 'cppcheck.xml',
): Promise<{ findings: ParsedFinding[]; tools: [string, string | undefined][] }> {
  const findings: ParsedFinding[] = [];
  const tools: [string, string | undefined][] = [];
  for await (const f of cppcheckParser.parse(inputOf(name, text), { tool: (n, v) => tools.push([n, v]) }))
    findings.push(f);
  return { findings, tools };
}

function report(errors: string[], version = '2.13.0'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<results version="2">
    <cppcheck version="${version}"/>
    <errors>
${errors.join('\n')}
    </errors>
</results>
`;
}

const outOfBounds = `        <error id="arrayIndexOutOfBounds" severity="error" msg="Array &apos;values[4]&apos; accessed at index 4, which is out of bounds." verbose="Array &apos;values[4]&apos; accessed at index 4, which is out of bounds." cwe="788" file0="src/stats.c">
            <location file="src/stats.c" line="12" column="11" info="Array index out of bounds"/>
        </error>`;
// A null dereference with its path: Cppcheck lists the dereference first, then how the pointer got there.
const nullPointer = `        <error id="nullPointer" severity="warning" msg="Possible null pointer dereference: p" verbose="Possible null pointer dereference: p" cwe="476" file0="src/main.c">
            <location file="src/main.c" line="22" column="6" info="Null pointer dereference"/>
            <location file="src/main.c" line="21" column="14" info="Assuming condition is false"/>
            <location file="src/main.c" line="20" column="14" info="Assignment &apos;p=NULL&apos;, assigned value is 0"/>
            <symbol>p</symbol>
        </error>`;
const unread = `        <error id="unreadVariable" severity="style" msg="Variable &apos;total&apos; is assigned a value that is never used." verbose="Variable &apos;total&apos; is assigned a value that is never used." cwe="563" file0="src/stats.c" inconclusive="true">
            <location file="./src/stats.c" line="16" column="15"/>
            <symbol>total</symbol>
        </error>`;
const missingInclude = `        <error id="missingIncludeSystem" severity="information" msg="Cppcheck cannot find all the include files (use --check-config for details)" verbose="Cppcheck cannot find all the include files."/>`;
const checkers = `        <error id="checkersReport" severity="information" msg="Active checkers: 106/592 (use --checkers-report=&lt;filename&gt; to see details)" verbose="Active checkers: 106/592"/>`;

describe('cppcheck XML detection', () => {
  test('recognises <results> followed by <cppcheck>, also when the head is cut', () => {
    assert.ok(cppcheckParser.detect(report([outOfBounds]).slice(0, 4096), 'cppcheck.xml'));
    assert.ok(
      cppcheckParser.detect(
        '<?xml version="1.0" encoding="UTF-8"?>\n<results version="2">\n    <cppcheck version="2.10"/>\n    <err',
        'c.xml',
      ),
    );
  });

  test('does not claim other XML with a <results> root, nor SARIF or Nmap', () => {
    assert.ok(!cppcheckParser.detect('<?xml version="1.0"?><results><result id="1"/></results>', 'other.xml'));
    assert.ok(
      !cppcheckParser.detect('{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"Cppcheck"}}}]}', 'c.sarif'),
    );
    assert.ok(!cppcheckParser.detect('<?xml version="1.0"?><nmaprun scanner="nmap">', 'scan.xml'));
  });
});

describe('cppcheck XML report', () => {
  test('one code finding per error; information messages are not findings; the run is named once', async () => {
    const { findings, tools } = await parse(report([outOfBounds, nullPointer, missingInclude, unread, checkers]));
    assert.deepEqual(
      findings.map((f) => f.ruleId),
      ['arrayIndexOutOfBounds', 'nullPointer', 'unreadVariable'],
    );
    assert.deepEqual(tools, [['Cppcheck', '2.13.0']]);
  });

  test('maps id, message, severity, CWE, location and detail', async () => {
    const [f] = (await parse(report([outOfBounds]))).findings;
    assert.deepEqual(f, {
      tool: 'Cppcheck',
      toolVersion: '2.13.0',
      ruleId: 'arrayIndexOutOfBounds',
      kind: 'code',
      title: "Array 'values[4]' accessed at index 4, which is out of bounds.",
      description: "Array 'values[4]' accessed at index 4, which is out of bounds.",
      severity: 'high',
      aliases: [],
      cwes: [788],
      location: { file: 'src/stats.c', line: 12, column: 11 },
      detail: { severity: 'error', info: 'Array index out of bounds', file0: 'src/stats.c' },
    });
  });

  // Corpus: cppcheck_many_vuln.sarif — DefectDojo counts 10, Entente 7. Cppcheck writes an error's path as several
  // locations of one result (here 3 for nullPointerOutOfMemory, 2 for nullPointer); the peer makes one finding per
  // location. It is one weakness, so Entente reads one finding at the reported location with the path in detail.
  test('an error with a path of several locations is one finding at its first location (peer splits them: 10 vs 7)', async () => {
    const { findings } = await parse(report([nullPointer]));
    assert.equal(findings.length, 1);
    assert.deepEqual(findings[0]?.location, { file: 'src/main.c', line: 22, column: 6 });
    assert.equal(findings[0]?.severity, 'medium');
    assert.deepEqual(findings[0]?.detail?.['path'], [
      { file: 'src/main.c', line: 21, column: 14, info: 'Assuming condition is false' },
      { file: 'src/main.c', line: 20, column: 14, info: "Assignment 'p=NULL', assigned value is 0" },
    ]);
    assert.deepEqual(findings[0]?.detail?.['symbols'], ['p']);
  });

  test('style, performance and portability are low; inconclusive results are flagged', async () => {
    const perf = unread.replace('unreadVariable', 'passedByValue').replace('"style"', '"performance"');
    const { findings } = await parse(report([unread, perf]));
    assert.deepEqual(
      findings.map((f) => f.severity),
      ['low', 'low'],
    );
    assert.equal(findings[0]?.detail?.['inconclusive'], true);
    assert.equal(findings[0]?.location.file, 'src/stats.c');
  });

  test('a clean run has no findings but still counts as a Cppcheck run', async () => {
    const { findings, tools } = await parse(report([], '2.10'));
    assert.equal(findings.length, 0);
    assert.deepEqual(tools, [['Cppcheck', '2.10']]);
  });

  test('an error without location (a whole-program message) falls back to file0', async () => {
    const err =
      '<error id="ctuOneDefinitionRuleViolation" severity="style" msg="The one definition rule is violated" verbose="x" cwe="758" file0="src/a.cpp"/>';
    const [f] = (await parse(report([err]))).findings;
    assert.deepEqual(f?.location, { file: 'src/a.cpp' });
  });
});

describe('cppcheck XML errors', () => {
  const full = report([outOfBounds, nullPointer, unread]);

  test('truncated XML says where and that the file looks truncated', async () => {
    await assert.rejects(
      parse(full.slice(0, full.indexOf('<symbol>p'))),
      badInputError(/cppcheck\.xml: not well-formed XML at line \d+, column \d+: .*truncated/),
    );
  });

  test('a location line that is not a number names its line in the file', async () => {
    await assert.rejects(
      parse(report([outOfBounds.replace('line="12"', 'line="twelve"')])),
      badInputError(/the <location> at line 6 has line="twelve", expected a whole number/),
    );
  });

  test('an error without id, or with an unknown severity, names its line', async () => {
    await assert.rejects(
      parse(report([outOfBounds.replace('id="arrayIndexOutOfBounds" ', '')])),
      badInputError(/the <error> at line 5 has no id attribute/),
    );
    await assert.rejects(
      parse(report([outOfBounds.replace('severity="error"', 'severity="fatal"')])),
      badInputError(/severity "fatal"/),
    );
  });

  test('another XML root and the old version 1 format are refused', async () => {
    await assert.rejects(
      parse('<?xml version="1.0"?><nmaprun/>'),
      badInputError(/not a Cppcheck XML report: the root element is <nmaprun>/),
    );
    await assert.rejects(
      parse('<?xml version="1.0"?><results><error file="a.c" line="3" id="x" severity="error" msg="m"/></results>'),
      badInputError(/format version 1/),
    );
  });

  test('external entities are never expanded', async () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><results version="2"><cppcheck version="2"/><errors><error id="a" severity="error" msg="&x;"/></errors></results>`;
    await assert.rejects(parse(xxe), badInputError(/never expanded/));
  });

  robustnessTests({ parse, seeds: [full] });
});

describe('cppcheck XML from the real tool', () => {
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
    '    int *p = NULL;',
    '    if (argc > 5) p = malloc(4);',
    '    *p = 1;',
    '    int a[4];',
    '    a[4] = 0;',
    '    return 0;',
    '}',
    '',
  ].join('\n');

  test('reads exactly what cppcheck --xml reports (on stderr)', {
    skip: !hasCppcheck && 'cppcheck is not installed',
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'entente-cppcheck-'));
    try {
      await writeFile(join(dir, 'vuln.c'), source);
      const { stderr: xml } = await run('cppcheck', ['--xml', '--enable=all', 'vuln.c'], { cwd: dir });
      const reported = xml.split('\n').filter((l) => /<error /.test(l));
      const expected = reported
        .filter((l) => !/severity="information"/.test(l))
        .map((l) => /id="([^"]+)"/.exec(l)?.[1]);
      const version = /<cppcheck version="([^"]+)"/.exec(xml)?.[1];
      const { findings, tools } = await parse(xml);
      assert.deepEqual(
        findings.map((f) => f.ruleId),
        expected,
      );
      assert.deepEqual(tools, [['Cppcheck', version]]);
      const byId = new Map(findings.map((f) => [f.ruleId, f]));
      assert.deepEqual(byId.get('arrayIndexOutOfBounds')?.location, { file: 'vuln.c', line: 14, column: 6 });
      assert.deepEqual(byId.get('arrayIndexOutOfBounds')?.cwes, [788]);
      assert.deepEqual([byId.get('nullPointer')?.location.line, byId.get('nullPointer')?.cwes], [12, [476]]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
