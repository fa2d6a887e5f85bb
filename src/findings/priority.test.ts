import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decidePriority, type PriorityFacts } from './priority.ts';

const remote = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const local = 'CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N';
const facts = (over: Partial<PriorityFacts> = {}): PriorityFacts => ({
  severity: 'high', kind: 'dependency', cvssVector: remote, aliases: ['CVE-2021-44228'], kev: false, epss: null,
  service: { name: 'checkout-api', exposure: 'internet', criticality: 4 }, ...over,
});

test('a KEV-listed CVE on an internet-facing critical service is act, and says why', () => {
  const d = decidePriority(facts({ kev: true }), 0.1);
  assert.equal(d.priority, 'act');
  assert.equal(d.exploitation, 'active');
  assert.ok(d.reasons.some((r) => /Known Exploited Vulnerabilities/.test(r)));
  assert.ok(d.reasons.some((r) => /internet-facing/.test(r)));
});

test('a KEV-listed CVE on an isolated low-criticality service is attend, not act', () => {
  assert.equal(decidePriority(facts({ kev: true, service: { name: 'wiki', exposure: 'isolated', criticality: 1 } }), 0.1).priority, 'attend');
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
  const d = decidePriority(facts({ severity: 'low', kind: 'code', aliases: [], cvssVector: null, service: { name: 'wiki', exposure: 'isolated', criticality: 1 } }), 0.1);
  assert.equal(d.priority, 'track');
});

test('a committed secret counts as likely exploited and automatable', () => {
  const d = decidePriority(facts({ kind: 'secret', severity: 'critical', aliases: [], cvssVector: null }), 0.1);
  assert.equal(d.exploitation, 'poc');
  assert.equal(d.automatable, true);
  assert.equal(d.priority, 'act');
});

test('cleartext FTP that nobody approved on an internet-facing critical service is act, and says why', () => {
  const d = decidePriority(facts({ kind: 'host', ruleId: 'exposure/ftp', severity: 'high', aliases: [], cvssVector: null }), 0.1);
  assert.equal(d.exploitation, 'poc');
  assert.equal(d.automatable, true);
  assert.equal(d.priority, 'act');
  assert.ok(d.reasons.some((r) => /nobody approved/.test(r)));
});

test('an unapproved low-risk port (HTTPS) is not pushed on people, and a scanner\'s own host finding is not an exposure', () => {
  const https = decidePriority(facts({ kind: 'host', ruleId: 'exposure/https', severity: 'low', aliases: [], cvssVector: null, service: { name: 'wiki', exposure: 'internal', criticality: 2 } }), 0.1);
  assert.equal(https.exploitation, 'none');
  assert.ok(['track', 'track*'].includes(https.priority));
  const nessus = decidePriority(facts({ kind: 'host', ruleId: '10092', severity: 'high', aliases: [], cvssVector: null }), 0.1);
  assert.equal(nessus.exploitation, 'none');
  assert.equal(nessus.automatable, false);
});

test('priority never falls when exploitation evidence is added', () => {
  const order = { act: 1, attend: 2, 'track*': 3, track: 4 };
  for (const exposure of ['internet', 'internal', 'isolated'] as const) {
    for (const criticality of [1, 2, 3, 4]) {
      for (const severity of ['critical', 'high', 'medium', 'low', 'info'] as const) {
        const base = facts({ severity, service: { name: 's', exposure, criticality } });
        const none = order[decidePriority(base, 0.1).priority];
        const poc = order[decidePriority({ ...base, epss: 0.9 }, 0.1).priority];
        const active = order[decidePriority({ ...base, kev: true }, 0.1).priority];
        assert.ok(poc <= none && active <= poc, `${exposure}/${criticality}/${severity}: ${none} ${poc} ${active}`);
      }
    }
  }
});

test('a licence finding is at most track*, whatever the service and severity, and says it is no weakness', () => {
  const order = { act: 1, attend: 2, 'track*': 3, track: 4 };
  for (const severity of ['critical', 'high', 'medium', 'low', 'info'] as const) {
    for (const exposure of ['internet', 'internal', 'isolated'] as const) {
      const licence = facts({ ruleId: 'license:GPL-2.0', severity, aliases: [], cvssVector: remote, epss: 0.9, kev: true, service: { name: 's', exposure, criticality: 4 } });
      const d = decidePriority(licence, 0.1);
      assert.ok(order[d.priority] >= order['track*'], `${severity}/${exposure}: ${d.priority}`);
      assert.equal(d.exploitation, 'none');
      assert.ok(d.reasons.some((r) => /licence .*: we track it, it is not a weakness an attacker can use/.test(r)));
      assert.ok(order[decidePriority(licence, 0.1, false).priority] >= order['track*'], 'the same without words');
    }
  }
  assert.equal(decidePriority(facts({ ruleId: 'license:GPL-2.0', severity: 'critical', aliases: [], cvssVector: null }), 0.1).priority, 'track*');
  assert.equal(decidePriority(facts({ ruleId: 'license:MIT', severity: 'low', aliases: [], cvssVector: null }), 0.1).priority, 'track');
  // Only a dependency's "license:" rule is a licence: the same words in another kind's rule change nothing.
  assert.equal(decidePriority(facts({ kind: 'secret', ruleId: 'license:key', severity: 'critical', aliases: [], cvssVector: null }), 0.1).priority, 'act');
});
