import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { EntenteError } from '../../errors.ts';
import { fingerprintOf } from '../fingerprint.ts';
import type { ParsedFinding, ReportInput } from '../types.ts';
import { cyclonedxJsonParser, parsePurl } from './cyclonedx.ts';
import { trivyParser } from './trivy.ts';
import { expectBadInput, refusal, reportInput, mutatedOrCutNeverThrow } from '../../../test/support/parsing.ts';

// ---- fixtures: BOMs shaped like Trivy's, Grype's and an OSS Index tool's CycloneDX output ----

const libc6 = 'pkg:deb/ubuntu/libc6@2.35-0ubuntu3.5?arch=amd64&distro=ubuntu-22.04';
const libcBin = 'pkg:deb/ubuntu/libc-bin@2.35-0ubuntu3.5?arch=amd64&distro=ubuntu-22.04';

/** A Trivy 0.50 image BOM (spec 1.5: tools as { components }). */
function trivyBom(vulnerabilities: unknown[]): Record<string, unknown> {
  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.5.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: 'urn:uuid:6d7c5bfa-5cbb-4a8e-9b4c-2b1b7c0c1f00',
    version: 1,
    metadata: {
      timestamp: '2024-04-02T09:00:00+00:00',
      tools: { components: [{ type: 'application', group: 'aquasecurity', name: 'trivy', version: '0.50.1' }] },
      component: { 'bom-ref': 'pkg:oci/checkout@sha256%3A6042', type: 'container', name: 'shop/checkout:1.4' },
    },
    components: [
      { 'bom-ref': 'os-1', type: 'operating-system', name: 'ubuntu', version: '22.04' },
      {
        'bom-ref': libc6,
        type: 'library',
        name: 'libc6',
        version: '2.35-0ubuntu3.5',
        purl: libc6,
        licenses: [{ license: { name: 'LGPL-2.1' } }],
      },
      { 'bom-ref': libcBin, type: 'library', name: 'libc-bin', version: '2.35-0ubuntu3.5', purl: libcBin },
    ],
    vulnerabilities,
  };
}

const glibcVuln = {
  id: 'CVE-2016-20013',
  source: { name: 'ubuntu', url: 'https://git.launchpad.net/ubuntu-cve-tracker' },
  ratings: [
    { source: { name: 'nvd' }, score: 5, severity: 'medium', method: 'CVSSv2', vector: 'AV:N/AC:L/Au:N/C:N/I:N/A:P' },
    {
      source: { name: 'nvd' },
      score: 7.5,
      severity: 'high',
      method: 'CVSSv31',
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
    },
    { source: { name: 'ubuntu' }, severity: 'low' },
  ],
  cwes: [770],
  description:
    'sha256crypt and sha512crypt through 0.6 allow attackers to cause a denial of service (CPU consumption).',
  advisories: [
    { url: 'https://avd.aquasec.com/nvd/cve-2016-20013' },
    { url: 'https://nvd.nist.gov/vuln/detail/CVE-2016-20013' },
  ],
  published: '2022-02-19T05:15:00+00:00',
  updated: '2022-03-03T16:43:00+00:00',
  affects: [
    { ref: libc6, versions: [{ version: '2.35-0ubuntu3.5', status: 'affected' }] },
    { ref: libcBin, versions: [{ version: '2.35-0ubuntu3.5', status: 'affected' }] },
  ],
};

const log4jRef = 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?package-id=5f39f8a11642bede';

/** A Grype 0.74 directory BOM (spec 1.4: tools as an array; the group only in the purl). */
function grypeBom(vulnerabilities: unknown[]): Record<string, unknown> {
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.4',
    version: 1,
    metadata: {
      tools: [{ vendor: 'anchore', name: 'grype', version: '0.74.0' }],
      component: { type: 'file', name: './services/api' },
    },
    components: [
      {
        'bom-ref': log4jRef,
        type: 'library',
        name: 'log4j-core',
        version: '2.14.1',
        purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
      },
    ],
    vulnerabilities,
  };
}

const log4jVuln = {
  id: 'GHSA-jfh8-c2jp-5v3q',
  source: { name: 'github:language:java', url: 'https://github.com/advisories/GHSA-jfh8-c2jp-5v3q' },
  references: [
    { id: 'CVE-2021-44228', source: { name: 'nvd:cpe', url: 'https://nvd.nist.gov/vuln/detail/CVE-2021-44228' } },
  ],
  ratings: [
    { severity: 'critical' },
    { score: 10, method: 'CVSSv31', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H' },
  ],
  description: 'Remote code injection in Log4j',
  advisories: [{ url: 'https://logging.apache.org/log4j/2.x/security.html' }],
  analysis: { state: 'in_triage' },
  properties: [{ name: 'grype:fixed_versions', value: '2.15.0' }],
  affects: [{ ref: log4jRef }],
};

const input = (text: string, name = 'bom.json'): ReportInput => reportInput(text, name);

async function parse(doc: unknown, tools: unknown[][] = []): Promise<ParsedFinding[]> {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2);
  const out: ParsedFinding[] = [];
  for await (const f of cyclonedxJsonParser.parse(input(text), { tool: (...t) => void tools.push(t) })) out.push(f);
  return out;
}

const badInputOf = (doc: unknown): Promise<EntenteError> => refusal(() => parse(doc));

// ---- vulnerabilities ----

describe('CycloneDX JSON vulnerabilities', () => {
  test('become one dependency finding per affected component, with the fields Trivy writes', async () => {
    const tools: unknown[][] = [];
    const found = await parse(trivyBom([glibcVuln]), tools);
    assert.deepEqual(tools, [['Trivy', '0.50.1']]);
    assert.equal(found.length, 2);
    const [f] = found;
    assert.equal(f?.tool, 'Trivy');
    assert.equal(f?.toolVersion, '0.50.1');
    assert.equal(f?.kind, 'dependency');
    assert.equal(f?.ruleId, 'CVE-2016-20013');
    assert.equal(f?.title, 'CVE-2016-20013 in libc6 2.35-0ubuntu3.5');
    // The vulnerability's source (ubuntu) rates it low, as Trivy's JSON report would; the CVSS is the NVD's v3.1.
    assert.equal(f?.severity, 'low');
    assert.deepEqual(f?.cvss, { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', score: 7.5 });
    assert.deepEqual(f?.aliases, ['CVE-2016-20013']);
    assert.deepEqual(f?.cwes, [770]);
    assert.deepEqual(f?.component, { name: 'libc6', version: '2.35-0ubuntu3.5', purl: libc6, ecosystem: 'deb' });
    assert.deepEqual(f?.location, { target: 'shop/checkout:1.4' });
    // The source's URL is a feed's home page, not about this CVE: left out.
    assert.deepEqual(f?.references, [
      'https://avd.aquasec.com/nvd/cve-2016-20013',
      'https://nvd.nist.gov/vuln/detail/CVE-2016-20013',
    ]);
    assert.deepEqual(f?.detail, {
      source: 'ubuntu',
      affectedVersions: ['2.35-0ubuntu3.5 affected'],
      published: '2022-02-19T05:15:00+00:00',
      updated: '2022-03-03T16:43:00+00:00',
      specVersion: '1.5',
    });
    assert.equal(found[1]?.component?.name, 'libc-bin');
  });

  test("read Grype's BOMs: the tool's own rating, the fix property, the maven group from the purl, the triage state", async () => {
    const [f] = await parse(grypeBom([log4jVuln]));
    assert.equal(f?.tool, 'Grype');
    assert.equal(f?.severity, 'critical');
    assert.deepEqual(f?.cvss, { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', score: 10 });
    assert.deepEqual(f?.aliases, ['CVE-2021-44228', 'GHSA-jfh8-c2jp-5v3q']);
    assert.equal(f?.fixedVersion, '2.15.0');
    assert.deepEqual(f?.component, {
      name: 'org.apache.logging.log4j:log4j-core',
      version: '2.14.1',
      purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
      ecosystem: 'maven',
    });
    assert.deepEqual(f?.location, { target: './services/api' });
    assert.deepEqual(f?.detail?.analysis, { state: 'in_triage' });
    assert.deepEqual(f?.references, [
      'https://github.com/advisories/GHSA-jfh8-c2jp-5v3q',
      'https://logging.apache.org/log4j/2.x/security.html',
      'https://nvd.nist.gov/vuln/detail/CVE-2021-44228',
    ]);
  });

  test('use the referenced CVE as the rule of an OSS Index vulnerability whose id is a UUID, and join description and detail', async () => {
    const bom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.4',
      version: 1,
      metadata: {
        tools: [
          { vendor: 'CycloneDX', name: 'cyclonedx-python-lib', version: '1.3.0' },
          { vendor: 'Sonatype', name: 'jake', version: '2.0.0' },
        ],
      },
      components: [
        {
          type: 'library',
          'bom-ref': '6290db55-8336-4d2b-9cec-2efdda9f1b28',
          name: 'Django',
          version: '2.0',
          purl: 'pkg:pypi/django@2.0',
        },
      ],
      vulnerabilities: [
        {
          'bom-ref': 'c7129ff8-08bc-4afe-82ec-7d97b9491741',
          id: 'c7129ff8-08bc-4afe-82ec-7d97b9491741',
          source: {
            name: 'OSS Index',
            url: 'https://ossindex.sonatype.org/vulnerability/c7129ff8-08bc-4afe-82ec-7d97b9491741',
          },
          references: [{ id: 'CVE-2021-33203', source: { name: 'OSS Index' } }],
          ratings: [
            {
              source: { name: 'OSS Index' },
              score: 4.9,
              severity: 'medium',
              method: 'CVSSv3',
              vector: 'AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:N/A:N',
            },
          ],
          description: '[CVE-2021-33203] Django before 2.2.24 has a potential ...',
          detail:
            'Django before 2.2.24, 3.x before 3.1.12, and 3.2.x before 3.2.4 has a potential directory traversal via django.contrib.admindocs.',
          affects: [
            { ref: '6290db55-8336-4d2b-9cec-2efdda9f1b28', versions: [{ version: '2.0', status: 'affected' }] },
          ],
        },
      ],
    };
    const tools: unknown[][] = [];
    const [f] = await parse(bom, tools);
    assert.deepEqual(tools, [['jake', '2.0.0']], 'the CycloneDX library is not the tool');
    assert.equal(f?.ruleId, 'CVE-2021-33203');
    assert.deepEqual(f?.aliases, ['CVE-2021-33203']);
    assert.equal(f?.detail?.advisoryId, 'c7129ff8-08bc-4afe-82ec-7d97b9491741');
    assert.equal(f?.severity, 'medium');
    assert.deepEqual(f?.cvss, { version: '3.0', vector: 'AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:N/A:N', score: 4.9 });
    assert.match(f?.description ?? '', /\.\.\.\n\nDjango before 2\.2\.24, 3\.x/);
    assert.equal(f?.component?.purl, 'pkg:pypi/django@2.0');
  });

  test('find components nested in others, by BOM-Link, or from a purl ref in a VEX document without components', async () => {
    const nested = grypeBom([log4jVuln]);
    nested.components = [{ type: 'container', 'bom-ref': 'pkg:oci/app', name: 'app:1', components: nested.components }];
    assert.equal((await parse(nested))[0]?.component?.name, 'org.apache.logging.log4j:log4j-core');
    const link = {
      ...log4jVuln,
      affects: [{ ref: `urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#${encodeURIComponent(log4jRef)}` }],
    };
    assert.equal((await parse(grypeBom([link])))[0]?.component?.version, '2.14.1');
    const vex = {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      version: 1,
      vulnerabilities: [{ ...log4jVuln, affects: [{ ref: 'pkg:npm/%40babel/traverse@7.22.0' }] }],
    };
    const [f] = await parse(vex);
    assert.deepEqual(f?.component, {
      name: '@babel/traverse',
      version: '7.22.0',
      purl: 'pkg:npm/%40babel/traverse@7.22.0',
      ecosystem: 'npm',
    });
  });

  test('skip repeated affects of one component and components whose own version is listed as unaffected', async () => {
    const twice = { ...glibcVuln, affects: [glibcVuln.affects[0], glibcVuln.affects[0]] };
    assert.equal((await parse(trivyBom([twice]))).length, 1);
    const spared = {
      ...glibcVuln,
      affects: [{ ref: libc6, versions: [{ version: '2.35-0ubuntu3.5', status: 'unaffected' }] }],
    };
    assert.equal((await parse(trivyBom([spared]))).length, 0);
  });

  test('take the fixed version from versions listed as unaffected', async () => {
    const fixed = {
      ...glibcVuln,
      affects: [
        {
          ref: libc6,
          versions: [
            { version: '2.35-0ubuntu3.5', status: 'affected' },
            { version: '2.35-0ubuntu3.6', status: 'unaffected' },
          ],
        },
      ],
    };
    assert.equal((await parse(trivyBom([fixed])))[0]?.fixedVersion, '2.35-0ubuntu3.6');
  });

  test('fingerprint like Trivy JSON for the same CVE in the same package version', async () => {
    const [c] = await parse(trivyBom([glibcVuln]));
    const trivy = JSON.stringify({
      SchemaVersion: 2,
      ArtifactName: 'shop/checkout:1.4',
      Results: [
        {
          Target: 'shop/checkout:1.4 (ubuntu 22.04)',
          Type: 'ubuntu',
          Vulnerabilities: [
            {
              VulnerabilityID: 'CVE-2016-20013',
              PkgName: 'libc6',
              InstalledVersion: '2.35-0ubuntu3.5',
              Severity: 'LOW',
              PkgIdentifier: { PURL: 'pkg:deb/ubuntu/libc6@2.35-0ubuntu3.5?arch=amd64&distro=ubuntu-22.04' },
            },
          ],
        },
      ],
    });
    const t: ParsedFinding[] = [];
    for await (const f of trivyParser.parse(input(trivy, 'trivy.json'))) t.push(f);
    assert.ok(c && t[0]);
    assert.deepEqual(fingerprintOf(c), fingerprintOf(t[0]));
  });
});

// ---- VEX ----

describe('CycloneDX VEX analysis', () => {
  // The BOM's author states the vulnerability does not apply (or no longer): read with that state, so the import
  // creates the finding closed (the peer, likewise, imports an inactive one for its not_affected samples).
  test('not_affected and false_positive read as false positives, resolved as fixed, with the analysis as the reason', async () => {
    const expected: Record<string, string> = {
      not_affected: 'false_positive',
      false_positive: 'false_positive',
      resolved: 'fixed',
      resolved_with_pedigree: 'fixed',
    };
    for (const [state, status] of Object.entries(expected)) {
      const v = {
        ...log4jVuln,
        analysis: {
          state,
          justification: 'code_not_reachable',
          response: ['will_not_fix'],
          detail: 'JndiLookup is removed from the jar.',
        },
      };
      const tools: unknown[][] = [];
      const found = await parse(grypeBom([v]), tools);
      assert.equal(found.length, 1, state);
      assert.deepEqual(found[0]?.state, { status, reason: `${state}: JndiLookup is removed from the jar.` }, state);
      assert.deepEqual(tools, [['Grype', '0.74.0']], 'the run is still named');
    }
  });

  test('a closing analysis without detail gives its justification as the reason', async () => {
    const v = { ...log4jVuln, analysis: { state: 'not_affected', justification: 'code_not_reachable' } };
    const [f] = await parse(grypeBom([v]));
    assert.deepEqual(f?.state, { status: 'false_positive', reason: 'not_affected: code not reachable' });
  });

  test('in_triage and exploitable vulnerabilities are findings that keep the analysis in detail', async () => {
    const v = {
      ...log4jVuln,
      analysis: { state: 'exploitable', response: ['update'], detail: 'Reachable from the public API.' },
    };
    const [f] = await parse(grypeBom([v]));
    assert.deepEqual(f?.detail?.analysis, {
      state: 'exploitable',
      responses: ['update'],
      detail: 'Reachable from the public API.',
    });
    assert.equal(f?.state, undefined);
  });

  test("an exploitable vulnerability the author will not fix is read as an accepted risk, as Entente's own VEX states one", async () => {
    const v = {
      ...log4jVuln,
      analysis: {
        state: 'exploitable',
        response: ['will_not_fix', 'workaround_available'],
        detail: 'WAF rule in place until May.',
      },
    };
    const [f] = await parse(grypeBom([v]));
    assert.deepEqual(f?.state, { status: 'accepted', reason: 'exploitable: WAF rule in place until May.' });
  });

  test('a VEX statement made by a scanner of its own names that scanner', async () => {
    const bom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.4',
      version: 1,
      components: grypeBom([]).components,
      vulnerabilities: [
        {
          ...log4jVuln,
          analysis: undefined,
          tools: [{ vendor: 'Snyk', name: 'Snyk CLI (Linux)', version: '1.729.0' }],
        },
      ],
    };
    const tools: unknown[][] = [];
    const [f] = await parse(bom, tools);
    assert.equal(f?.tool, 'Snyk CLI (Linux)');
    assert.deepEqual(tools, [['Snyk CLI (Linux)', '1.729.0']]);
  });

  test('a plain SBOM without vulnerabilities has no findings but still names its run', async () => {
    const tools: unknown[][] = [];
    assert.deepEqual(
      await parse(
        {
          bomFormat: 'CycloneDX',
          specVersion: '1.3',
          version: 1,
          components: [{ type: 'library', name: 'bleach', version: '3.3.0' }],
        },
        tools,
      ),
      [],
    );
    assert.deepEqual(tools, [['CycloneDX']]);
  });
});

describe('purls', () => {
  test('name packages as Entente does, with the namespace only where it is part of the name', () => {
    assert.deepEqual(parsePurl('pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1'), {
      name: 'org.apache.logging.log4j:log4j-core',
      version: '2.14.1',
    });
    assert.deepEqual(parsePurl('pkg:golang/golang.org/x/net@v0.7.0?type=module'), {
      name: 'golang.org/x/net',
      version: 'v0.7.0',
    });
    assert.deepEqual(parsePurl('pkg:deb/debian/libc6@2.28-10%2Bdeb10u1?arch=amd64'), {
      name: 'libc6',
      version: '2.28-10+deb10u1',
    });
    assert.deepEqual(parsePurl('pkg:pypi/django'), { name: 'django' });
    assert.equal(parsePurl('not a purl'), undefined);
  });
});

// ---- detection and errors ----

describe('CycloneDX JSON detection', () => {
  test('recognises BOMs by bomFormat or by the CycloneDX schema, even cut mid-way', () => {
    assert.ok(cyclonedxJsonParser.detect(JSON.stringify(trivyBom([glibcVuln]), null, 2).slice(0, 4096), 'bom.json'));
    assert.ok(cyclonedxJsonParser.detect(JSON.stringify(grypeBom([log4jVuln]), null, 2).slice(0, 40), 'bom.json'));
    assert.ok(
      cyclonedxJsonParser.detect(
        '{\n  "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",\n  "specVer',
        'bom.json',
      ),
    );
  });

  test('refuses XML BOMs, SPDX, Grype, Trivy, Dependabot and noise', () => {
    const heads = [
      '<?xml version="1.0"?>\n<bom xmlns="http://cyclonedx.org/schema/bom/1.4" version="1">',
      '{"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT"',
      '{"matches": [{"vulnerability": {"id": "CVE-2021-44228"',
      '{"SchemaVersion": 2, "ArtifactName": "alpine", "Results": [',
      '{"data": {"repository": {"vulnerabilityAlerts": {"nodes": [',
      '\u0000\u0001garbage',
      '',
    ];
    for (const head of heads) assert.equal(cyclonedxJsonParser.detect(head, 'x.json'), false, head);
  });
});

describe('CycloneDX JSON errors', () => {
  test('a truncated or garbled BOM is refused with the file and where it goes wrong', async () => {
    const text = JSON.stringify(trivyBom([glibcVuln]), null, 2);
    const cut = await badInputOf(text.slice(0, text.lastIndexOf('"affects"')));
    assert.match(
      cut.message,
      /bom\.json: not valid JSON (at line \d+, column \d+|at its end \(the file looks truncated\))/,
    );
    const inString = text.indexOf('sha512crypt') + 3;
    const midString = await badInputOf(text.slice(0, inString));
    assert.match(
      midString.message,
      new RegExp(`bom\\.json: not valid JSON at line ${text.slice(0, inString).split('\n').length}, column \\d+`),
    );
    const garbled = text.replace('"score": 7.5', '"score": 7.5.1');
    const err = await badInputOf(garbled);
    assert.match(
      err.message,
      new RegExp(`at line ${garbled.slice(0, garbled.indexOf('7.5.1')).split('\n').length}, column \\d+`),
    );
  });

  test('wrong types are refused with the JSON path at fault', async () => {
    assert.match(
      (await badInputOf({ ...trivyBom([]), vulnerabilities: {} })).message,
      /at vulnerabilities, found a object/,
    );
    assert.match(
      (await badInputOf(trivyBom([glibcVuln, { ...glibcVuln, id: ['CVE-2016-20013'] }]))).message,
      /vulnerabilities\[1\]\.id/,
    );
    assert.match(
      (await badInputOf(trivyBom([{ ...glibcVuln, affects: [{ ref: libc6 }, { ref: null }] }]))).message,
      /vulnerabilities\[0\]\.affects\[1\]\.ref/,
    );
    assert.match(
      (await badInputOf(trivyBom([{ ...glibcVuln, ratings: 'high' }]))).message,
      /vulnerabilities\[0\]\.ratings/,
    );
    assert.match((await badInputOf({ ...trivyBom([]), components: [{ name: 'a' }, 'b'] })).message, /components\[1\]/);
  });

  test('a JSON document that is not a CycloneDX BOM is refused', async () => {
    assert.match((await badInputOf({ matches: [] })).message, /not a CycloneDX BOM/);
    await badInputOf('[]');
  });

  test('never fails with anything but a bad-input error, whatever JSON it is given', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        await parse(value).catch(expectBadInput);
        await parse({ bomFormat: 'CycloneDX', vulnerabilities: [value], components: [value] }).catch(expectBadInput);
      }),
      { numRuns: 300 },
    );
  });

  test('never fails with anything but a bad-input error on mutated or cut real-shaped BOMs', async () => {
    const seed = trivyBom([glibcVuln, log4jVuln]);
    await mutatedOrCutNeverThrow(parse, [seed]);
  });
});
