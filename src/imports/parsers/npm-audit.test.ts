import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { EntenteError } from '../../errors.ts';
import type { ParsedFinding, ReportInput } from '../types.ts';
import { npmAuditParser } from './npm-audit.ts';
import { trivyParser } from './trivy.ts';
import { expectBadInput, refusal, reportInput, mutatedOrCutNeverThrow } from '../../../test/support/parsing.ts';

// ---- fixtures: npm 6 reports ----

const lodash = {
  findings: [
    { version: '4.17.19', paths: ['express-app>lodash'], dev: false, optional: false, bundled: false },
    {
      version: '4.17.15',
      paths: ['webpack>lodash', 'jest>babel-core>lodash'],
      dev: true,
      optional: false,
      bundled: false,
    },
    { version: '4.17.19', paths: ['eslint>lodash', 'express-app>lodash'], dev: true, optional: false, bundled: false },
  ],
  id: 1065345,
  module_name: 'lodash',
  severity: 'high',
  github_advisory_id: 'GHSA-35jh-r3h4-6jhm',
  cves: ['CVE-2021-23337'],
  vulnerable_versions: '<4.17.21',
  patched_versions: '>=4.17.21',
  access: 'public',
  cwe: ['CWE-77', 'CWE-94'],
  cvss: { score: 7.2, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H' },
  title: 'Command Injection in lodash',
  overview: 'lodash versions prior to 4.17.21 are vulnerable to Command Injection via the template function.',
  recommendation: 'Upgrade to version 4.17.21 or later',
  references: '- https://nvd.nist.gov/vuln/detail/CVE-2021-23337\n- https://github.com/advisories/GHSA-35jh-r3h4-6jhm',
  url: 'https://github.com/advisories/GHSA-35jh-r3h4-6jhm',
  created: '2021-05-06T16:05:51.000Z',
  updated: '2021-05-06T16:05:51.000Z',
  deleted: null,
  found_by: null,
  reported_by: null,
  metadata: null,
};

// An older advisory: npm's own number, a CWE as a string, no GHSA, Markdown references.
const growl = {
  findings: [
    { version: '1.9.2', paths: ['mocha-jenkins-reporter>mocha>growl'], dev: true, optional: false, bundled: false },
  ],
  id: 146,
  module_name: 'growl',
  severity: 'critical',
  cves: ['CVE-2017-16042'],
  cwe: 'CWE-94',
  vulnerable_versions: '<1.10.2',
  patched_versions: '>=1.10.2',
  title: 'Command Injection',
  overview: 'Affected versions of `growl` do not properly sanitize input prior to passing it into a shell command.',
  recommendation: 'Update to version 1.10.2 or later.',
  references:
    '[Issue #60](https://github.com/tj/node-growl/issues/60)\n[PR #61](https://github.com/tj/node-growl/pull/61)',
  url: 'https://www.npmjs.com/advisories/146',
  metadata: { module_type: 'CLI.Library', exploitability: 5, affected_components: '' },
};

function v6(advisories: Record<string, unknown>): Record<string, unknown> {
  const actions = [
    {
      action: 'install',
      module: 'mocha-jenkins-reporter',
      target: '0.3.12',
      isMajor: false,
      resolves: [{ id: 146, path: 'mocha-jenkins-reporter>mocha>growl', dev: true, optional: false, bundled: false }],
    },
  ];
  return {
    actions,
    advisories,
    muted: [],
    metadata: {
      vulnerabilities: { info: 0, low: 0, moderate: 0, high: 1, critical: 1 },
      dependencies: 12,
      devDependencies: 43,
      optionalDependencies: 0,
      totalDependencies: 55,
    },
    runId: 'ab9f276f',
  };
}

// ---- fixtures: npm 7+ reports ----

const debugRedos = {
  source: 1094219,
  name: 'debug',
  dependency: 'debug',
  title: 'Regular Expression Denial of Service in debug',
  url: 'https://github.com/advisories/GHSA-gxpj-cx7g-858c',
  severity: 'moderate',
  cwe: ['CWE-400'],
  cvss: { score: 5.3, vectorString: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L' },
  range: '>=4.0.0 <4.3.1',
};
const debugComplexity = {
  source: 1094457,
  name: 'debug',
  dependency: 'debug',
  title: 'debug Inefficient Regular Expression Complexity vulnerability',
  url: 'https://github.com/advisories/GHSA-9vvw-cc9w-f27h',
  severity: 'high',
  cwe: ['CWE-1333'],
  cvss: { score: 7.5, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' },
  range: '<2.6.9',
};
const semverRedos = {
  source: 1096482,
  name: 'semver',
  dependency: 'semver',
  title: 'semver vulnerable to Regular Expression Denial of Service',
  url: 'https://github.com/advisories/GHSA-c2qf-rxjj-qqgw',
  severity: 'moderate',
  cwe: ['CWE-1333'],
  cvss: { score: 5.3, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L' },
  range: '>=7.0.0 <7.5.2',
};
const fixVercel = { name: 'vercel', version: '32.3.0', isSemVerMajor: true };

/** Five vulnerable packages, as npm counts them; two advisories in debug, one in semver. */
function v7(): Record<string, unknown> {
  const pkg = (name: string, severity: string, via: unknown[], effects: string[], range: string, isDirect = false) => ({
    name,
    severity,
    isDirect,
    via,
    effects,
    range,
    nodes: [`node_modules/${name}`],
    fixAvailable: fixVercel,
  });
  return {
    auditReportVersion: 2,
    vulnerabilities: {
      '@vercel/fun': pkg('@vercel/fun', 'moderate', ['debug', 'semver'], ['vercel'], '<=1.1.0'),
      debug: pkg('debug', 'high', [debugRedos, debugComplexity, debugRedos], ['@vercel/fun'], '<=4.3.0'),
      semver: pkg('semver', 'moderate', [semverRedos], ['@vercel/fun'], '7.0.0 - 7.5.1'),
      'vercel-cli-helper': pkg('vercel-cli-helper', 'moderate', ['vercel'], [], '*'),
      vercel: pkg('vercel', 'moderate', ['@vercel/fun'], ['vercel-cli-helper'], '>=32.0.2', true),
    },
    metadata: {
      vulnerabilities: { info: 0, low: 0, moderate: 4, high: 1, critical: 0, total: 5 },
      dependencies: { prod: 737, dev: 306, optional: 153, peer: 50, peerOptional: 0, total: 1180 },
    },
  };
}

const input = (text: string, name = 'npm-audit.json'): ReportInput => reportInput(text, name);

async function parse(doc: unknown): Promise<ParsedFinding[]> {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2);
  const out: ParsedFinding[] = [];
  for await (const f of npmAuditParser.parse(input(text))) out.push(f);
  return out;
}

const badInputOf = (doc: unknown): Promise<EntenteError> => refusal(() => parse(doc));

describe('npm audit 6 reports', () => {
  test('give a dependency finding with GHSA rule id, aliases, CWEs, CVSS, purl and the patched range as written', async () => {
    const [f] = await parse(v6({ 1065345: { ...lodash, findings: [lodash.findings[0]] } }));
    assert.ok(f);
    assert.equal(f.tool, 'npm audit');
    assert.equal(f.kind, 'dependency');
    assert.equal(f.ruleId, 'GHSA-35jh-r3h4-6jhm');
    assert.deepEqual(f.aliases, ['CVE-2021-23337', 'GHSA-35jh-r3h4-6jhm']);
    assert.deepEqual(f.cwes, [77, 94]);
    assert.equal(f.severity, 'high');
    assert.deepEqual(f.cvss, { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H', score: 7.2 });
    assert.deepEqual(f.component, {
      name: 'lodash',
      version: '4.17.19',
      purl: 'pkg:npm/lodash@4.17.19',
      ecosystem: 'npm',
    });
    assert.equal(f.fixedVersion, '>=4.17.21');
    assert.equal(f.title, 'Command Injection in lodash');
    assert.deepEqual(f.references, [
      'https://github.com/advisories/GHSA-35jh-r3h4-6jhm',
      'https://nvd.nist.gov/vuln/detail/CVE-2021-23337',
    ]);
    assert.deepEqual(f.detail, {
      advisoryId: '1065345',
      vulnerableVersions: '<4.17.21',
      recommendation: 'Upgrade to version 4.17.21 or later',
      paths: ['express-app>lodash'],
    });
  });

  // The peer makes one finding per advisory (41 for a report where Entente makes 44): a project that
  // has lodash 4.17.19 and 4.17.15 installed has two vulnerable components to upgrade, not one.
  test('split an advisory into one finding per installed version, merging the paths of each (Entente: 2, peer: 1)', async () => {
    const found = await parse(v6({ 1065345: lodash }));
    assert.equal(found.length, 2);
    assert.deepEqual(
      found.map((f) => [f.component?.version, f.detail?.paths]),
      [
        ['4.17.19', ['express-app>lodash', 'eslint>lodash']],
        ['4.17.15', ['webpack>lodash', 'jest>babel-core>lodash']],
      ],
    );
  });

  test('read older advisories: CVE rule id, CWE as a string, JSON-in-a-string or null, Markdown references', async () => {
    const found = await parse(
      v6({
        146: growl,
        147: { ...growl, id: 147, cwe: '["CWE-78","CWE-94"]' },
        148: { ...growl, id: 148, cwe: null, cves: [] },
      }),
    );
    assert.deepEqual(
      found.map((f) => [f.ruleId, f.cwes]),
      [
        ['CVE-2017-16042', [94]],
        ['CVE-2017-16042', [78, 94]],
        ['NPM-148', []],
      ],
    );
    assert.equal(found[0]?.severity, 'critical');
    assert.deepEqual(found[0]?.references, [
      'https://www.npmjs.com/advisories/146',
      'https://github.com/tj/node-growl/issues/60',
      'https://github.com/tj/node-growl/pull/61',
    ]);
    assert.equal(found[0]?.cvss, undefined);
  });

  test('leave fixedVersion out when npm says no version is patched', async () => {
    const [f] = await parse(v6({ 146: { ...growl, patched_versions: '<0.0.0' } }));
    assert.equal(f?.fixedVersion, undefined);
  });

  test('read scoped packages into a purl with an encoded namespace', async () => {
    const [f] = await parse(
      v6({
        9: { ...growl, module_name: '@angular/core', findings: [{ version: '11.0.4', paths: ['@angular/core'] }] },
      }),
    );
    assert.equal(f?.component?.purl, 'pkg:npm/%40angular/core@11.0.4');
  });

  test('find nothing in a clean report', async () => {
    assert.deepEqual(await parse(v6({})), []);
  });
});

describe('npm audit 7+ reports', () => {
  // npm counts vulnerable packages (metadata total 5 here; the peer makes one finding per package, 6 on
  // its "many vulns" sample where Entente makes 3). Entente makes one finding per advisory a package
  // carries itself: @vercel/fun, vercel and vercel-cli-helper are vulnerable only through debug and
  // semver, so they are named in those findings' detail.affects instead of being findings of their own.
  test('give one finding per advisory; packages vulnerable only through others are not findings (Entente: 3, peer: 5)', async () => {
    const found = await parse(v7());
    assert.deepEqual(
      found.map((f) => [f.component?.name, f.ruleId]),
      [
        ['debug', 'GHSA-gxpj-cx7g-858c'],
        ['debug', 'GHSA-9vvw-cc9w-f27h'],
        ['semver', 'GHSA-c2qf-rxjj-qqgw'],
      ],
    );
    assert.deepEqual(found[0]?.detail?.affects, ['@vercel/fun', 'vercel', 'vercel-cli-helper']);
  });

  // The peer makes one finding for a package whatever the number of advisories in its "via" (1 where Entente makes 2).
  test('split a package with two advisories into two findings, each with its own severity, CWE and CVSS', async () => {
    const [redos, complexity] = await parse(v7());
    assert.equal(redos?.severity, 'medium');
    assert.equal(complexity?.severity, 'high');
    assert.deepEqual([redos?.cwes, complexity?.cwes], [[400], [1333]]);
    assert.deepEqual(complexity?.cvss, {
      version: '3.1',
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
      score: 7.5,
    });
    assert.deepEqual(complexity?.aliases, ['GHSA-9vvw-cc9w-f27h']);
    assert.deepEqual(complexity?.references, ['https://github.com/advisories/GHSA-9vvw-cc9w-f27h']);
  });

  test('put the vulnerable range in component.version, say so, and keep the purl versionless', async () => {
    const [f] = await parse(v7());
    assert.deepEqual(f?.component, { name: 'debug', version: '<=4.3.0', purl: 'pkg:npm/debug', ecosystem: 'npm' });
    assert.match(String(f?.detail?.versionIsRange), /not the installed version/);
    assert.deepEqual(f?.detail?.nodes, ['node_modules/debug']);
    assert.equal(f?.detail?.fixAvailable, 'vercel@32.3.0 (semver-major)');
  });

  test('derive the fixed version from an advisory range that ends below a version, or from a fix of the same package', async () => {
    const found = await parse(v7());
    assert.deepEqual(
      found.map((f) => f.fixedVersion),
      ['>=4.3.1', '>=2.6.9', '>=7.5.2'],
    );
    const report = v7();
    const vulns = report.vulnerabilities as Record<string, Record<string, unknown>>;
    vulns.semver = {
      ...vulns.semver,
      via: [{ ...semverRedos, range: '<6.3.1 || >=7.0.0 <7.5.2' }],
      fixAvailable: { name: 'semver', version: '7.5.4', isSemVerMajor: false },
    };
    const [semver] = (await parse(report)).filter((f) => f.component?.name === 'semver');
    assert.equal(semver?.fixedVersion, '7.5.4');
  });

  test('read the report npm audit fix --dry-run --json wraps in "audit"', async () => {
    assert.equal((await parse({ added: 0, removed: 0, changed: 1, audit: v7() })).length, 3);
  });

  test('find nothing in a clean report', async () => {
    assert.deepEqual(
      await parse({ auditReportVersion: 2, vulnerabilities: {}, metadata: { vulnerabilities: { total: 0 } } }),
      [],
    );
  });
});

describe('npm audit detection', () => {
  test('recognises npm 6 heads, even when "actions" fills the first 4 KB, and npm 7 heads', () => {
    const longActions = JSON.stringify(v6({ 146: growl }), null, 2).replace(
      '"actions": [',
      `"actions": [${JSON.stringify({ action: 'update', module: 'x', resolves: Array(120).fill({ id: 1, path: 'a>b>c', dev: true }) })},`,
    );
    assert.ok(!longActions.slice(0, 4096).includes('"advisories"'));
    assert.ok(npmAuditParser.detect(longActions.slice(0, 4096), 'audit.json'));
    assert.ok(npmAuditParser.detect('{"advisories":{"146":{"findings":[{"version":"1.9.2"', 'audit.json'));
    assert.ok(npmAuditParser.detect(JSON.stringify(v7(), null, 2).slice(0, 50), 'audit.json'));
  });

  test('refuses Trivy heads, and Trivy refuses npm audit heads', () => {
    const trivy =
      '{\n  "SchemaVersion": 2,\n  "ArtifactName": "package-lock.json",\n  "ArtifactType": "filesystem",\n  "Results": [{"Target": "package-lock.json", "Vulnerabilities": [';
    const legacy = '[\n  {\n    "Target": "package-lock.json",\n    "Type": "npm",\n    "Vulnerabilities": [';
    for (const head of [trivy, legacy, '{"version":"2.1.0","runs":[]}', 'not json at all', ''])
      assert.equal(npmAuditParser.detect(head, 'x.json'), false, head);
    for (const doc of [v6({ 146: growl }), v7()])
      assert.equal(trivyParser.detect(JSON.stringify(doc, null, 2).slice(0, 4096), 'x.json'), false);
  });
});

describe('npm audit errors', () => {
  test('a truncated report is refused with the file, line and column', async () => {
    const text = JSON.stringify(v7(), null, 2);
    const err = await badInputOf(text.slice(0, 900));
    assert.match(
      err.message,
      new RegExp(`npm-audit\\.json: not valid JSON at line ${text.slice(0, 900).split('\n').length}, column \\d+`),
    );
  });

  test('wrong types are refused with the JSON path at fault', async () => {
    const e1 = await badInputOf(v6({ 146: { ...growl, findings: [growl.findings[0], 'oops'] } }));
    assert.match(e1.message, /advisories\["146"\]\.findings\[1\]/);
    const e2 = await badInputOf(v6({ 146: { ...growl, module_name: ['growl'] } }));
    assert.match(e2.message, /advisories\["146"\]\.module_name/);
    const e3 = await badInputOf({ auditReportVersion: 2, vulnerabilities: { '@scope/pkg': { via: [42] } } });
    assert.match(e3.message, /vulnerabilities\["@scope\/pkg"\]\.via\[0\]/);
    const e4 = await badInputOf({ auditReportVersion: 2, vulnerabilities: [] });
    assert.match(e4.message, /at vulnerabilities/);
  });

  test('a JSON document that is not an npm audit report is refused', async () => {
    await badInputOf({ SchemaVersion: 2, Results: [] });
    await badInputOf('[]');
    await badInputOf('null');
  });

  test('never fails with anything but a bad-input error, whatever JSON it is given', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        await parse(value).catch(expectBadInput);
        await parse({ auditReportVersion: 2, vulnerabilities: value }).catch(expectBadInput);
        await parse({ advisories: value }).catch(expectBadInput);
      }),
      { numRuns: 300 },
    );
  });

  test('never fails with anything but a bad-input error on mutated or cut real-shaped reports', async () => {
    const seeds = [v6({ 1065345: lodash, 146: growl }), v7()];
    await mutatedOrCutNeverThrow(parse, seeds);
  });
});
