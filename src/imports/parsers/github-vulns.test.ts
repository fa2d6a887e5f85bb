import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { EntenteError } from '../../errors.ts';
import { fingerprintOf } from '../fingerprint.ts';
import type { ParsedFinding, ReportInput } from '../types.ts';
import { githubVulnsParser } from './github-vulns.ts';
import { trivyParser } from './trivy.ts';
import { expectBadInput, refusal, reportInput, mutatedOrCutNeverThrow } from '../../../test/support/parsing.ts';

// ---- fixtures: answers shaped like GitHub's GraphQL and REST APIs ----

const lodashAdvisory = {
  ghsaId: 'GHSA-35jh-r3h4-6jhm',
  summary: 'Command Injection in lodash',
  description: '`lodash` versions prior to 4.17.21 are vulnerable to Command Injection via the template function.',
  permalink: 'https://github.com/advisories/GHSA-35jh-r3h4-6jhm',
  publishedAt: '2021-05-06T16:05:51Z',
  severity: 'HIGH',
  identifiers: [
    { type: 'GHSA', value: 'GHSA-35jh-r3h4-6jhm' },
    { type: 'CVE', value: 'CVE-2021-23337' },
  ],
  references: [
    { url: 'https://nvd.nist.gov/vuln/detail/CVE-2021-23337' },
    { url: 'https://github.com/lodash/lodash/commit/3469357cff396a26c363f8c1b5a91dde28ba4b1c' },
  ],
  cvss: { score: 7.2, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H' },
  cvssSeverities: {
    cvssV3: { score: 7.2, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H' },
    cvssV4: { score: 0, vectorString: null },
  },
  cwes: {
    nodes: [
      { cweId: 'CWE-77', name: 'Command Injection' },
      { cweId: 'CWE-94', name: 'Code Injection' },
    ],
  },
  epss: { percentage: 0.0123, percentile: 0.85 },
};

const lodashAlert = (extra: Record<string, unknown> = {}) => ({
  id: 'RVA_kwDOLJyUo88AAAABNoFixAv',
  number: 42,
  state: 'OPEN',
  createdAt: '2024-03-15T10:00:00Z',
  dismissedAt: null,
  fixedAt: null,
  autoDismissedAt: null,
  vulnerableManifestPath: 'web/package-lock.json',
  vulnerableManifestFilename: 'package-lock.json',
  vulnerableRequirements: '= 4.17.20',
  dependencyScope: 'RUNTIME',
  dependabotUpdate: { pullRequest: { url: 'https://github.com/acme/shop/pull/311' } },
  securityVulnerability: {
    severity: 'HIGH',
    updatedAt: '2024-03-10T12:00:00Z',
    package: { name: 'lodash', ecosystem: 'NPM' },
    firstPatchedVersion: { identifier: '4.17.21' },
    vulnerableVersionRange: '< 4.17.21',
    advisory: lodashAdvisory,
  },
  ...extra,
});

const repository = (nodes: unknown[]) => ({
  data: {
    repository: {
      name: 'shop',
      nameWithOwner: 'acme/shop',
      url: 'https://github.com/acme/shop',
      vulnerabilityAlerts: { totalCount: nodes.length, nodes },
    },
  },
});

const restAlert = (extra: Record<string, unknown> = {}) => ({
  number: 7,
  state: 'open',
  dependency: {
    package: { ecosystem: 'pip', name: 'django' },
    manifest_path: 'requirements/base.txt',
    scope: 'runtime',
    relationship: 'direct',
  },
  security_advisory: {
    ghsa_id: 'GHSA-2gwj-7jmv-h26r',
    cve_id: 'CVE-2022-34265',
    summary: 'SQL Injection in Django',
    description: 'Trunc() and Extract() database functions are subject to SQL injection.',
    severity: 'critical',
    identifiers: [
      { value: 'GHSA-2gwj-7jmv-h26r', type: 'GHSA' },
      { value: 'CVE-2022-34265', type: 'CVE' },
    ],
    references: [{ url: 'https://nvd.nist.gov/vuln/detail/CVE-2022-34265' }],
    published_at: '2022-07-04T00:00:17Z',
    cvss: { vector_string: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8 },
    cvss_severities: {
      cvss_v3: { vector_string: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8 },
      cvss_v4: { vector_string: null, score: 0 },
    },
    epss: { percentage: 0.01, percentile: 0.8 },
    cwes: [{ cwe_id: 'CWE-89', name: 'SQL Injection' }],
  },
  security_vulnerability: {
    package: { ecosystem: 'pip', name: 'django' },
    severity: 'critical',
    vulnerable_version_range: '>= 4.0, < 4.0.6',
    first_patched_version: { identifier: '4.0.6' },
  },
  url: 'https://api.github.com/repos/acme/shop/dependabot/alerts/7',
  html_url: 'https://github.com/acme/shop/security/dependabot/7',
  created_at: '2022-07-05T09:00:00Z',
  updated_at: '2022-07-05T09:00:00Z',
  dismissed_at: null,
  dismissed_by: null,
  dismissed_reason: null,
  dismissed_comment: null,
  fixed_at: null,
  auto_dismissed_at: null,
  ...extra,
});

const input = (text: string, name = 'alerts.json'): ReportInput => reportInput(text, name);

async function parse(doc: unknown, tools: unknown[][] = []): Promise<ParsedFinding[]> {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2);
  const out: ParsedFinding[] = [];
  for await (const f of githubVulnsParser.parse(input(text), { tool: (...t) => void tools.push(t) })) out.push(f);
  return out;
}

const badInputOf = (doc: unknown): Promise<EntenteError> => refusal(() => parse(doc));

// ---- GraphQL ----

describe('GitHub GraphQL vulnerabilityAlerts', () => {
  test('become dependency findings with the pinned version, purl, advisory ids, CVSS, CWEs, fix and manifest', async () => {
    const tools: unknown[][] = [];
    const [f] = await parse(repository([lodashAlert()]), tools);
    assert.ok(f);
    assert.deepEqual(tools, [['GitHub Dependabot']]);
    assert.equal(f.tool, 'GitHub Dependabot');
    assert.equal(f.kind, 'dependency');
    assert.equal(f.ruleId, 'GHSA-35jh-r3h4-6jhm');
    assert.equal(f.title, 'Command Injection in lodash');
    assert.match(f.description ?? '', /^`lodash` versions prior to 4\.17\.21/);
    assert.equal(f.severity, 'high');
    assert.deepEqual(f.cvss, { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H', score: 7.2 });
    assert.deepEqual(f.aliases, ['CVE-2021-23337', 'GHSA-35jh-r3h4-6jhm']);
    assert.deepEqual(f.cwes, [77, 94]);
    assert.deepEqual(f.component, {
      name: 'lodash',
      version: '4.17.20',
      purl: 'pkg:npm/lodash@4.17.20',
      ecosystem: 'npm',
    });
    assert.equal(f.fixedVersion, '4.17.21');
    assert.deepEqual(f.location, { file: 'web/package-lock.json', target: 'acme/shop' });
    assert.deepEqual(f.references, [
      'https://github.com/advisories/GHSA-35jh-r3h4-6jhm',
      'https://nvd.nist.gov/vuln/detail/CVE-2021-23337',
      'https://github.com/lodash/lodash/commit/3469357cff396a26c363f8c1b5a91dde28ba4b1c',
    ]);
    assert.deepEqual(f.detail, {
      alertId: 'RVA_kwDOLJyUo88AAAABNoFixAv',
      alertNumber: 42,
      state: 'OPEN',
      scope: 'RUNTIME',
      createdAt: '2024-03-15T10:00:00Z',
      pullRequest: 'https://github.com/acme/shop/pull/311',
      ecosystem: 'NPM',
      vulnerableVersionRange: '< 4.17.21',
      requirements: '= 4.17.20',
      publishedAt: '2021-05-06T16:05:51Z',
      epss: { percentage: 0.0123, percentile: 0.85 },
    });
  });

  test('fingerprint like Trivy for the same CVE in the same package version', async () => {
    const [g] = await parse(repository([lodashAlert()]));
    const trivy = JSON.stringify({
      SchemaVersion: 2,
      ArtifactName: '.',
      ArtifactType: 'filesystem',
      Results: [
        {
          Target: 'web/package-lock.json',
          Type: 'npm',
          Vulnerabilities: [
            {
              VulnerabilityID: 'CVE-2021-23337',
              PkgName: 'lodash',
              InstalledVersion: '4.17.20',
              Severity: 'HIGH',
              VendorIDs: ['GHSA-35jh-r3h4-6jhm'],
            },
          ],
        },
      ],
    });
    const t: ParsedFinding[] = [];
    for await (const f of trivyParser.parse(input(trivy, 'trivy.json'))) t.push(f);
    assert.ok(g && t[0]);
    assert.deepEqual(fingerprintOf(g), fingerprintOf(t[0]));
  });

  test('leave the version out when the requirement is a range, and infer the ecosystem from the manifest when the query left it out', async () => {
    const ranged = lodashAlert({ vulnerableRequirements: '>= 4.0.0, < 5' });
    const legacy = {
      id: 'MDI4OlJlcG9zaXRvcnlWdWxuZXJhYmlsaXR5QWxlcnQyMDg2Nzc5NzY=',
      vulnerableManifestPath: 'gogoph/pom.xml',
      securityVulnerability: {
        severity: 'CRITICAL',
        package: { name: 'log4j:log4j' },
        advisory: { ...lodashAdvisory, cvssSeverities: undefined, cvss: { score: 0, vectorString: null } },
      },
    };
    const [r, l] = await parse(repository([ranged, legacy]));
    assert.deepEqual(r?.component, { name: 'lodash', purl: 'pkg:npm/lodash', ecosystem: 'npm' });
    assert.deepEqual(l?.component, { name: 'log4j:log4j', purl: 'pkg:maven/log4j/log4j', ecosystem: 'maven' });
    assert.equal(l?.cvss, undefined, 'GitHub writes score 0 and no vector when there is no CVSS');
  });

  test('read search answers over many repositories, with nodes or edges', async () => {
    const search = {
      data: {
        search: {
          repositoryCount: 3,
          nodes: [
            { name: 'shop', vulnerabilityAlerts: { nodes: [lodashAlert()] } },
            {
              name: 'billing',
              vulnerabilityAlerts: { edges: [{ node: lodashAlert({ vulnerableManifestPath: 'package-lock.json' }) }] },
            },
            { name: 'docs', vulnerabilityAlerts: { nodes: [] } },
          ],
        },
      },
    };
    const found = await parse(search);
    assert.deepEqual(
      found.map((f) => [f.location.target, f.location.file]),
      [
        ['shop', 'web/package-lock.json'],
        ['billing', 'package-lock.json'],
      ],
    );
  });

  test('keep advisory ids that are neither CVE nor GHSA as aliases and take the first as the rule', async () => {
    const odd = lodashAlert({
      securityVulnerability: {
        severity: 'MODERATE',
        package: { name: 'package01' },
        advisory: {
          summary: 'Critical severity vulnerability that affects package01',
          identifiers: [
            { type: 'TEST_SOURCE_1', value: 'TEST-aaaa-bbbb-cccc' },
            { type: 'TEST_SOURCE_2', value: 'TEST-1111-2222-3333' },
          ],
        },
      },
    });
    const [f] = await parse(repository([odd]));
    assert.equal(f?.ruleId, 'TEST-AAAA-BBBB-CCCC');
    assert.deepEqual(f?.aliases, ['TEST-AAAA-BBBB-CCCC', 'TEST-1111-2222-3333']);
    assert.equal(f?.severity, 'medium');
  });

  // The peer imports dismissed and fixed alerts as inactive findings; Entente reads them with a state, and the import
  // creates them closed (and never reopens what a person closed).
  test('closed alerts are read with their state: dismissed as accepted or false positive by reason, fixed as fixed', async () => {
    const closed = [
      lodashAlert({
        state: 'DISMISSED',
        dismissedAt: '2024-03-16T08:00:00Z',
        dismissReason: 'tolerable_risk',
        dismissComment: 'internal tool only',
        dismisser: { login: 'ana' },
      }),
      lodashAlert({ state: 'DISMISSED', dismissedAt: '2024-03-16T08:00:00Z', dismissReason: 'inaccurate' }),
      lodashAlert({ state: 'AUTO_DISMISSED', autoDismissedAt: '2024-03-16T08:00:00Z' }),
      lodashAlert({ state: 'FIXED', fixedAt: '2024-03-20T08:00:00Z' }),
    ];
    const tools: unknown[][] = [];
    const found = await parse(repository(closed), tools);
    assert.deepEqual(
      found.map((f) => f.state),
      [
        { status: 'accepted', reason: 'dismissed in GitHub by ana: tolerable risk: internal tool only' },
        { status: 'false_positive', reason: 'dismissed in GitHub: inaccurate' },
        { status: 'accepted', reason: 'dismissed in GitHub' },
        { status: 'fixed', reason: 'fixed in GitHub (Dependabot marks the alert fixed)' },
      ],
    );
    assert.deepEqual(tools, [['GitHub Dependabot']]);
  });

  // Corpus: github_issue2984.json (4 alerts with dismissedAt and no state) and github_shiro.json (one FIXED) match the
  // peer's 4 and 1 this way.
  test('answers that predate `state` close an alert by dismissedAt or fixedAt', async () => {
    const beforeState = [
      { ...lodashAlert(), state: undefined, dismissedAt: '2019-10-22T10:41:21Z' },
      { ...lodashAlert(), state: undefined, fixedAt: '2020-01-02T00:00:00Z' },
    ];
    assert.deepEqual(
      (await parse(repository(beforeState))).map((f) => f.state?.status),
      ['accepted', 'fixed'],
    );
    assert.equal((await parse(repository([{ ...lodashAlert(), state: undefined }])))[0]?.state, undefined);
  });
});

// ---- REST ----

describe('GitHub REST Dependabot alerts', () => {
  test('become findings with the alert URL, CVSS, CWEs, scope and relationship; closed alerts carry their state', async () => {
    const tools: unknown[][] = [];
    const found = await parse(
      [
        restAlert(),
        restAlert({
          number: 8,
          state: 'dismissed',
          dismissed_at: '2022-07-06T00:00:00Z',
          dismissed_reason: 'not_used',
          dismissed_by: { login: 'raj' },
        }),
        restAlert({ number: 9, state: 'fixed' }),
      ],
      tools,
    );
    assert.deepEqual(tools, [['GitHub Dependabot']]);
    assert.deepEqual(
      found.map((f) => f.state),
      [
        undefined,
        { status: 'false_positive', reason: 'dismissed in GitHub by raj: not used' },
        { status: 'fixed', reason: 'fixed in GitHub (Dependabot marks the alert fixed)' },
      ],
    );
    const [f] = found;
    assert.equal(f?.ruleId, 'GHSA-2gwj-7jmv-h26r');
    assert.equal(f?.title, 'SQL Injection in Django');
    assert.equal(f?.severity, 'critical');
    assert.deepEqual(f?.cvss, { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8 });
    assert.deepEqual(f?.aliases, ['CVE-2022-34265', 'GHSA-2gwj-7jmv-h26r']);
    assert.deepEqual(f?.cwes, [89]);
    assert.deepEqual(f?.component, { name: 'django', purl: 'pkg:pypi/django', ecosystem: 'pypi' });
    assert.equal(f?.fixedVersion, '4.0.6');
    assert.deepEqual(f?.location, { file: 'requirements/base.txt' });
    assert.equal(f?.references?.[0], 'https://github.com/acme/shop/security/dependabot/7');
    assert.deepEqual(f?.detail, {
      alertNumber: 7,
      state: 'open',
      scope: 'runtime',
      relationship: 'direct',
      createdAt: '2022-07-05T09:00:00Z',
      ecosystem: 'pip',
      vulnerableVersionRange: '>= 4.0, < 4.0.6',
      publishedAt: '2022-07-04T00:00:17Z',
      epss: { percentage: 0.01, percentile: 0.8 },
    });
  });

  test("name the repository of an organisation's alert list", async () => {
    const [f] = await parse([
      restAlert({ repository: { id: 1, full_name: 'acme/billing', html_url: 'https://github.com/acme/billing' } }),
    ]);
    assert.equal(f?.location.target, 'acme/billing');
  });

  test('an empty list is a run without findings', async () => {
    const tools: unknown[][] = [];
    assert.deepEqual(await parse([], tools), []);
    assert.deepEqual(tools, [['GitHub Dependabot']]);
  });
});

// ---- detection and errors ----

describe('GitHub alerts detection', () => {
  test('recognises GraphQL answers and REST lists, even cut mid-way', () => {
    assert.ok(githubVulnsParser.detect(JSON.stringify(repository([lodashAlert()]), null, 2).slice(0, 4096), 'a.json'));
    assert.ok(
      githubVulnsParser.detect(
        '{\n  "data": {\n    "search": {\n      "nodes": [\n        {\n          "name": "x",\n          "vulnerabilityAlerts": {\n   ',
        'a.json',
      ),
    );
    assert.ok(githubVulnsParser.detect(JSON.stringify([restAlert()], null, 2).slice(0, 900), 'a.json'));
  });

  test('refuses Grype, Trivy, CycloneDX, npm audit, SARIF and noise', () => {
    const heads = [
      '{"matches": [{"vulnerability": {"id": "CVE-2021-44228"',
      '{"SchemaVersion": 2, "ArtifactName": "alpine", "Results": [',
      '{"bomFormat": "CycloneDX", "specVersion": "1.5", "vulnerabilities": [',
      '{\n  "auditReportVersion": 2,\n  "vulnerabilities": {\n    "lodash": {',
      '[{"Target": "package-lock.json", "Vulnerabilities": [{"VulnerabilityID": "CVE-2021-23337"',
      '{"version":"2.1.0","runs":[]}',
      '\u0000\u0001garbage',
      '',
    ];
    for (const head of heads) assert.equal(githubVulnsParser.detect(head, 'x.json'), false, head);
  });
});

describe('GitHub alerts errors', () => {
  test('a truncated or garbled answer is refused with the file and where it goes wrong', async () => {
    const text = JSON.stringify(repository([lodashAlert()]), null, 2);
    const at = text.indexOf('Command Injection in lodash') + 5;
    const cut = await badInputOf(text.slice(0, at));
    assert.match(
      cut.message,
      new RegExp(`alerts\\.json: not valid JSON at line ${text.slice(0, at).split('\n').length}, column \\d+`),
    );
    const garbled = text.replace('"number": 42', '"number": 42,,');
    assert.match(
      (await badInputOf(garbled)).message,
      new RegExp(`at line ${garbled.slice(0, garbled.indexOf('42,,')).split('\n').length}, column \\d+`),
    );
  });

  test('a GraphQL answer with only errors is refused with the first error', async () => {
    const e = await badInputOf({
      data: null,
      errors: [{ type: 'FORBIDDEN', message: 'Resource not accessible by integration' }],
    });
    assert.match(e.message, /holds no data, only errors: Resource not accessible by integration/);
  });

  test('wrong types are refused with the JSON path at fault', async () => {
    assert.match(
      (await badInputOf({ data: { repository: { vulnerabilityAlerts: { nodes: {} } } } })).message,
      /data\.repository\.vulnerabilityAlerts\.nodes/,
    );
    assert.match((await badInputOf(repository([lodashAlert(), 'RVA_1']))).message, /vulnerabilityAlerts\.nodes\[1\]/);
    const noName = lodashAlert({
      securityVulnerability: { severity: 'HIGH', package: { ecosystem: 'NPM' }, advisory: lodashAdvisory },
    });
    assert.match((await badInputOf(repository([noName]))).message, /nodes\[0\]\.securityVulnerability\.package\.name/);
    assert.match(
      (await badInputOf([restAlert(), restAlert({ security_advisory: 'GHSA-2gwj-7jmv-h26r' })])).message,
      /\[1\]\.security_advisory/,
    );
  });

  test('a JSON document without alerts is refused', async () => {
    assert.match(
      (await badInputOf({ data: { viewer: { login: 'octocat' } } })).message,
      /not GitHub vulnerability alerts/,
    );
    await badInputOf('"alerts"');
  });

  test('never fails with anything but a bad-input error, whatever JSON it is given', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        await parse(value).catch(expectBadInput);
        await parse([value]).catch(expectBadInput);
        await parse(repository([value])).catch(expectBadInput);
      }),
      { numRuns: 300 },
    );
  });

  test('never fails with anything but a bad-input error on mutated or cut real-shaped answers', async () => {
    const seeds = [
      repository([lodashAlert(), lodashAlert({ state: 'DISMISSED' })]),
      [restAlert(), restAlert({ repository: { full_name: 'a/b' } })],
    ];
    await mutatedOrCutNeverThrow(parse, seeds);
  });
});
