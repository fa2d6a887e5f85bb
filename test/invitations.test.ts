import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeEachEngine, engines, type TestEnv } from './support/engines.ts';
import { cliWorld, entente } from './support/cli.ts';
import { createApp } from '../src/http/app.ts';

// Invitation links (API and CLI) and the policy's read endpoints the Settings page uses, on both engines.

const password = 'Invited-horse-7-battery';

describeEachEngine('invitation links', (env) => {
  let e: TestEnv;
  let ana: string;
  let admin: string;
  before(async () => {
    e = env();
    ana = `${e.uniq('ana')}@example.com`;
    await e.makeService({ members: [ana] });
    admin = await e.token('admin');
  });
  const invite = async (who: string, json: unknown = {}) =>
    e.call('POST', `/api/people/${encodeURIComponent(who)}/invitation`, { token: admin, json });
  const tokenOf = (url: string): string => /\/invite\/([\w-]+)$/.exec(url)![1]!;

  test('an admin makes a one-time link that ends after 7 days; the token is stored only as its hash', async () => {
    const r = await invite(ana.toUpperCase());
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.email, ana);
    assert.match(
      r.body.url,
      /^http:\/\/localhost\/invite\/[\w-]{43}$/,
      'without ENTENTE_PUBLIC_URL the link starts with the address the request came to',
    );
    assert.equal(r.body.expiresAt, new Date(e.clock.now.getTime() + 7 * 86_400_000).toISOString());
    const token = tokenOf(r.body.url);
    const rows = await e.ctx.database.db.selectFrom('invitations').select('token_hash').execute();
    assert.ok(rows.every((row) => row.token_hash !== token && row.token_hash.length === 64));
    const shown = await e.call('GET', `/api/invitations/${token}`);
    assert.deepEqual(shown.body, { email: ana, expiresAt: r.body.expiresAt });
  });

  test('the public address goes in front of the link, and --days changes its end', async () => {
    const app = createApp(e.ctx, { publicUrl: 'https://entente.example.com' });
    const res = await app.request(`/api/people/${encodeURIComponent(ana)}/invitation`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ days: 2 }),
    });
    const body = (await res.json()) as { url: string; expiresAt: string };
    assert.match(body.url, /^https:\/\/entente\.example\.com\/invite\//);
    assert.equal(body.expiresAt, new Date(e.clock.now.getTime() + 2 * 86_400_000).toISOString());
  });

  test('using the link sets the password and signs in; a second use, an ended link and a replaced link are refused with a clear sentence', async () => {
    const first = tokenOf((await invite(ana)).body.url);
    const token = tokenOf((await invite(ana)).body.url);
    const replaced = await e.call('GET', `/api/invitations/${first}`);
    assert.equal(replaced.status, 404);
    assert.match(
      replaced.body.error.message,
      /we do not know this invitation link; it may have been replaced by a newer one/,
    );
    const short = await e.call('POST', `/api/invitations/${token}`, { json: { password: 'short' } });
    assert.equal(short.status, 400);
    assert.match(short.body.error.message, /at least 12 characters/);
    const cross = await e.call('POST', `/api/invitations/${token}`, {
      json: { password },
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    assert.equal(cross.status, 403);
    const res = await e.app.request(`/api/invitations/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { person: string; role: string };
    assert.equal(body.person, ana);
    assert.equal(body.role, 'engineer');
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    assert.equal((await e.call('GET', '/api/session', { headers: { cookie } })).body.person, ana);
    const again = await e.call('POST', `/api/invitations/${token}`, { json: { password } });
    assert.equal(again.status, 409);
    assert.match(
      again.body.error.message,
      /this invitation link has been used already; sign in with the password you set then/,
    );
    const signIn = await e.call('POST', '/api/session', { json: { email: ana, password } });
    assert.equal(signIn.status, 200, 'the password set through the link signs in');

    const late = tokenOf((await invite(ana, { days: 1 })).body.url);
    e.clock.advanceDays(2);
    const ended = await e.call('POST', `/api/invitations/${late}`, { json: { password } });
    assert.equal(ended.status, 409);
    assert.match(
      ended.body.error.message,
      /this invitation link ended on \d{4}-\d{2}-\d{2}; ask an administrator for a new link/,
    );
  });

  test('only admins invite, and only people of the organisation file', async () => {
    const engineer = await e.token('engineer', ana);
    const refused = await e.call('POST', `/api/people/${encodeURIComponent(ana)}/invitation`, {
      token: engineer,
      json: {},
    });
    assert.equal(refused.status, 403);
    const stranger = await invite('nobody@example.com');
    assert.equal(stranger.status, 400);
    assert.match(
      stranger.body.error.message,
      /nobody@example.com is not a member of any team in the organisation file/,
    );
    const tooLong = await invite(ana, { days: 90 });
    assert.equal(tooLong.status, 400);
  });

  test('a person with a live admin token of their own is an admin in the web app, until the token is revoked', async () => {
    const ada = `${e.uniq('ada')}@example.com`;
    await e.makeService({ members: [ada] });
    const made = await e.call('POST', '/api/tokens', {
      token: admin,
      json: { name: 'ada', role: 'admin', person: ada },
    });
    assert.equal(made.status, 201);
    const res = await e.app.request(`/api/invitations/${tokenOf((await invite(ada)).body.url)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password }),
    });
    assert.equal(((await res.json()) as { role: string }).role, 'admin');
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    assert.equal((await e.call('GET', '/api/tokens', { headers: { cookie } })).status, 200);
    assert.equal((await e.call('POST', `/api/tokens/${made.body.id}/revoke`, { token: admin })).status, 200);
    assert.equal((await e.call('GET', '/api/session', { headers: { cookie } })).body.role, 'engineer');
    assert.equal((await e.call('GET', '/api/tokens', { headers: { cookie } })).status, 403);
  });

  test('the policy: in force as YAML, a candidate checked with its mistakes, a diff between revisions', async () => {
    const token = await e.token('engineer', ana);
    const shown = await e.call('GET', '/api/policy', { token });
    assert.equal(shown.status, 200);
    assert.match(shown.body.yaml, /sla:\n\s+act: 7/);
    assert.match(shown.body.digest, /^[0-9a-f]{16}$/);
    const bad = await e.call('POST', '/api/policy/check', { token, json: { text: 'sla:\n  act: soon\n' } });
    assert.equal(bad.body.ok, false);
    assert.match(bad.body.mistakes[0], /the policy: sla\.act: /);
    const good = await e.call('POST', '/api/policy/check', { token, json: { text: 'sla:\n  act: 5\n' } });
    assert.equal(good.body.ok, true);
    assert.notEqual(good.body.digest, shown.body.digest);
    await e.ctx.database.db
      .insertInto('policy_revisions')
      .values({
        body: JSON.stringify({ ...e.ctx.policy, sla: { ...e.ctx.policy.sla, act: 5 } }),
        source: 'test',
        digest: e.uniq('digest'),
      })
      .execute();
    const rev = (await e.call('GET', '/api/policy', { token })).body.revisions[0];
    const diff = await e.call('GET', `/api/policy/diff?from=${rev.id}&to=current`, { token });
    assert.equal(diff.body.changed, true);
    assert.deepEqual(
      diff.body.lines.filter((l: { op: string }) => l.op !== ' '),
      [
        { op: '-', text: '  act: 5' },
        { op: '+', text: '  act: 7' },
      ],
    );
    assert.equal((await e.call('GET', '/api/policy/diff?from=999999', { token })).status, 404);
    assert.equal((await e.call('GET', '/api/policy/diff?from=x', { token })).status, 400);
  });
});

for (const engine of engines) {
  describe(`entente people invite [${engine}]`, () => {
    const { dir, env } = cliWorld(engine, 'invite');
    test('prints a link with the public address; a person not in the organisation file is exit 2', () => {
      writeFileSync(
        join(dir, 'org.yaml'),
        'teams:\n  - name: payments\n    kind: engineering\n    members: [ana@example.com]\nservices: []\n',
      );
      assert.equal(entente(env, 'org', 'apply', join(dir, 'org.yaml')).code, 0);
      const made = entente(
        { ...env, ENTENTE_PUBLIC_URL: 'https://entente.example.com' },
        'people',
        'invite',
        'ana@example.com',
        '--days',
        '3',
      );
      assert.equal(made.code, 0, made.err);
      assert.match(
        made.out,
        /Send this link to ana@example.com; it works once, until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC, and lets them set a password and sign in:\n {2}https:\/\/entente\.example\.com\/invite\/[\w-]{43}\n/,
      );
      const json = entente(env, 'people', 'invite', 'ana@example.com', '--json');
      assert.match(JSON.parse(json.out).url, /^http:\/\/127\.0\.0\.1:4100\/invite\//);
      const stranger = entente(env, 'people', 'invite', 'nobody@example.com');
      assert.equal(stranger.code, 2);
      assert.match(stranger.err, /nobody@example.com is not a member of any team/);
      assert.equal(entente(env, 'people', 'invite', 'ana@example.com', '--days', '0').code, 2);
    });
  });
}
