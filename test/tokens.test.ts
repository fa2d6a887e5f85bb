import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine, engines, type TestEnv } from './support/engines.ts';
import { cliWorld, entente } from './support/cli.ts';
import { tokenHash } from '../src/people/tokens.ts';
import { createApp } from '../src/http/app.ts';

const day = 86_400_000;

async function admin(e: TestEnv): Promise<string> {
  return e.token('admin', `${e.uniq('root')}@example.com`);
}

/** Creates a token through the API as an admin; asserts it was created. */
async function create(e: TestEnv, adminToken: string, body: Record<string, unknown>): Promise<any> {
  const r = await e.call('POST', '/api/tokens', { token: adminToken, json: { name: e.uniq('t'), ...body } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

const lastUsed = async (e: TestEnv, id: number): Promise<string | null> => {
  const row = await e.ctx.database.db
    .selectFrom('api_tokens')
    .select('last_used_at')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return row.last_used_at === null ? null : new Date(row.last_used_at).toISOString();
};

describeEachEngine('API tokens', (env) => {
  test('a token ends 90 days after it is made unless asked otherwise: days, a date (through that day) or never', async () => {
    const e = env();
    const root = await admin(e);
    const now = e.clock.now.getTime();
    assert.equal((await create(e, root, { role: 'auditor' })).expiresAt, new Date(now + 90 * day).toISOString());
    assert.equal(
      (await create(e, root, { role: 'auditor', expires: '30d' })).expiresAt,
      new Date(now + 30 * day).toISOString(),
    );
    assert.equal(
      (await create(e, root, { role: 'auditor', expires: '2026-06-30' })).expiresAt,
      '2026-07-01T00:00:00.000Z',
    );
    assert.equal((await create(e, root, { role: 'auditor', expires: 'never' })).expiresAt, null);
    for (const bad of ['soon', '0d', '2026-01-01', '99999d']) {
      const r = await e.call('POST', '/api/tokens', {
        token: root,
        json: { name: e.uniq('t'), role: 'auditor', expires: bad },
      });
      assert.equal(r.status, 400, bad);
      assert.match(r.body.error.message, /^expires: /);
    }
  });

  test('an expired token is refused with 401 saying when it ended', async () => {
    const e = env();
    const made = await create(e, await admin(e), { role: 'auditor', expires: '2d' });
    assert.equal((await e.call('GET', '/api/teams', { token: made.token })).status, 200);
    e.clock.advanceDays(2);
    try {
      const r = await e.call('GET', '/api/teams', { token: made.token });
      assert.equal(r.status, 401);
      assert.match(
        r.body.error.message,
        new RegExp(`expired on ${made.expiresAt.slice(0, 10)}; ask an admin for a new one`),
      );
    } finally {
      e.clock.advanceDays(-2);
    }
  });

  test('a revoked token is refused on its very next request, and revoking it again is a conflict', async () => {
    const e = env();
    const root = await admin(e);
    const made = await create(e, root, { role: 'auditor' });
    assert.equal((await e.call('GET', '/api/findings', { token: made.token })).status, 200);
    const revoked = await e.call('POST', `/api/tokens/${made.id}/revoke`, { token: root });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    assert.equal(revoked.body.state, 'revoked');
    assert.equal((await e.call('GET', '/api/findings', { token: made.token })).status, 401);
    assert.equal((await e.call('POST', `/api/tokens/${made.id}/revoke`, { token: root })).status, 409);
    assert.equal((await e.call('POST', '/api/tokens/2000000000/revoke', { token: root })).status, 404);
  });

  test('the last use is written at most once a minute per token, not on every request', async () => {
    const e = env();
    const made = await create(e, await admin(e), { role: 'auditor' });
    assert.equal(await lastUsed(e, made.id), null);
    const first = e.clock.now.toISOString();
    try {
      await e.call('GET', '/api/teams', { token: made.token });
      assert.equal(await lastUsed(e, made.id), first);
      e.clock.advanceDays(30 / 86_400);
      await e.call('GET', '/api/teams', { token: made.token });
      await e.call('GET', '/api/services', { token: made.token });
      assert.equal(await lastUsed(e, made.id), first, 'within the minute nothing is written');
      e.clock.advanceDays(31 / 86_400);
      await e.call('GET', '/api/teams', { token: made.token });
      assert.equal(await lastUsed(e, made.id), e.clock.now.toISOString());
    } finally {
      e.clock.advanceDays(-61 / 86_400);
    }
  });

  test('the list shows name, role, person, created, expires and last used, never the secret or its hash', async () => {
    const e = env();
    const root = await admin(e);
    const person = `${e.uniq('sam')}@example.com`;
    const made = await create(e, root, { role: 'security', person, expires: '10d' });
    await e.call('GET', '/api/teams', { token: made.token });
    const r = await e.call('GET', '/api/tokens', { token: root });
    assert.equal(r.status, 200);
    const mine = r.body.items.find((t: any) => t.id === made.id);
    assert.deepEqual(Object.keys(mine).sort(), [
      'createdAt',
      'expiresAt',
      'id',
      'lastUsedAt',
      'name',
      'person',
      'revokedAt',
      'role',
      'state',
    ]);
    assert.deepEqual(
      [mine.name, mine.role, mine.person, mine.createdAt, mine.expiresAt, mine.lastUsedAt, mine.state],
      [made.name, 'security', person, e.clock.now.toISOString(), made.expiresAt, e.clock.now.toISOString(), 'active'],
    );
    const text = JSON.stringify(r.body);
    assert.ok(!text.includes(made.token) && !text.includes(tokenHash(made.token)), 'no secret in the list');
  });

  test('an engineer token needs a person in a team: otherwise it is refused with how to add them; other roles need no team', async () => {
    const e = env();
    const root = await admin(e);
    const loner = `${e.uniq('lone')}@example.com`;
    const r = await e.call('POST', '/api/tokens', {
      token: root,
      json: { name: 'laptop', role: 'engineer', person: loner },
    });
    assert.equal(r.status, 400);
    assert.match(
      r.body.error.message,
      new RegExp(`${loner} is in no team yet.*members in the organisation file.*entente org apply`),
    );
    const nobody = await e.call('POST', '/api/tokens', { token: root, json: { name: 'ci', role: 'engineer' } });
    assert.equal(nobody.status, 400);
    assert.match(nobody.body.error.message, /an engineer token acts for a person and their teams/);
    const rows = await e.ctx.database.db
      .selectFrom('api_tokens')
      .select('id')
      .where('name', 'in', ['laptop', 'ci'])
      .execute();
    assert.deepEqual(rows, [], 'nothing is stored for a refused token');
    for (const role of ['admin', 'security', 'auditor', 'manager']) await create(e, root, { role, person: loner });
    const member = `${e.uniq('raj')}@example.com`;
    await e.makeService({ members: [member] });
    await create(e, root, { role: 'engineer', person: member });
  });
});

describeEachEngine('failed authentication limits', (env) => {
  /** An app of its own (its own limiter) whose clock the test moves, and a caller from a given address. */
  function limited(e: TestEnv, options: { limit?: number; trustedProxies?: string[] } = {}) {
    const clock = { ms: Date.parse('2026-03-02T09:00:00Z') };
    const app = createApp(e.ctx, {
      failedAuth: { limit: options.limit, clock: () => clock.ms },
      trustedProxies: options.trustedProxies,
    });
    const call = async (address: string, token?: string, forwardedFor?: string) => {
      const headers: Record<string, string> = {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
      };
      const res = await app.request('/api/teams', { headers }, { incoming: { socket: { remoteAddress: address } } });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
    };
    return { clock, call };
  }

  test('past ten failures a minute from one address the answer is 429 with Retry-After, until the window has passed', async () => {
    const e = env();
    const { clock, call } = limited(e);
    for (let i = 0; i < 10; i++) assert.equal((await call('203.0.113.7', `ent_guess-${i}`)).status, 401);
    const blocked = await call('203.0.113.7', 'ent_guess-10');
    assert.equal(blocked.status, 429);
    assert.equal(blocked.retryAfter, '60');
    assert.equal(blocked.body.error.code, 'rate_limited');
    assert.equal((await call('203.0.113.7')).status, 429, 'no token at all counts the same');
    assert.equal((await call('198.51.100.7', 'ent_guess')).status, 401, 'another address is not held back');
    clock.ms += 30_000;
    assert.equal((await call('203.0.113.7', 'ent_guess-11')).retryAfter, '30');
    clock.ms += 30_001;
    assert.equal(
      (await call('203.0.113.7', 'ent_guess-12')).status,
      401,
      'after the window, a wrong token is a plain 401 again',
    );
  });

  test('successful requests are neither counted nor held back, and a token that worked passes even while its address is held back', async () => {
    const e = env();
    const { call } = limited(e, { limit: 3 });
    const good = await e.token('auditor');
    for (let i = 0; i < 20; i++) assert.equal((await call('203.0.113.8', good)).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await call('203.0.113.8', 'ent_wrong')).status, 401);
    assert.equal((await call('203.0.113.8', 'ent_wrong')).status, 429);
    assert.equal((await call('203.0.113.8', good)).status, 200, 'a token that worked before still works');
    assert.equal(
      (await call('203.0.113.8', await e.token('auditor'))).status,
      429,
      'a token not seen before waits like any other',
    );
  });

  test('behind a trusted proxy the caller is the nearest X-Forwarded-For address; from anyone else that header is ignored', async () => {
    const e = env();
    const { call } = limited(e, { limit: 3, trustedProxies: ['10.0.0.5'] });
    // Through the proxy, one client guessing is held back, and another client behind the same proxy is not.
    for (let i = 0; i < 3; i++)
      assert.equal((await call('::ffff:10.0.0.5', `ent_guess-${i}`, `198.51.100.1, 203.0.113.9`)).status, 401);
    const held = await call('10.0.0.5', 'ent_guess-3', '192.0.2.77, 203.0.113.9'); // an earlier hop the client wrote changes nothing
    assert.equal(held.status, 429);
    assert.match(held.body.error.message, /from 203\.0\.113\.9/);
    assert.equal(
      (await call('10.0.0.5', 'ent_guess-4', '203.0.113.10')).status,
      401,
      'another client behind the proxy',
    );
    // Not through the proxy: the header is anyone's to write, so the socket's address counts.
    for (let i = 0; i < 3; i++)
      assert.equal((await call('198.51.100.20', `ent_x-${i}`, `203.0.113.${50 + i}`)).status, 401);
    assert.equal(
      (await call('198.51.100.20', 'ent_x-3', '203.0.113.99')).status,
      429,
      'a made-up X-Forwarded-For does not escape the limit',
    );
  });
});

for (const engine of engines) {
  describe(`entente token [${engine}]`, () => {
    const { env } = cliWorld(engine, 'token-cli');

    test('create prints only the token and says when it ends; list shows it without the secret; revoke ends it', () => {
      const made = entente(
        env,
        'token',
        'create',
        '--role',
        'admin',
        '--name',
        'ops laptop',
        '--person',
        'ops@example.com',
        '--expires',
        '30d',
      );
      assert.equal(made.code, 0, made.err);
      assert.match(made.out, /^ent_\S+\n$/);
      const ends = new Date(Date.now() + 30 * day).toISOString().slice(0, 10);
      assert.match(
        made.err,
        new RegExp(`^Token 1 \\(admin, ops@example.com\\) ends on ${ends}; it is shown only this once\\.`),
      );
      const listed = entente(env, 'token', 'list');
      assert.equal(listed.code, 0, listed.err);
      assert.match(
        listed.out,
        new RegExp(`^1\\tops laptop\\tadmin\\tops@example.com\\t\\d{4}-\\d{2}-\\d{2}\\t${ends}\\tnever\\tactive$`, 'm'),
      );
      assert.ok(!listed.out.includes(made.out.trim()), 'the list never shows the secret');
      const revoked = entente(env, 'token', 'revoke', '1');
      assert.equal(revoked.code, 0, revoked.err);
      assert.match(revoked.out, /Token 1 \(ops laptop\) is revoked/);
      assert.match(entente(env, 'token', 'list', '--json').out, /"state":"revoked"/);
    });

    test('an engineer token for someone in no team is refused with exit 2 and how to add them', () => {
      const r = entente(
        env,
        'token',
        'create',
        '--role',
        'engineer',
        '--name',
        'laptop',
        '--person',
        'lee@example.com',
      );
      assert.equal(r.code, 2);
      assert.match(r.err, /lee@example\.com is in no team yet.*organisation file.*entente org apply org\.yaml/);
      assert.equal(r.out, '');
    });
  });
}
