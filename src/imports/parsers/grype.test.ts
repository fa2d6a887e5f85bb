import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { EntenteError } from '../../errors.ts';
import { fingerprintOf } from '../fingerprint.ts';
import type { ParsedFinding, ReportInput } from '../types.ts';
import { grypeParser } from './grype.ts';
import { trivyParser } from './trivy.ts';
import { expectBadInput, refusal, reportInput, mutatedOrCutNeverThrow } from '../../../test/support/parsing.ts';

// ---- fixtures: small reports shaped like `grype -o json` ----

const layer = 'sha256:88a5584c6af8c220f94abb05315c2695505c8b9e2344a0aa879721b871d32b03';

const log4jMatch = {
  vulnerability: {
    id: 'GHSA-jfh8-c2jp-5v3q',
    dataSource: 'https://github.com/advisories/GHSA-jfh8-c2jp-5v3q',
    namespace: 'github:language:java',
    severity: 'Critical',
    urls: ['https://github.com/advisories/GHSA-jfh8-c2jp-5v3q'],
    description: 'Remote code injection in Log4j',
    cvss: [
      {
        version: '3.1',
        vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
        metrics: { baseScore: 10, exploitabilityScore: 3.9, impactScore: 6 },
        vendorMetadata: {},
      },
    ],
    epss: [{ cve: 'CVE-2021-44228', epss: 0.94358, percentile: 0.99957, date: '2025-03-10' }],
    knownExploited: [{ cve: 'CVE-2021-44228', knownRansomwareCampaignUse: 'Known', dateAdded: '2021-12-10' }],
    cwes: [
      { cve: 'CVE-2021-44228', cwe: 'CWE-502', source: 'nvd@nist.gov', type: 'Primary' },
      { cve: 'CVE-2021-44228', cwe: 'CWE-917', source: 'nvd@nist.gov', type: 'Secondary' },
    ],
    fix: { versions: ['2.15.0'], state: 'fixed' },
    advisories: [],
    risk: 97.6,
  },
  relatedVulnerabilities: [
    {
      id: 'CVE-2021-44228',
      dataSource: 'https://nvd.nist.gov/vuln/detail/CVE-2021-44228',
      namespace: 'nvd:cpe',
      severity: 'Critical',
      urls: ['https://logging.apache.org/log4j/2.x/security.html'],
      description:
        'Apache Log4j2 2.0-beta9 through 2.15.0 JNDI features do not protect against attacker controlled LDAP endpoints.',
      cvss: [
        {
          source: 'nvd@nist.gov',
          type: 'Primary',
          version: '3.1',
          vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
          metrics: { baseScore: 10 },
        },
      ],
    },
  ],
  matchDetails: [
    {
      type: 'exact-direct-match',
      matcher: 'java-matcher',
      searchedBy: {
        language: 'java',
        namespace: 'github:language:java',
        package: { name: 'log4j-core', version: '2.14.1' },
      },
      found: { vulnerabilityID: 'GHSA-jfh8-c2jp-5v3q', versionConstraint: '>=2.13.0,<2.15.0 (unknown)' },
    },
  ],
  artifact: {
    id: '5f39f8a11642bede',
    name: 'log4j-core',
    version: '2.14.1',
    type: 'java-archive',
    locations: [{ path: '/app/lib/log4j-core-2.14.1.jar', layerID: layer }],
    language: 'java',
    licenses: ['Apache-2.0'],
    cpes: ['cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*'],
    purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
    upstreams: [],
  },
};

const libcMatch = (path: string) => ({
  vulnerability: {
    id: 'CVE-2021-33574',
    dataSource: 'https://security-tracker.debian.org/tracker/CVE-2021-33574',
    namespace: 'debian:distro:debian:10',
    severity: 'Critical',
    urls: ['https://security-tracker.debian.org/tracker/CVE-2021-33574'],
    cvss: [],
    fix: { versions: [], state: 'not-fixed' },
    advisories: [{ id: 'DSA-4999-1', link: 'https://www.debian.org/security/2021/dsa-4999' }],
  },
  relatedVulnerabilities: [],
  matchDetails: [
    {
      type: 'exact-indirect-match',
      matcher: 'dpkg-matcher',
      searchedBy: { distro: { type: 'debian', version: '10' }, package: { name: 'glibc', version: '2.28-10' } },
      found: { versionConstraint: 'none (deb)' },
    },
  ],
  artifact: {
    name: 'libc6',
    version: '2.28-10',
    type: 'deb',
    locations: [{ path, layerID: layer }],
    language: '',
    licenses: ['GPL-2'],
    cpes: [],
    purl: 'pkg:deb/debian/libc6@2.28-10?arch=amd64&distro=debian-10',
    upstreams: [{ name: 'glibc' }],
  },
});

/** The 0.7-era shape: cvssV2/cvssV3, links, fixedInVersion, one matchDetails object. */
const oldMatch = {
  vulnerability: {
    id: 'CVE-2020-28493',
    severity: 'Medium',
    links: ['https://nvd.nist.gov/vuln/detail/CVE-2020-28493'],
    description: 'This affects the package jinja2 from 0.0.0 and before 2.11.3.',
    cvssV2: { baseScore: 5, vector: 'AV:N/AC:L/Au:N/C:N/I:N/A:P' },
    cvssV3: { baseScore: 5.3, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L' },
    fixedInVersion: '2.11.3',
  },
  matchDetails: {
    matcher: 'python-matcher',
    searchKey: { language: 'python' },
    matchedOn: { constraint: '< 2.11.3 (python)' },
  },
  artifact: {
    name: 'Jinja2',
    version: '2.11.2',
    type: 'python',
    locations: [{ path: '/usr/lib/python3/dist-packages/Jinja2-2.11.2.egg-info' }],
    language: 'python',
    licenses: [],
    cpes: [],
    purl: 'pkg:pypi/Jinja2@2.11.2',
  },
};

function report(matches: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    matches,
    source: {
      type: 'image',
      target: { userInput: 'shop/checkout:1.4', imageID: 'sha256:ce98', tags: ['shop/checkout:1.4'], layers: [] },
    },
    distro: { name: 'debian', version: '10', idLike: [] },
    descriptor: { name: 'grype', version: '0.87.0', db: { built: '2025-03-10T01:30:00Z', schemaVersion: 5 } },
    ...extra,
  };
}

const input = (text: string, name = 'grype.json'): ReportInput => reportInput(text, name);

async function parse(doc: unknown, tools: unknown[][] = []): Promise<ParsedFinding[]> {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2);
  const out: ParsedFinding[] = [];
  for await (const f of grypeParser.parse(input(text), { tool: (...t) => void tools.push(t) })) out.push(f);
  return out;
}

const badInputOf = (doc: unknown): Promise<EntenteError> => refusal(() => parse(doc));

// ---- matches ----

describe('Grype matches', () => {
  test('become dependency findings with purl, CVSS, related CVE, CWEs, fix and Grype details', async () => {
    const tools: unknown[][] = [];
    const [f] = await parse(report([log4jMatch]), tools);
    assert.ok(f);
    assert.deepEqual(tools, [['Grype', '0.87.0']]);
    assert.equal(f.tool, 'Grype');
    assert.equal(f.toolVersion, '0.87.0');
    assert.equal(f.kind, 'dependency');
    assert.equal(f.ruleId, 'GHSA-jfh8-c2jp-5v3q');
    assert.equal(f.title, 'GHSA-jfh8-c2jp-5v3q in log4j-core 2.14.1');
    assert.equal(f.description, 'Remote code injection in Log4j');
    assert.equal(f.severity, 'critical');
    assert.deepEqual(f.cvss, { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', score: 10 });
    assert.deepEqual(f.aliases, ['CVE-2021-44228', 'GHSA-jfh8-c2jp-5v3q']);
    assert.deepEqual(f.cwes, [502, 917]);
    assert.deepEqual(f.component, {
      name: 'org.apache.logging.log4j:log4j-core',
      version: '2.14.1',
      purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
      ecosystem: 'maven',
    });
    assert.equal(f.fixedVersion, '2.15.0');
    assert.deepEqual(f.location, { target: 'shop/checkout:1.4' });
    assert.deepEqual(f.references, [
      'https://github.com/advisories/GHSA-jfh8-c2jp-5v3q',
      'https://nvd.nist.gov/vuln/detail/CVE-2021-44228',
      'https://logging.apache.org/log4j/2.x/security.html',
    ]);
    assert.deepEqual(f.detail, {
      namespace: 'github:language:java',
      fixState: 'fixed',
      versionConstraint: '>=2.13.0,<2.15.0 (unknown)',
      matchType: 'exact-direct-match',
      artifactType: 'java-archive',
      language: 'java',
      distro: 'debian 10',
      risk: 97.6,
      epss: { score: 0.94358, percentile: 0.99957 },
      knownExploited: true,
      matchers: ['java-matcher'],
      paths: ['/app/lib/log4j-core-2.14.1.jar'],
    });
  });

  // The peer counts this the same way (1): Grype repeats a match per place the package was found.
  test('merge the matches of one vulnerability in one package version found at several paths', async () => {
    const found = await parse(
      report([
        libcMatch('/lib/x86_64-linux-gnu/libc.so.6'),
        libcMatch('/usr/lib/x86_64-linux-gnu/libc.so.6'),
        log4jMatch,
      ]),
    );
    assert.equal(found.length, 2);
    const libc = found.find((f) => f.ruleId === 'CVE-2021-33574');
    assert.deepEqual(libc?.detail?.paths, ['/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu/libc.so.6']);
    assert.equal(libc?.fixedVersion, undefined);
    assert.equal(libc?.detail?.fixState, 'not-fixed');
    assert.deepEqual(libc?.detail?.advisories, ['DSA-4999-1']);
    assert.deepEqual(libc?.detail?.upstreams, ['glibc']);
    assert.ok(libc?.references?.includes('https://www.debian.org/security/2021/dsa-4999'));
  });

  test('keep two packages (libc6, libc-bin) with the same CVE apart', async () => {
    const bin = {
      ...libcMatch('/var/lib/dpkg/status'),
      artifact: { ...libcMatch('x').artifact, name: 'libc-bin', purl: 'pkg:deb/debian/libc-bin@2.28-10?arch=amd64' },
    };
    assert.equal((await parse(report([libcMatch('/var/lib/dpkg/status'), bin]))).length, 2);
  });

  test('read the 0.7-era shape: cvssV3 before cvssV2, links, fixedInVersion, a single matchDetails', async () => {
    const [f] = await parse(report([oldMatch], { descriptor: { name: 'grype', version: '0.7.0' } }));
    assert.equal(f?.severity, 'medium');
    assert.deepEqual(f?.cvss, { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L', score: 5.3 });
    assert.equal(f?.fixedVersion, '2.11.3');
    assert.deepEqual(f?.references, ['https://nvd.nist.gov/vuln/detail/CVE-2020-28493']);
    assert.equal(f?.detail?.versionConstraint, '< 2.11.3 (python)');
    assert.deepEqual(f?.detail?.matchers, ['python-matcher']);
    assert.equal(f?.component?.ecosystem, 'pypi');
  });

  test('take the severity from the related record, then the CVSS band, when Grype has none or "Unknown"', async () => {
    const noWord = { ...log4jMatch, vulnerability: { ...log4jMatch.vulnerability, severity: undefined } };
    const unknown = {
      ...log4jMatch,
      vulnerability: { ...log4jMatch.vulnerability, severity: 'Unknown' },
      relatedVulnerabilities: [],
    };
    const bare = { ...unknown, vulnerability: { ...unknown.vulnerability, cvss: [] } };
    const negligible = {
      ...libcMatch('/x'),
      vulnerability: { ...libcMatch('/x').vulnerability, severity: 'Negligible' },
    };
    const found = await parse(
      report([
        noWord,
        { ...unknown, artifact: { ...log4jMatch.artifact, version: '2.14.0' } },
        { ...bare, artifact: { ...log4jMatch.artifact, version: '2.13.0' } },
        negligible,
      ]),
    );
    assert.deepEqual(
      found.map((f) => f.severity),
      ['critical', 'critical', 'info', 'info'],
    );
  });

  test('build a purl from the artifact type when Grype wrote none, and make a non-CVE id its own alias', async () => {
    const m = {
      ...oldMatch,
      vulnerability: { ...oldMatch.vulnerability, id: 'ALAS-2021-1503' },
      artifact: {
        ...oldMatch.artifact,
        purl: undefined,
        type: 'go-module',
        name: 'golang.org/x/net',
        version: 'v0.7.0',
      },
    };
    const [f] = await parse(report([m]));
    assert.equal(f?.component?.purl, 'pkg:golang/golang.org/x/net@v0.7.0');
    assert.deepEqual(f?.aliases, ['ALAS-2021-1503']);
  });

  test('put repository files into location.file for directory scans, joined to the scanned folder', async () => {
    const npm = {
      ...oldMatch,
      artifact: {
        name: 'lodash',
        version: '4.17.20',
        type: 'npm',
        locations: [{ path: '/package-lock.json' }],
        purl: 'pkg:npm/lodash@4.17.20',
      },
    };
    const [inRoot] = await parse(report([npm], { source: { type: 'directory', target: '.' } }));
    assert.deepEqual(inRoot?.location, { file: 'package-lock.json', target: '.' });
    const [inFolder] = await parse(report([npm], { source: { type: 'directory', target: './services/api' } }));
    assert.equal(inFolder?.location.file, 'services/api/package-lock.json');
    const [oneFile] = await parse(report([npm], { source: { type: 'file', target: 'web/package-lock.json' } }));
    assert.equal(oneFile?.location.file, 'web/package-lock.json');
  });

  test('strip a stray NUL Grype read from a binary out of the version', async () => {
    const java = {
      ...oldMatch,
      artifact: {
        name: 'java',
        version: '17.0.10+7\u0000-J-ms8m',
        type: 'binary',
        purl: 'pkg:generic/java@17.0.10%2B7\u0000-J-ms8m',
      },
    };
    const [f] = await parse(report([java]));
    assert.equal(f?.component?.version, '17.0.10+7-J-ms8m');
    assert.ok(!JSON.stringify(f).includes('\\u0000'));
  });

  test('name the run even when it found nothing, and ignore ignoredMatches', async () => {
    const tools: unknown[][] = [];
    assert.deepEqual(
      await parse(
        report([], {
          ignoredMatches: [{ ...log4jMatch, appliedIgnoreRules: [{ vulnerability: 'GHSA-jfh8-c2jp-5v3q' }] }],
        }),
        tools,
      ),
      [],
    );
    assert.deepEqual(tools, [['Grype', '0.87.0']]);
  });

  test('fingerprint like Trivy for the same CVE in the same package version', async () => {
    const [g] = await parse(report([log4jMatch]));
    const trivy = {
      SchemaVersion: 2,
      ArtifactName: 'shop/checkout:1.4',
      ArtifactType: 'container_image',
      Results: [
        {
          Target: 'Java',
          Class: 'lang-pkgs',
          Type: 'jar',
          Vulnerabilities: [
            {
              VulnerabilityID: 'CVE-2021-44228',
              PkgName: 'org.apache.logging.log4j:log4j-core',
              InstalledVersion: '2.14.1',
              Severity: 'CRITICAL',
              PkgIdentifier: { PURL: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1' },
            },
          ],
        },
      ],
    };
    const text = JSON.stringify(trivy);
    const t: ParsedFinding[] = [];
    for await (const f of trivyParser.parse(input(text, 'trivy.json'))) t.push(f);
    assert.ok(g && t[0]);
    assert.deepEqual(fingerprintOf(g), fingerprintOf(t[0]));
  });
});

// ---- detection and errors ----

describe('Grype detection', () => {
  test('recognises new, old and empty reports, even cut mid-way', () => {
    const newer = JSON.stringify(
      { descriptor: { db: { built: '2024' }, name: 'grype', version: '0.96.0' }, matches: [log4jMatch] },
      null,
      1,
    );
    const older = JSON.stringify(report([oldMatch]), null, 2);
    assert.ok(grypeParser.detect(newer.slice(0, 4096), 'r.json'));
    assert.ok(grypeParser.detect(older.slice(0, 4096), 'r.json'));
    assert.ok(grypeParser.detect(older.slice(0, 60), 'r.json'));
    assert.ok(grypeParser.detect(JSON.stringify(report([]), null, 2).slice(0, 120), 'r.json'));
  });

  test('refuses Trivy, CycloneDX, Dependabot, SARIF and noise', () => {
    const heads = [
      '{\n  "SchemaVersion": 2,\n  "ArtifactName": "alpine:3.18",\n  "Results": [',
      '{\n  "bomFormat": "CycloneDX",\n  "specVersion": "1.5",\n  "vulnerabilities": [{"id": "CVE-2021-44228", "matches": []',
      '{"data": {"repository": {"vulnerabilityAlerts": {"nodes": [',
      '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"grype"}}}]}',
      '{"matches": [{"rule": "aws-key", "file": ".env"}]}',
      '\u0000\u0001garbage',
      '',
    ];
    for (const head of heads) assert.equal(grypeParser.detect(head, 'x.json'), false, head);
  });
});

describe('Grype errors', () => {
  test('a truncated or garbled report is refused with the file and where it goes wrong', async () => {
    const text = JSON.stringify(report([log4jMatch]), null, 2);
    const cut = await badInputOf(text.slice(0, 900));
    assert.match(
      cut.message,
      new RegExp(`grype\\.json: not valid JSON at line ${text.slice(0, 900).split('\n').length}, column \\d+`),
    );
    const garbled = text.replace('"version": "2.14.1"', '"version": 2.14.1"');
    const err = await badInputOf(garbled);
    assert.match(
      err.message,
      new RegExp(`at line ${garbled.slice(0, garbled.indexOf('"version": 2.14.1"')).split('\n').length}, column \\d+`),
    );
  });

  test('wrong types are refused with the JSON path at fault', async () => {
    assert.match((await badInputOf({ matches: { a: 1 } })).message, /at matches, found a object/);
    assert.match(
      (await badInputOf(report([log4jMatch, { ...log4jMatch, vulnerability: 'CVE-2021-44228' }]))).message,
      /matches\[1\]\.vulnerability/,
    );
    assert.match(
      (await badInputOf(report([{ ...log4jMatch, vulnerability: { ...log4jMatch.vulnerability, id: null } }]))).message,
      /matches\[0\]\.vulnerability\.id/,
    );
    assert.match(
      (await badInputOf(report([{ ...log4jMatch, artifact: { ...log4jMatch.artifact, name: ['log4j-core'] } }])))
        .message,
      /matches\[0\]\.artifact\.name/,
    );
    assert.match(
      (await badInputOf(report([{ ...log4jMatch, relatedVulnerabilities: {} }]))).message,
      /matches\[0\]\.relatedVulnerabilities/,
    );
  });

  test('a JSON document that is not a Grype report is refused', async () => {
    assert.match((await badInputOf({ Results: [] })).message, /not a Grype report/);
    await badInputOf('[]');
    await badInputOf('"matches"');
  });

  test('never fails with anything but a bad-input error, whatever JSON it is given', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        await parse(value).catch(expectBadInput);
        await parse({ matches: [value] }).catch(expectBadInput);
      }),
      { numRuns: 300 },
    );
  });

  test('never fails with anything but a bad-input error on mutated or cut real-shaped reports', async () => {
    const seed = report([log4jMatch, libcMatch('/lib/libc.so.6'), oldMatch]);
    await mutatedOrCutNeverThrow(parse, [seed]);
  });
});
