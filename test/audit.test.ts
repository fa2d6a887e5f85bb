import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { trivy } from './support/reports.ts';
import { verifyAudit } from '../src/audit/audit.ts';

let cveCounter = 0;
const newCve = (): string => `CVE-2026-${50000 + ++cveCounter}`;

async function auditRows(e: TestEnv) {
  const rows = await e.ctx.database.db.selectFrom('audit_log').selectAll().orderBy('id').execute();
  return rows.map((r) => ({ ...r, id: String(r.id) }));
}

async function entriesFor(e: TestEnv, entity: string, entityId: string | number) {
  return (await auditRows(e)).filter((r) => r.entity === entity && r.entity_id === String(entityId));
}

/** A few writes of each kind, so the chain has a middle: an org apply, an import and a PATCH. */
async function someWrites(e: TestEnv): Promise<void> {
  const { service } = await e.makeService();
  await e.importText(service, 'trivy.json', trivy([{ cve: newCve(), pkg: 'ws', version: '7.0.0' }]));
  const admin = await e.token('admin');
  const [f] = (await e.call('GET', `/api/findings?service=${service}`, { token: admin })).body.items;
  const r = await e.call('PATCH', `/api/findings/${f.id}`, { token: admin, json: { status: 'in_progress' } });
  assert.equal(r.status, 200);
  await e.importText(service, 'trivy.json', trivy([{ cve: newCve(), pkg: 'ws', version: '7.0.0' }]));
}

describeEachEngine('audit log', (env) => {
  test('an import through the API records who imported what', async () => {
    const e = env();
    const dev = `${e.uniq('dev')}@example.com`;
    const { service } = await e.makeService({ members: [dev] });
    const r = await e.call('POST', `/api/scans?service=${service}`, { token: await e.token('engineer', dev), body: trivy([{ cve: newCve(), pkg: 'ws', version: '7.0.0' }]) });
    assert.equal(r.status, 201);
    const [entry, ...more] = await entriesFor(e, 'scan', r.body.scanId);
    assert.equal(more.length, 0);
    assert.equal(entry!.actor, dev);
    assert.equal(entry!.action, 'scan.import');
    assert.equal(entry!.before, null);
    assert.deepEqual(entry!.after, r.body);
    assert.equal(new Date(entry!.at).getTime(), e.clock.now.getTime());
  });

  test('a PATCH records the status and assignee before and after, and the comment', async () => {
    const e = env();
    const dev = `${e.uniq('dev')}@example.com`;
    const { service } = await e.makeService({ members: [dev] });
    await e.importText(service, 'trivy.json', trivy([{ cve: newCve(), pkg: 'ws', version: '7.0.0' }]));
    const token = await e.token('engineer', dev);
    const [f] = (await e.call('GET', `/api/findings?service=${service}`, { token })).body.items;
    const r = await e.call('PATCH', `/api/findings/${f.id}`, { token, json: { status: 'in_progress', assignee: dev, comment: 'on it' } });
    assert.equal(r.status, 200);
    const entries = await entriesFor(e, 'finding', f.id);
    assert.deepEqual(entries.map((x) => [x.actor, x.action]), [[dev, 'finding.update']]);
    const { before, after } = entries[0]! as unknown as { before: Record<string, unknown>; after: Record<string, unknown> };
    assert.deepEqual(before, { status: 'open', assignee_id: null });
    assert.equal(after.status, 'in_progress');
    assert.equal(typeof after.assignee_id, 'number');
    assert.equal(after.comment, 'on it');
  });

  test('a refused PATCH records nothing', async () => {
    const e = env();
    const { service } = await e.makeService();
    await e.importText(service, 'trivy.json', trivy([{ cve: newCve(), pkg: 'ws', version: '7.0.0' }]));
    const admin = await e.token('admin');
    const [f] = (await e.call('GET', `/api/findings?service=${service}`, { token: admin })).body.items;
    const r = await e.call('PATCH', `/api/findings/${f.id}`, { token: await e.token('auditor'), json: { status: 'fixed' } });
    assert.equal(r.status, 403);
    assert.deepEqual(await entriesFor(e, 'finding', f.id), []);
  });

  test('an org apply through the API records each team and service it creates or changes', async () => {
    const e = env();
    const adminEmail = `${e.uniq('admin')}@example.com`;
    const admin = await e.token('admin', adminEmail);
    const team = e.uniq('team');
    const service = e.uniq('svc');
    const yaml = (criticality: number) => `teams:\n  - name: ${team}\n    kind: security\nservices:\n  - name: ${service}\n    owner: ${team}\n    criticality: ${criticality}\n    exposure: internal\n`;
    assert.equal((await e.call('POST', '/api/org', { token: admin, body: yaml(2) })).status, 200);
    assert.equal((await e.call('POST', '/api/org', { token: admin, body: yaml(3) })).status, 200);
    const rows = (await auditRows(e)).filter((r) => r.actor === adminEmail);
    assert.deepEqual(rows.map((r) => r.action), ['team.create', 'service.create', 'service.update']);
    const [teamCreate, serviceCreate, serviceUpdate] = rows as [typeof rows[0], typeof rows[0], typeof rows[0]];
    assert.equal(teamCreate.before, null);
    assert.equal((teamCreate.after as { name: string }).name, team);
    assert.equal((serviceCreate.after as { criticality: number }).criticality, 2);
    assert.equal((serviceUpdate.before as { criticality: number }).criticality, 2);
    assert.equal((serviceUpdate.after as { criticality: number }).criticality, 3);
  });

  test('verifyAudit accepts the untouched chain and counts every entry', async () => {
    const e = env();
    await someWrites(e);
    const rows = await auditRows(e);
    assert.ok(rows.length >= 6);
    assert.deepEqual(await verifyAudit(e.ctx.database.db), { ok: true, entries: rows.length });
    for (let i = 1; i < rows.length; i++) assert.equal(rows[i]!.prev_hash, rows[i - 1]!.hash);
  });

  test('creating a token is audited without the token or its hash', async () => {
    const e = env();
    const name = e.uniq('ci');
    const { createToken } = await import('../src/people/tokens.ts');
    const { token } = await createToken(e.ctx.database.db, { name, role: 'auditor', actor: 'admin@example.com' });
    const row = (await auditRows(e)).find((r) => r.action === 'token.create' && JSON.stringify(r.after).includes(name));
    assert.ok(row, 'a token.create entry names the token');
    assert.equal(row.actor, 'admin@example.com');
    const hash = (await import('node:crypto')).createHash('sha256').update(token).digest('hex');
    assert.ok(!JSON.stringify(row).includes(token) && !JSON.stringify(row).includes(hash));
  });

  test('GET /api/audit/verify answers admin, auditor and security, and refuses engineer and manager with 403', async () => {
    const e = env();
    await someWrites(e);
    for (const role of ['admin', 'auditor', 'security']) {
      const token = await e.token(role);
      const count = (await auditRows(e)).length;
      const r = await e.call('GET', '/api/audit/verify', { token });
      assert.equal(r.status, 200, role);
      assert.deepEqual(r.body, { ok: true, entries: count }, role);
    }
    const engineer = `${e.uniq('eng')}@example.com`;
    await e.makeService({ members: [engineer] });
    for (const [role, person] of [['engineer', engineer], ['manager', undefined]] as const) {
      const r = await e.call('GET', '/api/audit/verify', { token: await e.token(role, person) });
      assert.equal(r.status, 403, role);
      assert.equal(r.body.error.code, 'forbidden');
    }
  });
});

// Breaking the chain is permanent for a database, so each tampering test has one of its own.
describeEachEngine('audit log, altered', (env) => {
  test('altering one entry\'s after is reported at that entry, and putting it back heals the chain', async () => {
    const e = env();
    await someWrites(e);
    const rows = await auditRows(e);
    const index = rows.findIndex((r) => r.action === 'scan.import');
    assert.ok(index > 0 && index < rows.length - 1, 'the import sits in the middle of the chain');
    const target = rows[index]!;
    const db = e.ctx.database.db;
    await sql`update audit_log set after = jsonb_set(after, '{created}', '99'::jsonb) where id = ${target.id}`.execute(db);
    assert.deepEqual(await verifyAudit(db), { ok: false, entries: index, brokenAt: target.id });
    const api = await e.call('GET', '/api/audit/verify', { token: await e.token('auditor') });
    assert.deepEqual(api.body, { ok: false, entries: index, brokenAt: target.id });
    await sql`update audit_log set after = ${JSON.stringify(target.after)}::jsonb where id = ${target.id}`.execute(db);
    assert.equal((await verifyAudit(db)).ok, true);
    await sql`update audit_log set actor = 'someone-else' where id = ${target.id}`.execute(db);
    assert.equal((await verifyAudit(db)).brokenAt, target.id);
  });
});

describeEachEngine('audit log, deleted', (env) => {
  test('deleting an entry in the middle is reported at the entry that followed it', async () => {
    const e = env();
    await someWrites(e);
    const rows = await auditRows(e);
    const middle = Math.floor(rows.length / 2);
    const db = e.ctx.database.db;
    await sql`delete from audit_log where id = ${rows[middle]!.id}`.execute(db);
    assert.deepEqual(await verifyAudit(db), { ok: false, entries: middle, brokenAt: rows[middle + 1]!.id });
  });
});
