import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from './support/engines.ts';
import { sarif } from './support/reports.ts';

// The read and preview endpoints the web pages need: a change request's preview (the same risk check as a request,
// nothing stored), the list of gate decisions per service and environment, and the Findings list's saved views.

describeEachEngine("the web pages' endpoints", (env) => {
  const who = { engineer: '', other: '', security: '', auditor: '' };
  let team = '';
  let service = '';
  before(async () => {
    const e = env();
    ({ team, service } = await e.makeService({ members: ['ana@example.com'], lead: 'ana@example.com' }));
    await e.makeService({ members: ['ben@example.com'] });
    who.engineer = await e.token('engineer', 'ana@example.com');
    who.other = await e.token('engineer', 'ben@example.com');
    who.security = await e.token('security', 'sam@example.com');
    who.auditor = await e.token('auditor');
  });
  const ftp = () => ({
    type: 'file-share',
    service,
    title: 'Upload folder for a client',
    protocol: 'ftp',
    destination: ['10.9.9.9'],
    authentication: 'password',
    source: ['203.0.113.0/24'],
    internetFacing: true,
    end: new Date(env().clock.now.getTime() + 5 * 86_400_000).toISOString(),
  });

  test('a change preview gives the risk check, safeguards, approvals needed and longest lease of a real request, and stores nothing', async () => {
    const e = env();
    const audit = async () =>
      (
        await e.ctx.database.db
          .selectFrom('audit_log')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n;
    const rows = async () =>
      (
        await e.ctx.database.db
          .selectFrom('change_requests')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n;
    const [auditBefore, rowsBefore] = [await audit(), await rows()];
    const preview = await e.call('POST', '/api/changes/preview', { token: who.engineer, json: ftp() });
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    assert.deepEqual([await audit(), await rows()], [auditBefore, rowsBefore], 'nothing written, nothing audited');
    const real = await e.call('POST', '/api/changes', { token: who.engineer, json: { ...ftp(), draft: true } });
    assert.equal(real.status, 201);
    assert.equal(preview.body.risk, 'high');
    assert.deepEqual(preview.body.riskCheck, real.body.riskCheck, 'the same risk check as the request');
    assert.deepEqual(preview.body.approvals, { path: 'owner_and_security', awaiting: [team, 'Security'] });
    assert.equal(preview.body.longestLeaseDays, 7);
    assert.equal(preview.body.endsAt, real.body.endsAt);
    assert.match(preview.body.riskCheck.message, /We can do this safely with: .*SFTP/);
  });

  test("a preview of an incomplete or unknown request says what is missing (400), another team's service is refused (403), a reader cannot ask (403)", async () => {
    const e = env();
    const missing = await e.call('POST', '/api/changes/preview', {
      token: who.engineer,
      json: { type: 'firewall', service, title: 'Partner API' },
    });
    assert.equal(missing.status, 400);
    assert.match(missing.body.error.message, /firewall change names its destination/);
    const unknown = await e.call('POST', '/api/changes/preview', {
      token: who.engineer,
      json: { ...ftp(), service: 'no-such-service' },
    });
    assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
    assert.match(unknown.body.error.message, /no-such-service/);
    assert.equal((await e.call('POST', '/api/changes/preview', { token: who.other, json: ftp() })).status, 403);
    assert.equal((await e.call('POST', '/api/changes/preview', { token: who.auditor, json: ftp() })).status, 403);
  });

  test('the gates list shows decisions newest first, per service and environment, only to those who may read the service', async () => {
    const e = env();
    await e.importText(
      service,
      'lint.sarif',
      sarif('Lint', [{ rule: 'L1', file: 'src/a.ts', line: 1, level: 'note' }]),
    );
    const staging = await e.call('POST', '/api/gates', {
      token: who.engineer,
      json: { service, env: 'staging', version: '1.0.0' },
    });
    const prod = await e.call('POST', '/api/gates', {
      token: who.engineer,
      json: { service, env: 'prod', version: '1.0.0' },
    });
    assert.equal(prod.status, 201);
    const all = await e.call('GET', `/api/gates?service=${service}`, { token: who.engineer });
    assert.deepEqual(
      all.body.items.map((g: { id: number }) => g.id),
      [prod.body.id, staging.body.id],
    );
    assert.deepEqual(Object.keys(all.body.items[0]).sort(), [
      'actor',
      'commit',
      'decidedAt',
      'environment',
      'id',
      'outcome',
      'service',
      'summary',
      'team',
      'version',
    ]);
    assert.equal(all.body.items[0].summary, prod.body.summary);
    const onlyProd = await e.call('GET', `/api/gates?service=${service}&env=prod`, { token: who.security });
    assert.deepEqual(
      onlyProd.body.items.map((g: { id: number }) => g.id),
      [prod.body.id],
    );
    const other = await e.call('GET', `/api/gates?service=${service}`, { token: who.other });
    assert.deepEqual(other.body.items, [], 'another team sees none of them');
  });

  test('saved views: a team saves a named filter, saving the same name replaces it, others cannot see or delete it; each write is audited', async () => {
    const e = env();
    const saved = await e.call('POST', '/api/views', {
      token: who.engineer,
      json: { team, name: 'Criticals', query: '?priority=act&cursor=abc&service=' + service },
    });
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
    assert.equal(saved.body.query, `service=${service}&priority=act`, 'known keys in order, without the cursor');
    const again = await e.call('POST', '/api/views', {
      token: who.engineer,
      json: { team, name: 'Criticals', query: 'priority=act,attend' },
    });
    assert.equal(again.body.id, saved.body.id);
    const mine = await e.call('GET', '/api/views', { token: who.engineer });
    assert.deepEqual(
      mine.body.items.map((v: { name: string; query: string }) => [v.name, v.query]),
      [['Criticals', 'priority=act%2Cattend']],
    );
    assert.deepEqual((await e.call('GET', '/api/views', { token: who.other })).body.items, []);
    assert.equal(
      (await e.call('POST', '/api/views', { token: who.other, json: { team, name: 'Mine', query: '' } })).status,
      403,
    );
    const bad = await e.call('POST', '/api/views', {
      token: who.engineer,
      json: { team, name: 'Odd', query: 'colour=red' },
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /query: .*"colour" is not one of them/);
    const unnamed = await e.call('POST', '/api/views', {
      token: who.engineer,
      json: { team, name: '  ', query: 'priority=act' },
    });
    assert.equal(unnamed.status, 400);
    assert.match(unnamed.body.error.message, /^name: /);
    assert.equal((await e.call('DELETE', `/api/views/${saved.body.id}`, { token: who.other })).status, 403);
    assert.equal((await e.call('DELETE', `/api/views/${saved.body.id}`, { token: who.engineer })).status, 204);
    assert.equal((await e.call('DELETE', `/api/views/${saved.body.id}`, { token: who.engineer })).status, 404);
    const trail = await e.ctx.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity', '=', 'saved_view')
      .where('entity_id', '=', String(saved.body.id))
      .orderBy('id')
      .execute();
    assert.deepEqual(
      trail.map((t) => t.action),
      ['view.save', 'view.save', 'view.delete'],
    );
  });
});
