import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from './support/engines.ts';
import { trivy } from './support/reports.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { reprioritiseServiceWith } from '../src/findings/reprioritise.ts';

describeEachEngine('a service whose exposure or criticality changes', (env) => {
  test('re-prioritises its open findings and brings due dates forward, never back', async () => {
    const { team, service } = await env().makeService({ criticality: 1, exposure: 'isolated' });
    await env().importText(
      service,
      't.json',
      trivy([{ cve: 'CVE-2099-1111', pkg: 'left-pad', version: '1.0.0', severity: 'CRITICAL' }]),
    );
    const before = (
      await env().call('GET', `/api/findings?service=${service}`, { token: await env().token('auditor') })
    ).body.items[0];
    assert.equal(before.priority, 'track*');
    const org = (exposure: string, criticality: number) =>
      parseOrgFile(
        `teams:\n  - name: ${team}\n    kind: engineering\nservices:\n  - name: ${service}\n    owner: ${team}\n    criticality: ${criticality}\n    exposure: ${exposure}\n`,
        'org.yaml',
      );
    const e = env();
    await applyOrg(e.ctx.database.db, org('internet', 4), {
      prune: false,
      actor: 'test',
      now: e.clock.now,
      reprioritise: reprioritiseServiceWith(e.ctx.policy),
    });
    const after = (await env().call('GET', `/api/findings/${before.id}`, { token: await env().token('auditor') })).body;
    assert.equal(after.priority, 'attend');
    assert.ok(new Date(after.dueAt) < new Date(before.dueAt));
    assert.ok(after.priorityReasons.some((r: string) => /internet-facing/.test(r)));
    await applyOrg(e.ctx.database.db, org('isolated', 1), {
      prune: false,
      actor: 'test',
      now: e.clock.now,
      reprioritise: reprioritiseServiceWith(e.ctx.policy),
    });
    const back = (await env().call('GET', `/api/findings/${before.id}`, { token: await env().token('auditor') })).body;
    assert.equal(back.priority, 'track*');
    assert.equal(back.dueAt, after.dueAt, 'a falling priority keeps the earlier due date');
  });
});
