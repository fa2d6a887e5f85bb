import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideGate } from '../src/gates/gate-decide.ts';
import { compileGates } from '../src/gates/gate-compile.ts';
import type { CommitmentFact, FindingFact, GateFacts } from '../src/gates/gate-facts.ts';
import { defaultPolicy, parsePolicy } from '../src/policy/policy.ts';
import { EntenteError } from '../src/errors.ts';

const at = '2026-03-02T09:00:00.000Z';
const inDays = (n: number) => new Date(Date.parse(at) + n * 86_400_000).toISOString();

function finding(id: number, over: Partial<FindingFact> = {}): FindingFact {
  return {
    id,
    title: `finding ${id}`,
    priority: 'track',
    kind: 'dependency',
    severity: 'low',
    kev: false,
    dueAt: inDays(30),
    covered: false,
    exceptionId: null,
    ...over,
  };
}

function facts(over: Partial<GateFacts> = {}, service: Partial<GateFacts['service']> = {}): GateFacts {
  return {
    at,
    environment: 'prod',
    version: '1.4.2',
    commit: null,
    findings: [],
    commitments: [],
    service: {
      id: 1,
      name: 'checkout-api',
      criticality: 4,
      exposure: 'internet',
      data: 'confidential',
      ownerTeamId: 1,
      ownerTeam: 'payments',
      ...service,
    },
    ...over,
  };
}

test('only track findings: go, with nothing asked', () => {
  const d = decideGate(
    defaultPolicy,
    facts({ findings: [finding(1), finding(2, { priority: 'track*', severity: 'high' })] }),
  );
  assert.equal(d.outcome, 'go');
  assert.deepEqual(d.controls, []);
  assert.deepEqual(d.pathToGo, []);
  assert.match(d.summary, /^We can release checkout-api 1\.4\.2 to prod/);
});

test('an act finding within its SLA on an internet-facing service: go with a fix by its due date and a virtual patch', () => {
  const d = decideGate(
    defaultPolicy,
    facts({ findings: [finding(7, { priority: 'act', kev: true, severity: 'critical', dueAt: inDays(5) })] }),
  );
  assert.equal(d.outcome, 'go_with_controls');
  assert.deepEqual(
    d.controls.map((c) => c.id),
    ['fix-finding', 'waf-virtual-patch'],
  );
  assert.deepEqual(
    d.commitments.map((c) => [c.controlId, c.findingId, c.dueAt]),
    [
      ['fix-finding', 7, inDays(5)],
      ['waf-virtual-patch', 7, inDays(2)],
    ],
  );
  assert.ok(d.requirements.includes('pci-dss:6.3.3') && d.requirements.includes('iso27001:A.8.8'));
  assert.match(
    d.summary,
    /^We can release checkout-api 1\.4\.2 to prod with these safeguards in place: Fix the finding/,
  );
  assert.equal(d.reasons[0]!.ruleId, 'urgent-within-sla-internet');
});

test('controls fit each finding: an open port is closed or allow-listed, a host weakness patched and allow-listed, an application weakness patched behind a WAF', () => {
  const d = decideGate(
    defaultPolicy,
    facts({
      findings: [
        finding(1, {
          priority: 'act',
          kind: 'host',
          severity: 'high',
          title: 'FTP open on 10.1.2.3:21 with no approved change',
          openPort: true,
          dueAt: inDays(5),
        }),
        finding(2, { priority: 'act', kind: 'host', severity: 'critical', title: 'OpenSSH < 9.3p2', dueAt: inDays(5) }),
        finding(3, { priority: 'attend', kind: 'web', severity: 'high', title: 'SQL injection', dueAt: inDays(20) }),
      ],
    }),
  );
  assert.equal(d.outcome, 'go_with_controls');
  assert.deepEqual(d.commitments.map((c) => [c.findingId, c.controlId]).sort(), [
    [1, 'close-port'],
    [1, 'ip-allow-list'],
    [2, 'fix-finding'],
    [2, 'ip-allow-list'],
    [3, 'fix-finding'],
    [3, 'waf-virtual-patch'],
  ]);
  assert.deepEqual(d.controls.find((c) => c.id === 'waf-virtual-patch')!.findingIds, [3]);
  assert.ok(
    d.requirements.includes('pci-dss:1.2.5'),
    'an open port serves the requirement that every allowed port is approved',
  );
});

test('a rule none of whose controls fits a finding still asks for them, as its author named them', () => {
  const policy = parsePolicy(
    'gates:\n  rules:\n    - id: ports-get-a-waf\n      description: Urgent findings get a WAF rule while we fix them.\n      when: { findings: { priority: [act] } }\n      outcome: go_with_controls\n      controls: [waf-virtual-patch]\n',
    'p.yaml',
  );
  const d = decideGate(policy, facts({ findings: [finding(1, { priority: 'act', kind: 'host', openPort: true })] }));
  assert.deepEqual(
    d.commitments.map((c) => c.controlId),
    ['waf-virtual-patch'],
  );
});

test('a control already committed to for the same finding is relied on, not asked for again', () => {
  const open: CommitmentFact = {
    id: 40,
    kind: 'control',
    controlId: 'waf-virtual-patch',
    title: 'WAF',
    findingId: 7,
    state: 'open',
    dueAt: inDays(1),
    ownerTeam: 'payments',
  };
  const d = decideGate(
    defaultPolicy,
    facts({ findings: [finding(7, { priority: 'attend', dueAt: inDays(20) })], commitments: [open] }),
  );
  assert.equal(d.outcome, 'go_with_controls');
  assert.deepEqual(
    d.commitments.map((c) => c.controlId),
    ['fix-finding'],
  );
  assert.deepEqual(d.relied.commitments, [40]);
});

test('an overdue act finding on an internet-facing service is a no-go, with fixing it or an exception as the path to go', () => {
  const d = decideGate(
    defaultPolicy,
    facts({ findings: [finding(9, { priority: 'act', dueAt: inDays(-1), title: 'log4j-core RCE' })] }),
  );
  assert.equal(d.outcome, 'no_go');
  assert.ok(d.reasons.some((r) => r.ruleId === 'overdue-act-internet' && r.findingIds.includes(9)));
  assert.match(
    d.reasons.find((r) => r.ruleId === 'overdue-act-internet')!.text,
    /#9 log4j-core RCE \(act, due 2026-03-01, past its date\)/,
  );
  assert.deepEqual(
    d.pathToGo.map((p) => [p.rank, p.outcome, p.steps.map((s) => s.action)]),
    [
      [1, 'go', ['fix']],
      [2, 'go', ['exception']],
    ],
  );
  assert.match(
    d.summary,
    /^We are not ready to release checkout-api 1\.4\.2 to prod yet\. To go, we need to fix #9 log4j-core RCE; then it is go\./,
  );
  assert.deepEqual(
    d.commitments.map((c) => c.controlId),
    ['fix-finding', 'extra-monitoring'],
    'the controls that would follow are listed, though a no-go creates none',
  );
});

test('the same finding covered by an exception lets the release go, and the decision names the exception it relied on', () => {
  const d = decideGate(
    defaultPolicy,
    facts({ findings: [finding(9, { priority: 'act', dueAt: inDays(-1), covered: true, exceptionId: 33 })] }),
  );
  assert.equal(d.outcome, 'go');
  assert.deepEqual(d.relied.exceptions, [33]);
});

test('an overdue act finding on an internal service is go with controls, the fix due a week after the gate', () => {
  const d = decideGate(
    defaultPolicy,
    facts({ findings: [finding(3, { priority: 'act', dueAt: inDays(-10) })] }, { exposure: 'internal' }),
  );
  assert.equal(d.outcome, 'go_with_controls');
  assert.deepEqual(
    d.commitments.map((c) => [c.controlId, c.dueAt]),
    [
      ['fix-finding', inDays(7)],
      ['extra-monitoring', inDays(2)],
    ],
  );
});

test('a committed secret is a no-go whatever its priority; a missed commitment too, naming it and its team', () => {
  const secret = decideGate(
    defaultPolicy,
    facts({ findings: [finding(4, { kind: 'secret', priority: 'track' })] }, { exposure: 'isolated', criticality: 1 }),
  );
  assert.equal(secret.outcome, 'no_go');
  assert.equal(secret.reasons[0]!.ruleId, 'committed-secret');
  const missed: CommitmentFact = {
    id: 51,
    kind: 'control',
    controlId: 'waf-virtual-patch',
    title: 'A WAF rule',
    findingId: null,
    state: 'missed',
    dueAt: inDays(-2),
    ownerTeam: 'payments',
  };
  const d = decideGate(defaultPolicy, facts({ commitments: [missed] }));
  assert.equal(d.outcome, 'no_go');
  assert.match(
    d.reasons[0]!.text,
    /Commitment #51, A WAF rule \(payments, due 2026-02-28\)\. payments and Security can verify it/,
  );
  assert.deepEqual(
    d.pathToGo[0]!.steps.map((s) => [s.action, s.commitmentId]),
    [['verify', 51]],
  );
  assert.equal(d.pathToGo[0]!.outcome, 'go');
});

test('a rule in warn mode is reported and never changes the outcome', () => {
  const policy = parsePolicy(
    `gates:\n  rules:\n    - id: attend-means-no\n      description: Attend findings get a plan before release.\n      when: { findings: { priority: [attend] } }\n      outcome: no_go\n      mode: warn\n`,
    'p.yaml',
  );
  const d = decideGate(policy, facts({ findings: [finding(1, { priority: 'attend' })] }));
  assert.equal(d.outcome, 'go');
  assert.equal(d.warnings.length, 1);
  assert.match(
    d.warnings[0]!.text,
    /^Heads-up from rule attend-means-no \(warn mode, not counted yet\): once it is enforced, this release would be a no-go\./,
  );
});

test('with min_count the path to go is the fewest fixes that bring the count under it, soonest due first', () => {
  const policy = parsePolicy(
    `gates:\n  rules:\n    - id: too-many-highs\n      description: Many high findings at once deserve a look together.\n      when: { findings: { severity: [high], min_count: 3 } }\n      outcome: no_go\n`,
    'p.yaml',
  );
  const highs = [1, 2, 3, 4].map((id) => finding(id, { severity: 'high', dueAt: inDays(10 - id) }));
  const d = decideGate(policy, facts({ findings: highs }));
  assert.equal(d.outcome, 'no_go');
  assert.deepEqual(
    d.pathToGo[0]!.steps.map((s) => s.findingId),
    [4, 3],
  );
  assert.equal(d.pathToGo[0]!.outcome, 'go');
});

test('the policy is compiled once, and the same facts always give the same decision', () => {
  assert.equal(compileGates(defaultPolicy), compileGates(defaultPolicy));
  const f = facts({
    findings: [finding(1, { priority: 'act', dueAt: inDays(-1) }), finding(2, { priority: 'attend' })],
  });
  assert.deepEqual(decideGate(defaultPolicy, f), decideGate(defaultPolicy, structuredClone(f)));
});

test('a policy naming an unknown control, or a go_with_controls rule without controls, is refused with the path', () => {
  const bad = (yaml: string, where: RegExp) =>
    assert.throws(
      () => parsePolicy(yaml, 'p.yaml'),
      (e: unknown) => e instanceof EntenteError && where.test(e.message),
    );
  bad(
    'gates:\n  rules:\n    - id: r1\n      description: d\n      when: {}\n      outcome: go_with_controls\n      controls: [laser-moat]\n',
    /p\.yaml: gates\.rules\.0\.controls\.0: no control "laser-moat"/,
  );
  bad(
    'gates:\n  rules:\n    - id: r1\n      description: d\n      when: {}\n      outcome: go_with_controls\n',
    /gates\.rules\.0\.controls: a go_with_controls rule names the controls/,
  );
  bad(
    'gates:\n  rules:\n    - id: r1\n      description: d\n      when: { findings: { priority: [urgent] } }\n      outcome: no_go\n',
    /gates\.rules\.0\.when\.findings\.priority\.0/,
  );
});
