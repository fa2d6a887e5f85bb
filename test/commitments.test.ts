import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { sarif } from './support/reports.ts';
import {
  createCommitment,
  getCommitment,
  listCommitments,
  verifyCommitment,
  type CommitmentInput,
} from '../src/commitments/commitments-service.ts';
import { sweepMissedCommitments } from '../src/commitments/sweep.ts';
import { localAdmin } from '../src/people/tokens.ts';
import { EntenteError } from '../src/errors.ts';
import { verifyAudit } from '../src/audit/audit.ts';

async function ids(env: TestEnv, service: string) {
  const svc = await env.ctx.database.db
    .selectFrom('services')
    .select(['id', 'owner_team_id'])
    .where('name', '=', service)
    .executeTakeFirstOrThrow();
  return { serviceId: svc.id, teamId: svc.owner_team_id };
}

const days = (env: TestEnv, n: number) => new Date(env.clock.now.getTime() + n * 86_400_000);

describeEachEngine('commitments', (env) => {
  const deps = () => ({ db: env().ctx.database.db, now: env().ctx.now, policy: env().ctx.policy });

  test('a control commitment takes its title and how it is verified from the catalogue, and lists by service, team and state', async () => {
    const { team, service } = await env().makeService();
    const { serviceId, teamId } = await ids(env(), service);
    const created = await createCommitment(deps(), 'sam@example.com', {
      kind: 'control',
      controlId: 'waf-virtual-patch',
      ownerTeamId: teamId,
      serviceId,
      dueAt: days(env(), 2),
      source: { type: 'change', id: 7 },
    });
    assert.equal(created.state, 'open');
    assert.equal(created.title, 'A WAF rule (virtual patch) in front of the affected path');
    assert.deepEqual(created.verification, {
      method: 'evidence',
      detail: "the WAF rule's id and a test request it stops",
    });
    assert.deepEqual(created.source, { type: 'change', id: 7 });
    assert.equal(created.service, service);
    assert.equal(created.ownerTeam, team);
    const bySvc = await listCommitments(deps(), { service });
    assert.deepEqual(
      bySvc.map((c) => c.id),
      [created.id],
    );
    assert.deepEqual(
      (await listCommitments(deps(), { team, state: ['open'] })).map((c) => c.id),
      [created.id],
    );
    assert.deepEqual(await listCommitments(deps(), { team, state: ['verified'] }), []);
  });

  test('bad input is named with its field and creates nothing', async () => {
    const { service } = await env().makeService();
    const { serviceId, teamId } = await ids(env(), service);
    const base: CommitmentInput = {
      kind: 'control',
      controlId: 'waf-virtual-patch',
      ownerTeamId: teamId,
      serviceId,
      dueAt: days(env(), 2),
      source: { type: 'gate', id: 1 },
    };
    const bad: [Partial<CommitmentInput>, RegExp][] = [
      [{ controlId: 'no-such-control' }, /controlId: no control "no-such-control"/],
      [{ controlId: null }, /controlId: a control commitment names its control/],
      [{ kind: 'Fix It' }, /kind/],
      [{ ownerTeamId: 999_999 }, /ownerTeamId: no team 999999/],
      [{ dueAt: new Date('nope') }, /dueAt/],
      [{ kind: 'removal', controlId: null, title: '  ' }, /title/],
      [{ source: { type: 'meeting' as never, id: 1 } }, /source\.type/],
    ];
    for (const [change, message] of bad) {
      await assert.rejects(
        createCommitment(deps(), 'test', { ...base, ...change }),
        (e: unknown) => e instanceof EntenteError && e.code === 'bad_input' && message.test(e.message),
      );
    }
    assert.deepEqual(await listCommitments(deps(), { service }), []);
  });

  test('verifying records the evidence and who; a second verify and empty evidence are refused with the reason', async () => {
    const { service } = await env().makeService();
    const { serviceId, teamId } = await ids(env(), service);
    const c = await createCommitment(deps(), 'test', {
      kind: 'removal',
      title: 'Remove the temporary FTP share',
      ownerTeamId: teamId,
      serviceId,
      dueAt: days(env(), 3),
      verification: { method: 'evidence', detail: 'the share list without it' },
      source: { type: 'change', id: 3 },
    });
    await assert.rejects(
      verifyCommitment(deps(), localAdmin, c.id, '   '),
      (e: unknown) => e instanceof EntenteError && e.code === 'bad_input' && /evidence/.test(e.message),
    );
    assert.equal((await getCommitment(deps(), c.id)).state, 'open');
    const v = await verifyCommitment(deps(), localAdmin, c.id, 'share removed, see ticket OPS-12');
    assert.equal(v.state, 'verified');
    assert.equal(v.evidence, 'share removed, see ticket OPS-12');
    assert.equal(v.verifiedBy, 'local-cli');
    assert.match(v.summary, /is in place: verified by local-cli/);
    await assert.rejects(
      verifyCommitment(deps(), localAdmin, c.id, 'again'),
      (e: unknown) => e instanceof EntenteError && e.code === 'conflict',
    );
    await assert.rejects(
      getCommitment(deps(), 987_654),
      (e: unknown) => e instanceof EntenteError && e.code === 'not_found',
    );
    assert.equal((await verifyAudit(env().ctx.database.db)).ok, true);
  });

  test('the sweep marks open commitments past their date as missed and verifies fix commitments whose finding is fixed', async () => {
    const { service } = await env().makeService();
    const { serviceId, teamId } = await ids(env(), service);
    await env().importText(service, 'a.sarif', sarif('ToolA', [{ rule: 'A1', file: 'src/a.ts', line: 1, cwe: 79 }]));
    const finding = await env()
      .ctx.database.db.selectFrom('findings')
      .select('id')
      .where('service_id', '=', serviceId)
      .executeTakeFirstOrThrow();
    const fix = await createCommitment(deps(), 'test', {
      kind: 'fix',
      controlId: 'fix-finding',
      ownerTeamId: teamId,
      serviceId,
      findingId: finding.id,
      dueAt: days(env(), 5),
      source: { type: 'gate', id: 1 },
    });
    assert.deepEqual(fix.verification, { method: 'check', detail: 'finding-fixed' });
    const soon = await createCommitment(deps(), 'test', {
      kind: 'control',
      controlId: 'extra-monitoring',
      ownerTeamId: teamId,
      serviceId,
      dueAt: days(env(), 1),
      source: { type: 'gate', id: 1 },
    });
    const later = await createCommitment(deps(), 'test', {
      kind: 'control',
      controlId: 'mfa',
      ownerTeamId: teamId,
      serviceId,
      dueAt: days(env(), 30),
      source: { type: 'gate', id: 1 },
    });
    // The tool no longer reports it: the finding is fixed.
    await env().importText(service, 'b.sarif', sarif('ToolA', []));
    const now = days(env(), 2);
    const s = await sweepMissedCommitments(env().ctx.database.db, now);
    assert.ok(s.verified.includes(fix.id));
    assert.ok(s.missed.includes(soon.id));
    assert.ok(!s.missed.includes(later.id));
    const missed = await getCommitment(deps(), soon.id);
    assert.equal(missed.state, 'missed');
    assert.match(missed.summary, /we have no evidence yet that it is in place/);
    assert.equal((await getCommitment(deps(), fix.id)).verifiedBy, 'entente:commitments-sweep');
    assert.deepEqual(await sweepMissedCommitments(env().ctx.database.db, now), { verified: [], missed: [] });
    // A missed commitment can still be verified, late.
    assert.equal(
      (await verifyCommitment(deps(), localAdmin, soon.id, 'alert checkout-5xx pages on-call')).state,
      'verified',
    );
  });

  test('state and overdue agree: a commitment past its date reads missed and overdue, before and after the sweep, and filters that way', async () => {
    const { service } = await env().makeService();
    const { serviceId, teamId } = await ids(env(), service);
    const c = await createCommitment(deps(), 'test', {
      kind: 'control',
      controlId: 'ip-allow-list',
      ownerTeamId: teamId,
      serviceId,
      dueAt: days(env(), 1),
      source: { type: 'change', id: 5 },
    });
    const reader = await env().token('auditor');
    const read = async (query = '') =>
      (await env().call('GET', `/api/commitments?service=${service}${query}`, { token: reader })).body.items as any[];
    assert.deepEqual(
      (await read()).map((x) => [x.state, x.overdue]),
      [['open', false]],
    );
    env().clock.advanceDays(2);
    assert.deepEqual(
      (await read()).map((x) => [x.state, x.overdue]),
      [['missed', true]],
      'past its date, not yet swept',
    );
    assert.deepEqual(await read('&state=open'), []);
    assert.deepEqual(
      (await read('&state=missed')).map((x) => x.id),
      [c.id],
    );
    await sweepMissedCommitments(env().ctx.database.db, env().clock.now);
    const [after] = await read();
    assert.deepEqual([after.state, after.overdue], ['missed', true]);
    assert.match(after.summary, /no evidence yet/);
    const verified = await verifyCommitment(deps(), localAdmin, c.id, 'allow-list in nginx.conf');
    assert.deepEqual([verified.state, verified.overdue], ['verified', false]);
  });

  test('the API lists and verifies commitments; an engineer of another team is pointed to the owners', async () => {
    const { service } = await env().makeService({ members: ['ana@example.com'] });
    const { serviceId, teamId } = await ids(env(), service);
    const c = await createCommitment(deps(), 'test', {
      kind: 'control',
      controlId: 'ip-allow-list',
      ownerTeamId: teamId,
      serviceId,
      dueAt: days(env(), 2),
      source: { type: 'review', id: 4 },
    });
    const reader = await env().token('auditor');
    const list = await env().call('GET', `/api/commitments?service=${service}&state=open`, { token: reader });
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.items.map((i: { id: number }) => i.id),
      [c.id],
    );
    assert.equal((await env().call('GET', '/api/commitments?state=pending', { token: reader })).status, 400);
    const other = await env().makeService({ members: ['raj@example.com'] });
    assert.ok(other);
    const outsider = await env().token('engineer', 'raj@example.com');
    const refused = await env().call('POST', `/api/commitments/${c.id}/verify`, {
      token: outsider,
      json: { evidence: 'done' },
    });
    assert.equal(refused.status, 403);
    const owner = await env().token('engineer', 'ana@example.com');
    const done = await env().call('POST', `/api/commitments/${c.id}/verify`, {
      token: owner,
      json: { evidence: 'allow-list in nginx.conf' },
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.state, 'verified');
    assert.equal(done.body.verifiedBy, 'ana@example.com');
  });
});
