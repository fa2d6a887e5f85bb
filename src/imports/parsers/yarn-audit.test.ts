import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ParsedFinding } from '../types.ts';
import { fingerprintOf } from '../fingerprint.ts';
import { npmAuditParser } from './npm-audit.ts';
import { yarnAuditParser } from './yarn-audit.ts';
import { badInputError, textInputOf, robustnessTests } from '../../../test/support/parsing.ts';

// ---- fixtures: yarn 1 `yarn audit --json` (one JSON object per line) ----

const nodeFetch = {
  findings: [
    {
      version: '2.6.5',
      paths: ['react-native>@react-native-community/cli-tools>node-fetch', 'react-native>metro>node-fetch'],
    },
    { version: '2.6.1', paths: ['jest>jsdom>node-fetch'] },
  ],
  metadata: null,
  vulnerable_versions: '<2.6.7',
  module_name: 'node-fetch',
  severity: 'high',
  github_advisory_id: 'GHSA-r683-j2x4-v87g',
  cves: ['CVE-2022-0235'],
  access: 'public',
  patched_versions: '>=2.6.7',
  cvss: { score: 8.8, vectorString: 'CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H' },
  updated: '2022-01-23T01:52:43.000Z',
  recommendation: 'Upgrade to version 2.6.7 or later',
  cwe: '["CWE-173","CWE-200","CWE-601"]',
  found_by: null,
  deleted: null,
  id: 1028029,
  references:
    '- https://nvd.nist.gov/vuln/detail/CVE-2022-0235\n- https://github.com/node-fetch/node-fetch/commit/36e47e8a6406185921e4985dcbeff140d73eaa10',
  created: '2022-03-06T16:00:42.588Z',
  reported_by: null,
  title: 'node-fetch is vulnerable to Exposure of Sensitive Information to an Unauthorized Actor',
  npm_advisory_id: null,
  overview: 'node-fetch forwards secure headers to untrusted sites.',
  url: 'https://github.com/advisories/GHSA-r683-j2x4-v87g',
};

const nthCheck = {
  findings: [{ version: '1.0.2', paths: ['react-native-svg>css-select>nth-check'] }],
  vulnerable_versions: '<2.0.1',
  module_name: 'nth-check',
  severity: 'moderate',
  github_advisory_id: 'GHSA-rp65-9cf3-cjxr',
  cves: ['CVE-2021-3803'],
  patched_versions: '>=2.0.1',
  cvss: { score: 7.5, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' },
  recommendation: 'Upgrade to version 2.0.1 or later',
  cwe: ['CWE-1333'],
  id: 1028248,
  title: ' Inefficient Regular Expression Complexity in nth-check',
  overview: 'nth-check is vulnerable to ReDoS.',
  url: 'https://github.com/advisories/GHSA-rp65-9cf3-cjxr',
};

function advisoryLine(advisory: Record<string, unknown>, path: string, dev = false): string {
  return JSON.stringify({
    type: 'auditAdvisory',
    data: { resolution: { id: advisory.id, path, dev, optional: false, bundled: false }, advisory },
  });
}

const summary = JSON.stringify({
  type: 'auditSummary',
  data: {
    vulnerabilities: { info: 0, low: 0, moderate: 1, high: 3, critical: 0 },
    dependencies: 923,
    devDependencies: 0,
    optionalDependencies: 0,
    totalDependencies: 923,
  },
});

/** yarn 1 repeats an advisory once per dependency path; three node-fetch lines, one nth-check line. */
const classic = [
  JSON.stringify({ type: 'info', data: 'Color: auto' }),
  advisoryLine(nodeFetch, 'react-native>@react-native-community/cli-tools>node-fetch'),
  advisoryLine(nodeFetch, 'react-native>metro>node-fetch'),
  advisoryLine(nodeFetch, 'jest>jsdom>node-fetch', true),
  advisoryLine(nthCheck, 'react-native-svg>css-select>nth-check'),
  JSON.stringify({
    type: 'auditAction',
    data: {
      cmd: 'yarn upgrade node-fetch@2.6.7',
      isBreaking: false,
      action: { action: 'update', module: 'node-fetch', target: '2.6.7' },
    },
  }),
  summary,
].join('\n');

// ---- fixtures: yarn 2+ `yarn npm audit --json` ----

const berry = [
  {
    value: 'axios',
    children: {
      ID: 1097679,
      Issue: 'Axios Cross-Site Request Forgery Vulnerability',
      URL: 'https://github.com/advisories/GHSA-wf5p-g6vw-rhxx',
      Severity: 'moderate',
      'Vulnerable Versions': '>=0.8.1 <0.28.0',
      'Tree Versions': ['0.21.4', '0.27.2'],
      Dependents: ['web@workspace:.', 'sdk@npm:1.2.0'],
    },
  },
  {
    value: '@babel/plugin-proposal-class-properties',
    children: {
      ID: '@babel/plugin-proposal-class-properties (deprecation)',
      Issue:
        'This proposal has been merged to the ECMAScript standard and thus this plugin is no longer maintained. Please use @babel/plugin-transform-class-properties instead.',
      Severity: 'moderate',
      'Vulnerable Versions': '7.18.6',
      'Tree Versions': ['7.18.6'],
      Dependents: ['jscodeshift@npm:0.14.0'],
    },
  },
]
  .map((l) => JSON.stringify(l))
  .join('\n');

/** early yarn 2+ releases printed the registry's answer in npm 6's shape. */
const npm6Shape = JSON.stringify(
  {
    actions: [],
    advisories: {
      1028248: { ...nthCheck, findings: [{ version: '1.0.2', paths: ['react-native-svg>css-select>nth-check'] }] },
    },
    muted: [],
    metadata: {
      vulnerabilities: { info: 0, low: 0, moderate: 1, high: 0, critical: 0 },
      dependencies: 10,
      devDependencies: 0,
      optionalDependencies: 0,
      totalDependencies: 10,
    },
  },
  null,
  2,
);

// ---- helpers ----

async function parse(
  text: string,
  name = 'yarn-audit.json',
  tools: [string, string | undefined][] = [],
): Promise<ParsedFinding[]> {
  const out: ParsedFinding[] = [];
  for await (const f of yarnAuditParser.parse(textInputOf(name, text), { tool: (n, v) => void tools.push([n, v]) }))
    out.push(f);
  return out;
}

// ---- tests ----

describe('yarn audit detection', () => {
  test('recognises yarn 1 and yarn 2+ output, also from a cut head', () => {
    assert.ok(yarnAuditParser.detect(classic.slice(0, 4096), 'audit.json'));
    assert.ok(yarnAuditParser.detect(classic.slice(0, 200), 'audit.json'), 'cut inside the first advisory');
    assert.ok(
      yarnAuditParser.detect(
        '{"type":"info","data":"No lockfile found."}\n{"type":"auditSummary","data":{"vulnerabilities":{}}}',
        'a.json',
      ),
    );
    assert.ok(yarnAuditParser.detect(berry.slice(0, 4096), 'audit.json'));
  });

  test('does not claim other yarn events, npm audit or other JSON', () => {
    assert.ok(
      !yarnAuditParser.detect(
        '{"type":"info","data":"Resolving packages..."}\n{"type":"step","data":{}}',
        'install.json',
      ),
    );
    assert.ok(!yarnAuditParser.detect('{"auditReportVersion": 2, "vulnerabilities": {}}', 'npm.json'));
    assert.ok(!yarnAuditParser.detect('{"templateID":"tech-detect","info":{"name":"x"},"type":"http"}', 'nuclei.json'));
  });

  test('leaves the npm 6 shape to the npm audit parser, which gives the same fingerprints', async () => {
    // Early yarn 2+ releases wrote the registry's npm 6 answer verbatim: nothing in the file tells it from `npm audit` 6, so
    // npm-audit claims it; read with --format yarn-audit it gives the same findings, only the tool name differs.
    assert.ok(!yarnAuditParser.detect(npm6Shape.slice(0, 4096), 'audit.json'));
    assert.ok(npmAuditParser.detect(npm6Shape.slice(0, 4096), 'audit.json'));
    const ours = await parse(npm6Shape);
    const npm: ParsedFinding[] = [];
    for await (const f of npmAuditParser.parse(textInputOf('audit.json', npm6Shape))) npm.push(f);
    assert.equal(ours.length, 1);
    assert.deepEqual(ours.map(fingerprintOf), npm.map(fingerprintOf));
    assert.equal(ours[0]?.tool, 'yarn audit');
  });
});

describe('yarn 1 audit', () => {
  test('makes one finding per advisory and installed version, merging the lines yarn repeats per path', async () => {
    const tools: [string, string | undefined][] = [];
    const findings = await parse(classic, 'audit.json', tools);
    assert.deepEqual(tools, [['yarn audit', undefined]]);
    assert.deepEqual(
      findings.map((f) => [f.ruleId, f.component?.version]),
      [
        ['GHSA-r683-j2x4-v87g', '2.6.5'],
        ['GHSA-r683-j2x4-v87g', '2.6.1'],
        ['GHSA-rp65-9cf3-cjxr', '1.0.2'],
      ],
    );
    assert.deepEqual(findings[0]?.detail?.['paths'], [
      'react-native>@react-native-community/cli-tools>node-fetch',
      'react-native>metro>node-fetch',
    ]);
  });

  test('maps advisory fields: severity, CVSS, CVE and GHSA, CWE, purl, fix, references', async () => {
    const [f] = await parse(classic);
    assert.ok(f);
    assert.equal(f.tool, 'yarn audit');
    assert.equal(f.kind, 'dependency');
    assert.equal(f.title, 'node-fetch is vulnerable to Exposure of Sensitive Information to an Unauthorized Actor');
    assert.equal(f.description, 'node-fetch forwards secure headers to untrusted sites.');
    assert.equal(f.severity, 'high');
    assert.deepEqual(f.cvss, { version: '3.0', vector: 'CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', score: 8.8 });
    assert.deepEqual(f.aliases, ['CVE-2022-0235', 'GHSA-r683-j2x4-v87g']);
    assert.deepEqual(f.cwes, [173, 200, 601]);
    assert.deepEqual(f.component, {
      name: 'node-fetch',
      version: '2.6.5',
      purl: 'pkg:npm/node-fetch@2.6.5',
      ecosystem: 'npm',
    });
    assert.equal(f.fixedVersion, '>=2.6.7');
    assert.deepEqual(f.references, [
      'https://github.com/advisories/GHSA-r683-j2x4-v87g',
      'https://nvd.nist.gov/vuln/detail/CVE-2022-0235',
      'https://github.com/node-fetch/node-fetch/commit/36e47e8a6406185921e4985dcbeff140d73eaa10',
    ]);
    assert.equal(f.detail?.['advisoryId'], '1028029');
  });

  test('says when an installed version is reached through dev dependencies only', async () => {
    const findings = await parse(classic);
    assert.equal(findings[1]?.detail?.['devOnly'], true);
    assert.equal(findings[0]?.detail?.['devOnly'], undefined);
  });

  test('gives the same fingerprint as npm audit for the same advisory, package and version', async () => {
    const [f] = await parse(classic);
    const npm: ParsedFinding = {
      tool: 'npm audit',
      ruleId: 'GHSA-r683-j2x4-v87g',
      kind: 'dependency',
      title: 'x',
      severity: 'high',
      aliases: ['CVE-2022-0235', 'GHSA-r683-j2x4-v87g'],
      cwes: [],
      component: { name: 'node-fetch', version: '2.6.5', purl: 'pkg:npm/node-fetch@2.6.5', ecosystem: 'npm' },
      location: {},
    };
    assert.deepEqual(fingerprintOf(f!), fingerprintOf(npm));
  });

  test('merges one GitHub advisory listed under two npm numbers', async () => {
    const findings = await parse(
      [advisoryLine(nthCheck, 'a>nth-check'), advisoryLine({ ...nthCheck, id: 1064843 }, 'a>nth-check'), summary].join(
        '\n',
      ),
    );
    assert.equal(findings.length, 1);
  });

  test('an audit without advisories has no findings but still counts as a yarn audit run', async () => {
    const tools: [string, string | undefined][] = [];
    assert.deepEqual(
      await parse(`${JSON.stringify({ type: 'info', data: 'No lockfile found.' })}\n${summary}\n`, 'a.json', tools),
      [],
    );
    assert.deepEqual(tools, [['yarn audit', undefined]]);
  });
});

describe('yarn 2+ audit', () => {
  test('makes one finding per advisory and tree version, and reads deprecations as findings', async () => {
    // The peer counts one per line (2 here); Entente splits axios by its two installed versions, as the
    // fingerprint holds the version: upgrading one copy must not close the other's finding.
    const findings = await parse(berry);
    assert.deepEqual(
      findings.map((f) => [f.ruleId, f.component?.version]),
      [
        ['GHSA-wf5p-g6vw-rhxx', '0.21.4'],
        ['GHSA-wf5p-g6vw-rhxx', '0.27.2'],
        ['deprecation', '7.18.6'],
      ],
    );
    const [axios, , babel] = findings;
    assert.equal(axios?.title, 'Axios Cross-Site Request Forgery Vulnerability');
    assert.equal(axios?.severity, 'medium');
    assert.deepEqual(axios?.aliases, ['GHSA-wf5p-g6vw-rhxx']);
    assert.equal(axios?.fixedVersion, '>=0.28.0');
    assert.deepEqual(axios?.component, {
      name: 'axios',
      version: '0.21.4',
      purl: 'pkg:npm/axios@0.21.4',
      ecosystem: 'npm',
    });
    assert.deepEqual(axios?.detail, {
      advisoryId: '1097679',
      vulnerableVersions: '>=0.8.1 <0.28.0',
      dependents: ['web@workspace:.', 'sdk@npm:1.2.0'],
    });
    assert.equal(babel?.title, '@babel/plugin-proposal-class-properties is deprecated');
    assert.equal(babel?.component?.purl, 'pkg:npm/%40babel/plugin-proposal-class-properties@7.18.6');
    assert.equal(babel?.detail?.['deprecated'], true);
  });

  test('an empty output (yarn 2+ prints nothing when clean) has no findings', async () => {
    assert.deepEqual(await parse('\n'), []);
  });
});

describe('yarn audit errors', () => {
  test('rejects a garbled line, naming it', async () => {
    const lines = classic.split('\n');
    const cut = [...lines.slice(0, 2), lines[2]!.slice(0, 80), ...lines.slice(3)].join('\n');
    await assert.rejects(parse(cut, 'cut.json'), badInputError(/^cut\.json: line 3 is not valid JSON/));
  });

  test('names the line and field of a value of the wrong type', async () => {
    await assert.rejects(
      parse('{"type":"auditAdvisory","data":{"advisory":"x"}}', 'a.json'),
      badInputError(/expected an object at line 1, data\.advisory, found a string/),
    );
    await assert.rejects(
      parse(`${summary}\n[1,2]`, 'a.json'),
      badInputError(/expected an object at line 2, found an array/),
    );
    await assert.rejects(
      parse(advisoryLine({ ...nthCheck, findings: [{ version: '1', paths: 'a>b' }] }, 'a>b'), 'a.json'),
      badInputError(/line 1, data\.advisory\.findings\[0\]\.paths/),
    );
    await assert.rejects(
      parse('{"value":"axios","children":{"ID":1,"Tree Versions":"0.21.4"}}', 'a.json'),
      badInputError(/line 1, children\["Tree Versions"\]/),
    );
    await assert.rejects(parse('{"value":"axios"}', 'a.json'), badInputError(/line 1, children/));
  });

  test('rejects JSON lines that are neither yarn events nor yarn 2+ audit lines', async () => {
    await assert.rejects(parse('{"runs": []}', 'x.json'), badInputError(/x\.json: line 1 is neither a yarn 1 event/));
  });
});

describe('yarn audit robustness', () => {
  robustnessTests(
    { parse, seeds: [classic, berry, npm6Shape], json: true },
    { together: true, where: 'anywhere on any line' },
  );
});
