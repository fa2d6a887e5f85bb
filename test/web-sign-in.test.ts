import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { engines } from './support/engines.ts';
import { cliWorld, entente, freePortGuess, serveCli } from './support/cli.ts';
import { startProvider, type TestProvider } from './support/oidc-provider.ts';
import { browserSkip, csp, launchChromium, screenshot } from './support/browser.ts';

// Sign-in in a real Chromium (Debian's /usr/bin/chromium, driven by playwright-core) under the server's CSP: single
// sign-on through a real OpenID Connect provider on 127.0.0.1, an invitation link, and the Settings page.

const org = `teams:
  - name: payments
    kind: engineering
    lead: ana@example.com
    members: [ana@example.com]
  - name: it-ops
    kind: it-operations
    members: [ada@example.com]
services:
  - name: checkout-api
    owner: payments
    criticality: 4
    exposure: internet
  - name: wiki
    owner: it-ops
    criticality: 1
    exposure: isolated
`;

for (const engine of engines) {
  describe(`sign-in and Settings in Chromium [${engine}]`, { skip: browserSkip }, () => {
    const { dir, env } = cliWorld(engine, 'websignin');
    const port = freePortGuess();
    const url = `http://127.0.0.1:${port}`;
    let provider: TestProvider;
    let server: Awaited<ReturnType<typeof serveCli>>;
    let browser: import('playwright-core').Browser;
    before(async () => {
      writeFileSync(join(dir, 'org.yaml'), org);
      assert.equal(entente(env, 'org', 'apply', join(dir, 'org.yaml')).code, 0);
      // Ada is an admin: an admin token of her own makes her an admin in the web app too.
      const admin = entente(env, 'token', 'create', '--role', 'admin', '--name', 'ada', '--person', 'ada@example.com');
      assert.equal(admin.code, 0, admin.err);
      const gate = entente(env, 'gate', '--service', 'wiki', '--env', 'prod');
      assert.equal(gate.code, 0, gate.err); // a decision records the policy revision Settings compares
      provider = await startProvider(`${url}/api/session/oidc/callback`);
      Object.assign(env, {
        ENTENTE_PUBLIC_URL: url,
        ENTENTE_OIDC_ISSUER: provider.issuer,
        ENTENTE_OIDC_CLIENT_ID: provider.clientId,
        ENTENTE_OIDC_CLIENT_SECRET: provider.clientSecret,
        ENTENTE_OIDC_NAME: 'Test provider',
      });
      server = await serveCli(env, port);
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await server?.stop();
      await provider?.stop();
    });

    // A page whose Entente answers carry the CSP (any violation or error fails the test); nothing leaves this machine.
    const newPage = async () => {
      const page = await browser.newPage();
      const problems: string[] = [];
      await page.route('**/*', async (route) => {
        const target = new URL(route.request().url());
        if (target.hostname !== '127.0.0.1') return route.abort(); // the provider's page asks for a web font
        const res = await route.fetch({ maxRedirects: 0 });
        const ours = target.origin === url;
        await route.fulfill({
          response: res,
          headers: { ...res.headers(), ...(ours ? { 'content-security-policy': csp } : {}) },
        });
      });
      page.on('console', (m) => {
        if (m.type() === 'error' && page.url().startsWith(url) && !/status of 40[149]|net::ERR_FAILED/.test(m.text()))
          problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      return { page, problems };
    };

    test('single sign-on: the sign-in page offers the provider beside e-mail and password, and comes back signed in to the page it started from', async () => {
      const { page, problems } = await newPage();
      try {
        await page.goto(`${url}/findings?service=checkout-api`);
        await page.getByLabel('Email').waitFor();
        await page.getByLabel('Password').waitFor();
        await page.getByRole('link', { name: 'Sign in with Test provider' }).click();
        await page.getByPlaceholder('Enter any login').fill('ana@example.com');
        await page.getByPlaceholder('and password').fill('anything');
        await page.getByRole('button', { name: 'Sign-in' }).click();
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByRole('heading', { name: 'Findings', level: 1 }).waitFor();
        assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, '/findings?service=checkout-api');
        assert.match(await page.locator('.who').innerText(), /ana@example\.com \(lead of payments\)/);
        assert.deepEqual(problems, []);
      } finally {
        await page.unrouteAll({ behavior: 'ignoreErrors' });
        await page.close();
      }
    });

    test('an invitation link sets a password and signs in once; Settings shows the organisation, checks and compares the policy, and an admin makes and revokes tokens', async () => {
      const made = entente(env, 'people', 'invite', 'ada@example.com', '--json');
      assert.equal(made.code, 0, made.err);
      const link = (JSON.parse(made.out) as { url: string }).url;
      assert.ok(link.startsWith(`${url}/invite/`), link);
      const { page, problems } = await newPage();
      try {
        await page.goto(link);
        await page.getByText('Welcome, ada@example.com.').waitFor();
        await page.getByLabel('New password').fill('Ada-sets-her-own-password');
        await page.getByLabel('The same password again').fill('Ada-sets-her-own-passw0rd');
        await page.getByRole('button', { name: 'Set password and sign in' }).click();
        await page.getByRole('alert').filter({ hasText: 'the two passwords are not the same' }).waitFor();
        await page.getByLabel('The same password again').fill('Ada-sets-her-own-password');
        await page.getByRole('button', { name: 'Set password and sign in' }).click();
        await page.getByRole('link', { name: 'Settings' }).waitFor();
        assert.match(await page.locator('.who').innerText(), /ada@example\.com \(admin\)/);

        await page.getByRole('link', { name: 'Settings' }).click();
        await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
        assert.match(await page.title(), /^Settings · Entente$/);
        const teams = page.getByRole('table', { name: 'Teams' });
        await teams.getByRole('cell', { name: 'payments' }).waitFor();
        assert.equal(await page.getByRole('table', { name: 'Services' }).getByRole('row').count(), 3);

        await page.getByLabel('Candidate policy (YAML)').fill('sla:\n  act: soon\n');
        await page.getByRole('button', { name: 'Check policy' }).click();
        await page.getByRole('alert').filter({ hasText: 'sla.act' }).waitFor();
        await page.getByLabel('Candidate policy (YAML)').fill('sla:\n  act: 5\n');
        await page.getByRole('button', { name: 'Check policy' }).click();
        await page.getByRole('status').filter({ hasText: 'The candidate is valid' }).waitFor();
        assert.match(
          await page.getByLabel('From').innerText(),
          /revision 1 \(.*\), in force/,
          'the gate was decided under the policy in force',
        );
        await page.getByRole('button', { name: 'Compare' }).click();
        await page.getByRole('status').filter({ hasText: 'The two revisions are the same.' }).waitFor();

        await page.getByLabel('Name', { exact: true }).fill('ci-wiki');
        await page.getByLabel('Role').selectOption('auditor');
        await page.getByLabel('Ends', { exact: true }).fill('30d');
        await page.getByRole('button', { name: 'Create token' }).click();
        await page.getByRole('status').filter({ hasText: 'copy it now; it is shown only this once' }).waitFor();
        const row = page.getByRole('table', { name: 'Tokens' }).getByRole('row').filter({ hasText: 'ci-wiki' });
        await row.getByRole('cell', { name: 'active' }).waitFor();
        await screenshot(page, 'settings', undefined, true);
        await page.getByRole('button', { name: 'Revoke token ci-wiki' }).click();
        await page.getByRole('status').filter({ hasText: 'Token ci-wiki is revoked' }).waitFor();
        await row.getByRole('cell', { name: 'revoked' }).waitFor();

        // The link is used up: opened again, it says so and signs no one in.
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.getByLabel('Email').waitFor();
        await page.goto(link);
        await page.getByRole('alert').filter({ hasText: 'This invitation link has been used already' }).waitFor();
        assert.deepEqual(problems, []);
      } finally {
        await page.unrouteAll({ behavior: 'ignoreErrors' });
        await page.close();
      }
    });
  });
}
