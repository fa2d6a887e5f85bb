import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ParsedFinding } from '../types.ts';
import { nucleiParser } from './nuclei.ts';
import { badInputError, textInputOf, robustnessTests } from '../../../test/support/parsing.ts';

// ---- fixtures: results as Nuclei 3 writes them (-jsonl, or -json-export for an array) ----

const gitlabCve = {
  template: 'http/cves/2021/CVE-2021-22205.yaml',
  'template-url': 'https://cloud.projectdiscovery.io/public/CVE-2021-22205',
  'template-id': 'CVE-2021-22205',
  'template-path': '/home/ci/nuclei-templates/http/cves/2021/CVE-2021-22205.yaml',
  info: {
    name: 'GitLab CE/EE - Unauthenticated RCE Using ExifTool',
    author: ['GitLabRedTeam', 'pdteam'],
    tags: ['cve', 'cve2021', 'gitlab', 'rce', 'kev'],
    description: 'GitLab CE/EE contains a critical remote code execution vulnerability in the ExifTool image parser.',
    impact: 'Remote code execution as the git user.',
    reference: [
      'https://about.gitlab.com/releases/2021/04/14/security-release-gitlab-13-10-3-released/',
      'https://nvd.nist.gov/vuln/detail/CVE-2021-22205',
    ],
    severity: 'critical',
    remediation: 'Upgrade to 13.10.3, 13.9.6 or 13.8.8 or later.',
    classification: {
      'cvss-metrics': 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
      'cvss-score': 10,
      'cve-id': 'CVE-2021-22205',
      'cwe-id': 'CWE-94',
      'epss-score': 0.97354,
      'epss-percentile': 0.99878,
      cpe: 'cpe:2.3:a:gitlab:gitlab:*:*:*:*:community:*:*:*',
    },
    metadata: { 'max-request': 2, vendor: 'gitlab', product: 'gitlab' },
  },
  type: 'http',
  host: 'https://git.example.com',
  port: '443',
  scheme: 'https',
  url: 'https://git.example.com',
  'matched-at': 'https://git.example.com/uploads/user',
  request: 'POST /uploads/user HTTP/1.1\r\nHost: git.example.com\r\nCookie: _gitlab_session=SESSIONSECRET\r\n\r\n',
  response: 'HTTP/1.1 422 Unprocessable Entity\r\nSet-Cookie: x=RESPONSESECRET\r\n\r\n',
  ip: '203.0.113.7',
  timestamp: '2024-03-01T10:00:00.000000+01:00',
  'curl-command': "curl -X 'POST' -H 'Cookie: _gitlab_session=SESSIONSECRET' 'https://git.example.com/uploads/user'",
  'matcher-status': true,
};

function techDetect(matcher: string, url: string): Record<string, unknown> {
  return {
    template: 'http/technologies/tech-detect.yaml',
    'template-id': 'tech-detect',
    info: { name: 'Wappalyzer Technology Detection', author: ['hakluke'], tags: ['tech'], severity: 'info' },
    'matcher-name': matcher,
    type: 'http',
    host: url,
    'matched-at': url,
    ip: '127.0.0.1',
    timestamp: '2024-03-01T10:00:01Z',
    'matcher-status': true,
  };
}

function tlsVersion(version: string): Record<string, unknown> {
  return {
    template: 'ssl/tls-version.yaml',
    'template-id': 'tls-version',
    info: {
      name: 'TLS Version - Detect',
      author: ['pdteam'],
      tags: ['ssl'],
      severity: 'info',
      classification: { 'cve-id': null, 'cwe-id': ['cwe-200'] },
    },
    type: 'ssl',
    host: 'www.example.com',
    port: '443',
    'matched-at': 'www.example.com:443',
    'extracted-results': [version],
    ip: '198.51.100.4',
    'matcher-status': true,
  };
}

/** Nuclei 2 field names: templateID, matcher_name, matched, comma-separated tags, references as one string. */
const v2Network = {
  templateID: 'openssh5.3-detect',
  info: {
    name: 'OpenSSH 5.3 Detection',
    author: 'iamthefrogy',
    severity: 'low',
    tags: 'network,openssh',
    description: 'OpenSSH 5.3 is vulnerable to username enumeration.',
    reference:
      '- http://seclists.org/fulldisclosure/2016/Jul/51\n- https://security-tracker.debian.org/tracker/CVE-2016-6210\n',
  },
  type: 'network',
  host: 'https://scan.example.com',
  matched: 'scan.example.com:22',
  ip: '192.0.2.10',
  timestamp: '2021-05-20T11:11:01.667748+03:00',
};

const jsonl = [
  gitlabCve,
  techDetect('nginx', 'https://app.example.com'),
  techDetect('bootstrap', 'https://app.example.com'),
  tlsVersion('tls12'),
  tlsVersion('tls13'),
  v2Network,
]
  .map((r) => JSON.stringify(r))
  .join('\n');

// ---- helpers ----

async function parse(
  text: string,
  name = 'nuclei.jsonl',
  tools: [string, string | undefined][] = [],
): Promise<ParsedFinding[]> {
  const out: ParsedFinding[] = [];
  for await (const f of nucleiParser.parse(textInputOf(name, text), { tool: (n, v) => void tools.push([n, v]) }))
    out.push(f);
  return out;
}

// ---- tests ----

describe('nuclei detection', () => {
  test('recognises JSON lines and JSON arrays, v2 and v3 names, also from a cut head', () => {
    assert.ok(nucleiParser.detect(jsonl.slice(0, 4096), 'nuclei.jsonl'));
    assert.ok(nucleiParser.detect(JSON.stringify([gitlabCve], null, 2).slice(0, 4096), 'nuclei.json'));
    assert.ok(nucleiParser.detect(JSON.stringify(v2Network), 'nuclei.json'));
    assert.ok(nucleiParser.detect(JSON.stringify(gitlabCve).slice(0, 700), 'nuclei.json'));
  });

  test('does not claim other formats', () => {
    assert.ok(!nucleiParser.detect('{"type":"auditAdvisory","data":{"advisory":{}}}', 'yarn.json'));
    assert.ok(!nucleiParser.detect('{"results": [{"rule_id": "AWS050", "location": {}}]}', 'tfsec.json'));
    assert.ok(
      !nucleiParser.detect('{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "nuclei"}}}]}', 'nuclei.sarif'),
    );
    assert.ok(!nucleiParser.detect('<?xml version="1.0"?><issues burpVersion="2023.1">', 'b.xml'));
  });
});

describe('nuclei results', () => {
  test('maps a web result: template, severity, CVSS, CVE, CWE, URL, method from the request line, references', async () => {
    const tools: [string, string | undefined][] = [];
    const [f] = await parse(JSON.stringify(gitlabCve), 'n.jsonl', tools);
    assert.deepEqual(tools, [['Nuclei', undefined]]);
    assert.ok(f);
    assert.equal(f.tool, 'Nuclei');
    assert.equal(f.kind, 'web');
    assert.equal(f.ruleId, 'CVE-2021-22205');
    assert.equal(f.title, 'GitLab CE/EE - Unauthenticated RCE Using ExifTool');
    assert.equal(f.severity, 'critical');
    assert.deepEqual(f.cvss, { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 10 });
    assert.deepEqual(f.aliases, ['CVE-2021-22205']);
    assert.deepEqual(f.cwes, [94]);
    assert.deepEqual(f.location, {
      url: 'https://git.example.com/uploads/user',
      method: 'POST',
      host: 'git.example.com',
      port: 443,
    });
    assert.deepEqual(f.references, [
      'https://about.gitlab.com/releases/2021/04/14/security-release-gitlab-13-10-3-released/',
      'https://nvd.nist.gov/vuln/detail/CVE-2021-22205',
    ]);
    assert.equal(f.detail?.['ip'], '203.0.113.7');
    assert.equal(f.detail?.['remediation'], 'Upgrade to 13.10.3, 13.9.6 or 13.8.8 or later.');
    assert.equal(f.detail?.['epssScore'], 0.97354);
    assert.deepEqual(f.detail?.['tags'], ['cve', 'cve2021', 'gitlab', 'rce', 'kev']);
  });

  test('never keeps the request, the response or the curl command', async () => {
    const findings = await parse(jsonl);
    assert.doesNotMatch(JSON.stringify(findings), /SESSIONSECRET|RESPONSESECRET|curl/);
  });

  test('makes each matcher of a template its own finding, and merges a rule repeated at one place', async () => {
    const findings = await parse(jsonl);
    assert.deepEqual(
      findings.map((f) => f.ruleId),
      ['CVE-2021-22205', 'tech-detect:nginx', 'tech-detect:bootstrap', 'tls-version', 'openssh5.3-detect'],
    );
    assert.equal(findings[1]?.title, 'Wappalyzer Technology Detection: nginx');
    const tls = findings[3];
    assert.deepEqual(tls?.detail?.['extracted'], ['tls12', 'tls13']);
  });

  test('keeps one template matching on two applications of one host apart', async () => {
    // The peer merges results by template, matcher and host name (16 of 18 in its sample, where tech-detect
    // matched on 127.0.0.1:8080/WebGoat and 127.0.0.1:9090/WebWolf); Entente locates web findings at their URL,
    // and two ports are two applications, each with its own owner and fix.
    const findings = await parse(
      [
        techDetect('bootstrap', 'http://127.0.0.1:8080/WebGoat'),
        techDetect('bootstrap', 'http://127.0.0.1:9090/WebWolf'),
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    assert.deepEqual(
      findings.map((f) => [f.location.url, f.location.port]),
      [
        ['http://127.0.0.1:8080/WebGoat', 8080],
        ['http://127.0.0.1:9090/WebWolf', 9090],
      ],
    );
  });

  test('reads network and SSL templates as host findings at host and port', async () => {
    const findings = await parse(jsonl);
    const tls = findings.find((f) => f.ruleId === 'tls-version');
    assert.equal(tls?.kind, 'host');
    assert.deepEqual(tls?.location, { host: 'www.example.com', port: 443, protocol: 'tcp' });
    assert.deepEqual(tls?.cwes, [200]);
    const ssh = findings.find((f) => f.ruleId === 'openssh5.3-detect');
    assert.equal(ssh?.kind, 'host');
    assert.deepEqual(ssh?.location, { host: 'scan.example.com', port: 22, protocol: 'tcp' });
  });

  test('reads Nuclei 2 names: templateID, matcher_name, matched, comma-separated tags, references in one string', async () => {
    const [f] = await parse(JSON.stringify({ ...v2Network, matcher_name: 'banner' }));
    assert.equal(f?.ruleId, 'openssh5.3-detect:banner');
    assert.equal(f?.severity, 'low');
    assert.deepEqual(f?.detail?.['tags'], ['network', 'openssh']);
    assert.deepEqual(f?.references, [
      'http://seclists.org/fulldisclosure/2016/Jul/51',
      'https://security-tracker.debian.org/tracker/CVE-2016-6210',
    ]);
  });

  test('reads a JSON array the same as JSON lines', async () => {
    const lines = await parse(jsonl);
    const array = await parse(`[\n${jsonl.split('\n').join(',\n')}\n]`, 'nuclei.json');
    assert.deepEqual(array, lines);
  });

  test('leaves out results that did not match (matcher-status false, written with -ms)', async () => {
    const findings = await parse(
      [gitlabCve, { ...techDetect('php', 'https://a.example.com'), 'matcher-status': false }]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    assert.deepEqual(
      findings.map((f) => f.ruleId),
      ['CVE-2021-22205'],
    );
  });

  test('ignores CWE entries that are not CWE ids ("nvd-cve-other")', async () => {
    const [f] = await parse(
      JSON.stringify({
        ...techDetect('x', 'https://a.example.com'),
        info: { name: 'X', severity: 'info', classification: { 'cwe-id': ['nvd-cve-other', 'cwe-79'] } },
      }),
    );
    assert.deepEqual(f?.cwes, [79]);
  });

  test('masks what templates looking for secrets extract', async () => {
    const token = {
      ...techDetect('x', 'https://a.example.com/app.js'),
      'template-id': 'aws-access-key-value',
      template: 'file/keys/aws-access-key-value.yaml',
      'matcher-name': undefined,
      info: { name: 'AWS Access Key ID', severity: 'info', tags: ['file', 'keys', 'token', 'aws'] },
      'extracted-results': ['AKIAIOSFODNN7EXAMPLE'],
    };
    const [f] = await parse(JSON.stringify(token));
    assert.deepEqual(f?.detail?.['extracted'], ['AKIA********']);
  });

  test('an empty file (Nuclei writes nothing when it finds nothing) has no findings but counts as a Nuclei run', async () => {
    const tools: [string, string | undefined][] = [];
    assert.deepEqual(await parse('', 'n.jsonl', tools), []);
    assert.deepEqual(tools, [['Nuclei', undefined]]);
  });
});

describe('nuclei errors', () => {
  test('rejects a garbled line, naming it', async () => {
    const lines = jsonl.split('\n');
    await assert.rejects(
      parse([lines[0], lines[1]!.slice(0, 60), lines[2]].join('\n'), 'cut.jsonl'),
      badInputError(/^cut\.jsonl: line 2 is not valid JSON/),
    );
  });

  test('rejects a truncated JSON array with its line and column', async () => {
    await assert.rejects(
      parse(JSON.stringify([gitlabCve], null, 2).slice(0, 300), 'cut.json'),
      badInputError(/^cut\.json: not valid JSON/),
    );
  });

  test('names where a value has the wrong type', async () => {
    await assert.rejects(
      parse(`${JSON.stringify(gitlabCve)}\n"text"`, 'n.jsonl'),
      badInputError(/expected an object at line 2, found a string/),
    );
    await assert.rejects(
      parse(JSON.stringify([{ ...gitlabCve, info: 'x' }]), 'n.json'),
      badInputError(/expected an object at \[0\]\.info, found a string/),
    );
    await assert.rejects(
      parse(JSON.stringify([{ ...gitlabCve, info: { classification: [] } }]), 'n.json'),
      badInputError(/\[0\]\.info\.classification/),
    );
    await assert.rejects(
      parse(JSON.stringify({ info: {}, type: 'http' }), 'n.jsonl'),
      badInputError(/line 1 has no "template-id"/),
    );
  });
});

describe('nuclei robustness', () => {
  const array = JSON.stringify(
    jsonl.split('\n').map((l) => JSON.parse(l) as unknown),
    null,
    1,
  );

  robustnessTests({ parse, seeds: [array, jsonl], json: [array] }, { together: true });
});
