import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { engines } from './support/engines.ts';
import { sarif, trivy } from './support/reports.ts';
import { browserSkip, checkAccessible, screenshot, signIn, signOut, webOrg } from './support/browser.ts';
import { webWorld } from './support/web-world.ts';

// The Findings page's bulk actions and saved views, the Finding page's tone suggestion while typing, and the
// Commitments page for commitments Entente checks itself, in a real Chromium against `entente serve`
// (test/support/browser.ts).

const org = webOrg;

for (const engine of engines) {
  describe(`the Findings page's bulk actions and saved views, tone suggestions and checked commitments in Chromium [${engine}]`, {
    skip: browserSkip,
  }, () => {
    const w = webWorld(engine, 'web-findings', {
      org,
      signIn: ['raj@example.com', 'ana@example.com'],
      tokens: { raj: { role: 'engineer', person: 'raj@example.com' } },
      expectedStatuses: [401],
    });
    let page: Page;
    const get = async <T>(path: string): Promise<T> => {
      const res = await fetch(`${w.url}${path}`, { headers: { authorization: `Bearer ${w.tokens.raj}` } });
      assert.equal(res.status, 200, path);
      return (await res.json()) as T;
    };
    type Row = { id: number; title: string; status: string; assignee: string | null; kind: string };

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
        'checkout-api',
        'lint.sarif',
        sarif(
          'Lint',
          Array.from({ length: 53 }, (_, i) => ({
            rule: `L${i}`,
            file: `src/f${i}.ts`,
            line: i + 1,
            level: 'note' as const,
          })),
        ),
      );
      const gate = await w.call<{ exitCode: number }>(w.admin, 'POST', '/api/gates', {
        service: 'checkout-api',
        env: 'prod',
      });
      assert.equal(gate.exitCode, 10, JSON.stringify(gate));
    });

    test('bulk: assign three selected rows, mark a whole page false positive only with a reason, and ask one exception for a selection', async () => {
      await signIn(page, w.url, 'raj@example.com');
      await page.goto(`${w.url}/findings?kind=code&sort=newest`);
      const table = page.getByRole('table', { name: 'Findings' });
      await table.getByRole('row').nth(50).waitFor();
      const boxes = table.getByRole('checkbox', { name: /^Select finding \d+:/ });
      const chosen: number[] = [];
      for (const i of [0, 1, 2]) {
        if (i < 2) await boxes.nth(i).check();
        else {
          await boxes.nth(i).focus();
          await page.keyboard.press('Space');
        } // the keyboard alone selects a row too
        chosen.push(Number(/Select finding (\d+):/.exec((await boxes.nth(i).getAttribute('aria-label'))!)![1]));
      }
      await page.getByText('3 findings selected').waitFor();
      await page.getByLabel('Assign to').fill('ana@example.com');
      await checkAccessible(page, 'the Findings page with rows selected');
      await screenshot(page, 'findings-bulk');
      await page.getByLabel('Assign to').press('Enter'); // Enter in the field submits its form
      await page.getByRole('status').filter({ hasText: 'Assigned 3 findings to ana@example.com.' }).waitFor();
      const code = (await get<{ items: Row[] }>('/api/findings?kind=code&limit=100')).items;
      assert.deepEqual(
        code
          .filter((f) => f.assignee === 'ana@example.com')
          .map((f) => f.id)
          .sort(),
        [...chosen].sort(),
      );

      // The whole page (50 rows), one request per finding through the API.
      await page.getByRole('checkbox', { name: 'Select every finding on this page' }).check();
      await page.getByText('50 findings selected').waitFor();
      await page.getByRole('button', { name: 'Mark false positive' }).click();
      await page.getByRole('alert').filter({ hasText: 'say why they are false positives' }).waitFor();
      await page
        .getByLabel('Reason they are false positives')
        .fill('Lint notes on generated code; the generator is excluded from now on.');
      await page.getByRole('button', { name: 'Mark false positive' }).click();
      await page.getByRole('status').filter({ hasText: 'Marked 50 findings as false positive.' }).waitFor();
      const all = (await get<{ items: Row[] }>('/api/findings?kind=code&status=all&limit=100')).items;
      assert.equal(all.filter((f) => f.status === 'false_positive').length, 50);
      assert.equal(
        all.filter((f) => f.status === 'open').length,
        3,
        'the rows that were not on the page are untouched',
      );
      const one = await get<{ comments: { body: string }[] }>(
        `/api/findings/${all.find((f) => f.status === 'false_positive')!.id}`,
      );
      assert.equal(one.comments.at(-1)!.body, 'Lint notes on generated code; the generator is excluded from now on.');
      await page.getByText('No finding selected').waitFor();

      await page.goto(`${w.url}/findings?kind=dependency`);
      await page.getByRole('checkbox', { name: /^Select finding \d+: .*log4j-core/ }).check();
      await page.getByLabel('Reason for an exception').fill('The vendor ships the fixed build next week.');
      await page.getByLabel('Controls meanwhile (one a line)').fill('WAF rule blocks JNDI lookups');
      await page.getByRole('button', { name: 'Ask for an exception' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /^Exception \d+: / })
        .waitFor();
      const asked = (
        await get<{ items: { findings: { title: string }[]; controls: string[] }[] }>(
          '/api/exceptions?status=requested',
        )
      ).items;
      assert.deepEqual(
        asked.map((e) => [e.findings.map((f) => f.title.includes('log4j-core')), e.controls]),
        [[[true], ['WAF rule blocks JNDI lookups']]],
      );
      await signOut(page);
    });

    test('saved views: the team saves the current filter under a name, opens it from the list, and deletes it', async () => {
      await signIn(page, w.url, 'raj@example.com');
      await page.goto(`${w.url}/findings?kind=code&status=false_positive`);
      const views = page.getByRole('region', { name: 'Saved views' });
      await views.getByText('No saved view yet').waitFor();
      await page.getByRole('button', { name: 'Save this view' }).click();
      await page.getByRole('alert').filter({ hasText: 'give the view a name' }).waitFor();
      await page.getByLabel('View name').fill('Ruled-out lint');
      assert.equal(await page.getByLabel('For team').inputValue(), 'payments');
      await page.getByRole('button', { name: 'Save this view' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved “Ruled-out lint” for payments.' }).waitFor();
      await checkAccessible(page, 'the saved views');
      await signOut(page);

      // Another member of the team sees it and opens it.
      await signIn(page, w.url, 'ana@example.com');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Findings' }).click();
      await views.getByRole('link', { name: 'Ruled-out lint' }).click();
      await page.waitForURL(
        (u) =>
          u.pathname === '/findings'
          && u.searchParams.get('kind') === 'code'
          && u.searchParams.get('status') === 'false_positive'
          && !u.searchParams.has('cursor'),
      );
      assert.equal(await page.getByLabel('Status').inputValue(), 'false_positive');
      await page.getByRole('table', { name: 'Findings' }).getByRole('row').nth(50).waitFor();
      await page.getByRole('button', { name: 'Delete view Ruled-out lint of payments' }).click();
      await page.getByRole('status').filter({ hasText: 'Deleted “Ruled-out lint” of payments.' }).waitFor();
      await views.getByText('No saved view yet').waitFor();
      await signOut(page);
    });

    test("a comment shows the tone check's suggestion as it is typed, offers a rewrite, and is saved either way", async () => {
      await signIn(page, w.url, 'raj@example.com');
      const id = (await get<{ items: Row[] }>('/api/findings?kind=code&limit=1')).items[0]!.id;
      await page.goto(`${w.url}/findings/${id}`);
      const box = page.getByLabel('Comment');
      await box.fill('IT cannot deploy this change.');
      const hint = page.locator('#w-tone');
      await hint.getByText('A suggestion on tone').waitFor();
      assert.match(await hint.innerText(), /“IT cannot”: .*refusal/s);
      await checkAccessible(page, 'a finding with a tone suggestion');
      await screenshot(page, 'finding-tone', page.getByRole('region', { name: 'Work on it' }));
      await hint.getByRole('button', { name: 'Use this wording' }).click();
      assert.equal(await box.inputValue(), 'We can deploy this change with these safeguards in place: …');
      await box.fill('You failed to patch this. Fix it ASAP!!');
      await hint.getByText('A suggestion on tone').waitFor();
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      await page.getByText('You failed to patch this. Fix it ASAP!!').waitFor(); // a suggestion, never a block
      assert.equal(await box.inputValue(), '');
      await box.fill("Let's pair on the upgrade together on Thursday.");
      await hint.getByText('A suggestion on tone').waitFor({ state: 'detached' });
      await signOut(page);
    });

    test('Commitments: one Entente checks itself says so and asks for no evidence; the header names the lead as lead', async () => {
      await signIn(page, w.url, 'ana@example.com');
      await page.getByText('ana@example.com (lead of payments)').waitFor();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Commitments' }).click();
      const fix = page.getByRole('article').filter({ hasText: /Fix the finding/ });
      await fix
        .getByText(/^Entente checks this at the next scan or gate: it is done once the finding is fixed\./)
        .waitFor();
      assert.equal(
        await fix.getByRole('button', { name: /^Verify/ }).count(),
        0,
        'no evidence asked for a check Entente runs',
      );
      assert.equal(await fix.getByRole('textbox').count(), 0);
      const waf = page.getByRole('article').filter({ hasText: /A WAF rule/ });
      assert.equal(await waf.getByRole('button', { name: /^Verify commitment \d+$/ }).count(), 1);
      for (const card of [fix, waf]) {
        const title = (await card.getByRole('heading').innerText()).replace(/^Commitment \d+: /, '');
        assert.equal((await card.innerText()).split(title).length, 2, `"${title}" once on its card`);
      }
      await checkAccessible(page, 'the Commitments page');
      await signOut(page);
      assert.deepEqual(w.browser.problems, [], 'errors or CSP violations in the page');
    });
  });
}
