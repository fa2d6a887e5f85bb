import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { engines } from './support/engines.ts';
import { sarif, trivy } from './support/reports.ts';
import { browserSkip, checkAccessible, screenshot, signIn, signOut, webTeams } from './support/browser.ts';
import { webWorld } from './support/web-world.ts';

// The Gates and Changes pages in a real Chromium against `entente serve` (test/support/browser.ts): decisions per service
// and environment and a decision's receipt; a change request whose risk check updates as it is typed, the approvals
// inbox (Home and the Changes page), leases ending, and open ports no approved change covers.

const org = `${webTeams}services:
  - name: checkout-api
    owner: payments
    criticality: 4
    exposure: internet
    hosts: [10.20.0.5]
  - name: ledger
    owner: payments
    criticality: 3
    exposure: internal
`;
const inDays = (d: number): string => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
const nmap = `<?xml version="1.0"?><nmaprun scanner="nmap" version="7.93"><scaninfo type="syn" protocol="tcp" numservices="1" services="1-1024"/>
<host><status state="up"/><address addr="10.20.0.5" addrtype="ipv4"/><ports><port protocol="tcp" portid="21"><state state="open"/><service name="ftp" product="vsftpd"/></port></ports></host></nmaprun>`;

for (const engine of engines) {
  describe(`the Gates and Changes pages in Chromium [${engine}]`, { skip: browserSkip }, () => {
    // 400: the preview of a request still missing fields
    const w = webWorld(engine, 'web-work', {
      org,
      signIn: ['raj@example.com', 'ana@example.com', 'sam@example.com'],
      tokens: {
        raj: { role: 'engineer', person: 'raj@example.com' },
        ana: { role: 'engineer', person: 'ana@example.com' },
        sam: { role: 'security', person: 'sam@example.com' },
      },
      expectedStatuses: [400, 401, 409],
    });
    const { call, tokens } = w;
    let page: Page;
    const gates = { first: 0, second: 0, ledger: 0 };
    let lease = 0; // an approved change whose lease ends in five days

    before(async () => {
      page = w.page;
      await w.importReport(
        'checkout-api',
        'trivy.json',
        trivy([
          {
            cve: 'CVE-2021-44228',
            pkg: 'log4j-core',
            version: '2.14.1',
            fixed: '2.15.0',
            severity: 'CRITICAL',
            vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
          },
        ]),
      );
      await w.importReport(
        'ledger',
        'leaks.sarif',
        sarif('gitleaks', [
          { rule: 'aws-access-token', file: 'config/prod.env', line: 3, message: 'AWS access token' },
        ]),
      );
      gates.first = (
        await call<{ id: number }>(tokens.raj, 'POST', '/api/gates', {
          service: 'checkout-api',
          env: 'prod',
          version: '1.4.1',
        })
      ).id;
      await w.importReport(
        'checkout-api',
        'trivy2.json',
        trivy([
          {
            cve: 'CVE-2021-44228',
            pkg: 'log4j-core',
            version: '2.14.1',
            fixed: '2.15.0',
            severity: 'CRITICAL',
            vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
          },
          { cve: 'CVE-2022-42889', pkg: 'commons-text', version: '1.9', fixed: '1.10.0', severity: 'HIGH' },
        ]),
      );
      gates.second = (
        await call<{ id: number }>(tokens.raj, 'POST', '/api/gates', {
          service: 'checkout-api',
          env: 'prod',
          version: '1.4.2',
        })
      ).id;
      gates.ledger = (
        await call<{ id: number }>(tokens.raj, 'POST', '/api/gates', {
          service: 'ledger',
          env: 'prod',
          version: '7.0.0',
        })
      ).id;
      await call(tokens.sam, 'POST', '/api/exposure?name=scan.xml', undefined, nmap);
      lease = (
        await call<{ id: number }>(tokens.raj, 'POST', '/api/changes', {
          type: 'firewall',
          service: 'checkout-api',
          title: 'Partner webhook',
          protocol: 'https',
          destination: ['10.20.0.5'],
          source: ['203.0.113.0/24'],
          end: `${inDays(5)}T17:00:00Z`,
        })
      ).id;
      const shown = await call<{ status: string; approvals: { awaiting: string[] } }>(
        tokens.raj,
        'GET',
        `/api/changes/${lease}`,
      );
      if (shown.status === 'submitted')
        await call(
          shown.approvals.awaiting.includes('Security') ? tokens.sam : tokens.ana,
          'POST',
          `/api/changes/${lease}/approve`,
          {},
        );
    });

    test("Gates: the latest decision per service and environment; a receipt with its controls and commitments, what changed since the last go, and a no-go's path to go", async () => {
      await signIn(page, w.url, 'raj@example.com');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Gates' }).click();
      const latest = page.getByRole('table', { name: 'Latest decision per service and environment' });
      await latest.waitFor();
      assert.equal(
        await latest.getByRole('row').count(),
        3,
        'a header row, checkout-api in prod and ledger in prod (only the latest of each)',
      );
      assert.equal(await latest.getByRole('link', { name: `decision ${gates.first} for` }).count(), 0);
      await checkAccessible(page, 'the Gates page');
      await screenshot(page, 'gates');

      await latest
        .getByRole('link', { name: `go with controls decision ${gates.second} for checkout-api in prod` })
        .click();
      await page
        .getByRole('heading', { name: `Decision ${gates.second}: go with controls for checkout-api in prod`, level: 1 })
        .waitFor();
      const controls = page.getByRole('table', { name: 'Controls this decision asks for' });
      await controls.getByRole('cell', { name: /^A WAF rule/ }).waitFor();
      assert.match(
        await controls.innerText(),
        /open\s+commitment \d+, due \d{4}-\d\d-\d\d/,
        'each control with the commitment behind it',
      );
      assert.match(await page.locator('dl.facts').innerText(), /Version\s+1\.4\.2/);
      const since = page.getByRole('region', { name: 'What changed since the last go' });
      await since.getByRole('link', { name: `decision ${gates.first}` }).waitFor();
      assert.match(await since.innerText(), /commons-text/, 'the finding that came after the last go');
      await checkAccessible(page, "a gate decision's receipt");
      await screenshot(page, 'gate');

      await page.goto(`${w.url}/gates?service=ledger`);
      await page
        .getByRole('table', { name: 'Decisions for ledger, newest first' })
        .getByRole('link', { name: `Decision ${gates.ledger}` })
        .click();
      await page
        .getByRole('heading', { name: `Decision ${gates.ledger}: no-go for ledger in prod`, level: 1 })
        .waitFor();
      const path = page.getByRole('region', { name: 'The path to go' });
      await path
        .getByRole('link', { name: /^finding \d+$/ })
        .first()
        .waitFor();
      await checkAccessible(page, 'a no-go decision');
      await signOut(page);
    });

    test('Changes: the risk check, safeguards, approvals and longest lease update as the request is typed; previews store nothing; the request goes in with its reason for FTP', async () => {
      const before = (await call<{ items: unknown[] }>(tokens.raj, 'GET', '/api/changes')).items.length;
      await signIn(page, w.url, 'raj@example.com');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Changes' }).click();
      await page.getByRole('heading', { name: 'Changes', level: 1 }).waitFor();
      const check = page.getByRole('region', { name: 'Risk check' });
      await check.getByText('The risk check shows here as you fill in the form.').waitFor();

      await page.getByLabel('Type').selectOption('file-share');
      await page.getByLabel('Service').selectOption('checkout-api');
      await page.getByLabel('What it is for').fill('Upload folder for Acme');
      await check.getByText(/^Still needed: .*file-share change names its destination/).waitFor();
      await page.getByLabel('Protocol').fill('sftp');
      await page.getByLabel('Hosts it opens').fill('10.20.0.5');
      await page.getByLabel('Who may connect').fill('203.0.113.0/24');
      await page.getByLabel('Sign-in').selectOption('password');
      await page.getByLabel('Reachable from the internet').check();
      await page.getByLabel('Ends on').fill(inDays(5));
      await check.getByText('Longest lease').waitFor();
      const safer = await check.innerText();
      assert.doesNotMatch(safer, /Risk\s+high/);

      await page.getByLabel('Protocol').fill('ftp');
      await check.getByText(/^high$/).waitFor();
      const text = await check.innerText();
      assert.match(text, /Safeguards\s+.*client's IP range/s);
      assert.match(text, /Approvals\s+payments and Security/);
      assert.match(text, /Longest lease\s+7 days, this one until \d{4}-\d\d-\d\d/);
      assert.match(text, /SFTP gives the same access/);
      assert.equal(
        (await call<{ items: unknown[] }>(tokens.raj, 'GET', '/api/changes')).items.length,
        before,
        'previews store nothing',
      );
      await checkAccessible(page, 'the Changes page with a risk check');
      await screenshot(page, 'changes');

      await page.getByLabel(/^Why FTP rather than the safer way/).fill("Acme's system only speaks FTP.");
      await page.getByRole('button', { name: 'Request the change' }).click();
      const status = page.getByRole('status').filter({ hasText: /^Change \d+: / });
      await status.waitFor();
      assert.match(await status.innerText(), /payments and Security|payments/);
      const mine = page.getByRole('region', { name: 'Your requests' });
      await mine.getByRole('heading', { name: /^Change \d+: Upload folder for Acme$/ }).waitFor();

      const ending = page.getByRole('table', { name: /^Access that ends soon/ });
      await ending.getByRole('cell', { name: `Change ${lease}: Partner webhook` }).waitFor();
      const open = page.getByRole('table', { name: 'Ports open that no approved change covers' });
      await open.getByRole('cell', { name: '10.20.0.5:21/tcp' }).waitFor();
      await signOut(page);
    });

    test('Approvals: the owner team sees the change on Home and approves it; Security declines only with a reason', async () => {
      const asked = (
        await call<{ items: { id: number; title: string }[] }>(tokens.raj, 'GET', '/api/changes?status=submitted')
      ).items.find((c) => c.title === 'Upload folder for Acme')!.id;
      await signIn(page, w.url, 'ana@example.com');
      await page
        .getByRole('region', { name: 'Waiting for you' })
        .getByRole('link', { name: `Change ${asked} for payments` })
        .click();
      const forMe = page.getByRole('region', { name: 'Waiting for your approval' });
      await forMe.getByRole('heading', { name: `Change ${asked}: Upload folder for Acme` }).waitFor();
      await checkAccessible(page, 'the approvals inbox');
      await page.getByRole('button', { name: `Approve change ${asked}` }).focus();
      await page.keyboard.press('Enter');
      await page
        .getByRole('status')
        .filter({ hasText: `Change ${asked}:` })
        .waitFor();
      await page.getByText('No change waits for your approval.').waitFor();
      await signOut(page);

      await signIn(page, w.url, 'sam@example.com');
      await page
        .getByRole('region', { name: 'Waiting for you' })
        .getByRole('link', { name: `Change ${asked} for payments` })
        .click();
      await page.getByRole('button', { name: `Decline change ${asked}` }).click();
      await page.getByRole('alert').filter({ hasText: 'say why you decline' }).waitFor();
      await page
        .getByLabel(`Reason to decline change ${asked}`)
        .fill('An SFTP share is ready on the same host; please use that.');
      await page.getByRole('button', { name: `Decline change ${asked}` }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `Change ${asked}:` })
        .waitFor();
      const declined = await call<{ status: string; declineReason: string; approvals: { owner: string } }>(
        tokens.raj,
        'GET',
        `/api/changes/${asked}`,
      );
      assert.deepEqual(
        [declined.status, declined.approvals.owner, declined.declineReason],
        ['declined', 'ana@example.com', 'An SFTP share is ready on the same host; please use that.'],
      );
      await signOut(page);
      assert.deepEqual(w.browser.problems, [], 'errors or CSP violations in the page');
    });
  });
}
