import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { sarif } from './support/reports.ts';
import { defaultPolicy } from '../src/policy/policy.ts';
import { expireExceptionsNow } from '../src/exceptions/exceptions-service.ts';
import { lapseExceptionsOnRisingPriority } from '../src/exceptions/lapse.ts';
import { sweepMissedCommitments } from '../src/commitments/sweep.ts';
import { verifyAudit } from '../src/audit/audit.ts';
import { calendarOf } from '../src/policy/calendar.ts';

const controls = ['WAF rule 9421 blocks the payload', 'the endpoint is behind SSO'];

/** A team with an engineer and a lead, a service with two findings, and an exception over both asked by the engineer. */
async function world(e: TestEnv) {
  const engineer = `${e.uniq('eng')}@example.com`;
  const lead = `${e.uniq('lead')}@example.com`;
  const { team, service } = await e.makeService({ members: [engineer], lead });
  await e.importText(
    service,
    'codeql.sarif',
    sarif('CodeQL', [
      { rule: 'js/sql-injection', file: 'src/db/users.ts', line: 10, cwe: 89, level: 'warning' },
      { rule: 'js/xss', file: 'src/web/page.ts', line: 20, cwe: 79, level: 'warning' },
    ]),
  );
  const admin = await e.token('admin');
  const found = await e.call('GET', `/api/findings?service=${service}&status=all`, { token: admin });
  const ids: number[] = found.body.items.map((f: { id: number }) => f.id).sort((a: number, b: number) => a - b);
  const tokens = {
    engineer: await e.token('engineer', engineer),
    lead: await e.token('engineer', lead),
    security: await e.token('security', `${e.uniq('sec')}@example.com`),
  };
  return { team, service, admin, ids, tokens };
}

type World = Awaited<ReturnType<typeof world>>;

async function ask(e: TestEnv, w: World, extra: Record<string, unknown> = {}): Promise<any> {
  const r = await e.call('POST', '/api/exceptions', {
    token: w.tokens.engineer,
    json: { findingIds: w.ids, reason: 'the fix needs the new ORM', controls, ...extra },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function approve(e: TestEnv, w: World, id: number): Promise<any> {
  assert.equal((await e.call('POST', `/api/exceptions/${id}/approve`, { token: w.tokens.lead })).status, 200);
  const r = await e.call('POST', `/api/exceptions/${id}/approve`, { token: w.tokens.security });
  assert.equal(r.body.status, 'approved', JSON.stringify(r.body));
  return r.body;
}

const owed = async (e: TestEnv, w: World) =>
  (await e.call('GET', `/api/commitments?team=${w.team}`, { token: w.admin })).body.items as any[];

describeEachEngine('compensating controls as commitments', (env) => {
  test("approval makes each control a commitment of the team, due within the policy's window, shown in the list and in the exception", async () => {
    const e = env();
    const w = await world(e);
    const asked = await ask(e, w);
    assert.deepEqual(asked.commitments, []);
    assert.equal(
      (await e.call('POST', `/api/exceptions/${asked.id}/approve`, { token: w.tokens.lead })).body.status,
      'requested',
    );
    assert.deepEqual(await owed(e, w), [], 'nothing is owed before both approvals are in');

    const ex = (await e.call('POST', `/api/exceptions/${asked.id}/approve`, { token: w.tokens.security })).body;
    assert.equal(ex.status, 'approved');
    const listed = await owed(e, w);
    assert.deepEqual(listed.map((c) => c.title).sort(), [...controls].sort());
    for (const c of listed) {
      assert.equal(c.state, 'open');
      assert.equal(c.ownerTeam, w.team);
      assert.equal(c.service, w.service, 'both findings are on one service');
      assert.deepEqual(c.source, { type: 'exception', id: ex.id });
      assert.equal(c.verification.method, 'evidence');
      assert.equal(
        c.dueAt,
        calendarOf('UTC').dueIn(e.clock.now, defaultPolicy.exceptions.controls_due_days).toISOString(),
      );
    }
    assert.deepEqual(ex.commitments.map((c: any) => c.id).sort(), listed.map((c) => c.id).sort());
    assert.match(ex.summary, /Each is a commitment of the team: please show it is in place by \d{4}-\d{2}-\d{2}/);

    const first = listed[0]!;
    const done = await e.call('POST', `/api/commitments/${first.id}/verify`, {
      token: w.tokens.engineer,
      json: { evidence: 'rule 9421 in the edge WAF, test request blocked' },
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const again = (await e.call('GET', `/api/exceptions/${ex.id}`, { token: w.admin })).body;
    assert.deepEqual(
      again.commitments.map((c: any) => [c.id, c.state]).sort(),
      listed.map((c) => [c.id, c.id === first.id ? 'verified' : 'open']).sort(),
    );
  });

  test('a control the team does not show in time is missed, like any commitment', async () => {
    const e = env();
    const w = await world(e);
    const ex = await approve(e, w, (await ask(e, w)).id);
    e.clock.advanceDays(defaultPolicy.exceptions.controls_due_days + 1);
    const swept = await sweepMissedCommitments(e.ctx.database.db, e.clock.now);
    assert.deepEqual(swept.missed.filter((id) => ex.commitments.some((c: any) => c.id === id)).length, 2);
    const view = (await e.call('GET', `/api/exceptions/${ex.id}`, { token: w.admin })).body;
    assert.deepEqual(
      view.commitments.map((c: any) => c.state),
      ['missed', 'missed'],
    );
  });

  test('revoking releases the controls still owed (open or missed) and leaves verified ones verified', async () => {
    const e = env();
    const w = await world(e);
    const ex = await approve(e, w, (await ask(e, w)).id);
    const [shown, unshown] = ex.commitments;
    assert.equal(
      (
        await e.call('POST', `/api/commitments/${shown.id}/verify`, {
          token: w.tokens.engineer,
          json: { evidence: 'SSO config link' },
        })
      ).status,
      200,
    );
    e.clock.advanceDays(defaultPolicy.exceptions.controls_due_days + 1);
    await sweepMissedCommitments(e.ctx.database.db, e.clock.now);
    const revoked = await e.call('POST', `/api/exceptions/${ex.id}/revoke`, {
      token: w.tokens.engineer,
      json: { reason: 'the ORM upgrade landed early' },
    });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    const byId = new Map(revoked.body.commitments.map((c: any) => [c.id, c]));
    assert.equal((byId.get(shown.id) as any).state, 'verified');
    const released = byId.get(unshown.id) as any;
    assert.equal(released.state, 'released');
    assert.equal(released.releasedAt, e.clock.now.toISOString());
    assert.equal(released.releaseReason, `exception ${ex.id}, which it supported, was ended early`);
    assert.match(
      released.summary,
      /is no longer owed since \d{4}-\d{2}-\d{2}: exception \d+, which it supported, was ended early/,
    );
    assert.equal(released.overdue, false);
    // No longer owed: it cannot be verified, and the sweep leaves it alone.
    const late = await e.call('POST', `/api/commitments/${unshown.id}/verify`, {
      token: w.tokens.engineer,
      json: { evidence: 'too late' },
    });
    assert.equal(late.status, 409);
    assert.match(late.body.error.message, /no longer owed/);
    e.clock.advanceDays(30);
    await sweepMissedCommitments(e.ctx.database.db, e.clock.now);
    assert.equal((await e.call('GET', `/api/commitments/${unshown.id}`, { token: w.admin })).body.state, 'released');
    assert.deepEqual(
      (await e.call('GET', `/api/commitments?team=${w.team}&state=released`, { token: w.admin })).body.items.map(
        (c: any) => c.id,
      ),
      [unshown.id],
    );
    assert.equal((await verifyAudit(e.ctx.database.db)).ok, true);
  });

  test('expiry and a lapse release the controls too, each saying how the exception ended', async () => {
    const e = env();
    const w = await world(e);
    const expiring = await approve(e, w, (await ask(e, w, { days: 10 })).id);
    e.clock.advanceDays(11);
    await expireExceptionsNow({ db: e.ctx.database.db, now: e.ctx.now, policy: e.ctx.policy }, 'test');
    const expired = (await e.call('GET', `/api/exceptions/${expiring.id}`, { token: w.admin })).body;
    assert.equal(expired.status, 'expired');
    assert.deepEqual(
      expired.commitments.map((c: any) => [c.state, c.releaseReason]),
      controls.map(() => ['released', `exception ${expiring.id}, which it supported, reached its end date`]),
    );

    const lapsing = await approve(e, w, (await ask(e, w)).id);
    await sql`update findings set priority = 'act', priority_rank = 1 where id = ${w.ids[0]}`.execute(
      e.ctx.database.db,
    );
    await e.ctx.database.db
      .transaction()
      .execute((trx) =>
        lapseExceptionsOnRisingPriority(trx, { now: e.clock.now, policy: e.ctx.policy, actor: 'test' }),
      );
    const lapsed = (await e.call('GET', `/api/exceptions/${lapsing.id}`, { token: w.admin })).body;
    assert.equal(lapsed.status, 'lapsed');
    assert.deepEqual(
      lapsed.commitments.map((c: any) => c.state),
      ['released', 'released'],
    );
    assert.match(lapsed.commitments[0].releaseReason, /ended when a finding it covers became more urgent/);
  });

  test('a declined request or one withdrawn before approval owes nothing', async () => {
    const e = env();
    const w = await world(e);
    const declined = await ask(e, w);
    await e.call('POST', `/api/exceptions/${declined.id}/approve`, { token: w.tokens.lead });
    assert.equal(
      (
        await e.call('POST', `/api/exceptions/${declined.id}/decline`, {
          token: w.tokens.security,
          json: { reason: 'the WAF rule misses JSON bodies' },
        })
      ).status,
      200,
    );
    const withdrawn = await ask(e, w);
    assert.equal(
      (
        await e.call('POST', `/api/exceptions/${withdrawn.id}/revoke`, {
          token: w.tokens.engineer,
          json: { reason: 'patched after all' },
        })
      ).status,
      200,
    );
    assert.deepEqual(await owed(e, w), []);
  });

  test('a short exception owes its controls by its own end date at the latest', async () => {
    const e = env();
    const w = await world(e);
    const ex = await approve(e, w, (await ask(e, w, { days: 2 })).id);
    for (const c of ex.commitments) assert.equal(c.dueAt, ex.expiresAt);
  });
});
