import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ParsedFinding } from '../types.ts';
import { fingerprintOf } from '../fingerprint.ts';
import { tfsecParser } from './tfsec.ts';
import { addToRows, type ImportRow } from '../normalise.ts';
import { badInputError, textInputOf, robustnessTests } from '../../../test/support/parsing.ts';

// ---- fixtures: the three shapes tfsec's JSON output has had ----

/** tfsec 1.x: AVD id, long_id, service, resource and a numeric status. */
function v1Result(
  o: { status?: number; resource?: string; start?: number; end?: number } = {},
): Record<string, unknown> {
  return {
    rule_id: 'AVD-AWS-0089',
    long_id: 'aws-s3-enable-bucket-logging',
    rule_description: 'S3 Bucket does not have logging enabled.',
    rule_provider: 'aws',
    rule_service: 's3',
    impact: 'There is no way to determine the access to this bucket',
    resolution: 'Add a logging block to the resource to enable access logging',
    links: [
      'https://aquasecurity.github.io/tfsec/v1.28.1/checks/aws/s3/enable-bucket-logging/',
      'https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket',
    ],
    description: 'Bucket does not have logging enabled',
    severity: 'MEDIUM',
    warning: false,
    status: o.status ?? 0,
    resource: o.resource ?? 'aws_s3_bucket.assets',
    location: { filename: '/home/ci/repo/infra/s3.tf', start_line: o.start ?? 12, end_line: o.end ?? 20 },
  };
}

/** tfsec 0.5x–1.0: descriptive rule ids, legacy ids, status as a word, the resource only in the description. */
function midResult(resource: string, line: number, rule = 'aws-vpc-no-public-egress-sgr'): Record<string, unknown> {
  return {
    rule_id: rule,
    legacy_rule_id: 'AWS007',
    rule_description: 'An egress security group rule allows traffic to /0.',
    rule_provider: 'aws',
    impact: 'Your port is egressing data to the internet',
    resolution: 'Set a more restrictive cidr range',
    links: ['https://tfsec.dev/docs/aws/vpc/no-public-egress-sgr#aws/vpc'],
    description: `Resource '${resource}' defines a fully open egress security group rule.`,
    severity: 'CRITICAL',
    status: 'failed',
    location: { filename: 'modules/security-group/main.tf', start_line: line, end_line: line },
  };
}

/** Legacy tfsec: short rule ids, a "link" sentence, `passed`, ERROR/WARNING severities. */
const legacy = {
  results: [
    {
      rule_id: 'GCP008',
      rule_description: 'Legacy client authentication methods utilized.',
      rule_provider: 'google',
      link: 'See https://tfsec.dev/docs/google/GCP008/ for more information.',
      location: { filename: 'tfsec-test/cluster.tf', start_line: 52, end_line: 92 },
      description: "Resource 'google_container_cluster.k8s' does not disable basic auth.",
      impact: 'Weak authentication',
      resolution: 'Use service accounts',
      severity: 'ERROR',
      passed: true,
    },
    {
      rule_id: 'GEN003',
      rule_description: 'Potentially sensitive data stored in block attribute.',
      rule_provider: 'general',
      link: 'See https://tfsec.dev/docs/general/GEN003/ for more information.',
      location: { filename: 'tfsec-test/identity.tf', start_line: 226, end_line: 226 },
      description:
        "Block 'keycloak_oidc_identity_provider.google' includes a potentially sensitive attribute which is defined within the project.",
      impact: 'Block attribute could be leaking secrets',
      resolution: "Don't include sensitive data in blocks",
      severity: 'WARNING',
      passed: false,
    },
  ],
};

// ---- helpers ----

async function parse(
  text: string,
  name = 'tfsec.json',
  tools: [string, string | undefined][] = [],
): Promise<ParsedFinding[]> {
  const out: ParsedFinding[] = [];
  for await (const f of tfsecParser.parse(textInputOf(name, text), { tool: (n, v) => void tools.push([n, v]) }))
    out.push(f);
  return out;
}

// ---- tests ----

describe('tfsec detection', () => {
  test('recognises all three shapes, also from a cut head', () => {
    assert.ok(tfsecParser.detect(JSON.stringify({ results: [v1Result()] }, null, 2).slice(0, 300), 'tfsec.json'));
    assert.ok(
      tfsecParser.detect(JSON.stringify({ results: [midResult('module.a:aws_x.y', 1)] }, null, '\t'), 'tfsec.json'),
    );
    assert.ok(tfsecParser.detect(JSON.stringify(legacy, null, '\t'), 'tfsec.json'));
    assert.ok(tfsecParser.detect('{\n  "results": null\n}\n', 'tfsec.json'), 'an empty tfsec 1.x report');
  });

  test('does not claim other formats', () => {
    assert.ok(!tfsecParser.detect('{"check_type": "terraform", "results": {"failed_checks": []}}', 'checkov.json'));
    assert.ok(!tfsecParser.detect('{"results": [{"check_id": "x"}]}', 'other.json'));
    assert.ok(!tfsecParser.detect('{"SchemaVersion": 2, "Results": [{"Target": "main.tf"}]}', 'trivy.json'));
    assert.ok(!tfsecParser.detect('{"version": "2.1.0", "runs": [{"results": []}]}', 'x.sarif'));
  });
});

describe('tfsec results', () => {
  test('maps a tfsec 1.x result: long id as rule, AVD id in detail, block location, links', async () => {
    const tools: [string, string | undefined][] = [];
    const [f] = await parse(JSON.stringify({ results: [v1Result()] }), 'tfsec.json', tools);
    assert.deepEqual(tools, [['tfsec', undefined]]);
    assert.ok(f);
    assert.equal(f.tool, 'tfsec');
    assert.equal(f.kind, 'config');
    assert.equal(f.ruleId, 'aws-s3-enable-bucket-logging');
    assert.equal(f.title, 'S3 Bucket does not have logging enabled.');
    assert.equal(f.description, 'Bucket does not have logging enabled');
    assert.equal(f.severity, 'medium');
    assert.deepEqual(f.location, {
      file: '/home/ci/repo/infra/s3.tf',
      line: 12,
      endLine: 20,
      resource: 'aws_s3_bucket.assets',
    });
    assert.deepEqual(f.references, [
      'https://aquasecurity.github.io/tfsec/v1.28.1/checks/aws/s3/enable-bucket-logging/',
      'https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket',
    ]);
    assert.deepEqual(f.detail, {
      avdId: 'AVD-AWS-0089',
      provider: 'aws',
      service: 's3',
      impact: 'There is no way to determine the access to this bucket',
      resolution: 'Add a logging block to the resource to enable access logging',
    });
  });

  test('keeps the rule id of tfsec 0.5x–1.0 for the same check in tfsec 1.x, so findings survive the upgrade', async () => {
    const [old] = await parse(
      JSON.stringify({
        results: [
          {
            ...midResult('aws_s3_bucket.assets', 12, 'aws-s3-enable-bucket-logging'),
            location: { filename: '/home/ci/repo/infra/s3.tf', start_line: 12, end_line: 20 },
          },
        ],
      }),
    );
    const [now] = await parse(JSON.stringify({ results: [v1Result()] }));
    assert.deepEqual(fingerprintOf(old!), fingerprintOf(now!));
  });

  test('reads legacy reports: passed results are left out, ERROR/WARNING map to high/medium, the link sentence gives the URL', async () => {
    const findings = await parse(JSON.stringify(legacy, null, '\t'));
    assert.equal(findings.length, 1);
    const [f] = findings;
    assert.equal(f?.ruleId, 'GEN003');
    assert.equal(f?.severity, 'medium');
    assert.deepEqual(f?.references, ['https://tfsec.dev/docs/general/GEN003/']);
    assert.deepEqual(f?.location, {
      file: 'tfsec-test/identity.tf',
      line: 226,
      endLine: 226,
      resource: 'keycloak_oidc_identity_provider.google',
    });
    const [err] = await parse(JSON.stringify({ results: [{ ...legacy.results[0], passed: false }] }));
    assert.equal(err?.severity, 'high');
  });

  test('leaves out passed and ignored results of tfsec 1.x (status 1 and 2)', async () => {
    const findings = await parse(
      JSON.stringify({ results: [v1Result({ status: 1 }), v1Result({ status: 2 }), v1Result({ status: 0 })] }),
    );
    assert.equal(findings.length, 1);
  });

  test('reads one listing per rule, block and lines: module instances are one listing, each attribute line of a block its own, merged on import', async () => {
    // The peer counts 4 here (one per rule, file and line range), and so does Entente. tfsec repeats a result for each
    // instance of a module holding the block (the same lines of code: one listing) and may flag one block at two
    // attribute lines (from_port, to_port): two listings with the same fingerprint (file + block, which stays put
    // when lines above it move), so the import makes them one finding, one fix.
    const results = [
      midResult('module.SG_VPC:aws_security_group_rule.egress[0]', 72),
      midResult('module.EKS:module.workers:aws_security_group_rule.egress[0]', 72),
      midResult('module.SG_NAT:aws_security_group_rule.egress[1]', 72),
      {
        ...midResult('module.SUBNETS:aws_network_acl_rule.public_inbound[0]', 155, 'aws-vpc-no-excessive-port-access'),
        location: { filename: 'modules/vpc/nacl.tf', start_line: 155, end_line: 155 },
      },
      {
        ...midResult('module.SUBNETS:aws_network_acl_rule.public_inbound[0]', 156, 'aws-vpc-no-excessive-port-access'),
        location: { filename: 'modules/vpc/nacl.tf', start_line: 156, end_line: 156 },
      },
      {
        ...midResult(
          'module.EKS:module.lc["workers"]:aws_launch_configuration.this',
          4,
          'aws-autoscaling-no-public-ip',
        ),
        location: { filename: 'modules/lc/main.tf', start_line: 4, end_line: 48 },
      },
    ];
    const findings = await parse(JSON.stringify({ results }));
    assert.deepEqual(
      findings.map((f) => [f.ruleId, f.location, f.detail?.occurrence]),
      [
        [
          'aws-vpc-no-public-egress-sgr',
          { file: 'modules/security-group/main.tf', line: 72, endLine: 72, resource: 'aws_security_group_rule.egress' },
          undefined,
        ],
        [
          'aws-vpc-no-excessive-port-access',
          { file: 'modules/vpc/nacl.tf', line: 155, endLine: 155, resource: 'aws_network_acl_rule.public_inbound' },
          { line: 155 },
        ],
        [
          'aws-vpc-no-excessive-port-access',
          { file: 'modules/vpc/nacl.tf', line: 156, endLine: 156, resource: 'aws_network_acl_rule.public_inbound' },
          { line: 156 },
        ],
        [
          'aws-autoscaling-no-public-ip',
          { file: 'modules/lc/main.tf', line: 4, endLine: 48, resource: 'aws_launch_configuration.this' },
          undefined,
        ],
      ],
    );
    const rows = new Map<string, ImportRow>();
    for (const f of findings) addToRows(rows, f);
    assert.equal(rows.size, 3);
    assert.deepEqual(findings[0]?.detail?.['resources'], [
      'module.SG_VPC:aws_security_group_rule.egress[0]',
      'module.EKS:module.workers:aws_security_group_rule.egress[0]',
      'module.SG_NAT:aws_security_group_rule.egress[1]',
    ]);
    assert.equal(findings[0]?.detail?.['legacyRuleId'], 'AWS007');
  });

  test('groups results that name no resource by file and lines', async () => {
    const bare = (line: number) => ({
      rule_id: 'GEN001',
      description: 'Sensitive value in a variable default',
      severity: 'HIGH',
      location: { filename: 'vars.tf', start_line: line, end_line: line },
    });
    const findings = await parse(JSON.stringify({ results: [bare(3), bare(3), bare(9)] }));
    assert.deepEqual(
      findings.map((f) => f.location),
      [
        { file: 'vars.tf', line: 3, endLine: 3 },
        { file: 'vars.tf', line: 9, endLine: 9 },
      ],
    );
  });

  test('an empty report ("results": null) has no findings but still counts as a tfsec run', async () => {
    const tools: [string, string | undefined][] = [];
    assert.deepEqual(await parse('{"results": null}', 'tfsec.json', tools), []);
    assert.deepEqual(tools, [['tfsec', undefined]]);
  });
});

describe('tfsec errors', () => {
  test('rejects truncated JSON with its line and column', async () => {
    const text = JSON.stringify({ results: [v1Result(), v1Result()] }, null, 2);
    await assert.rejects(parse(text.slice(0, 400), 'cut.json'), badInputError(/^cut\.json: not valid JSON/));
  });

  test('names the JSON path of a value of the wrong type', async () => {
    await assert.rejects(
      parse('{"results": {"a": 1}}', 't.json'),
      badInputError(/t\.json: expected an array at results, found a object/),
    );
    await assert.rejects(
      parse(JSON.stringify({ results: [v1Result(), 3] }), 't.json'),
      badInputError(/expected an object at results\[1\], found a number/),
    );
    await assert.rejects(
      parse(JSON.stringify({ results: [{ ...v1Result(), location: 'main.tf:3' }] }), 't.json'),
      badInputError(/results\[0\]\.location/),
    );
    await assert.rejects(
      parse(JSON.stringify({ results: [{ severity: 'HIGH' }] }), 't.json'),
      badInputError(/results\[0\]\.rule_id/),
    );
  });

  test('rejects JSON without a results list', async () => {
    await assert.rejects(parse('{"runs": []}', 'x.json'), badInputError(/x\.json: not a tfsec report/));
  });
});

describe('tfsec robustness', () => {
  const text = JSON.stringify({ results: [v1Result(), midResult('module.a:aws_x.y[0]', 5), ...legacy.results] });

  robustnessTests({ parse, seeds: [text], json: true }, { together: true });

  test('a huge resource name costs no pattern time', async () => {
    const started = Date.now();
    await parse(JSON.stringify({ results: [{ ...v1Result(), resource: `module.${'['.repeat(200_000)}` }] }));
    assert.ok(Date.now() - started < 2000);
  });
});
