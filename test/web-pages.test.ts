import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { engines } from './support/engines.ts';
import { entente } from './support/cli.ts';
import { trivy } from './support/reports.ts';
import {
  browserSkip,
  checkAccessible,
  screenshot,
  signIn as signInAs,
  signOut as signOutOf,
  webOrg,
} from './support/browser.ts';
import { webWorld } from './support/web-world.ts';

// The Exceptions and Commitments pages and Home's "waiting for you", in a real Chromium against `entente serve`, under
// the CSP the server sends (test/support/browser.ts).
const org = webOrg;

for (const engine of engines) {
  describe(`the Exceptions and Commitments pages in Chromium [${engine}]`, { skip: browserSkip }, () => {
    const w = webWorld(engine, 'web-pages', {
      org,
      signIn: ['raj@example.com', 'ana@example.com', 'sam@example.com'],
      tokens: {
        raj: { role: 'engineer', person: 'raj@example.com' },
        ana: { role: 'engineer', person: 'ana@example.com' },
        zoe: { role: 'security', person: 'zoe@example.com' },
      },
      expectedStatuses: [401, 409],
    });
    const { tokens } = w;
    let page: Page;
    let problems: string[] = [];
    const remote = (token: string, ...args: string[]) => entente({}, ...args, '--server', w.url, '--token', token);
    const get = async <T>(token: string, path: string): Promise<T> => {
      const res = await fetch(`${w.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200, path);
      return (await res.json()) as T;
    };
    let asked = 0; // the exception Security approves in the browser
    let other = 0; // the one Security declines
    let raced = 0; // the one another Security member approves while the page shows it

    before(async () => {
      ({ page, problems } = w.browser);
      await w.importReport(
        'checkout-api',
        'trivy.json',
        trivy([
          { cve: 'CVE-2021-44228', pkg: 'log4j-core', version: '2.14.1', fixed: '2.15.0', severity: 'CRITICAL' },
          { cve: 'CVE-2022-22965', pkg: 'spring-beans', version: '5.3.17', fixed: '5.3.18', severity: 'CRITICAL' },
          { cve: 'CVE-2022-42889', pkg: 'commons-text', version: '1.9', fixed: '1.10.0', severity: 'CRITICAL' },
        ]),
      );
      // raj asks for two exceptions; ana (the lead) approves the second here and the first in the browser.
      const findings = (await get<{ items: { id: number; title: string }[] }>(tokens.raj, '/api/findings')).items;
      const idOf = (pkg: string): string => String(findings.find((f) => f.title.includes(pkg))!.id);
      const request = (finding: string, reason: string): number => {
        const r = remote(
          tokens.raj,
          'exceptions',
          'request',
          '--finding',
          finding,
          '--reason',
          reason,
          '--control',
          'WAF rule blocks JNDI lookups',
          '--days',
          '14',
          '--json',
        );
        assert.equal(r.code, 0, r.err);
        return (JSON.parse(r.out) as { id: number }).id;
      };
      asked = request(idOf('log4j-core'), 'the vendor ships the fixed build next week');
      other = request(idOf('spring-beans'), 'we would rather not upgrade now');
      raced = request(idOf('commons-text'), 'only reachable from the admin console');
      const approved = remote(tokens.ana, 'exceptions', 'approve', String(other));
      assert.equal(approved.code, 0, approved.err);
    });

    const signIn = (email: string): Promise<void> => signInAs(page, w.url, email);
    const signOut = (): Promise<void> => signOutOf(page);

    test('the requester sees their own request waiting for Security, with no button to approve it', async () => {
      await signIn('raj@example.com');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Exceptions' }).click();
      await page.getByRole('heading', { name: 'Exceptions', level: 1 }).waitFor();
      const mine = page.getByRole('region', { name: 'Your requests' });
      await mine.getByRole('heading', { name: new RegExp(`^Exception ${asked}: payments`) }).waitFor();
      assert.match(await mine.innerText(), /Security/, 'it says whose approval it waits for');
      assert.equal(
        await page.getByRole('button', { name: /^Approve/ }).count(),
        0,
        "no approve button for one's own request",
      );
      await page.getByText('No request waits for your approval.').waitFor();
      // The server refuses it too, with its sentence.
      const self = remote(tokens.raj, 'exceptions', 'approve', String(asked));
      assert.notEqual(self.code, 0);
      assert.match(self.err, /own/);
      await signOut();
    });

    test('the team lead sees the request waiting for her on Home and approves it as lead; it then waits only for Security', async () => {
      await signIn('ana@example.com');
      await page
        .getByRole('region', { name: 'Waiting for you' })
        .getByRole('link', { name: `Exception ${asked} for payments` })
        .waitFor();
      await page.getByText('ana@example.com (lead of payments)').waitFor(); // a lead, not "(engineer)"
      await checkAccessible(page, 'Home');
      await screenshot(page, 'home');
      await page
        .getByRole('region', { name: 'Waiting for you' })
        .getByRole('link', { name: `Exception ${asked} for payments` })
        .click();
      const forMe = page.getByRole('region', { name: 'Waiting for you' });
      await forMe.getByRole('heading', { name: new RegExp(`^Exception ${asked}: payments`) }).waitFor();
      assert.equal(
        await forMe.getByRole('heading', { name: new RegExp(`^Exception ${other}:`) }).count(),
        0,
        'the one she approved already is not waiting for her',
      );
      await page.getByRole('button', { name: `Approve exception ${asked}` }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `Exception ${asked}:` })
        .waitFor();
      await forMe.getByRole('heading', { name: new RegExp(`^Exception ${asked}:`) }).waitFor({ state: 'detached' });
      assert.equal(
        await forMe.getByRole('heading', { name: new RegExp(`^Exception ${raced}: payments`) }).count(),
        1,
        'the other request still waits for her',
      );
      const shown = await get<{ status: string; approvals: { lead: string | null }; awaiting: string[] }>(
        tokens.raj,
        `/api/exceptions/${asked}`,
      );
      assert.deepEqual(
        [shown.status, shown.approvals.lead, shown.awaiting],
        ['requested', 'ana@example.com', ['Security']],
      );
      await signOut();
    });

    test('Security sees the pending exception from Home, declines one only with a reason, approves the other, and its finding becomes accepted', async () => {
      await signIn('sam@example.com');
      const waits = page.getByRole('region', { name: 'Waiting for you' });
      await waits.getByRole('link', { name: `Exception ${asked} for payments` }).click();
      await page.getByRole('heading', { name: 'Exceptions', level: 1 }).waitFor();
      const forMe = page.getByRole('region', { name: 'Waiting for you' });
      await forMe.getByRole('heading', { name: new RegExp(`^Exception ${asked}: payments`) }).waitFor();
      await forMe.getByRole('heading', { name: new RegExp(`^Exception ${other}: payments`) }).waitFor();
      await checkAccessible(page, 'the Exceptions page');
      await screenshot(page, 'exceptions');
      // The same page in a dark system theme: dark surfaces, and every text still readable (axe checks the contrast).
      await page.emulateMedia({ colorScheme: 'dark' });
      assert.equal(
        await page.evaluate(() => getComputedStyle(document.querySelector('.cards > li')!).backgroundColor),
        'rgb(29, 35, 43)',
      );
      await checkAccessible(page, 'the Exceptions page in dark mode');
      await screenshot(page, 'exceptions-dark');
      await page.emulateMedia({ colorScheme: 'light' });

      // Another Security member approves one while the page shows it: the click is refused with the server's sentence.
      await forMe.getByRole('heading', { name: new RegExp(`^Exception ${raced}: payments`) }).waitFor();
      const first = remote(tokens.zoe, 'exceptions', 'approve', String(raced));
      assert.equal(first.code, 0, first.err);
      await page.getByRole('button', { name: `Approve exception ${raced}` }).click();
      await page
        .getByRole('alert')
        .filter({
          hasText: `Exception ${raced} already has the approval of Security; it is waiting for the lead of payments (ana@example.com)`,
        })
        .waitFor();
      await forMe.getByRole('heading', { name: new RegExp(`^Exception ${raced}:`) }).waitFor({ state: 'detached' });

      // A decline needs a reason: none given, nothing is sent and the page says what is missing.
      await page.getByRole('button', { name: `Decline exception ${other}` }).click();
      await page.getByRole('alert').filter({ hasText: 'say why you decline' }).waitFor();
      await page
        .getByLabel(`Reason to decline exception ${other}`)
        .fill('Spring4Shell is exploited in the wild; upgrade instead');
      await page.getByRole('button', { name: `Decline exception ${other}` }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `Exception ${other}:` })
        .waitFor();
      assert.match(await page.getByRole('status').innerText(), /Spring4Shell is exploited/);
      await forMe.getByRole('heading', { name: new RegExp(`^Exception ${other}:`) }).waitFor({ state: 'detached' });

      await page.getByRole('button', { name: `Approve exception ${asked}` }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `Exception ${asked}:` })
        .waitFor();
      await page.getByText('No request waits for your approval.').waitFor();
      const ending = page.getByRole('region', { name: 'Ending within 30 days' });
      await ending.getByRole('heading', { name: new RegExp(`^Exception ${asked}: payments`) }).waitFor();
      await ending.getByRole('link', { name: /log4j-core/ }).click();
      await page.getByRole('heading', { name: /log4j-core/, level: 1 }).waitFor();
      assert.match(await page.locator('dl.facts').innerText(), /Status\s+accepted/);
      const shown = await get<{ status: string; endReason: string }>(tokens.raj, `/api/exceptions/${other}`);
      assert.equal(shown.status, 'declined');
      assert.match(shown.endReason, /Spring4Shell/);
      await signOut();
    });

    test('an engineer sees the control owed on Home and verifies it with evidence on the Commitments page', async () => {
      await signIn('raj@example.com');
      const due = page.getByRole('region', { name: 'Commitments' });
      await due.getByRole('link', { name: 'WAF rule blocks JNDI lookups' }).click();
      await page.getByRole('heading', { name: 'Commitments', level: 1 }).waitFor();
      const card = page.getByRole('article').filter({ hasText: 'WAF rule blocks JNDI lookups' });
      assert.match(await card.innerText(), /open due \d{4}-\d{2}-\d{2} · payments, checkout-api · exception \d+/);
      const id = /Commitment (\d+)/.exec(await card.getByRole('heading').innerText())![1]!;
      assert.equal(
        (await card.innerText()).split('WAF rule blocks JNDI lookups').length,
        2,
        'the title once, not repeated by the summary',
      );
      await checkAccessible(page, 'the Commitments page');
      await screenshot(page, 'commitments');

      await page.getByRole('button', { name: `Verify commitment ${id}` }).click();
      await page.getByRole('alert').filter({ hasText: 'add the evidence' }).waitFor();
      await page.getByLabel(`Evidence for commitment ${id}`).fill('WAF rule 9001 deployed, see change CHG-42');
      await page.getByRole('button', { name: `Verify commitment ${id}` }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `Commitment ${id}:` })
        .waitFor();
      await page.getByText('Nothing is owed.').waitFor();
      const verified = (
        await get<{ items: { id: number; evidence: string; verifiedBy: string }[] }>(
          tokens.raj,
          '/api/commitments?state=verified',
        )
      ).items;
      assert.deepEqual(
        verified.map((c) => [c.id, c.evidence, c.verifiedBy]),
        [[Number(id), 'WAF rule 9001 deployed, see change CHG-42', 'raj@example.com']],
      );
      await signOut();
      assert.deepEqual(problems, [], 'errors or CSP violations in the page');
    });
  });
}
