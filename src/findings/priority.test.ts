import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decidePriority, type PriorityFacts } from './priority.ts';

const remote = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const local = 'CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N';
const facts = (over: Partial<PriorityFacts> = {}): PriorityFacts => ({
  severity: 'high',
  kind: 'dependency',
  cvssVector: remote,
  aliases: ['CVE-2021-44228'],
  cwes: [],
  kev: false,
  epss: null,
  service: { name: 'checkout-api', exposure: 'internet', criticality: 4 },
  ...over,
});

test('a KEV-listed CVE on an internet-facing critical service is act, and says why', () => {
  const d = decidePriority(facts({ kev: true }), 0.1);
  assert.equal(d.priority, 'act');
  assert.equal(d.exploitation, 'active');
  assert.ok(d.reasons.some((r) => /Known Exploited Vulnerabilities/.test(r)));
  assert.ok(d.reasons.some((r) => /internet-facing/.test(r)));
});

test('a KEV-listed CVE on an isolated low-criticality service is attend, not act', () => {
  assert.equal(
    decidePriority(facts({ kev: true, service: { name: 'wiki', exposure: 'isolated', criticality: 1 } }), 0.1).priority,
    'attend',
  );
});

test('a high EPSS score counts as likely exploitation', () => {
  const d = decidePriority(facts({ epss: 0.42 }), 0.1);
  assert.equal(d.exploitation, 'poc');
  assert.equal(d.priority, 'act');
  assert.ok(d.reasons.some((r) => /42\.0%/.test(r)));
  assert.equal(decidePriority(facts({ epss: 0.42 }), 0.5).exploitation, 'none', 'the band comes from the policy');
});

test('a critical finding with no sign of exploitation is not act', () => {
  const d = decidePriority(facts({ severity: 'critical' }), 0.1);
  assert.equal(d.priority, 'attend');
  assert.equal(decidePriority(facts({ severity: 'critical', cvssVector: local }), 0.1).priority, 'track*');
});

test('low findings on isolated services are tracked, not pushed on people', () => {
  const d = decidePriority(
    facts({
      severity: 'low',
      kind: 'code',
      aliases: [],
      cvssVector: null,
      service: { name: 'wiki', exposure: 'isolated', criticality: 1 },
    }),
    0.1,
  );
  assert.equal(d.priority, 'track');
});

test('a committed secret counts as likely exploited and automatable', () => {
  const d = decidePriority(facts({ kind: 'secret', severity: 'critical', aliases: [], cvssVector: null }), 0.1);
  assert.equal(d.exploitation, 'poc');
  assert.equal(d.automatable, true);
  assert.equal(d.priority, 'act');
});

test('cleartext FTP that nobody approved on an internet-facing critical service is act, and says why', () => {
  const d = decidePriority(
    facts({ kind: 'host', ruleId: 'exposure/ftp', severity: 'high', aliases: [], cvssVector: null }),
    0.1,
  );
  assert.equal(d.exploitation, 'poc');
  assert.equal(d.automatable, true);
  assert.equal(d.priority, 'act');
  assert.ok(d.reasons.some((r) => /nobody approved/.test(r)));
});

test("an unapproved low-risk port (HTTPS) is not pushed on people, and a scanner's own host finding is not an exposure", () => {
  const https = decidePriority(
    facts({
      kind: 'host',
      ruleId: 'exposure/https',
      severity: 'low',
      aliases: [],
      cvssVector: null,
      service: { name: 'wiki', exposure: 'internal', criticality: 2 },
    }),
    0.1,
  );
  assert.equal(https.exploitation, 'none');
  assert.ok(['track', 'track*'].includes(https.priority));
  const nessus = decidePriority(
    facts({ kind: 'host', ruleId: '10092', severity: 'high', aliases: [], cvssVector: null }),
    0.1,
  );
  assert.equal(nessus.exploitation, 'none');
  assert.equal(nessus.automatable, false);
});

test('priority never falls when exploitation evidence is added', () => {
  const order = { act: 1, attend: 2, 'track*': 3, track: 4 };
  const shapes: Partial<PriorityFacts>[] = [
    {},
    { cvssVector: local },
    { kind: 'code', cvssVector: null, cwes: [78] },
    { kind: 'code', cvssVector: null, cwes: [327] },
    { kind: 'web', cvssVector: null, cwes: [89] },
    { kind: 'code', cvssVector: remote, cwes: [502] },
  ];
  for (const shape of shapes) {
    for (const exposure of ['internet', 'internal', 'isolated'] as const) {
      for (const criticality of [1, 2, 3, 4]) {
        for (const severity of ['critical', 'high', 'medium', 'low', 'info'] as const) {
          const base = facts({ ...shape, severity, service: { name: 's', exposure, criticality } });
          const none = order[decidePriority(base, 0.1).priority];
          const poc = order[decidePriority({ ...base, epss: 0.9 }, 0.1).priority];
          const active = order[decidePriority({ ...base, kev: true }, 0.1).priority];
          assert.ok(
            poc <= none && active <= poc,
            `${JSON.stringify(shape)} ${exposure}/${criticality}/${severity}: ${none} ${poc} ${active}`,
          );
        }
      }
    }
  }
});

// What Bandit says of `subprocess.call(cmd, shell=True)` (B602) and of `input()` (B322, the `input` of `eval(input())`).
const injectionInCode = (over: Partial<PriorityFacts> = {}): PriorityFacts =>
  facts({ kind: 'code', ruleId: 'B602', severity: 'high', cvssVector: null, aliases: [], cwes: [78], ...over });

test('an injection weakness in code rated high on an internet-facing, mission-critical service is attend, and says why', () => {
  for (const ruleId of ['B602', 'B322']) {
    const d = decidePriority(injectionInCode({ ruleId }), 0.1);
    assert.equal(d.priority, 'attend', ruleId);
    assert.ok(
      d.reasons.includes(
        'CWE-78 (OS command injection) turns input into commands or code the service runs, and anyone on the internet can send it input: rated high on a service with high mission impact, it is at least attend',
      ),
      d.reasons.join('\n'),
    );
    assert.equal(decidePriority(injectionInCode({ ruleId }), 0.1, false).priority, 'attend', 'the same without words');
  }
  assert.equal(decidePriority(injectionInCode({ severity: 'critical' }), 0.1).priority, 'attend');
  assert.equal(
    decidePriority(injectionInCode({ service: { name: 's', exposure: 'internet', criticality: 3 } }), 0.1).priority,
    'attend',
  );
});

test('the injection rule needs all of its conditions: injection, high severity, the internet and high mission impact', () => {
  assert.equal(
    decidePriority(injectionInCode({ cwes: [327] }), 0.1).priority,
    'track*',
    'weak cryptography is no injection',
  );
  assert.equal(decidePriority(injectionInCode({ severity: 'medium' }), 0.1).priority, 'track');
  assert.equal(
    decidePriority(injectionInCode({ service: { name: 's', exposure: 'internal', criticality: 4 } }), 0.1).priority,
    'track*',
  );
  assert.equal(
    decidePriority(injectionInCode({ service: { name: 's', exposure: 'internet', criticality: 2 } }), 0.1).priority,
    'track*',
  );
  assert.equal(
    decidePriority(injectionInCode({ kind: 'dependency' }), 0.1).priority,
    'track*',
    "a package's CVE has its own evidence: CVSS, EPSS, KEV",
  );
  const internal = decidePriority(
    injectionInCode({ service: { name: 's', exposure: 'internal', criticality: 4 } }),
    0.1,
  );
  assert.ok(
    internal.reasons.includes('CWE-78 (OS command injection) turns input into commands or code the service runs'),
    'the CWE is named, the rule is not claimed',
  );
});

test("the injectable kinds: commands and code, queries, files and requests, other users' pages", () => {
  for (const cwe of [77, 78, 88, 94, 95, 502, 917, 1336, 89, 90, 91, 643, 943, 22, 73, 611, 918, 79, 74]) {
    assert.equal(decidePriority(injectionInCode({ cwes: [cwe] }), 0.1).priority, 'attend', `CWE-${cwe}`);
  }
  for (const cwe of [20, 93, 113, 117, 200, 259, 327, 352, 798]) {
    assert.equal(decidePriority(injectionInCode({ cwes: [cwe] }), 0.1).priority, 'track*', `CWE-${cwe}`);
  }
  // A web scanner's injection at a parameter is reached over the network already: at least the same.
  assert.equal(decidePriority(injectionInCode({ kind: 'web', cwes: [89] }), 0.1).priority, 'attend');
  const twoCwes = decidePriority(injectionInCode({ cwes: [20, 89] }), 0.1);
  assert.equal(twoCwes.priority, 'attend');
  assert.ok(
    twoCwes.reasons.some((r) => r.startsWith('CWE-89 (SQL injection) turns input into queries the service runs')),
  );
});

test('a licence finding is at most track*, whatever the service and severity, and says it is no weakness', () => {
  const order = { act: 1, attend: 2, 'track*': 3, track: 4 };
  for (const severity of ['critical', 'high', 'medium', 'low', 'info'] as const) {
    for (const exposure of ['internet', 'internal', 'isolated'] as const) {
      const licence = facts({
        ruleId: 'license:GPL-2.0',
        severity,
        aliases: [],
        cvssVector: remote,
        epss: 0.9,
        kev: true,
        service: { name: 's', exposure, criticality: 4 },
      });
      const d = decidePriority(licence, 0.1);
      assert.ok(order[d.priority] >= order['track*'], `${severity}/${exposure}: ${d.priority}`);
      assert.equal(d.exploitation, 'none');
      assert.ok(d.reasons.some((r) => /licence .*: we track it, it is not a weakness an attacker can use/.test(r)));
      assert.ok(order[decidePriority(licence, 0.1, false).priority] >= order['track*'], 'the same without words');
    }
  }
  assert.equal(
    decidePriority(facts({ ruleId: 'license:GPL-2.0', severity: 'critical', aliases: [], cvssVector: null }), 0.1)
      .priority,
    'track*',
  );
  assert.equal(
    decidePriority(facts({ ruleId: 'license:MIT', severity: 'low', aliases: [], cvssVector: null }), 0.1).priority,
    'track',
  );
  // Only a dependency's "license:" rule is a licence: the same words in another kind's rule change nothing.
  assert.equal(
    decidePriority(
      facts({ kind: 'secret', ruleId: 'license:key', severity: 'critical', aliases: [], cvssVector: null }),
      0.1,
    ).priority,
    'act',
  );
});
