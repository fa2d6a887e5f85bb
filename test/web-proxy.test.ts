import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { engines } from './support/engines.ts';
import { cliWorld, entente, ententeInput, serveCli } from './support/cli.ts';
import { sarif } from './support/reports.ts';
import {
  browserSkip,
  checkAccessible,
  openBrowser,
  password,
  signIn,
  signOut,
  type BrowserWorld,
  webOrg,
} from './support/browser.ts';

// The web app as most companies run it: behind a reverse proxy that ends TLS (https://localhost:PORT here, with a
// certificate the test makes) and forwards plain HTTP to `entente serve`, adding X-Forwarded-For/-Proto/-Host and
// keeping the browser's Host, as nginx's usual settings do. Sign-in, a write with the CSRF header, the session cookie
// marked Secure, and the sign-in's cross-site check knowing the public address (ENTENTE_PUBLIC_URL) as its own.

const opensslSkip =
  spawnSync('openssl', ['version']).status === 0 ? false : "openssl is missing (it makes the proxy's certificate)";

/** A TLS-terminating reverse proxy to `target` (set once the server runs); records the forwarded headers it sent. */
function reverseProxy(dir: string): {
  server: Server;
  setTarget: (url: string) => void;
  forwarded: Record<string, string | undefined>[];
} {
  const key = join(dir, 'proxy.key'),
    cert = join(dir, 'proxy.crt');
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-days',
      '1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(made.status, 0, made.stderr);
  let target: URL | undefined;
  const forwarded: Record<string, string | undefined>[] = [];
  const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    const headers = {
      ...req.headers,
      'x-forwarded-for': req.socket.remoteAddress ?? '',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': req.headers.host ?? '',
    };
    forwarded.push({
      path: req.url,
      for: headers['x-forwarded-for'],
      proto: 'https',
      host: headers['x-forwarded-host'],
    });
    const up = httpRequest(
      { host: target!.hostname, port: target!.port, method: req.method, path: req.url, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  return {
    server,
    setTarget: (url) => {
      target = new URL(url);
    },
    forwarded,
  };
}

for (const engine of engines) {
  describe(`the web app behind a TLS-terminating reverse proxy [${engine}]`, {
    skip: browserSkip || opensslSkip,
  }, () => {
    const { dir, env } = cliWorld(engine, 'web-proxy');
    let server: { url: string; stop: () => Promise<void> } | undefined;
    let proxy: ReturnType<typeof reverseProxy>;
    let publicUrl = '';
    let world: BrowserWorld | undefined;
    let page: Page;

    before(async () => {
      writeFileSync(join(dir, 'org.yaml'), webOrg);
      assert.equal(entente(env, 'org', 'apply', join(dir, 'org.yaml')).code, 0);
      writeFileSync(
        join(dir, 'code.sarif'),
        sarif('semgrep', [
          { rule: 'python.lang.security.audit.eval', file: 'app/run.py', line: 9, message: 'eval of user input' },
        ]),
      );
      assert.equal(entente(env, 'import', join(dir, 'code.sarif'), '--service', 'checkout-api').code, 0);
      assert.equal(ententeInput(env, `${password}\n`, 'people', 'password', 'raj@example.com').code, 0);
      proxy = reverseProxy(dir);
      await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
      publicUrl = `https://localhost:${(proxy.server.address() as AddressInfo).port}`;
      server = await serveCli({ ...env, ENTENTE_PUBLIC_URL: publicUrl, ENTENTE_TRUSTED_PROXIES: '127.0.0.1' });
      proxy.setTarget(server.url);
      world = await openBrowser([401, 403], { ignoreHTTPSErrors: true }); // 403: the cross-site sign-in refused on purpose
      page = world.page;
    });
    after(async () => {
      await world?.close();
      await server?.stop();
      await new Promise((resolve) => proxy?.server.close(resolve));
    });

    test('sign-in through the proxy sets a Secure, HttpOnly session cookie; a comment (a write with the CSRF header) is saved', async () => {
      await signIn(page, publicUrl, 'raj@example.com');
      const cookie = (await page.context().cookies(publicUrl)).find((c) => c.httpOnly);
      assert.ok(cookie, 'a session cookie');
      assert.equal(
        cookie.secure,
        true,
        'the proxy said the browser came over HTTPS: the cookie never travels in clear',
      );
      assert.equal(cookie.sameSite, 'Lax');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Findings' }).click();
      await page.getByRole('link', { name: /eval/ }).first().click();
      await page.getByLabel('Comment').fill('We looked at this together; the fix ships on Thursday.');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      await page.getByText('We looked at this together; the fix ships on Thursday.').waitFor();
      await checkAccessible(page, 'a finding behind the proxy');
      assert.ok(
        proxy.forwarded.some((f) => f.path?.startsWith('/api/findings/') && f.proto === 'https'),
        'the API calls went through the proxy',
      );
      await signOut(page);
      assert.deepEqual(world!.problems, [], 'errors or CSP violations in the page');
    });

    test("a browser that sends only Origin (no Sec-Fetch-Site): the public address is Entente's own, another site is refused", async () => {
      const signInFrom = (origin: string) =>
        page.request.post(`${publicUrl}/api/session`, {
          headers: { origin, 'content-type': 'application/json' },
          data: { email: 'raj@example.com', password },
        });
      const own = await signInFrom(publicUrl);
      assert.equal(own.status(), 200, await own.text());
      const other = await signInFrom('https://elsewhere.example');
      assert.equal(other.status(), 403);
      assert.match(((await other.json()) as { error: { message: string } }).error.message, /Entente's own pages only/);
    });
  });
}
