import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { EntenteError } from '../../errors.ts';
import type { ParsedFinding, ReportInput } from '../types.ts';
import { snykParser } from './snyk.ts';
import { addToRows, type ImportRow } from '../normalise.ts';
import { expectBadInput, refusal, reportInput, mutatedOrCutNeverThrow } from '../../../test/support/parsing.ts';

// ---- fixtures: snyk test --json (Open Source) ----

function lodash(version: string, from: string[], upgrade: string | false): Record<string, unknown> {
  return {
    CVSSv3: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P',
    alternativeIds: [],
    creationTime: '2020-07-24T12:05:01.916784Z',
    credit: ['reeser'],
    cvssScore: 8.1,
    description:
      '## Overview\n[lodash](https://www.npmjs.com/package/lodash) is a modern JavaScript utility library delivering modularity, performance, & extras.\n\nAffected versions of this package are vulnerable to Prototype Pollution in `zipObjectDeep`.\n## Remediation\nUpgrade `lodash` to version 4.17.17 or higher.',
    disclosureTime: '2020-07-24T12:00:52Z',
    epssDetails: { percentile: '0.73', probability: '0.0032', modelVersion: 'v2023.03.01' },
    exploit: 'Proof of Concept',
    fixedIn: ['4.17.17'],
    functions: [],
    id: 'SNYK-JS-LODASH-590103',
    identifiers: { CVE: ['CVE-2020-8203'], CWE: ['CWE-400'], GHSA: ['GHSA-p6mc-m468-83gw'], NSP: ['1523'] },
    language: 'js',
    malicious: false,
    moduleName: 'lodash',
    packageManager: 'npm',
    packageName: 'lodash',
    publicationTime: '2020-07-24T12:05:01Z',
    references: [{ title: 'GitHub Issue', url: 'https://github.com/lodash/lodash/issues/4874' }],
    semver: { vulnerable: ['<4.17.17'] },
    severity: 'high',
    severityWithCritical: 'high',
    title: 'Prototype Pollution',
    from,
    upgradePath: upgrade === false ? [] : [false, upgrade],
    isUpgradable: upgrade !== false,
    isPatchable: false,
    name: 'lodash',
    version,
  };
}

const guava = {
  CVSSv3: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N/RL:O',
  alternativeIds: [],
  cvssScore: 5.5,
  credit: ['Jonathan Leitschuh'],
  description: '## Overview\nInformation Disclosure in guava.',
  fixedIn: ['30.0-android', '30.0-jre'],
  id: 'SNYK-JAVA-COMGOOGLEGUAVA-1015415',
  identifiers: { CVE: ['CVE-2020-8908'], CWE: ['CWE-200'] },
  language: 'java',
  packageManager: 'maven',
  packageName: 'com.google.guava:guava',
  severity: 'medium',
  title: 'Information Disclosure',
  from: ['com.test:project-a@0.0.1-SNAPSHOT', 'com.google.guava:guava@22.0'],
  upgradePath: [],
  isUpgradable: false,
  isPatchable: false,
  name: 'com.google.guava:guava',
  version: '22.0',
};

const tinymceLicence = {
  id: 'snyk:lic:npm:tinymce:LGPL-2.1',
  type: 'license',
  license: 'LGPL-2.1',
  severity: 'medium',
  title: 'LGPL-2.1 license',
  packageName: 'tinymce',
  packageManager: 'npm',
  from: ['app@1.0.0', 'tinymce@5.0.4'],
  name: 'tinymce',
  version: '5.0.4',
};

function project(vulnerabilities: unknown[], more: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    vulnerabilities,
    ok: vulnerabilities.length === 0,
    dependencyCount: 218,
    org: 'acme',
    isPrivate: true,
    policy:
      '# Snyk (https://snyk.io) policy file, patches or ignores known vulnerabilities.\nversion: v1.25.1\nignore: {}\npatch: {}\n',
    licensesPolicy: { severities: {}, orgLicenseRules: {} },
    packageManager: 'npm',
    ignoreSettings: { adminOnly: false, reasonRequired: false, disregardFilesystemIgnores: false },
    summary: `${vulnerabilities.length} vulnerable dependency paths`,
    filesystemPolicy: false,
    filtered: { ignore: [], patch: [] },
    uniqueCount: 1,
    projectName: 'shop-frontend',
    displayTargetFile: 'web\\package-lock.json',
    path: 'C:\\src\\shop',
    ...more,
  };
}

// ---- fixtures: snyk container test --json ----

function gcc(name: string, from: string[]): Record<string, unknown> {
  return {
    id: 'SNYK-DEBIAN11-GCC10-5901313',
    title: 'CVE-2023-4039',
    CVSSv3: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N',
    cvssScore: 4.8,
    credit: [''],
    semver: { vulnerable: ['*'] },
    exploit: 'Not Defined',
    fixedIn: [],
    language: 'linux',
    severity: 'low',
    identifiers: { CVE: ['CVE-2023-4039'], CWE: [], ALTERNATIVE: [] },
    nvdSeverity: 'medium',
    packageName: 'gcc-10',
    packageManager: 'debian:11',
    from,
    upgradePath: [],
    isUpgradable: false,
    isPatchable: false,
    name,
    version: '10.2.1-6',
  };
}

const image = 'docker-image|acme/shop@2.4';
const expressJwt = {
  id: 'SNYK-JS-EXPRESSJWT-575022',
  title: 'Authorization Bypass',
  CVSSv3: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N',
  cvssScore: 7.4,
  severity: 'high',
  identifiers: { CVE: ['CVE-2020-15084'], CWE: ['CWE-285'], GHSA: ['GHSA-6g6m-m6h5-w9gf'] },
  packageManager: 'npm',
  packageName: 'express-jwt',
  fixedIn: ['6.0.0'],
  from: ['shop@15.3.0', 'express-jwt@0.1.3'],
  upgradePath: [false, 'express-jwt@6.0.0'],
  isUpgradable: true,
  isPatchable: false,
  name: 'express-jwt',
  version: '0.1.3',
};

function container(): Record<string, unknown> {
  return {
    vulnerabilities: [
      gcc('gcc-10/libgcc-s1', [image, 'gcc-10/libgcc-s1@10.2.1-6']),
      gcc('gcc-10/libgcc-s1', [image, 'gcc-10/libstdc++6@10.2.1-6', 'gcc-10/libgcc-s1@10.2.1-6']),
      gcc('gcc-10/libstdc++6', [image, 'gcc-10/libstdc++6@10.2.1-6']),
    ],
    ok: false,
    dependencyCount: 9,
    org: 'acme',
    isPrivate: true,
    packageManager: 'deb',
    docker: { binariesVulns: { issuesData: {}, affectedPkgs: {} } },
    summary: '3 vulnerable dependency paths',
    uniqueCount: 1,
    projectName: 'docker-image|acme/shop',
    platform: 'linux/amd64',
    path: 'acme/shop:2.4',
    applications: [
      project([expressJwt], {
        projectName: 'shop',
        displayTargetFile: '/srv/shop/package.json',
        targetFile: '/srv/shop/package.json',
        path: 'acme/shop:2.4',
        docker: {},
      }),
    ],
  };
}

// ---- helpers ----

/** The report's listings as the import merges them by fingerprint. */
function merged(found: ParsedFinding[]): ImportRow[] {
  const rows = new Map<string, ImportRow>();
  for (const f of found) addToRows(rows, f);
  return [...rows.values()];
}

const input = (text: string, name = 'snyk.json'): ReportInput => reportInput(text, name);

async function parseWithTools(doc: unknown): Promise<{ found: ParsedFinding[]; tools: string[] }> {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2);
  const found: ParsedFinding[] = [];
  const tools: string[] = [];
  for await (const f of snykParser.parse(input(text), { tool: (n) => tools.push(n) })) found.push(f);
  return { found, tools };
}

const parse = async (doc: unknown): Promise<ParsedFinding[]> => (await parseWithTools(doc)).found;

const badInputOf = (doc: unknown): Promise<EntenteError> => refusal(() => parse(doc));

describe('Snyk Open Source reports', () => {
  test('give a dependency finding with Snyk id, CVE and GHSA aliases, CWE, CVSS, purl, fix and target', async () => {
    const { found, tools } = await parseWithTools(
      project([lodash('4.17.15', ['shop-frontend@1.0.0', 'lodash@4.17.15'], 'lodash@4.17.17')]),
    );
    assert.deepEqual(tools, ['Snyk Open Source']);
    const [f] = found;
    assert.ok(f);
    assert.equal(f.tool, 'Snyk Open Source');
    assert.equal(f.kind, 'dependency');
    assert.equal(f.ruleId, 'SNYK-JS-LODASH-590103');
    assert.equal(f.title, 'Prototype Pollution');
    assert.match(f.description ?? '', /performance, & extras/);
    assert.equal(f.severity, 'high');
    assert.deepEqual(f.cvss, {
      version: '3.1',
      vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P',
      score: 8.1,
    });
    assert.deepEqual(f.aliases, ['CVE-2020-8203', 'GHSA-p6mc-m468-83gw']);
    assert.deepEqual(f.cwes, [400]);
    assert.deepEqual(f.component, {
      name: 'lodash',
      version: '4.17.15',
      purl: 'pkg:npm/lodash@4.17.15',
      ecosystem: 'npm',
    });
    assert.equal(f.fixedVersion, '4.17.17');
    assert.deepEqual(f.location, { target: 'web/package-lock.json' });
    assert.deepEqual(f.references, ['https://github.com/lodash/lodash/issues/4874']);
    assert.deepEqual(f.detail, {
      occurrence: { path: 'shop-frontend@1.0.0 > lodash@4.17.15', upgrade: 'lodash@4.17.17' },
      isUpgradable: true,
      isPatchable: false,
      exploit: 'Proof of Concept',
      epssProbability: 0.0032,
      epssPercentile: 0.73,
      vulnerableVersions: ['<4.17.17'],
      publicationTime: '2020-07-24T12:05:01Z',
      disclosureTime: '2020-07-24T12:00:52Z',
      project: 'shop-frontend',
      packageManager: 'npm',
    });
  });

  // Snyk lists a vulnerability once per dependency path; Entente reads each listing, as the peer does (254 and 40 on
  // its samples), and the import merges them: the package to upgrade is the same whichever path brings it in.
  test('read one listing per dependency path, which the import merges per vulnerability and package version (4 listings, 2 findings)', async () => {
    const found = await parse(
      project([
        lodash('4.17.15', ['app@1.0.0', 'node-sass@4.12.0', 'lodash@4.17.15'], 'node-sass@4.13.1'),
        lodash('4.17.15', ['app@1.0.0', 'node-sass@4.12.0', 'sass-graph@2.2.4', 'lodash@4.17.15'], 'node-sass@4.13.1'),
        lodash('4.17.15', ['app@1.0.0', 'node-sass@4.12.0', 'gaze@1.1.3', 'globule@1.2.1', 'lodash@4.17.15'], false),
        lodash('4.17.11', ['app@1.0.0', 'tinymce-helpers@2.0.0', 'lodash@4.17.11'], false),
      ]),
    );
    assert.deepEqual(
      found.map((f) => [f.component?.version, f.detail?.occurrence]),
      [
        ['4.17.15', { path: 'app@1.0.0 > node-sass@4.12.0 > lodash@4.17.15', upgrade: 'node-sass@4.13.1' }],
        [
          '4.17.15',
          { path: 'app@1.0.0 > node-sass@4.12.0 > sass-graph@2.2.4 > lodash@4.17.15', upgrade: 'node-sass@4.13.1' },
        ],
        ['4.17.15', { path: 'app@1.0.0 > node-sass@4.12.0 > gaze@1.1.3 > globule@1.2.1 > lodash@4.17.15' }],
        ['4.17.11', { path: 'app@1.0.0 > tinymce-helpers@2.0.0 > lodash@4.17.11' }],
      ],
    );
    const rows = merged(found);
    assert.deepEqual(
      rows.map((r) => [r.finding.component?.version, r.finding.detail?.occurrenceCount]),
      [
        ['4.17.15', 3],
        ['4.17.11', 1],
      ],
    );
  });

  // Licence issues are findings too, as the peer counts them (82 on all_projects_issue4277.json, its one licence issue
  // included); the priority keeps them at track* at most.
  test("read a licence issue as a dependency finding named by its licence, with Snyk's id and path in the detail", async () => {
    const found = await parse(project([tinymceLicence]));
    assert.equal(found.length, 1);
    assert.deepEqual(found[0], {
      tool: 'Snyk Open Source',
      ruleId: 'license:LGPL-2.1',
      kind: 'dependency',
      title: 'LGPL-2.1 license',
      severity: 'medium',
      aliases: [],
      cwes: [],
      component: { name: 'tinymce', version: '5.0.4', purl: 'pkg:npm/tinymce@5.0.4', ecosystem: 'npm' },
      location: { target: 'web/package-lock.json' },
      detail: {
        category: 'license',
        licence: 'LGPL-2.1',
        type: 'license',
        issueId: 'snyk:lic:npm:tinymce:LGPL-2.1',
        occurrence: { path: 'app@1.0.0 > tinymce@5.0.4' },
        project: 'shop-frontend',
        packageManager: 'npm',
      },
    });
    const bare = {
      id: 'snyk:lic:npm:tinymce:GPL-3.0',
      severity: 'high',
      packageName: 'tinymce',
      version: '5.0.4',
      from: ['app@1.0.0', 'tinymce@5.0.4'],
    };
    const [fromId] = await parse(project([bare]));
    assert.deepEqual(
      [fromId?.ruleId, fromId?.title, fromId?.severity, fromId?.detail?.category],
      ['license:GPL-3.0', 'GPL-3.0 licence in tinymce', 'high', 'license'],
    );
  });

  test('read --all-projects lists: each project its own target, Maven names as purl namespaces, fixes joined', async () => {
    const found = await parse([
      project([guava], {
        packageManager: 'maven',
        displayTargetFile: 'project-a\\pom.xml',
        projectName: 'com.test:project-a',
      }),
      project([], { packageManager: 'nuget', displayTargetFile: 'api/obj/project.assets.json' }),
      project(
        [{ ...guava, version: '29.0-jre', from: ['com.test:project-b@0.0.1', 'com.google.guava:guava@29.0-jre'] }],
        { packageManager: 'maven', displayTargetFile: 'project-b/pom.xml' },
      ),
    ]);
    assert.deepEqual(
      found.map((f) => [f.location.target, f.component?.purl, f.fixedVersion]),
      [
        ['project-a/pom.xml', 'pkg:maven/com.google.guava/guava@22.0', '30.0-android, 30.0-jre'],
        ['project-b/pom.xml', 'pkg:maven/com.google.guava/guava@29.0-jre', '30.0-android, 30.0-jre'],
      ],
    );
  });

  test('skip the projects Snyk could not test in a list, and refuse a report that is only an error', async () => {
    assert.equal(
      (await parse([project([guava]), { ok: false, error: 'Could not detect package manager', path: 'legacy' }]))
        .length,
      1,
    );
    const err = await badInputOf({
      ok: false,
      error: 'Authentication failed. Please check the API token on https://snyk.io',
      path: '.',
    });
    assert.match(err.message, /Snyk reported an error instead of results: Authentication failed/);
  });

  test('find nothing in a clean report, and still say Snyk Open Source ran', async () => {
    const { found, tools } = await parseWithTools([project([]), project([], { packageManager: 'maven' })]);
    assert.deepEqual(found, []);
    assert.deepEqual(tools, ['Snyk Open Source']);
  });
});

describe('Snyk Container reports', () => {
  // The peer makes one finding per path of the image's own issues and reads none of its applications (25 on its
  // sample where Entente makes 30, 1 where Entente makes 13). Here both make 3, not the same: the peer counts the
  // three paths to gcc-10; Entente the two installed packages libgcc-s1 and libstdc++6, and the app's express-jwt.
  test('make one finding per installed binary package, with the distribution in the purl, as Trivy and Grype do (Entente: 3, peer: 3 others)', async () => {
    const { found, tools } = await parseWithTools(container());
    assert.deepEqual(tools, ['Snyk Container']);
    assert.deepEqual(
      found.map((f) => [f.tool, f.component?.name, f.location.target]),
      [
        ['Snyk Container', 'libgcc-s1', 'acme/shop:2.4'],
        ['Snyk Container', 'libgcc-s1', 'acme/shop:2.4'],
        ['Snyk Container', 'libstdc++6', 'acme/shop:2.4'],
        ['Snyk Container', 'express-jwt', '/srv/shop/package.json'],
      ],
    );
    const [libgcc, , libstdcpp, app] = found;
    assert.deepEqual(libgcc?.component, {
      name: 'libgcc-s1',
      version: '10.2.1-6',
      purl: 'pkg:deb/debian/libgcc-s1@10.2.1-6?distro=debian-11',
      ecosystem: 'deb',
    });
    assert.equal(libstdcpp?.component?.purl, 'pkg:deb/debian/libstdc%2B%2B6@10.2.1-6?distro=debian-11');
    assert.equal(libgcc?.detail?.sourcePackage, 'gcc-10');
    assert.equal(merged(found)[0]?.finding.detail?.occurrenceCount, 2, 'its two paths are one finding on import');
    assert.deepEqual(libgcc?.aliases, ['CVE-2023-4039']);
    assert.equal(libgcc?.severity, 'low');
    assert.equal(libgcc?.fixedVersion, undefined);
    assert.equal(app?.detail?.image, 'acme/shop:2.4');
    assert.deepEqual(app?.aliases, ['CVE-2020-15084', 'GHSA-6g6m-m6h5-w9gf']);
    assert.equal(app?.component?.purl, 'pkg:npm/express-jwt@0.1.3');
  });

  test('name Alpine and Red Hat packages in their own purl namespaces', async () => {
    const alpine = {
      ...gcc('openssl/libcrypto3', [image, 'openssl/libcrypto3@3.1.4-r1']),
      id: 'SNYK-ALPINE318-OPENSSL-6055795',
      packageManager: 'alpine:3.18',
      packageName: 'openssl',
      version: '3.1.4-r1',
    };
    const rhel = {
      ...gcc('openssl-libs', [image, 'openssl-libs@1:1.1.1k-7.el8_6']),
      id: 'SNYK-RHEL8-OPENSSLLIBS-1',
      packageManager: 'rhel:8',
      packageName: 'openssl-libs',
      version: '1:1.1.1k-7.el8_6',
    };
    const found = await parse({ ...container(), vulnerabilities: [alpine, rhel], applications: [] });
    assert.deepEqual(
      found.map((f) => f.component?.purl),
      [
        'pkg:apk/alpine/libcrypto3@3.1.4-r1?distro=alpine-3.18',
        'pkg:rpm/redhat/openssl-libs@1:1.1.1k-7.el8_6?distro=redhat-8',
      ],
    );
  });
});

describe('Snyk detection', () => {
  test('recognises single projects, --all-projects lists, clean reports and container reports', () => {
    const longDescription = project([
      { ...lodash('4.17.15', ['a@1', 'lodash@4.17.15'], false), description: 'x'.repeat(6000) },
    ]);
    const heads = [
      JSON.stringify(project([guava]), null, 2),
      JSON.stringify([project([guava])], null, 2),
      JSON.stringify(project([]), null, 2),
      JSON.stringify(container(), null, 4),
      JSON.stringify(longDescription, null, 2),
    ];
    for (const h of heads) assert.ok(snykParser.detect(h.slice(0, 4096), 'snyk.json'), h.slice(0, 80));
  });

  test('refuses npm audit, CycloneDX, SARIF, Trivy, Semgrep, Bandit and Gitleaks heads', () => {
    const heads = [
      '{\n  "auditReportVersion": 2,\n  "vulnerabilities": {\n    "lodash": {',
      '{"bomFormat": "CycloneDX", "specVersion": "1.5", "vulnerabilities": [{"id": "SNYK-JS-LODASH-590103"}]}',
      '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"Snyk Open Source"}},"results":[]}]}',
      '{\n  "SchemaVersion": 2,\n  "ArtifactName": ".",\n  "Results": [',
      '{"results": [], "errors": []}',
      '{\n  "errors": [],\n  "generated_at": "2021-03-30T18:23:12Z",\n  "metrics": {',
      '[{"RuleID": "aws-access-token", "File": "a.env", "StartLine": 1}]',
      '{"ok": false, "error": "Could not detect supported target files", "path": "."}',
    ];
    for (const h of heads) assert.equal(snykParser.detect(h, 'report.json'), false, h.slice(0, 60));
  });
});

describe('Snyk errors', () => {
  test('a truncated report is refused with the file, line and column', async () => {
    const text = JSON.stringify(project([guava, lodash('4.17.15', ['a@1', 'lodash@4.17.15'], false)]), null, 2);
    const cut = text.slice(0, 1200);
    const err = await badInputOf(cut);
    assert.match(err.message, new RegExp(`snyk\\.json: not valid JSON at line ${cut.split('\n').length}, column \\d+`));
  });

  test('wrong types are refused with the JSON path at fault', async () => {
    assert.match((await badInputOf(project({} as unknown as unknown[]))).message, /at vulnerabilities,/);
    assert.match((await badInputOf(project([guava, 'oops']))).message, /vulnerabilities\[1\]/);
    assert.match((await badInputOf(project([{ ...guava, id: [] }]))).message, /vulnerabilities\[0\]\.id/);
    assert.match(
      (await badInputOf([project([]), project([{ ...guava, name: undefined, packageName: null }])])).message,
      /\[1\]\.vulnerabilities\[0\]\.packageName/,
    );
    assert.match((await badInputOf({ ...container(), applications: [project([]), 7] })).message, /applications\[1\]/);
    assert.match((await badInputOf([project([]), 'x'])).message, /at \[1\]/);
    assert.match((await badInputOf([project([]), { ok: true }])).message, /not a Snyk project at \[1\]/);
  });

  test('a JSON document that is not a Snyk report is refused', async () => {
    await badInputOf({ runs: [] });
    await badInputOf('null');
    await badInputOf('"snyk"');
  });

  test('never fails with anything but a bad-input error, whatever JSON it is given', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        await parse(value).catch(expectBadInput);
        await parse({ vulnerabilities: value }).catch(expectBadInput);
        await parse({ vulnerabilities: [value] }).catch(expectBadInput);
        await parse([{ vulnerabilities: [], applications: value }]).catch(expectBadInput);
      }),
      { numRuns: 300 },
    );
  });

  test('never fails with anything but a bad-input error on mutated or cut real-shaped reports', async () => {
    const seeds = [
      [project([guava, lodash('4.17.15', ['a@1', 'lodash@4.17.15'], 'lodash@4.17.17'), tinymceLicence])],
      container(),
    ];
    await mutatedOrCutNeverThrow(parse, seeds);
  });
});
