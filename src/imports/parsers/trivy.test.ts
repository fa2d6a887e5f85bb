import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { EntenteError } from '../../errors.ts';
import type { ParsedFinding, ReportInput } from '../types.ts';
import { trivyParser } from './trivy.ts';
import { expectBadInput, refusal, reportInput, mutatedOrCutNeverThrow } from '../../../test/support/parsing.ts';

// ---- fixtures: small reports shaped like Trivy's own output ----

const log4j = {
  VulnerabilityID: 'CVE-2021-44228',
  VendorIDs: ['GHSA-jfh8-c2jp-5v3q', 'DSA-5020-1'],
  PkgID: 'org.apache.logging.log4j:log4j-core:2.14.1',
  PkgName: 'org.apache.logging.log4j:log4j-core',
  PkgPath: 'app/lib/log4j-core-2.14.1.jar',
  PkgIdentifier: { PURL: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1', UID: 'a1b2' },
  InstalledVersion: '2.14.1',
  FixedVersion: '2.15.0',
  Status: 'fixed',
  Layer: { Digest: 'sha256:d1', DiffID: 'sha256:f1' },
  SeveritySource: 'ghsa',
  PrimaryURL: 'https://avd.aquasec.com/nvd/cve-2021-44228',
  DataSource: { ID: 'ghsa', Name: 'GitHub Security Advisory Maven', URL: 'https://github.com/advisories' },
  Title: 'log4j-core: Remote code execution in Log4j 2.x',
  Description: 'Apache Log4j2 JNDI features do not protect against attacker controlled LDAP endpoints.',
  Severity: 'CRITICAL',
  CweIDs: ['CWE-502', 'CWE-400', 'CWE-20'],
  VendorSeverity: { ghsa: 4, nvd: 4, redhat: 4 },
  CVSS: {
    ghsa: { V3Vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:H/A:H', V3Score: 9 },
    nvd: {
      V2Vector: 'AV:N/AC:M/Au:N/C:C/I:C/A:C',
      V3Vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
      V2Score: 9.3,
      V3Score: 10,
    },
  },
  References: ['https://logging.apache.org/log4j/2.x/security.html', 'https://avd.aquasec.com/nvd/cve-2021-44228'],
  PublishedDate: '2021-12-10T10:15:09.143Z',
  LastModifiedDate: '2023-11-07T03:39:36.747Z',
};

const failedCheck = {
  Type: 'Terraform Security Check',
  ID: 'AVD-AWS-0088',
  AVDID: 'AVD-AWS-0088',
  Title: 'Unencrypted S3 bucket.',
  Description: 'S3 Buckets should be encrypted to protect the data that is stored within them.\n',
  Message: 'Bucket does not have encryption enabled',
  Resolution: 'Configure bucket encryption',
  Severity: 'HIGH',
  PrimaryURL: 'https://avd.aquasec.com/misconfig/avd-aws-0088',
  References: ['https://avd.aquasec.com/misconfig/avd-aws-0088'],
  Status: 'FAIL',
  Layer: {},
  CauseMetadata: {
    Resource: 'aws_s3_bucket.logs',
    Provider: 'AWS',
    Service: 's3',
    StartLine: 12,
    EndLine: 18,
    Code: { Lines: null },
  },
};

const leakedToken = {
  RuleID: 'github-pat',
  Category: 'GitHub',
  Severity: 'CRITICAL',
  Title: 'GitHub Personal Access Token',
  StartLine: 3,
  EndLine: 3,
  Match: 'GITHUB_TOKEN=****************************************',
  Code: { Lines: [{ Number: 3, Content: 'GITHUB_TOKEN=****************************************', IsCause: true }] },
};

function report(results: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    SchemaVersion: 2,
    CreatedAt: '2025-01-10T09:00:00Z',
    ArtifactName: '.',
    ArtifactType: 'filesystem',
    Metadata: { ImageConfig: {} },
    Results: results,
    ...extra,
  };
}

const pomResult = { Target: 'pom.xml', Class: 'lang-pkgs', Type: 'pom', Vulnerabilities: [log4j] };

const input = (text: string, name = 'trivy.json'): ReportInput => reportInput(text, name);

async function parse(doc: unknown, name?: string): Promise<ParsedFinding[]> {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2);
  const out: ParsedFinding[] = [];
  for await (const f of trivyParser.parse(input(text, name))) out.push(f);
  return out;
}

const badInputOf = (doc: unknown): Promise<EntenteError> => refusal(() => parse(doc));

// ---- vulnerabilities ----

describe('Trivy vulnerabilities', () => {
  test('become dependency findings with component, purl, fix, references and Trivy details', async () => {
    const [f] = await parse(report([pomResult], { Trivy: { Version: '0.58.1' } }));
    assert.ok(f);
    assert.equal(f.tool, 'Trivy');
    assert.equal(f.toolVersion, '0.58.1');
    assert.equal(f.kind, 'dependency');
    assert.equal(f.ruleId, 'CVE-2021-44228');
    assert.equal(f.title, 'log4j-core: Remote code execution in Log4j 2.x');
    assert.equal(f.severity, 'critical');
    assert.deepEqual(f.cwes, [20, 400, 502]);
    assert.deepEqual(f.component, {
      name: 'org.apache.logging.log4j:log4j-core',
      version: '2.14.1',
      purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
      ecosystem: 'maven',
    });
    assert.equal(f.fixedVersion, '2.15.0');
    assert.deepEqual(f.location, { target: 'pom.xml' });
    assert.deepEqual(f.references, [
      'https://avd.aquasec.com/nvd/cve-2021-44228',
      'https://logging.apache.org/log4j/2.x/security.html',
    ]);
    assert.equal(f.detail?.status, 'fixed');
    assert.equal(f.detail?.pkgPath, 'app/lib/log4j-core-2.14.1.jar');
    assert.equal(f.detail?.layer, 'sha256:f1');
    assert.equal(f.detail?.dataSource, 'GitHub Security Advisory Maven');
    assert.equal(f.detail?.publishedDate, '2021-12-10T10:15:09.143Z');
  });

  test('keep the vulnerability id and the CVE/GHSA vendor ids as aliases, not distro advisories', async () => {
    const [cve] = await parse(report([pomResult]));
    assert.deepEqual(cve?.aliases, ['CVE-2021-44228', 'GHSA-jfh8-c2jp-5v3q']);
    const ghsaOnly = { ...log4j, VulnerabilityID: 'GHSA-JFH8-C2JP-5V3Q', VendorIDs: undefined };
    const other = { ...log4j, VulnerabilityID: 'dla-3612-1', VendorIDs: ['RHSA-2021:5141'] };
    const [g, o] = await parse(report([{ ...pomResult, Vulnerabilities: [ghsaOnly, other] }]));
    assert.deepEqual(g?.aliases, ['GHSA-jfh8-c2jp-5v3q']);
    assert.deepEqual(o?.aliases, ['DLA-3612-1']);
  });

  // An OS result's Type is the distribution, which names the purl's namespace as Trivy's own purls do, so a report
  // from a Trivy that writes no purls merges with Grype's for the same package (fingerprint.ts, dependency/v2).
  test('build the purl from the result Type when Trivy gives none, with the distribution as namespace', async () => {
    const bare = (name: string, version: string) => ({
      VulnerabilityID: 'CVE-2024-0001',
      PkgName: name,
      InstalledVersion: version,
      Severity: 'LOW',
    });
    const found = await parse(
      report([
        {
          Target: 'package-lock.json',
          Class: 'lang-pkgs',
          Type: 'npm',
          Vulnerabilities: [bare('@babel/traverse', '7.22.0')],
        },
        { Target: 'requirements.txt', Class: 'lang-pkgs', Type: 'pip', Vulnerabilities: [bare('urllib3', '1.26.3')] },
        { Target: 'go.mod', Class: 'lang-pkgs', Type: 'gomod', Vulnerabilities: [bare('golang.org/x/net', 'v0.7.0')] },
        {
          Target: 'alpine:3.18 (alpine 3.18.0)',
          Class: 'os-pkgs',
          Type: 'alpine',
          Vulnerabilities: [bare('busybox', '1.36.1-r0')],
        },
      ]),
    );
    assert.deepEqual(
      found.map((f) => [f.component?.purl, f.component?.ecosystem]),
      [
        ['pkg:npm/%40babel/traverse@7.22.0', 'npm'],
        ['pkg:pypi/urllib3@1.26.3', 'pypi'],
        ['pkg:golang/golang.org/x/net@v0.7.0', 'golang'],
        ['pkg:apk/alpine/busybox@1.36.1-r0', 'apk'],
      ],
    );
  });

  test('take CVSS from nvd first, then the severity source, then any vendor, and fall back to v2', async () => {
    const cvssOf = async (CVSS: unknown, SeveritySource = 'ghsa') =>
      (await parse(report([{ ...pomResult, Vulnerabilities: [{ ...log4j, CVSS, SeveritySource }] }])))[0]?.cvss;
    const nvd = { V3Vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', V3Score: 9.8 };
    const ghsa = { V3Vector: 'CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H', V3Score: 8.1 };
    const redhat = { V3Vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', V3Score: 7.8 };
    assert.deepEqual(await cvssOf({ redhat, ghsa, nvd }), { version: '3.1', vector: nvd.V3Vector, score: 9.8 });
    assert.deepEqual(await cvssOf({ redhat, ghsa }), { version: '3.0', vector: ghsa.V3Vector, score: 8.1 });
    assert.deepEqual(await cvssOf({ redhat }, 'debian'), { version: '3.1', vector: redhat.V3Vector, score: 7.8 });
    assert.deepEqual(await cvssOf({ nvd: { V2Vector: 'AV:N/AC:L/Au:N/C:P/I:N/A:N', V2Score: 5 } }), {
      version: '2.0',
      vector: 'AV:N/AC:L/Au:N/C:P/I:N/A:N',
      score: 5,
    });
    assert.equal(await cvssOf(undefined), undefined);
  });

  test("keep Trivy's Severity even when the vendor scores or the severity source say otherwise", async () => {
    const low = { ...log4j, Severity: 'LOW', SeveritySource: 'ubuntu', VendorSeverity: { nvd: 4, ubuntu: 1 } };
    const [f] = await parse(report([{ ...pomResult, Vulnerabilities: [low] }]));
    assert.equal(f?.severity, 'low');
    assert.equal(f?.cvss?.score, 10);
  });

  test('turn unknown or missing severities into info, and a missing title into the id', async () => {
    const odd = [
      { ...log4j, Severity: 'UNKNOWN', Title: undefined },
      { ...log4j, Severity: 'SEVERE-ISH' },
      { ...log4j, Severity: 7 },
    ];
    const found = await parse(report([{ ...pomResult, Vulnerabilities: odd }]));
    assert.deepEqual(
      found.map((f) => f.severity),
      ['info', 'info', 'info'],
    );
    assert.equal(found[0]?.title, 'CVE-2021-44228');
  });

  test('are findings whatever their status, which is kept in detail (the peer counts them too)', async () => {
    const statuses = ['affected', 'fixed', 'will_not_fix', 'fix_deferred', 'end_of_life', 'not_affected', 'unknown'];
    const found = await parse(
      report([{ ...pomResult, Vulnerabilities: statuses.map((Status) => ({ ...log4j, Status })) }]),
    );
    assert.deepEqual(
      found.map((f) => f.detail?.status),
      statuses,
    );
  });
});

// ---- misconfigurations and secrets ----

describe('Trivy misconfigurations', () => {
  test('become config findings for FAIL only; PASS and EXCEPTION are not findings', async () => {
    const checks = [
      failedCheck,
      { ...failedCheck, ID: 'AVD-AWS-0086', AVDID: 'AVD-AWS-0086', Status: 'PASS' },
      { ...failedCheck, Status: 'EXCEPTION' },
    ];
    const found = await parse(
      report([{ Target: 'infra/s3.tf', Class: 'config', Type: 'terraform', Misconfigurations: checks }]),
    );
    assert.equal(found.length, 1);
    const [f] = found;
    assert.equal(f?.kind, 'config');
    assert.equal(f?.ruleId, 'AVD-AWS-0088');
    assert.equal(f?.severity, 'high');
    assert.equal(
      f?.description,
      'S3 Buckets should be encrypted to protect the data that is stored within them.\n\nBucket does not have encryption enabled',
    );
    assert.deepEqual(f?.location, {
      file: 'infra/s3.tf',
      line: 12,
      endLine: 18,
      target: 'infra/s3.tf',
      resource: 'aws_s3_bucket.logs',
    });
    assert.equal(f?.detail?.resolution, 'Configure bucket encryption');
    assert.deepEqual(f?.references, ['https://avd.aquasec.com/misconfig/avd-aws-0088']);
  });

  test('use the AVD id when the report has one, and the check id in older reports', async () => {
    const old = { ...failedCheck, ID: 'KSV001', AVDID: undefined };
    const found = await parse(
      report([
        {
          Target: 'deploy.yaml',
          Class: 'config',
          Type: 'kubernetes',
          Misconfigurations: [{ ...failedCheck, ID: 'KSV001', AVDID: 'AVD-KSV-0001' }, old],
        },
      ]),
    );
    assert.deepEqual(
      found.map((f) => [f.ruleId, f.detail?.checkId]),
      [
        ['AVD-KSV-0001', 'KSV001'],
        ['KSV001', undefined],
      ],
    );
  });

  test('join a Target that climbs out of the scanned folder to that folder', async () => {
    const result = {
      Target: '../../modules/iam/main.tf',
      Class: 'config',
      Type: 'terraform',
      Misconfigurations: [failedCheck],
    };
    const [f] = await parse(report([result], { ArtifactName: 'infra/clusters/prod' }));
    assert.equal(f?.location.file, 'infra/modules/iam/main.tf');
    assert.equal(f?.location.target, '../../modules/iam/main.tf');
  });
});

describe('Trivy secrets', () => {
  test('become secret findings with CWE-798, lines and only the redacted match', async () => {
    const [f] = await parse(report([{ Target: 'deploy/.env', Class: 'secret', Secrets: [leakedToken] }]));
    assert.equal(f?.kind, 'secret');
    assert.equal(f?.ruleId, 'github-pat');
    assert.equal(f?.severity, 'critical');
    assert.deepEqual(f?.cwes, [798]);
    assert.deepEqual(f?.location, { file: 'deploy/.env', line: 3, endLine: 3, target: 'deploy/.env' });
    assert.deepEqual(f?.detail, { category: 'GitHub', match: 'GITHUB_TOKEN=****************************************' });
  });

  test('never keep a Match that carries no mask, nor the code lines', async () => {
    const raw = {
      ...leakedToken,
      Match: 'GITHUB_TOKEN=ghp_R3alL00kingT0kenValue1234567890abcd',
      Code: { Lines: [{ Content: 'GITHUB_TOKEN=ghp_R3alL00kingT0kenValue1234567890abcd' }] },
    };
    const found = await parse(report([{ Target: '.env', Class: 'secret', Secrets: [raw] }]));
    assert.equal(found.length, 1);
    assert.ok(!JSON.stringify(found).includes('ghp_'), 'the secret value must not reach the finding');
  });
});

// ---- the other shapes ----

describe('Trivy report shapes', () => {
  test('read the legacy v1 form, a bare list of results', async () => {
    const found = await parse([
      {
        Target: 'debian (debian 10.8)',
        Type: 'debian',
        Vulnerabilities: [{ ...log4j, PkgName: 'apt', PkgIdentifier: undefined, InstalledVersion: '1.8.2.2' }],
      },
    ]);
    assert.equal(found.length, 1);
    assert.equal(found[0]?.component?.purl, 'pkg:deb/debian/apt@1.8.2.2');
    assert.equal(found[0]?.location.target, 'debian (debian 10.8)');
  });

  test('read Kubernetes reports and put namespace/Kind/name into location.resource', async () => {
    const deployment = { Namespace: 'shop', Kind: 'Deployment', Name: 'checkout', Metadata: {} };
    const k8s = {
      ClusterName: 'prod-eu',
      Resources: [
        {
          ...deployment,
          Results: [
            {
              Target: 'registry.local/checkout:1.4 (debian 12.1)',
              Class: 'os-pkgs',
              Type: 'debian',
              Vulnerabilities: [log4j],
            },
          ],
        },
        {
          ...deployment,
          Results: [
            {
              Target: 'Deployment/checkout',
              Class: 'config',
              Type: 'kubernetes',
              Misconfigurations: [
                {
                  ...failedCheck,
                  ID: 'KSV001',
                  AVDID: 'AVD-KSV-0001',
                  CauseMetadata: { StartLine: 130, EndLine: 141 },
                },
              ],
            },
          ],
        },
        {
          Namespace: 'shop',
          Kind: 'Service',
          Name: 'checkout',
          Results: [{ Target: 'Service/checkout', Class: 'config', Type: 'kubernetes' }],
        },
      ],
    };
    const found = await parse(k8s);
    assert.deepEqual(
      found.map((f) => [f.kind, f.location.resource]),
      [
        ['dependency', 'shop/Deployment/checkout'],
        ['config', 'shop/Deployment/checkout'],
      ],
    );
    assert.deepEqual(found[1]?.location, {
      line: 130,
      endLine: 141,
      target: 'Deployment/checkout',
      resource: 'shop/Deployment/checkout',
    });
  });

  test('read the older Kubernetes form that groups resources under Vulnerabilities and Misconfigurations', async () => {
    const res = (Results: unknown[]) => ({ Namespace: 'default', Kind: 'Deployment', Name: 'redis', Results });
    const found = await parse({
      ClusterName: 'minikube',
      Vulnerabilities: [res([{ Target: 'redis:6 (debian 10.4)', Type: 'debian', Vulnerabilities: [log4j, log4j] }])],
      Misconfigurations: [res([{ Target: 'Deployment/redis', Type: 'kubernetes', Misconfigurations: [failedCheck] }])],
    });
    assert.equal(found.length, 3);
  });

  test('find nothing in a clean report or one without Results', async () => {
    assert.deepEqual(
      await parse(report([{ Target: 'alpine:3.20 (alpine 3.20.0)', Class: 'os-pkgs', Type: 'alpine' }])),
      [],
    );
    assert.deepEqual(
      await parse({ SchemaVersion: 2, ArtifactName: 'alpine:3.20', ArtifactType: 'container_image' }),
      [],
    );
  });

  // A `--scanners license` run gives one finding per licence of a package or file, as the peer (DefectDojo) counts
  // them: 19 for a small Alpine image. They are dependency findings the priority keeps at track* at most.
  test('turn each package and file licence into a dependency finding with its licence, category and place', async () => {
    const pkgLicences = [
      {
        Severity: 'HIGH',
        Category: 'restricted',
        PkgName: 'busybox',
        FilePath: '',
        Name: 'GPL-2.0',
        Confidence: 1,
        Link: '',
      },
      { Severity: 'LOW', Category: 'notice', PkgName: 'musl', FilePath: '', Name: 'MIT', Confidence: 1, Link: '' },
    ];
    const fileLicence = {
      Severity: 'LOW',
      Category: 'notice',
      PkgName: '',
      FilePath: '/etc/ssl/misc/CA.pl',
      Name: 'OpenSSL',
      Confidence: 0.9,
      Link: 'https://spdx.org/licenses/OpenSSL.html',
    };
    const found = await parse(
      report(
        [
          { Target: 'OS Packages', Class: 'license', Licenses: pkgLicences },
          { Target: 'Loose File License(s)', Class: 'license-file', Licenses: [fileLicence] },
        ],
        {
          ArtifactName: 'alpine:3.11',
          ArtifactType: 'container_image',
          Metadata: { OS: { Family: 'alpine', Name: '3.11.5' } },
        },
      ),
    );
    assert.equal(found.length, 3);
    assert.deepEqual(found[0], {
      tool: 'Trivy',
      ruleId: 'license:GPL-2.0',
      kind: 'dependency',
      title: 'GPL-2.0 licence in busybox',
      severity: 'high',
      aliases: [],
      cwes: [],
      component: { name: 'busybox', purl: 'pkg:apk/alpine/busybox', ecosystem: 'apk' },
      location: { target: 'OS Packages' },
      detail: { category: 'license', licence: 'GPL-2.0', classification: 'restricted', confidence: 1, type: 'alpine' },
    });
    assert.deepEqual(
      found.map((f) => [f.ruleId, f.severity, f.component?.name, f.detail?.category]),
      [
        ['license:GPL-2.0', 'high', 'busybox', 'license'],
        ['license:MIT', 'low', 'musl', 'license'],
        ['license:OpenSSL', 'low', undefined, 'license'],
      ],
    );
    assert.deepEqual(found[2], {
      tool: 'Trivy',
      ruleId: 'license:OpenSSL',
      kind: 'dependency',
      title: 'OpenSSL licence in /etc/ssl/misc/CA.pl',
      severity: 'low',
      aliases: [],
      cwes: [],
      location: { file: '/etc/ssl/misc/CA.pl', target: 'Loose File License(s)' },
      references: ['https://spdx.org/licenses/OpenSSL.html'],
      detail: {
        category: 'license',
        licence: 'OpenSSL',
        classification: 'notice',
        confidence: 0.9,
        link: 'https://spdx.org/licenses/OpenSSL.html',
        occurrence: { file: '/etc/ssl/misc/CA.pl' },
      },
    });
  });

  test("give a licence of a language package the result's type, and refuse a licence entry without a name", async () => {
    const [lodash] = await parse(
      report([
        {
          Target: 'package-lock.json',
          Class: 'license',
          Type: 'npm',
          Licenses: [{ Severity: 'UNKNOWN', Category: 'unknown', PkgName: 'lodash', Name: 'WTFPL' }],
        },
      ]),
    );
    assert.deepEqual(
      [lodash?.component, lodash?.severity, lodash?.location],
      [{ name: 'lodash', purl: 'pkg:npm/lodash', ecosystem: 'npm' }, 'info', { target: 'package-lock.json' }],
    );
    const err = await refusal(() =>
      parse(
        report([{ Target: 'OS Packages', Class: 'license', Licenses: [{ Severity: 'HIGH', PkgName: 'busybox' }] }]),
      ),
    );
    assert.match(err.message, /Results\[0\]\.Licenses\[0\]\.Name/);
  });
});

// ---- detection and errors ----

describe('Trivy detection', () => {
  const v2 = JSON.stringify(report([pomResult]), null, 2);
  test('recognises schema v2, legacy and Kubernetes heads, even cut mid-way', () => {
    assert.ok(trivyParser.detect(v2.slice(0, 4096), 'r.json'));
    assert.ok(trivyParser.detect(v2.slice(0, 120), 'r.json'));
    assert.ok(trivyParser.detect(JSON.stringify([pomResult]).slice(0, 300), 'r.json'));
    assert.ok(
      trivyParser.detect('{\n  "ClusterName": "prod",\n  "Resources": [\n    {\n      "Namespace": "de', 'k.json'),
    );
  });

  test('refuses npm audit heads, SARIF and noise', () => {
    const npm6 =
      '{\n  "actions": [\n    {\n      "action": "install",\n      "module": "mocha",\n      "resolves": [\n        {\n          "id": 534,';
    const npm7 = '{\n  "auditReportVersion": 2,\n  "vulnerabilities": {\n    "debug": {\n      "name": "debug",';
    for (const head of [
      npm6,
      npm7,
      '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"CodeQL"}}}]}',
      '\u0000\u0001garbage',
      '',
    ]) {
      assert.equal(trivyParser.detect(head, 'x.json'), false, head);
    }
  });
});

describe('Trivy errors', () => {
  test('a truncated or garbled report is refused with the file and where it goes wrong', async () => {
    const text = JSON.stringify(report([pomResult]), null, 2);
    const lineOf = (t: string, i: number) => t.slice(0, i).split('\n').length;
    const cut = await badInputOf(text.slice(0, 700));
    assert.match(cut.message, new RegExp(`trivy\\.json: not valid JSON at line ${lineOf(text, 700)}, column \\d+`));
    const garbled = text.replace('"InstalledVersion": "2.14.1"', '"InstalledVersion": 2.14.1"');
    const err = await badInputOf(garbled);
    assert.match(
      err.message,
      new RegExp(
        `trivy\\.json: not valid JSON at line ${lineOf(garbled, garbled.indexOf('"InstalledVersion": 2'))}, column \\d+`,
      ),
    );
  });

  test('wrong types are refused with the JSON path at fault', async () => {
    const e1 = await badInputOf(report([pomResult, pomResult, { ...pomResult, Vulnerabilities: ['CVE-2021-44228'] }]));
    assert.match(e1.message, /Results\[2\]\.Vulnerabilities\[0\]/);
    const e2 = await badInputOf(report([{ ...pomResult, Vulnerabilities: [{ ...log4j, VulnerabilityID: null }] }]));
    assert.match(e2.message, /Results\[0\]\.Vulnerabilities\[0\]\.VulnerabilityID/);
    const e3 = await badInputOf({ ClusterName: 'c', Resources: [{ Results: 'none' }] });
    assert.match(e3.message, /Resources\[0\]\.Results/);
    const e4 = await badInputOf([{ Target: 'x', Secrets: {} }]);
    assert.match(e4.message, /\[0\]\.Secrets/);
  });

  test('a JSON document that is not a Trivy report is refused', async () => {
    await badInputOf({ version: '2.1.0', runs: [] });
    await badInputOf('"just a string"');
    await badInputOf('42');
  });

  test('never fails with anything but a bad-input error, whatever JSON it is given', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        await parse(value).catch(expectBadInput);
      }),
      { numRuns: 300 },
    );
  });

  test('never fails with anything but a bad-input error on mutated or cut real-shaped reports', async () => {
    const seed = report([
      pomResult,
      { Target: 'main.tf', Class: 'config', Type: 'terraform', Misconfigurations: [failedCheck] },
      { Target: '.env', Class: 'secret', Secrets: [leakedToken] },
    ]);
    await mutatedOrCutNeverThrow(parse, [seed]);
  });
});
