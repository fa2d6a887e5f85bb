import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprintOf, ruleFingerprint } from './fingerprint.ts';
import type { ParsedFinding } from './types.ts';

const code = (over: Partial<ParsedFinding> = {}): ParsedFinding => ({
  tool: 'CodeQL',
  ruleId: 'js/xss',
  kind: 'code',
  title: 'Reflected XSS',
  severity: 'high',
  aliases: [],
  cwes: [79],
  location: { file: 'src/a.ts', line: 10 },
  ...over,
});
const dep = (over: Partial<ParsedFinding> = {}): ParsedFinding => ({
  tool: 'Trivy',
  ruleId: 'CVE-2021-44228',
  kind: 'dependency',
  title: 'log4j RCE',
  severity: 'critical',
  aliases: ['CVE-2021-44228'],
  cwes: [502],
  component: {
    name: 'org.apache.logging.log4j:log4j-core',
    version: '2.14.1',
    purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
  },
  location: { target: 'pom.xml' },
  ...over,
});

test('titles, descriptions and messages do not change a fingerprint', () => {
  assert.equal(
    fingerprintOf(code()).value,
    fingerprintOf(code({ title: 'XSS (reworded)', description: 'new text', detail: { message: 'run 2' } })).value,
  );
});

test('the same CWE at the same file and line from two tools has one fingerprint', () => {
  assert.equal(
    fingerprintOf(code()).value,
    fingerprintOf(code({ tool: 'Semgrep', ruleId: 'javascript.xss.reflected' })).value,
  );
  assert.notEqual(fingerprintOf(code()).value, fingerprintOf(code({ location: { file: 'src/a.ts', line: 11 } })).value);
});

test('without a CWE the tool and its rule name the weakness', () => {
  const a = code({ cwes: [] });
  assert.notEqual(fingerprintOf(a).value, fingerprintOf({ ...a, tool: 'Semgrep' }).value);
});

test('the same CVE in the same package and version has one fingerprint whatever the path or tool', () => {
  const grype = dep({
    tool: 'Grype',
    location: { target: '/app/lib/log4j-core-2.14.1.jar' },
    component: {
      name: 'log4j-core',
      version: '2.14.1',
      purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar',
    },
  });
  assert.equal(fingerprintOf(dep()).value, fingerprintOf(grype).value);
  assert.notEqual(
    fingerprintOf(dep()).value,
    fingerprintOf(
      dep({
        component: {
          name: 'org.apache.logging.log4j:log4j-core',
          version: '2.15.0',
          purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.15.0',
        },
      }),
    ).value,
  );
});

test('a package without a purl gets one from its ecosystem, so it matches a tool that gives one', () => {
  const npm = dep({ aliases: ['CVE-2021-23337'], component: { name: 'lodash', version: '4.17.20', ecosystem: 'npm' } });
  const trivy = dep({
    aliases: ['CVE-2021-23337'],
    component: { name: 'lodash', version: '4.17.20', purl: 'pkg:npm/lodash@4.17.20' },
  });
  assert.equal(fingerprintOf(npm).value, fingerprintOf(trivy).value);
});

test('web findings ignore query values and fragments', () => {
  const web = (url: string): ParsedFinding => ({
    tool: 'OWASP ZAP',
    ruleId: '40012',
    kind: 'web',
    title: 'XSS',
    severity: 'high',
    aliases: [],
    cwes: [79],
    location: { url, method: 'GET', parameter: 'q' },
  });
  assert.equal(
    fingerprintOf(web('https://shop.example/search?q=1#x')).value,
    fingerprintOf(web('https://SHOP.example/search/?q=2')).value,
  );
});

test('each recipe is versioned and named after its kind', () => {
  assert.equal(fingerprintOf(code()).recipe, 'code/v1');
  assert.equal(fingerprintOf(dep()).recipe, 'dependency/v2');
  assert.match(fingerprintOf(code()).value, /^[0-9a-f]{32}$/);
});

test('site-wide web checks with the same broad CWE stay apart; a CWE at the same URL and parameter merges across tools', () => {
  const site = (ruleId: string, tool = 'OWASP ZAP'): ParsedFinding => ({
    tool,
    ruleId,
    kind: 'web',
    title: ruleId,
    severity: 'medium',
    aliases: [],
    cwes: [693],
    location: { url: 'https://shop.example/' },
  });
  assert.notEqual(fingerprintOf(site('10020')).value, fingerprintOf(site('10038')).value);
  const injection = (tool: string, ruleId: string): ParsedFinding => ({
    tool,
    ruleId,
    kind: 'web',
    title: 'SQL injection',
    severity: 'high',
    aliases: [],
    cwes: [89],
    location: { url: 'https://shop.example/search?q=1', method: 'GET', parameter: 'q' },
  });
  assert.equal(
    fingerprintOf(injection('OWASP ZAP', '40018')).value,
    fingerprintOf(injection('Burp Suite', '1049088')).value,
  );
});

// Values computed by dependency/v1 and code/v1 before v2 existed: a stored finding keeps its fingerprint (and with it
// its status, exception and due date) unless v2 means to change it.
test('a new recipe version keeps every fingerprint whose parts it does not change', () => {
  assert.equal(fingerprintOf(dep()).value, '4255a61bfe9775969e39fa7b5ad8e173');
  assert.equal(fingerprintOf(code()).value, '8e8088875e97075e6499b9f639d7cb7c');
  assert.equal(fingerprintOf(trivyRpm).value, '0bba71997d6eea2fcd2a383daff3dcda');
});

const trivyRpm = dep({
  aliases: ['CVE-2023-0286'],
  component: {
    name: 'openssl-libs',
    version: '1:1.1.1k-7.el8_6',
    purl: 'pkg:rpm/redhat/openssl-libs@1.1.1k-7.el8_6?arch=x86_64&distro=redhat-8.6&epoch=1',
  },
});
const rpm = (namespace: string, version: string, qualifiers = ''): ParsedFinding =>
  dep({
    tool: 'Grype',
    aliases: ['CVE-2023-0286'],
    component: {
      name: 'openssl-libs',
      version,
      purl: `pkg:rpm/${namespace}/openssl-libs@${version.replace(/^\d+:/, '')}?arch=x86_64${qualifiers}`,
    },
  });

test('an RPM package merges across tools whatever name they give its distribution (rhel is redhat, amzn is amazon, ol is oracle)', () => {
  assert.equal(
    fingerprintOf(rpm('rhel', '1:1.1.1k-7.el8_6', '&epoch=1&distro=rhel-8.6')).value,
    fingerprintOf(trivyRpm).value,
  );
  const pairs: [string, string][] = [
    ['amzn', 'amazon'],
    ['ol', 'oracle'],
    ['almalinux', 'alma'],
    ['sles', 'sles'],
    ['opensuse-leap', 'opensuse.leap'],
    ['mariner', 'cbl-mariner'],
  ];
  for (const [grype, trivy] of pairs) {
    assert.equal(fingerprintOf(rpm(grype, '1.1.1k-7')).value, fingerprintOf(rpm(trivy, '1.1.1k-7')).value, grype);
  }
  assert.notEqual(fingerprintOf(rpm('centos', '1.1.1k-7')).value, fingerprintOf(rpm('redhat', '1.1.1k-7')).value);
});

test('an RPM epoch counts whether a tool writes it in the version or only in the purl; epoch 0 is no epoch', () => {
  const inPurlOnly = dep({
    aliases: ['CVE-2023-0286'],
    component: { name: 'openssl-libs', purl: 'pkg:rpm/redhat/openssl-libs@1.1.1k-7.el8_6?epoch=1' },
  });
  assert.equal(fingerprintOf(inPurlOnly).value, fingerprintOf(trivyRpm).value);
  assert.equal(fingerprintOf(rpm('redhat', '0:1.2-3')).value, fingerprintOf(rpm('redhat', '1.2-3')).value);
  assert.notEqual(fingerprintOf(rpm('redhat', '2:1.2-3')).value, fingerprintOf(rpm('redhat', '1.2-3')).value);
});

test('a Go module version is the same with or without its "v", and the standard library with or without "go"', () => {
  const go = (tool: string, name: string, version: string): ParsedFinding =>
    dep({
      tool,
      aliases: ['CVE-2023-39325'],
      component: { name, version, purl: `pkg:golang/${name}@${version}` },
    });
  assert.equal(
    fingerprintOf(go('Grype', 'golang.org/x/net', 'v0.7.0')).value,
    fingerprintOf(go('Trivy', 'golang.org/x/net', '0.7.0')).value,
  );
  assert.equal(
    fingerprintOf(go('Grype', 'stdlib', 'go1.21.0')).value,
    fingerprintOf(go('Trivy', 'stdlib', '1.21.0')).value,
  );
  assert.notEqual(
    fingerprintOf(go('Grype', 'golang.org/x/net', 'v0.8.0')).value,
    fingerprintOf(go('Trivy', 'golang.org/x/net', '0.7.0')).value,
  );
  const bare = dep({
    tool: 'GitHub',
    aliases: ['CVE-2023-39325'],
    component: { name: 'golang.org/x/net', version: 'v0.7.0', ecosystem: 'golang' },
  });
  assert.equal(fingerprintOf(bare).value, fingerprintOf(go('Trivy', 'golang.org/x/net', '0.7.0')).value);
});

test("a CWE names a class of weaknesses at its place; an advisory, a secret or a tool's own rule names one weakness", () => {
  assert.equal(fingerprintOf(code()).byClass, true);
  assert.equal(fingerprintOf(code({ cwes: [] })).byClass, false);
  assert.equal(fingerprintOf(dep()).byClass, false);
  assert.equal(fingerprintOf(code({ kind: 'secret' })).byClass, false);
  const web = (parameter?: string): ParsedFinding => ({
    tool: 'OWASP ZAP',
    ruleId: '40018',
    kind: 'web',
    title: 'SQLi',
    severity: 'high',
    aliases: [],
    cwes: [89],
    location: { url: 'https://shop.example/s', ...(parameter ? { parameter } : {}) },
  });
  assert.equal(fingerprintOf(web('q')).byClass, true);
  assert.equal(fingerprintOf(web()).byClass, false, 'a site-level check is named by its rule already');
});

test('a further rule of a tool at a place has a fingerprint of its own, made from the place, the tool and the rule', () => {
  const place = fingerprintOf(code({ tool: 'Bandit', ruleId: 'B307', cwes: [78] }));
  const input = ruleFingerprint(place, 'Bandit', 'B322');
  assert.equal(input.recipe, 'code/v1+rule');
  assert.match(input.value, /^[0-9a-f]{32}$/);
  assert.notEqual(input.value, place.value);
  assert.equal(
    ruleFingerprint(place, 'bandit', 'B322').value,
    input.value,
    'tool names compare as fingerprints compare them, in lower case',
  );
  assert.notEqual(ruleFingerprint(place, 'Bandit', 'B102').value, input.value);
  assert.equal(
    fingerprintOf(code({ tool: 'Bandit', ruleId: 'B322', cwes: [78] })).value,
    place.value,
    'both rules share the place',
  );
});
