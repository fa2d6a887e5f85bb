// A big gate's pure work runs in a worker thread (src/gates/gate-worker.ts): what it hands back must be exactly what the
// same code gives in line, byte for byte — the stored facts, their digest, the stored decision, the commitments' rows
// and the audit entries' texts — or replay and the audit chain would tell the two apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPolicy } from '../src/policy/policy.ts';
import { gateWork } from '../src/gates/gate-worker.ts';
import type { FactsText } from '../src/gates/gate-facts.ts';

const at = '2026-12-01T10:00:00.000Z';
// Urgent and not so urgent findings of an internet-facing service, some overdue, one covered, one open port, and
// commitments already agreed for some: a go with controls that relies on some and creates the rest.
const findings = Array.from({ length: 3_000 }, (_, i) => [
  i + 1,
  `finding ${i + 1} with a title “quoted” ${'x'.repeat(i % 40)}`,
  (['act', 'attend', 'track*', 'track'] as const)[i % 4],
  i % 7 === 0 ? 'host' : i % 5 === 0 ? 'dependency' : 'code',
  (['critical', 'high', 'medium', 'low'] as const)[i % 4],
  i % 11 === 0,
  new Date(Date.parse(at) + (i - 1_000) * 3_600_000).toISOString().replace('Z', '+00:00'),
  i === 5 ? 'accepted' : i % 3 ? 'open' : 'in_progress',
  i === 5 ? 1 : null,
  i === 7,
]);
const commitments = Array.from({ length: 200 }, (_, i) => [
  10_000 + i,
  'control',
  i % 2 ? 'waf-rule' : 'fix',
  `control ${i}`,
  i * 3 + 2,
  i % 10 === 0 ? 'missed' : 'open',
  new Date(Date.parse(at) + i * 86_400_000).toISOString(),
  'web',
]);
const text: FactsText = {
  at,
  service: {
    id: 4,
    name: 'shop',
    criticality: 4,
    exposure: 'internet',
    data: 'confidential',
    ownerTeamId: 2,
    ownerTeam: 'web',
  },
  environment: 'prod',
  version: '1.2.3',
  commit: null,
  findings: JSON.stringify(findings),
  commitments: JSON.stringify(commitments),
};

test('a gate worked on in the worker thread gives what the same work gives in line, byte for byte', async () => {
  const inline = gateWork(false);
  const worker = gateWork(true);
  try {
    const a = await inline.decide(defaultPolicy, text);
    const b = await worker.decide(defaultPolicy, text);
    assert.ok(a.decision.length > 100_000, `a decision of ${a.decision.length} characters`);
    assert.equal(b.inputDigest, a.inputDigest);
    assert.deepEqual(Buffer.from(b.packed), Buffer.from(a.packed));
    assert.equal(b.decision, a.decision);
    assert.deepEqual(b.relied, a.relied);
    assert.equal(b.outcome, a.outcome);
    assert.equal(b.summary, a.summary);
    const service = { id: 4, ownerTeamId: 2 };
    const ca = await inline.commitments(77, service);
    const cb = await worker.commitments(77, service);
    assert.ok(ca.count > 2_000, `${ca.count} commitments`);
    assert.deepEqual(cb, ca);
    const ids = Array.from({ length: ca.count }, (_, i) => 500 + i * 2);
    assert.deepEqual(await worker.commitmentsAudit(ids), await inline.commitmentsAudit(ids));
    const after = { outcome: a.outcome, createdCommitments: ids, note: 'a\u0000b' };
    assert.deepEqual(await worker.auditTexts(null, after), await inline.auditTexts(null, after));
  } finally {
    inline.end();
    worker.end();
  }
});

test('a failure in the worker fails that gate with its message, and the worker goes on serving the next', async () => {
  const worker = gateWork(true);
  try {
    // A catalogue without the controls the rules name (the policy parser refuses this; here it reaches the decision).
    await assert.rejects(worker.decide({ ...defaultPolicy, controls: [] }, text), /verify/);
    const next = gateWork(true);
    const d = await next.decide(defaultPolicy, text);
    next.end();
    assert.equal(d.outcome, (await gateWork(false).decide(defaultPolicy, text)).outcome);
  } finally {
    worker.end();
  }
});
