import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { sarif } from './support/reports.ts';
import { createApp } from '../src/http/app.ts';
import { setPassword } from '../src/people/passwords.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { reprioritiseServiceWith } from '../src/findings/reprioritise.ts';

// Sign-in with a password, the session cookie, the CSRF header on writes, the sign-in limits and sign-out, through the
// app's HTTP interface on both engines.

const password = 'Correct-horse-7-battery';

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

/** A browser-like client of one app: keeps the session cookie it is given and sends it back. */
function client(app: ReturnType<typeof createApp>) {
  let cookie: string | undefined;
  return {
    get cookie() {
      return cookie;
    },
    set cookie(v: string | undefined) {
      cookie = v;
    },
    async call(
      method: string,
      path: string,
      opts: { json?: unknown; headers?: Record<string, string> } = {},
    ): Promise<Answer> {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (cookie) headers.cookie = cookie;
      if (opts.json !== undefined) headers['content-type'] = 'application/json';
      const res = await app.request(path, {
        method,
        headers,
        ...(opts.json !== undefined ? { body: JSON.stringify(opts.json) } : {}),
      });
      const set = res.headers.get('set-cookie');
      if (set?.startsWith('entente_session=')) {
        const value = set.split(';')[0]!;
        cookie = value === 'entente_session=' ? undefined : value;
      }
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body, headers: res.headers };
    },
  };
}

describeEachEngine('web sign-in sessions', (env) => {
  let e: TestEnv;
  let ana: string;
  let finding: number;
  let otherFinding: number;
  before(async () => {
    e = env();
    ana = `${e.uniq('ana')}@example.com`;
    const mine = await e.makeService({ members: [ana] });
    const other = await e.makeService();
    await e.importText(
      mine.service,
      'scan.sarif',
      sarif('CodeQL', [{ rule: 'js/sql-injection', file: 'src/db.ts', line: 7, cwe: 89 }]),
    );
    await e.importText(
      other.service,
      'scan.sarif',
      sarif('CodeQL', [{ rule: 'js/xss', file: 'src/page.ts', line: 9, cwe: 79 }]),
    );
    const ids = async (service: string) =>
      (
        await e.ctx.database.db
          .selectFrom('findings as f')
          .innerJoin('services as s', 's.id', 'f.service_id')
          .select('f.id')
          .where('s.name', '=', service)
          .execute()
      ).map((r) => r.id);
    finding = (await ids(mine.service))[0]!;
    otherFinding = (await ids(other.service))[0]!;
    await setPassword(e.ctx.database.db, ana, password, { actor: 'test', now: e.clock.now });
  });

  const signedIn = async (app = e.app) => {
    const c = client(app);
    const r = await c.call('POST', '/api/session', { json: { email: ana, password } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return { c, csrf: r.body.csrfToken as string };
  };

  test("signing in sets an HttpOnly, SameSite=Lax session cookie and says who is signed in; the session reads only its teams' findings", async () => {
    const c = client(e.app);
    const r = await c.call('POST', '/api/session', { json: { email: ana.toUpperCase(), password } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.person, ana);
    assert.equal(r.body.role, 'engineer');
    assert.equal(r.body.teams.length, 1);
    assert.match(r.body.csrfToken, /^[\w-]{40,}$/);
    const set = r.headers.get('set-cookie')!;
    assert.match(set, /^entente_session=[\w-]{40,};/);
    assert.match(set, /HttpOnly/);
    assert.match(set, /SameSite=Lax/);
    assert.match(set, /Path=\//);
    assert.doesNotMatch(set, /Secure/, 'a cookie marked Secure is never sent back over plain HTTP');
    const me = await c.call('GET', '/api/session');
    assert.deepEqual(me.body, r.body);
    const list = await c.call('GET', '/api/findings?status=all');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.items.map((f: { id: number }) => f.id),
      [finding],
    );
    assert.equal((await c.call('GET', `/api/findings/${otherFinding}`)).status, 403);
  });

  test('the cookie is Secure when the request came over HTTPS', async () => {
    const res = await e.app.request('https://entente.example/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ana, password }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('set-cookie')!, /Secure/);
  });

  test('the database keeps only hashes: of the session id and of the password (scrypt, with its salt and parameters)', async () => {
    const { c } = await signedIn();
    const id = c.cookie!.split('=')[1]!;
    const db = e.ctx.database.db;
    assert.equal((await db.selectFrom('sessions').select('id').where('id_hash', '=', id).execute()).length, 0);
    const stored = await db
      .selectFrom('person_passwords as pw')
      .innerJoin('people as p', 'p.id', 'pw.person_id')
      .select('pw.hash')
      .where('p.email', '=', ana)
      .executeTakeFirstOrThrow();
    assert.match(stored.hash, /^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    assert.ok(!stored.hash.includes(password));
  });

  test('a wrong password or an unknown address is refused with the same clear message, and no cookie', async () => {
    const wrong = await client(e.app).call('POST', '/api/session', {
      json: { email: ana, password: 'not-the-password' },
    });
    const unknown = await client(e.app).call('POST', '/api/session', {
      json: { email: 'nobody@example.com', password },
    });
    for (const r of [wrong, unknown]) {
      assert.equal(r.status, 401);
      assert.match(r.body.error.message, /e-mail address or the password is not right/);
      assert.equal(r.headers.get('set-cookie'), null);
    }
    const missing = await client(e.app).call('POST', '/api/session', { json: { email: ana } });
    assert.equal(missing.status, 400);
    assert.match(missing.body.error.message, /password/);
  });

  test("another site's page cannot sign a visitor in (login CSRF)", async () => {
    const r = await client(e.app).call('POST', '/api/session', {
      json: { email: ana, password },
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    assert.equal(r.status, 403);
    assert.equal(r.headers.get('set-cookie'), null);
    const fromOrigin = await client(e.app).call('POST', '/api/session', {
      json: { email: ana, password },
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(fromOrigin.status, 403);
  });

  test('a write with the session cookie needs the X-Entente-CSRF header; without it nothing changes', async () => {
    const { c, csrf } = await signedIn();
    const refused = await c.call('PATCH', `/api/findings/${finding}`, { json: { status: 'in_progress' } });
    assert.equal(refused.status, 403);
    assert.match(refused.body.error.message, /X-Entente-CSRF/i);
    const wrong = await c.call('PATCH', `/api/findings/${finding}`, {
      json: { status: 'in_progress' },
      headers: { 'x-entente-csrf': 'guessed' },
    });
    assert.equal(wrong.status, 403);
    assert.equal((await c.call('GET', `/api/findings/${finding}`)).body.status, 'open');
    const done = await c.call('PATCH', `/api/findings/${finding}`, {
      json: { comment: 'Looking at it.', status: 'in_progress' },
      headers: { 'x-entente-csrf': csrf },
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.status, 'in_progress');
    assert.equal(done.body.comments.at(-1).author, ana);
  });

  test("a token wins over a cookie: a bearer request is the token's caller and needs no CSRF header", async () => {
    const { c } = await signedIn();
    const token = await e.token('auditor');
    const r = await c.call('GET', '/api/session', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 200);
    assert.equal(r.body.role, 'auditor');
    assert.equal(r.body.csrfToken, null);
  });

  test('signing out needs the CSRF header, ends the session and clears the cookie', async () => {
    const { c, csrf } = await signedIn();
    const kept = c.cookie;
    assert.equal((await c.call('DELETE', '/api/session')).status, 403);
    assert.equal((await c.call('GET', '/api/session')).status, 200, 'a refused sign-out leaves the session open');
    const out = await c.call('DELETE', '/api/session', { headers: { 'x-entente-csrf': csrf } });
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie')!, /^entente_session=;.*Max-Age=0/);
    c.cookie = kept;
    const after = await c.call('GET', '/api/session');
    assert.equal(after.status, 401);
    assert.match(after.body.error.message, /signed out/);
  });

  test('a session ends after 12 hours without use, and 7 days after sign-in however much it is used', async () => {
    const app = createApp(e.ctx);
    const idle = (await signedIn(app)).c;
    const busy = (await signedIn(app)).c;
    const start = e.clock.now;
    try {
      e.clock.now = new Date(start.getTime() + 11 * 3_600_000);
      assert.equal((await idle.call('GET', '/api/session')).status, 200);
      e.clock.now = new Date(start.getTime() + 23.5 * 3_600_000);
      assert.equal((await idle.call('GET', '/api/session')).status, 401, 'idle for 12.5 hours');
      for (let h = 6; h < 7 * 24; h += 6) {
        e.clock.now = new Date(start.getTime() + h * 3_600_000);
        assert.equal((await busy.call('GET', '/api/session')).status, 200, `used every 6 hours, at hour ${h}`);
      }
      e.clock.now = new Date(start.getTime() + 7 * 86_400_000);
      assert.equal((await busy.call('GET', '/api/session')).status, 401, 'seven days after sign-in');
    } finally {
      e.clock.now = start;
    }
  });

  test('failed sign-ins are limited per e-mail address: past the limit even the right password waits', async () => {
    const app = createApp(e.ctx, { signIn: { byEmail: { limit: 3 } } });
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await client(app).call('POST', '/api/session', { json: { email: ana, password: `wrong-${i}-password` } }))
          .status,
        401,
      );
    const held = await client(app).call('POST', '/api/session', { json: { email: ana, password } });
    assert.equal(held.status, 429);
    assert.match(held.headers.get('retry-after')!, /^\d+$/);
    assert.match(held.body.error.message, /too many failed sign-ins/);
    assert.equal(held.headers.get('set-cookie'), null);
  });

  test('failed sign-ins are limited per source address, whatever e-mail they try', async () => {
    const app = createApp(e.ctx, { signIn: { byAddress: { limit: 3 } } });
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await client(app).call('POST', '/api/session', { json: { email: `guess-${i}@example.com`, password } }))
          .status,
        401,
      );
    assert.equal((await client(app).call('POST', '/api/session', { json: { email: ana, password } })).status, 429);
  });

  test('a member of a security team signs in as Security; a new password ends the sessions of the old one', async () => {
    const sam = `${e.uniq('sam')}@example.com`;
    await applyOrg(
      e.ctx.database.db,
      parseOrgFile(`teams:\n  - name: ${e.uniq('sec')}\n    kind: security\n    members: [${sam}]\n`, 'test org'),
      { prune: false, actor: 'test', now: e.clock.now, reprioritise: reprioritiseServiceWith(e.ctx.policy) },
    );
    await setPassword(e.ctx.database.db, sam, 'first-password-of-sam', { actor: 'test', now: e.clock.now });
    const c = client(e.app);
    const r = await c.call('POST', '/api/session', { json: { email: sam, password: 'first-password-of-sam' } });
    assert.equal(r.body.role, 'security');
    assert.equal((await c.call('GET', `/api/findings/${otherFinding}`)).status, 200);
    await setPassword(e.ctx.database.db, sam, 'second-password-of-sam', { actor: 'test', now: e.clock.now });
    assert.equal((await c.call('GET', '/api/session')).status, 401);
    assert.equal(
      (await client(e.app).call('POST', '/api/session', { json: { email: sam, password: 'first-password-of-sam' } }))
        .status,
      401,
    );
  });

  test('a password is refused when it is short or the person is in no team, and nothing is stored', async () => {
    await assert.rejects(
      setPassword(e.ctx.database.db, ana, 'short-1', { actor: 'test' }),
      /at least 12 characters; this one has 7/,
    );
    await assert.rejects(
      setPassword(e.ctx.database.db, 'stranger@example.com', password, { actor: 'test' }),
      /not a member of any team in the organisation file/,
    );
    assert.equal(
      (await client(e.app).call('POST', '/api/session', { json: { email: ana, password } })).status,
      200,
      'the old password still works',
    );
  });
});
