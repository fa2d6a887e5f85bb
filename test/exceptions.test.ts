import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { sarif } from './support/reports.ts';
import { defaultPolicy, dueAtOf } from '../src/policy/policy.ts';
import { calendarOf } from '../src/policy/calendar.ts';
import type { Priority } from '../src/findings/vocabulary.ts';
import { expireExceptionsNow } from '../src/exceptions/exceptions-service.ts';
import { chooseSlot, decideDays } from '../src/exceptions/exception-rules.ts';
import { EntenteError } from '../src/errors.ts';
import { verifyAudit } from '../src/audit/audit.ts';

const ranks: Record<string, number> = { act: 1, attend: 2, 'track*': 3, track: 4 };

/** A team with an engineer and a lead, a service with two findings, and the tokens of everyone involved. */
async function world(e: TestEnv) {
  const engineer = `${e.uniq('eng')}@example.com`;
  const lead = `${e.uniq('lead')}@example.com`;
  const { team, service } = await e.makeService({ members: [engineer], lead });
  const report = sarif('CodeQL', [
    { rule: 'js/sql-injection', file: 'src/db/users.ts', line: 10, cwe: 89, level: 'error' },
    { rule: 'js/xss', file: 'src/web/page.ts', line: 20, cwe: 79, level: 'warning' },
  ]);
  await e.importText(service, 'codeql.sarif', report);
  const admin = await e.token('admin', `${e.uniq('root')}@example.com`); // a person: approvals are people's
  const found = await e.call('GET', `/api/findings?service=${service}&status=all`, { token: admin });
  assert.equal(found.status, 200, JSON.stringify(found.body));
  const findings: { id: number; priority: Priority; fingerprint: string; ruleId: string }[] = found.body.items;
  assert.equal(findings.length, 2);
  return {
    team,
    service,
    report,
    engineer,
    lead,
    admin,
    findings,
    ids: findings.map((f) => f.id).sort((a, b) => a - b),
    tokens: {
      engineer: await e.token('engineer', engineer),
      lead: await e.token('engineer', lead),
      security: await e.token('security', `${e.uniq('sec')}@example.com`),
    },
  };
}

type World = Awaited<ReturnType<typeof world>>;

const body = (w: World, extra: Record<string, unknown> = {}) => ({
  findingIds: w.ids,
  reason: 'the fix needs the new ORM, planned for next quarter',
  controls: ['WAF rule 9421 blocks the payload', 'the endpoint is behind SSO'],
  ...extra,
});

async function ask(e: TestEnv, w: World, extra: Record<string, unknown> = {}, token = w.tokens.engineer): Promise<any> {
  const r = await e.call('POST', '/api/exceptions', { token, json: body(w, extra) });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function act(e: TestEnv, token: string, id: number, verb: 'approve' | 'decline' | 'revoke', json?: unknown) {
  return e.call('POST', `/api/exceptions/${id}/${verb}`, { token, ...(json ? { json } : {}) });
}

async function approved(e: TestEnv, w: World, extra: Record<string, unknown> = {}): Promise<any> {
  const ex = await ask(e, w, extra);
  assert.equal((await act(e, w.tokens.lead, ex.id, 'approve')).status, 200);
  const r = await act(e, w.tokens.security, ex.id, 'approve');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status, 'approved');
  return r.body;
}

async function findingRows(e: TestEnv, ids: number[]) {
  return e.ctx.database.db
    .selectFrom('findings')
    .select(['id', 'status', 'priority', 'priority_rank', 'due_at', 'fingerprint'])
    .where('id', 'in', ids)
    .orderBy('id')
    .execute();
}

const maxDaysOf = (w: World): number =>
  Math.min(...w.findings.map((f) => defaultPolicy.exceptions.max_days[f.priority]));

describeEachEngine('exceptions', (env) => {
  test('an engineer asks, the lead and Security approve, and the findings are accepted until the date', async () => {
    const e = env();
    const w = await world(e);
    const asked = await ask(e, w);
    assert.equal(asked.status, 'requested');
    assert.equal(asked.team, w.team);
    assert.equal(asked.requestedBy, w.engineer);
    const days = Math.min(defaultPolicy.exceptions.default_days, maxDaysOf(w));
    // Asked on 2 March (UTC): valid through the last of its days, and its findings are back the day after.
    assert.equal(asked.validUntil, calendarOf('UTC').addDays('2026-03-02', days));
    assert.equal(asked.expiresAt, `${asked.validUntil}T23:59:59.999Z`);
    assert.equal(asked.awaiting.length, 2);
    assert.match(asked.summary, /waiting for the approval of the lead of .* and Security/);

    const afterLead = await act(e, w.tokens.lead, asked.id, 'approve');
    assert.equal(afterLead.status, 200, JSON.stringify(afterLead.body));
    assert.equal(afterLead.body.status, 'requested');
    assert.deepEqual(afterLead.body.approvals, { lead: w.lead, security: null });
    const afterSecurity = await act(e, w.tokens.security, asked.id, 'approve');
    assert.equal(afterSecurity.body.status, 'approved');
    assert.match(
      afterSecurity.body.summary,
      new RegExp(`^We can accept this risk until ${asked.validUntil} with these controls: WAF rule 9421`),
    );

    const got = await e.call('GET', `/api/exceptions/${asked.id}`, { token: await e.token('auditor') });
    assert.equal(got.status, 200);
    assert.deepEqual(
      got.body.findings.map((f: any) => f.id),
      [...w.ids].sort(
        (a, b) =>
          ranks[w.findings.find((x) => x.id === a)!.priority]! - ranks[w.findings.find((x) => x.id === b)!.priority]!
          || a - b,
      ),
    );
    for (const f of got.body.findings) {
      assert.equal(f.status, 'accepted');
      assert.equal(f.priority, w.findings.find((x) => x.id === f.id)!.priority);
      assert.ok(f.title.length > 0);
    }
    assert.equal(got.body.approvals.security, afterSecurity.body.approvals.security);
    for (const f of await findingRows(e, w.ids)) assert.equal(f.status, 'accepted');
    const rows = await e.ctx.database.db
      .selectFrom('exception_findings')
      .selectAll()
      .where('exception_id', '=', asked.id)
      .execute();
    for (const r of rows)
      assert.equal(r.priority_rank_at_request, ranks[w.findings.find((x) => x.id === r.finding_id)!.priority]);

    const listed = await e.call('GET', `/api/exceptions?status=approved&team=${w.team}`, { token: w.tokens.engineer });
    assert.deepEqual(
      listed.body.items.map((x: any) => x.id),
      [asked.id],
    );
    const audit = await e.ctx.database.db
      .selectFrom('audit_log')
      .select(['action', 'actor'])
      .where('entity', '=', 'exception')
      .where('entity_id', '=', String(asked.id))
      .orderBy('id')
      .execute();
    assert.deepEqual(
      audit.map((a) => a.action),
      ['exception.request', 'exception.approve', 'exception.approve'],
    );
    assert.deepEqual(
      audit.map((a) => a.actor),
      [w.engineer, w.lead, got.body.approvals.security],
    );
    assert.equal((await verifyAudit(e.ctx.database.db)).ok, true);
  });

  test("the requester's own approval never counts, even when they are the team lead or Security", async () => {
    const e = env();
    const w = await world(e);
    const byLead = await ask(e, w, {}, w.tokens.lead);
    const own = await act(e, w.tokens.lead, byLead.id, 'approve');
    assert.equal(own.status, 403);
    assert.equal(own.body.error.code, 'forbidden');
    assert.match(own.body.error.message, /You asked for exception \d+, so it needs two other people's approval/);
    assert.match(own.body.error.message, /an admin acting for the lead of/);
    assert.doesNotMatch(own.body.error.message, /denied|rejected|blocked|violation/i);
    assert.equal((await act(e, w.tokens.lead, byLead.id, 'revoke', { reason: 'asked by mistake' })).status, 200);
    // Security asking, then approving with the same token or with an admin token of the same person, does not count either.
    const securityPerson = `${e.uniq('sec')}@example.com`;
    const security = await e.token('security', securityPerson);
    const bySecurity = await ask(e, w, {}, security);
    assert.equal((await act(e, security, bySecurity.id, 'approve')).status, 403);
    assert.equal((await act(e, await e.token('admin', securityPerson), bySecurity.id, 'approve')).status, 403);
    const still = await e.call('GET', `/api/exceptions/${bySecurity.id}`, { token: w.admin });
    assert.equal(still.body.status, 'requested');
    assert.deepEqual(still.body.approvals, { lead: null, security: null });
  });

  test("the lead's approval alone leaves it requested and the findings open", async () => {
    const e = env();
    const w = await world(e);
    const ex = await ask(e, w);
    const r = await act(e, w.tokens.lead, ex.id, 'approve');
    assert.equal(r.body.status, 'requested');
    assert.deepEqual(r.body.awaiting, ['Security']);
    const again = await act(e, w.tokens.lead, ex.id, 'approve');
    assert.equal(again.status, 409);
    assert.match(again.body.error.message, /already/);
    for (const f of await findingRows(e, w.ids)) assert.equal(f.status, 'open');
  });

  test("Security's approval alone leaves it requested and the findings open", async () => {
    const e = env();
    const w = await world(e);
    const ex = await ask(e, w);
    const r = await act(e, w.tokens.security, ex.id, 'approve');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'requested');
    assert.deepEqual(r.body.approvals.lead, null);
    assert.equal(r.body.awaiting.length, 1);
    assert.match(r.body.awaiting[0], new RegExp(w.lead));
    // An engineer of the team who is not its lead cannot fill the lead's place.
    const colleague = `${e.uniq('eng')}@example.com`;
    await e.makeService({ members: [colleague] });
    const other = await act(e, await e.token('engineer', colleague), ex.id, 'approve');
    assert.equal(other.status, 403);
    for (const f of await findingRows(e, w.ids)) assert.equal(f.status, 'open');
  });

  test('an admin can act for the lead, but one person never fills both places', async () => {
    const e = env();
    const w = await world(e);
    const ex = await ask(e, w);
    const first = await act(e, w.admin, ex.id, 'approve');
    assert.equal(first.body.approvals.lead !== null, true);
    assert.equal(first.body.status, 'requested');
    assert.equal((await act(e, w.admin, ex.id, 'approve')).status, 409);
    const second = await act(e, w.tokens.security, ex.id, 'approve');
    assert.equal(second.body.status, 'approved');
  });

  test('declining with a reason leaves the findings unchanged; without a reason it is asked for', async () => {
    const e = env();
    const w = await world(e);
    const ex = await ask(e, w);
    const before = await findingRows(e, w.ids);
    const noReason = await act(e, w.tokens.security, ex.id, 'decline', { reason: '  ' });
    assert.equal(noReason.status, 400);
    assert.equal(noReason.body.error.details.field, 'reason');
    const r = await act(e, w.tokens.security, ex.id, 'decline', {
      reason: 'the WAF rule does not cover the JSON body',
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'declined');
    assert.equal(r.body.endReason, 'the WAF rule does not cover the JSON body');
    assert.deepEqual(await findingRows(e, w.ids), before);
    const late = await act(e, w.tokens.lead, ex.id, 'approve');
    assert.equal(late.status, 409);
    // The same findings can be asked for again once the first request is declined.
    await ask(e, w);
  });

  test('revoking an approved exception opens its findings again with a fresh due date', async () => {
    const e = env();
    const w = await world(e);
    const ex = await approved(e, w);
    e.clock.advanceDays(3);
    const stranger = `${e.uniq('eng')}@example.com`;
    await e.makeService({ members: [stranger] });
    assert.equal((await act(e, await e.token('engineer', stranger), ex.id, 'revoke', { reason: 'no' })).status, 403);
    const r = await act(e, w.tokens.engineer, ex.id, 'revoke', { reason: 'the ORM upgrade landed early' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'revoked');
    assert.match(
      r.body.summary,
      /back on the team's list as they were \(open, or in progress\), with a fresh due date/,
    );
    for (const f of await findingRows(e, w.ids)) {
      assert.equal(f.status, 'open');
      assert.equal(new Date(f.due_at).getTime(), dueAtOf(defaultPolicy, e.clock.now)(f.priority).getTime());
    }
    assert.equal((await act(e, w.tokens.security, ex.id, 'revoke', { reason: 'again' })).status, 409);
  });

  test('asking for longer than the policy allows is bad input that says the maximum', async () => {
    const e = env();
    const w = await world(e);
    const max = maxDaysOf(w);
    const r = await e.call('POST', '/api/exceptions', { token: w.tokens.engineer, json: body(w, { days: max + 1 }) });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'bad_input');
    assert.match(r.body.error.message, new RegExp(`at most ${max} days`));
    assert.equal(r.body.error.details.maxDays, max);
    const ok = await ask(e, w, { days: max });
    assert.equal(ok.expiresAt, calendarOf('UTC').dueIn(e.clock.now, max).toISOString());
  });

  test('when the clock passes the date, expiry opens the findings with a fresh due date', async () => {
    const e = env();
    const w = await world(e);
    const ex = await approved(e, w, { days: 10 });
    e.clock.advanceDays(5);
    await expireExceptionsNow({ db: e.ctx.database.db, now: e.ctx.now, policy: e.ctx.policy }, 'test');
    for (const f of await findingRows(e, w.ids)) assert.equal(f.status, 'accepted');
    e.clock.advanceDays(6);
    const result = await expireExceptionsNow({ db: e.ctx.database.db, now: e.ctx.now, policy: e.ctx.policy }, 'test');
    assert.ok(result.expired >= 1);
    const got = await e.call('GET', `/api/exceptions/${ex.id}`, { token: w.admin });
    assert.equal(got.body.status, 'expired');
    assert.equal(got.body.endedAt, e.clock.now.toISOString());
    for (const f of await findingRows(e, w.ids)) {
      assert.equal(f.status, 'open');
      assert.equal(new Date(f.due_at).getTime(), dueAtOf(defaultPolicy, e.clock.now)(f.priority).getTime());
    }
  });

  test('listing ends what is due first: an approved exception and a request whose date passed', async () => {
    const e = env();
    const w = await world(e);
    const ex = await approved(e, w, { days: 2 });
    const other = await world(e);
    const pending = await ask(e, other, { days: 2 });
    e.clock.advanceDays(3);
    const listed = await e.call('GET', `/api/exceptions?team=${w.team}`, { token: await e.token('manager') });
    assert.equal(listed.status, 200);
    assert.equal(listed.body.items[0].status, 'expired');
    for (const f of await findingRows(e, w.ids)) assert.equal(f.status, 'open');
    const stale = await e.call('GET', `/api/exceptions/${pending.id}`, { token: w.admin });
    assert.equal(stale.body.status, 'expired');
    assert.match(stale.body.summary, /before both approvals came in/);
    assert.equal((await act(e, other.tokens.lead, pending.id, 'approve')).status, 409);
    const actions = await e.ctx.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_id', 'in', [String(ex.id), String(pending.id)])
      .where('action', '=', 'exception.expired')
      .execute();
    assert.equal(actions.length, 2);
  });

  test('re-importing the same report leaves accepted findings accepted, with their fingerprint', async () => {
    const e = env();
    const w = await world(e);
    await approved(e, w);
    const before = await findingRows(e, w.ids);
    e.clock.advanceDays(1);
    const summary = await e.importText(w.service, 'codeql.sarif', w.report);
    assert.equal(summary.created, 0);
    assert.equal(summary.fixed, 0);
    const after = await findingRows(e, w.ids);
    assert.deepEqual(
      after.map((f) => [f.id, f.status, f.fingerprint]),
      before.map((f) => [f.id, 'accepted', f.fingerprint]),
    );
  });

  test('auditors and managers read exceptions but cannot ask for or approve them', async () => {
    const e = env();
    const w = await world(e);
    const auditor = await e.token('auditor');
    const manager = await e.token('manager');
    const asked = await e.call('POST', '/api/exceptions', { token: auditor, json: body(w) });
    assert.equal(asked.status, 403);
    assert.equal(asked.body.error.code, 'forbidden');
    const ex = await ask(e, w);
    for (const token of [auditor, manager]) {
      assert.equal((await act(e, token, ex.id, 'approve')).status, 403);
      assert.equal((await e.call('GET', `/api/exceptions/${ex.id}`, { token })).status, 200);
    }
  });

  test("findings of another team, fixed findings, covered findings and other teams' engineers are each told what to do", async () => {
    const e = env();
    const w = await world(e);
    const other = await world(e);
    const mixed = await e.call('POST', '/api/exceptions', {
      token: w.admin,
      json: body(w, { findingIds: [w.ids[0], other.ids[0]] }),
    });
    assert.equal(mixed.status, 400);
    assert.equal(mixed.body.error.code, 'bad_input');
    assert.match(mixed.body.error.message, /one team/);
    const foreign = await e.call('POST', '/api/exceptions', { token: w.tokens.engineer, json: body(other) });
    assert.equal(foreign.status, 403);
    const missing = await e.call('POST', '/api/exceptions', {
      token: w.tokens.engineer,
      json: body(w, { findingIds: [2_000_000_000] }),
    });
    assert.equal(missing.status, 400);
    const noControls = await e.call('POST', '/api/exceptions', {
      token: w.tokens.engineer,
      json: body(w, { controls: [] }),
    });
    assert.equal(noControls.status, 400);
    assert.equal(noControls.body.error.details.field, 'controls');

    const fixedId = w.ids[0]!;
    const p = await e.call('PATCH', `/api/findings/${fixedId}`, {
      token: w.tokens.engineer,
      json: { status: 'fixed' },
    });
    assert.equal(p.status, 200);
    const fixed = await e.call('POST', '/api/exceptions', { token: w.tokens.engineer, json: body(w) });
    assert.equal(fixed.status, 400);
    assert.match(fixed.body.error.message, /is fixed/);

    const ex = await ask(e, w, { findingIds: [w.ids[1]] });
    const twice = await e.call('POST', '/api/exceptions', {
      token: w.tokens.engineer,
      json: body(w, { findingIds: [w.ids[1]] }),
    });
    assert.equal(twice.status, 409);
    assert.equal(twice.body.error.details.exceptionId, ex.id);
  });

  test('a finding under an approved exception keeps its status until the exception ends', async () => {
    const e = env();
    const w = await world(e);
    const ex = await approved(e, w, { findingIds: [w.ids[0]] });
    const p = await e.call('PATCH', `/api/findings/${w.ids[0]}`, { token: w.admin, json: { status: 'open' } });
    assert.equal(p.status, 409);
    assert.match(p.body.error.message, /approved exception/);
    assert.equal((await e.call('GET', `/api/findings/${w.ids[0]}`, { token: w.admin })).body.status, 'accepted');
    assert.equal((await act(e, w.tokens.security, ex.id, 'revoke', { reason: 'the patch is out' })).status, 200);
    const after = await e.call('PATCH', `/api/findings/${w.ids[0]}`, {
      token: w.admin,
      json: { status: 'in_progress' },
    });
    assert.equal(after.status, 200, JSON.stringify(after.body));
  });

  test('a finding someone was working on comes back in progress with its assignee when the exception ends', async () => {
    const e = env();
    const w = await world(e);
    const [worked, untouched] = w.ids as [number, number];
    const started = await e.call('PATCH', `/api/findings/${worked}`, {
      token: w.tokens.engineer,
      json: { status: 'in_progress', assignee: w.engineer },
    });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const revoking = await approved(e, w);
    const accepted = (await e.call('GET', `/api/findings/${worked}`, { token: w.admin })).body;
    assert.deepEqual([accepted.status, accepted.assignee], ['accepted', w.engineer]);
    assert.equal(
      (await act(e, w.tokens.security, revoking.id, 'revoke', { reason: 'the vendor fix is out' })).status,
      200,
    );
    const back = async (id: number) => (await e.call('GET', `/api/findings/${id}`, { token: w.admin })).body;
    assert.deepEqual([(await back(worked)).status, (await back(worked)).assignee], ['in_progress', w.engineer]);
    assert.deepEqual([(await back(untouched)).status, (await back(untouched)).assignee], ['open', null]);
    // The same through expiry: the status it had when this exception accepted it.
    const expiring = await approved(e, w, { days: 3 });
    e.clock.advanceDays(4);
    await expireExceptionsNow({ db: e.ctx.database.db, now: e.ctx.now, policy: e.ctx.policy }, 'test');
    assert.equal((await e.call('GET', `/api/exceptions/${expiring.id}`, { token: w.admin })).body.status, 'expired');
    assert.deepEqual([(await back(worked)).status, (await back(worked)).assignee], ['in_progress', w.engineer]);
    assert.equal((await back(untouched)).status, 'open');
  });

  test('a finding that became more urgent since the request is not approved on the old terms', async () => {
    const e = env();
    const w = await world(e);
    const least = w.findings.reduce((a, b) => (ranks[a.priority]! >= ranks[b.priority]! ? a : b));
    assert.notEqual(least.priority, 'act');
    const ex = await ask(e, w, { findingIds: [least.id], days: 1 });
    await sql`update findings set priority = 'act', priority_rank = 1 where id = ${least.id}`.execute(
      e.ctx.database.db,
    );
    await act(e, w.tokens.lead, ex.id, 'approve').then((r) => assert.equal(r.status, 409));
    const r = await act(e, w.tokens.lead, ex.id, 'decline', { reason: 'ask again with the new priority' });
    assert.equal(r.body.status, 'declined');
  });
});

describe('exception rules', () => {
  test('the default length is cut to the maximum for the most urgent finding', () => {
    assert.equal(
      decideDays(defaultPolicy, ['track', 'attend'], undefined),
      Math.min(defaultPolicy.exceptions.default_days, defaultPolicy.exceptions.max_days.attend),
    );
    assert.equal(decideDays(defaultPolicy, ['track', 'act'], undefined), defaultPolicy.exceptions.max_days.act);
    assert.throws(
      () => decideDays(defaultPolicy, ['act'], defaultPolicy.exceptions.max_days.act + 1),
      (e: unknown) =>
        e instanceof EntenteError
        && e.code === 'bad_input'
        && e.details?.maxDays === defaultPolicy.exceptions.max_days.act,
    );
  });

  test('two different people are needed, and the requester never counts', () => {
    const state = { requestedBy: 'a@x', lead: null, security: null };
    assert.deepEqual(chooseSlot({ actor: 'a@x', role: 'admin', isTeamLead: true }, state), {
      ok: false,
      why: 'own_request',
    });
    assert.deepEqual(chooseSlot({ actor: 'l@x', role: 'security', isTeamLead: true }, state), {
      ok: true,
      slot: 'lead',
    });
    assert.deepEqual(chooseSlot({ actor: 'l@x', role: 'security', isTeamLead: true }, { ...state, lead: 'l@x' }), {
      ok: false,
      why: 'approved_already',
      slot: 'lead',
    });
    assert.deepEqual(chooseSlot({ actor: 's@x', role: 'security', isTeamLead: false }, { ...state, security: 't@x' }), {
      ok: false,
      why: 'place_taken',
      slot: 'security',
    });
    assert.deepEqual(chooseSlot({ actor: 'e@x', role: 'engineer', isTeamLead: false }, state), {
      ok: false,
      why: 'not_an_approver',
    });
  });
});
