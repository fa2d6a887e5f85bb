import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { cookieJar, startProvider, throughProvider, type TestProvider } from './support/oidc-provider.ts';
import { createApp } from '../src/http/app.ts';
import { createSso } from '../src/people/sso.ts';
import { loadConfig, type OidcConfig } from '../src/config.ts';

// Single sign-on against a real OpenID Connect provider (oidc-provider) on 127.0.0.1, with Entente served over real
// HTTP and a fetch client that keeps cookies and follows the redirects through the provider's login and consent pages.

const html = { accept: 'text/html,application/xhtml+xml' };

describeEachEngine('single sign-on over OpenID Connect', (env) => {
  let e: TestEnv;
  let ana: string;
  let entente: ServerType;
  let base: string;
  let provider: TestProvider;
  let oidc: OidcConfig;
  before(async () => {
    e = env();
    ana = `${e.uniq('ana')}@example.com`;
    await e.makeService({ members: [ana] });
    // Entente listens first (the redirect address needs its port); the app is built once the provider is up.
    let app: ReturnType<typeof createApp> | undefined;
    entente = serve({ fetch: (req) => app!.fetch(req), port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => entente.once('listening', resolve));
    base = `http://127.0.0.1:${(entente.address() as AddressInfo).port}`;
    provider = await startProvider(`${base}/api/session/oidc/callback`);
    oidc = loadConfig({
      ENTENTE_PUBLIC_URL: base,
      ENTENTE_OIDC_ISSUER: provider.issuer,
      ENTENTE_OIDC_CLIENT_ID: provider.clientId,
      ENTENTE_OIDC_CLIENT_SECRET: provider.clientSecret,
      ENTENTE_OIDC_NAME: 'Test provider',
    }).oidc!;
    app = createApp(e.ctx, { sso: createSso(oidc), publicUrl: base });
  });
  after(async () => {
    await provider?.stop();
    await new Promise((resolve) => entente?.close(resolve));
  });

  test("the sign-in page learns the provider's name; a known, verified e-mail signs in with a session cookie and lands on the page it started from", async () => {
    const info = (await (await fetch(`${base}/api/session/sso`)).json()) as { provider: string; start: string };
    assert.deepEqual(info, { provider: 'Test provider', start: '/api/session/oidc/start' });
    const jar = cookieJar();
    const callback = await throughProvider(
      jar,
      `${base}/api/session/oidc/start?next=${encodeURIComponent('/findings?service=x')}`,
      ana.toUpperCase(),
    );
    assert.equal(callback.origin, base);
    assert.ok(callback.searchParams.get('code'), 'the provider sends a code back');
    const res = await jar.fetch(callback, { headers: html });
    assert.equal(res.status, 303, await res.text());
    assert.equal(res.headers.get('location'), '/findings?service=x');
    assert.ok(jar.get(new URL(base), 'entente_session'), 'the session cookie is set');
    assert.equal(jar.get(new URL(base), 'entente_sso'), undefined, "the attempt's cookie is cleared");
    const me = await jar.fetch(`${base}/api/session`);
    assert.equal(me.status, 200);
    const who = (await me.json()) as { person: string; role: string; csrfToken: string };
    assert.equal(who.person, ana);
    assert.equal(who.role, 'engineer');
    const audit = await e.ctx.database.db
      .selectFrom('audit_log')
      .select(['after'])
      .where('action', '=', 'session.create')
      .where('actor', '=', ana)
      .execute();
    assert.equal((audit.at(-1)!.after as { method: string }).method, 'sso');
    // The attempt is used up: the same answer from the provider signs no one in again.
    const again = await jar.fetch(callback);
    assert.equal(again.status, 400);
  });

  test('an e-mail the organisation file does not list is refused with 401 and a page saying to ask an administrator; no session', async () => {
    const jar = cookieJar();
    const callback = await throughProvider(jar, `${base}/api/session/oidc/start`, 'stranger@example.com');
    const page = await jar.fetch(callback, { headers: html });
    assert.equal(page.status, 401);
    assert.match(page.headers.get('content-type')!, /text\/html/);
    const text = await page.text();
    assert.match(
      text,
      /stranger@example\.com is not in any team of Entente&#39;s organisation file[^<]*ask an administrator to add you/,
    );
    assert.match(text, /<a href="\/">Back to the sign-in page<\/a>/);
    assert.doesNotMatch(text, /<script|style=/, 'the page works under the CSP');
    assert.equal(jar.get(new URL(base), 'entente_session'), undefined);
    // A script gets JSON.
    const jar2 = cookieJar();
    const json = await jar2.fetch(
      await throughProvider(jar2, `${base}/api/session/oidc/start`, 'stranger@example.com'),
    );
    assert.equal(json.status, 401);
    assert.equal(((await json.json()) as { error: { code: string } }).error.code, 'unauthorized');
  });

  test('an e-mail the provider has not verified is refused', async () => {
    const jar = cookieJar();
    const res = await jar.fetch(await throughProvider(jar, `${base}/api/session/oidc/start`, `unverified-${ana}`));
    assert.equal(res.status, 401);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /has not verified unverified-/);
  });

  test('a tampered state is refused, and the attempt is over', async () => {
    const jar = cookieJar();
    const callback = await throughProvider(jar, `${base}/api/session/oidc/start`, ana);
    const tampered = new URL(callback);
    tampered.searchParams.set('state', 'forged-state');
    const res = await jar.fetch(tampered);
    assert.equal(res.status, 400);
    assert.match(
      ((await res.json()) as { error: { message: string } }).error.message,
      /does not belong to the sign-in this browser started \(its state differs\)/,
    );
    assert.equal(jar.get(new URL(base), 'entente_session'), undefined);
    assert.equal(
      (await jar.fetch(callback)).status,
      400,
      'the genuine answer no longer works either: one try per attempt',
    );
  });

  test("login CSRF: an answer from someone else's sign-in, sent to another browser, signs that browser in as no one", async () => {
    const attacker = cookieJar();
    const callback = await throughProvider(attacker, `${base}/api/session/oidc/start`, ana);
    const victim = cookieJar();
    await victim.fetch(`${base}/api/session/oidc/start`); // the victim may have an attempt of their own: it does not match
    const res = await victim.fetch(callback, { headers: html });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /does not belong to the sign-in this browser started|did not start in this browser/);
    assert.equal(victim.get(new URL(base), 'entente_session'), undefined);
    const none = cookieJar();
    const bare = await none.fetch(callback);
    assert.equal(bare.status, 400);
    assert.match(
      ((await bare.json()) as { error: { message: string } }).error.message,
      /did not start in this browser/,
    );
  });

  test('a provider that does not answer: the start is 503 with a clear sentence, and password sign-in is named as the way in', async () => {
    const down = { ...oidc, issuer: 'http://127.0.0.1:9' };
    const app = createApp(e.ctx, { sso: createSso(down), publicUrl: base });
    const res = await app.request('/api/session/oidc/start', { headers: html });
    assert.equal(res.status, 503);
    assert.match(
      await res.text(),
      /We could not reach Test provider at http:\/\/127\.0\.0\.1:9 \(it does not answer\); try again in a few minutes, or sign in with your e-mail and password/,
    );
    const json = await app.request('/api/session/oidc/start');
    assert.equal(json.status, 503);
    assert.equal(((await json.json()) as { error: { code: string } }).error.code, 'unavailable');
  });

  test('without SSO configured the sign-in page hears "no provider", and the SSO routes say how to sign in', async () => {
    const app = createApp(e.ctx);
    assert.deepEqual(await (await app.request('/api/session/sso')).json(), { provider: null, start: null });
    const res = await app.request('/api/session/oidc/start');
    assert.equal(res.status, 404);
    assert.match(
      ((await res.json()) as { error: { message: string } }).error.message,
      /single sign-on is not set up on this server/,
    );
  });
});

test('SSO configuration: all of its variables or none, an https issuer, and the redirect address from the public URL', () => {
  const all = {
    ENTENTE_PUBLIC_URL: 'https://entente.example.com/',
    ENTENTE_OIDC_ISSUER: 'https://accounts.google.com',
    ENTENTE_OIDC_CLIENT_ID: 'id',
    ENTENTE_OIDC_CLIENT_SECRET: 'secret',
  };
  const c = loadConfig(all);
  assert.equal(c.publicUrl, 'https://entente.example.com');
  assert.deepEqual(c.oidc, {
    issuer: 'https://accounts.google.com',
    clientId: 'id',
    clientSecret: 'secret',
    name: 'accounts.google.com',
    redirectUri: 'https://entente.example.com/api/session/oidc/callback',
  });
  assert.equal(loadConfig({}).oidc, undefined);
  assert.throws(
    () => loadConfig({ ENTENTE_OIDC_ISSUER: 'https://accounts.google.com' }),
    /single sign-on needs ENTENTE_OIDC_CLIENT_ID, ENTENTE_OIDC_CLIENT_SECRET, ENTENTE_PUBLIC_URL as well as ENTENTE_OIDC_ISSUER/,
  );
  assert.throws(
    () => loadConfig({ ...all, ENTENTE_OIDC_ISSUER: 'http://idp.example.com' }),
    /ENTENTE_OIDC_ISSUER: must be an https:\/\/ address/,
  );
  assert.throws(
    () => loadConfig({ ...all, ENTENTE_PUBLIC_URL: 'not a url' }),
    /ENTENTE_PUBLIC_URL: must be the address people open/,
  );
});
