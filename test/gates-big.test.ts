import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from './support/engines.ts';
import { sarif } from './support/reports.ts';

describeEachEngine('a gate on a service with thousands of urgent findings', (env) => {
  test('a go with controls creates every commitment it asks for, in batches, and lists them', async () => {
    const { service } = await env().makeService({ criticality: 4, exposure: 'internet' });
    // SQL injection on an internet-facing, critical service: each one attended, so each asks for its controls.
    const results = Array.from({ length: 6_000 }, (_, i) => ({
      rule: 'SQLI',
      file: `src/q${i}.ts`,
      line: 1 + (i % 500),
      cwe: 89,
    }));
    const summary = await env().importText(service, 'many.sarif', sarif('BigScanner', results));
    assert.equal(summary.created, results.length);
    assert.ok(
      summary.attend + summary.act === results.length,
      `${summary.act} act and ${summary.attend} attend of ${results.length}`,
    );
    const token = await env().token('security');
    const gate = await env().call('POST', '/api/gates', { token, json: { service, env: 'prod' } });
    assert.equal(gate.status, 201, JSON.stringify(gate.body).slice(0, 500));
    assert.equal(gate.body.outcome, 'go_with_controls');
    // More rows than one insert's 65,535 parameters hold: one per finding and per-finding control.
    assert.ok(
      gate.body.createdCommitments.length >= 2 * results.length,
      `${gate.body.createdCommitments.length} commitments`,
    );
    assert.equal(new Set(gate.body.createdCommitments).size, gate.body.createdCommitments.length);
    const again = await env().call('POST', '/api/gates', { token, json: { service, env: 'prod' } });
    assert.equal(again.status, 201);
    assert.equal(
      again.body.createdCommitments.length,
      0,
      'the second decision relies on the commitments the first made',
    );
  });
});
