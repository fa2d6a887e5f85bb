import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ParsedFinding } from '../types.ts';
import { fingerprintOf } from '../fingerprint.ts';
import { checkovParser } from './checkov.ts';
import { badInputError, textInputOf, robustnessTests } from '../../../test/support/parsing.ts';

// ---- fixtures: reports shaped like `checkov -o json` ----

const bucketAccess = {
  check_id: 'CKV_GCP_29',
  bc_check_id: 'BC_GCP_GCS_2',
  check_name: 'Ensure that Cloud Storage buckets have uniform bucket-level access enabled',
  check_result: { result: 'FAILED', evaluated_keys: ['uniform_bucket_level_access'] },
  code_block: [
    [1, 'resource "google_storage_bucket" "site" {\n'],
    [2, '  name = "site-${var.env}"\n'],
    [3, '  access_key = "AKIAIOSFODNN7EXAMPLE"\n'],
  ],
  file_path: '/infra/gcs.tf',
  file_abs_path: '/home/ci/work/repo/infra/gcs.tf',
  repo_file_path: '/infra/gcs.tf',
  file_line_range: [1, 15],
  resource: 'google_storage_bucket.site',
  evaluations: null,
  check_class: 'checkov.terraform.checks.resource.gcp.GoogleStorageBucketUniformAccess',
  fixed_definition: 'resource "google_storage_bucket" "site" { access_key = "AKIAIOSFODNN7EXAMPLE" }',
  entity_tags: null,
  caller_file_path: null,
  resource_address: null,
  severity: 'HIGH',
  bc_category: 'Storage',
  benchmarks: { 'CIS GCP V1.1': [{ name: '5.2', description: 'Ensure uniform bucket-level access' }] },
  description: null,
  short_description: null,
  vulnerability_details: null,
  guideline: 'https://docs.prismacloud.io/en/policy-reference/gcp-policies/bc-gcp-gcs-2',
  details: [],
};

// Open-source Checkov without a platform key writes no severity.
const keyVault = {
  check_id: 'CKV_AZURE_42',
  check_name: 'Ensure the key vault is recoverable',
  check_result: { result: 'FAILED' },
  code_block: [],
  file_path: '/main.tf',
  file_line_range: [1, 16],
  resource: 'azurerm_key_vault.main',
  check_class: 'checkov.terraform.checks.resource.azure.KeyvaultRecoveryEnabled',
  guideline: 'https://docs.bridgecrew.io/docs/ensure-the-key-vault-is-recoverable',
};

const passed = {
  ...keyVault,
  check_id: 'CKV_AZURE_109',
  check_name: 'Ensure key vault allows firewall rules settings',
  check_result: { result: 'PASSED' },
};

function terraformReport(failed: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    check_type: 'terraform',
    results: {
      passed_checks: [passed],
      failed_checks: failed,
      skipped_checks: [
        { ...keyVault, check_id: 'CKV_AZURE_110', check_result: { result: 'SKIPPED', suppress_comment: 'accepted' } },
      ],
      parsing_errors: [],
    },
    summary: {
      passed: 1,
      failed: failed.length,
      skipped: 1,
      parsing_errors: 0,
      resource_count: 2,
      checkov_version: '3.2.255',
    },
    ...extra,
  };
}

const secret = {
  check_id: 'CKV_SECRET_2',
  check_name: 'AWS Access Key',
  check_result: { result: 'FAILED' },
  code_block: [[12, 'aws_access_key_id = AKIA************\n']],
  file_path: '/deploy/settings.py',
  file_abs_path: '/src/deploy/settings.py',
  repo_file_path: '/deploy/settings.py',
  file_line_range: [12, 13],
  resource: '25910f981e85ca04baf359199dd0bd4a3ae738b6',
  severity: null,
  check_class: 'checkov.secrets.plugins.aws',
  guideline: 'https://docs.prismacloud.io/en/policy-reference/secrets-policies/secrets-policy-index/git-secrets-2',
};

const django = {
  check_id: 'CKV_CVE_2019_19844',
  bc_check_id: 'BC_CVE_2019_19844',
  check_name: 'SCA package scan',
  check_result: { result: 'FAILED' },
  code_block: [],
  file_path: '/requirements.txt',
  file_abs_path: '/src/requirements.txt',
  repo_file_path: '/requirements.txt',
  file_line_range: [0, 0],
  resource: 'requirements.txt.django',
  check_class: 'checkov.sca_package.scanner',
  severity: 'CRITICAL',
  description: 'Django before 1.11.27, 2.x before 2.2.9, and 3.x before 3.0.1 allows account takeover.',
  short_description: 'CVE-2019-19844 - django: 1.2',
  vulnerability_details: {
    id: 'CVE-2019-19844',
    status: 'fixed in 3.0.1, 2.2.9, 1.11.27',
    severity: 'critical',
    package_name: 'django',
    package_version: '1.2',
    link: 'https://nvd.nist.gov/vuln/detail/CVE-2019-19844',
    cvss: 9.8,
    vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    description: 'Django before 1.11.27, 2.x before 2.2.9, and 3.x before 3.0.1 allows account takeover.',
    risk_factors: ['Attack complexity: low', 'Critical severity', 'Has fix'],
    published_date: '2019-12-18T20:15:00+01:00',
    lowest_fixed_version: '1.11.27',
    fixed_versions: ['3.0.1', '2.2.9', '1.11.27'],
  },
};

const licence = {
  check_id: 'BC_LIC_1',
  check_name: 'SCA license',
  check_result: { result: 'FAILED' },
  file_path: '/requirements.txt',
  file_line_range: [0, 0],
  resource: 'requirements.txt.django',
  severity: 'MEDIUM',
  vulnerability_details: { package_name: 'django', package_version: '1.2', license: 'OSI_BDS', status: 'FAILED' },
};

// ---- helpers ----

async function parse(
  text: string,
  name = 'checkov.json',
  tools: [string, string | undefined][] = [],
): Promise<ParsedFinding[]> {
  const out: ParsedFinding[] = [];
  for await (const f of checkovParser.parse(textInputOf(name, text), { tool: (n, v) => void tools.push([n, v]) }))
    out.push(f);
  return out;
}

// ---- tests ----

describe('checkov detection', () => {
  test('recognises a report, a list of reports and a bare summary, also from a cut head', () => {
    const one = JSON.stringify(terraformReport([bucketAccess]), null, 2);
    assert.ok(checkovParser.detect(one.slice(0, 4096), 'results.json'));
    assert.ok(
      checkovParser.detect(JSON.stringify([terraformReport([]), terraformReport([])]).slice(0, 4096), 'r.json'),
    );
    assert.ok(
      checkovParser.detect(
        '{\n  "passed": 0,\n  "failed": 0,\n  "skipped": 0,\n  "parsing_errors": 0,\n  "resource_count": 0,\n  "checkov_version": "2.1.269"\n}',
        'r.json',
      ),
    );
    assert.ok(
      checkovParser.detect(
        '{"check_type": "kubernetes", "results": {"passed_checks": [{"check_id": "CKV_K8S_',
        'r.json',
      ),
    );
  });

  test('does not claim other formats', () => {
    assert.ok(
      !checkovParser.detect('{"results": [{"rule_id": "AWS050", "location": {"filename": "a.tf"}}]}', 'tfsec.json'),
    );
    assert.ok(!checkovParser.detect('{"SchemaVersion": 2, "ArtifactName": ".", "Results": []}', 'trivy.json'));
    assert.ok(!checkovParser.detect('{"version": "2.1.0", "runs": []}', 'x.sarif'));
    assert.ok(!checkovParser.detect('<?xml version="1.0"?><issues burpVersion="2023.1">', 'burp.xml'));
  });
});

describe('checkov failed checks', () => {
  test('reads only failed checks: passed and skipped checks are not findings', async () => {
    const findings = await parse(JSON.stringify(terraformReport([bucketAccess, keyVault])));
    assert.deepEqual(
      findings.map((f) => f.ruleId),
      ['CKV_GCP_29', 'CKV_AZURE_42'],
    );
  });

  test('maps a failed policy check to a config finding at its file, lines and resource', async () => {
    const tools: [string, string | undefined][] = [];
    const [f] = await parse(JSON.stringify(terraformReport([bucketAccess])), 'checkov.json', tools);
    assert.deepEqual(tools, [['Checkov', '3.2.255']]);
    assert.ok(f);
    assert.equal(f.tool, 'Checkov');
    assert.equal(f.toolVersion, '3.2.255');
    assert.equal(f.kind, 'config');
    assert.equal(f.ruleId, 'CKV_GCP_29');
    assert.equal(f.title, 'Ensure that Cloud Storage buckets have uniform bucket-level access enabled');
    assert.equal(f.severity, 'high');
    assert.deepEqual(f.location, {
      file: 'infra/gcs.tf',
      line: 1,
      endLine: 15,
      resource: 'google_storage_bucket.site',
    });
    assert.deepEqual(f.references, ['https://docs.prismacloud.io/en/policy-reference/gcp-policies/bc-gcp-gcs-2']);
    assert.deepEqual(f.detail, {
      checkType: 'terraform',
      bcCheckId: 'BC_GCP_GCS_2',
      checkClass: 'checkov.terraform.checks.resource.gcp.GoogleStorageBucketUniformAccess',
      category: 'Storage',
      evaluatedKeys: ['uniform_bucket_level_access'],
      benchmarks: ['CIS GCP V1.1 5.2'],
    });
  });

  test('never keeps the quoted code or the fixed definition, which can hold secrets', async () => {
    const findings = await parse(JSON.stringify(terraformReport([bucketAccess])));
    assert.doesNotMatch(JSON.stringify(findings), /AKIAIOSFODNN7EXAMPLE/);
  });

  test('counts a failed check without severity as medium: open-source Checkov writes none', async () => {
    const [f] = await parse(JSON.stringify(terraformReport([keyVault])));
    assert.equal(f?.severity, 'medium');
  });

  test('keeps the absolute path of a single-file scan, and makes a folder scan\'s "/x.tf" relative', async () => {
    const single = {
      ...keyVault,
      file_path: '/home/ci/main.tf',
      file_abs_path: '/home/ci/main.tf',
      repo_file_path: undefined,
    };
    const findings = await parse(JSON.stringify(terraformReport([single, keyVault])));
    assert.deepEqual(
      findings.map((f) => f.location.file),
      ['/home/ci/main.tf', 'main.tf'],
    );
  });

  test('reads the array Checkov writes for several frameworks as one run', async () => {
    const k8s = {
      check_type: 'kubernetes',
      results: {
        failed_checks: [
          {
            check_id: 'CKV_K8S_20',
            check_name: 'Containers should not run with allowPrivilegeEscalation',
            file_path: '/k8s/deploy.yaml',
            file_line_range: [1, 30],
            resource: 'Deployment.default.web',
          },
        ],
      },
      summary: { passed: 0, failed: 1, skipped: 0, parsing_errors: 0, checkov_version: '3.2.255' },
    };
    const tools: [string, string | undefined][] = [];
    const findings = await parse(JSON.stringify([terraformReport([bucketAccess]), k8s]), 'all.json', tools);
    assert.deepEqual(
      findings.map((f) => [f.ruleId, f.location.resource]),
      [
        ['CKV_GCP_29', 'google_storage_bucket.site'],
        ['CKV_K8S_20', 'Deployment.default.web'],
      ],
    );
    assert.deepEqual(tools, [['Checkov', '3.2.255']]);
  });

  test('an empty scan (the bare summary) has no findings but still counts as a Checkov run', async () => {
    const tools: [string, string | undefined][] = [];
    const findings = await parse(
      '{"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "resource_count": 0, "checkov_version": "2.1.269"}',
      'empty.json',
      tools,
    );
    assert.deepEqual(findings, []);
    assert.deepEqual(tools, [['Checkov', '2.1.269']]);
  });
});

describe('checkov secrets and SCA', () => {
  test('reads a secrets check as a secret finding at file and line, without the secret or its hash', async () => {
    const report = {
      check_type: 'secrets',
      results: { failed_checks: [secret] },
      summary: { checkov_version: '3.2.255' },
    };
    const [f] = await parse(JSON.stringify(report));
    assert.equal(f?.kind, 'secret');
    assert.deepEqual(f?.cwes, [798]);
    assert.deepEqual(f?.location, { file: 'deploy/settings.py', line: 12, endLine: 13 });
    assert.doesNotMatch(JSON.stringify(f), /25910f981e85|AKIA\*/);
  });

  test("reads an SCA record as a dependency finding that fingerprints like Trivy's for the same CVE and package", async () => {
    const report = {
      check_type: 'sca_package',
      results: { failed_checks: [django, licence] },
      summary: { checkov_version: '3.2.255' },
    };
    const findings = await parse(JSON.stringify(report));
    assert.equal(findings.length, 2, 'the CVE and the licence check');
    const [f, lic] = findings;
    // A licence check is a licence finding, as Trivy's and Snyk's are: never above track* (priority.ts).
    assert.deepEqual(
      [lic?.kind, lic?.ruleId, lic?.title, lic?.component?.purl, lic?.detail?.category, lic?.detail?.licence],
      ['dependency', 'license:OSI_BDS', 'OSI_BDS licence in django', 'pkg:pypi/django@1.2', 'license', 'OSI_BDS'],
    );
    assert.equal(f?.kind, 'dependency');
    assert.equal(f?.ruleId, 'CVE-2019-19844');
    assert.deepEqual(f?.aliases, ['CVE-2019-19844']);
    assert.deepEqual(f?.component, { name: 'django', version: '1.2', purl: 'pkg:pypi/django@1.2', ecosystem: 'pypi' });
    assert.equal(f?.fixedVersion, '1.11.27');
    assert.deepEqual(f?.cvss, { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8 });
    assert.equal(f?.severity, 'critical');
    assert.deepEqual(f?.location, { target: 'requirements.txt' });
    const trivy: ParsedFinding = {
      tool: 'Trivy',
      ruleId: 'CVE-2019-19844',
      kind: 'dependency',
      title: 'django',
      severity: 'critical',
      aliases: ['CVE-2019-19844'],
      cwes: [],
      component: { name: 'django', version: '1.2', purl: 'pkg:pypi/django@1.2' },
      location: { target: 'requirements.txt' },
    };
    assert.deepEqual(fingerprintOf(f!), fingerprintOf(trivy));
  });
});

describe('checkov errors', () => {
  test('rejects truncated JSON with line and column', async () => {
    const text = JSON.stringify(terraformReport([bucketAccess]), null, 2);
    await assert.rejects(parse(text.slice(0, 500), 'cut.json'), badInputError(/^cut\.json: not valid JSON/));
  });

  test('names the JSON path of a value of the wrong type', async () => {
    await assert.rejects(
      parse(JSON.stringify(terraformReport(['oops']))),
      badInputError(/expected an object at results\.failed_checks\[0\], found a string/),
    );
    await assert.rejects(
      parse(JSON.stringify([terraformReport([]), { check_type: 'x', results: { failed_checks: {} } }])),
      badInputError(/expected an array at \[1\]\.results\.failed_checks, found a object/),
    );
    await assert.rejects(
      parse(JSON.stringify(terraformReport([{ ...keyVault, check_id: null }]))),
      badInputError(/results\.failed_checks\[0\]\.check_id/),
    );
    await assert.rejects(
      parse(JSON.stringify(terraformReport([{ ...keyVault, file_line_range: 'one' }]))),
      badInputError(/results\.failed_checks\[0\]\.file_line_range/),
    );
  });

  test('rejects JSON that is not a Checkov report', async () => {
    await assert.rejects(parse('{"runs": []}', 'x.json'), badInputError(/x\.json: not a Checkov report/));
  });
});

describe('checkov robustness', () => {
  const text = JSON.stringify([
    terraformReport([bucketAccess, keyVault]),
    { check_type: 'sca_package', results: { failed_checks: [django] } },
  ]);

  robustnessTests({ parse, seeds: [text], json: true }, { together: true });
});
