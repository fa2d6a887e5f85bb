import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { engines } from './support/engines.ts';
import { browserSkip, checkAccessible, screenshot, signIn, signOut, webTeams } from './support/browser.ts';
import { webWorld } from './support/web-world.ts';

// A review meeting run to its close from the web app, in a real Chromium against `entente serve`
// (test/support/browser.ts): a new review, closed with attendees, a decision and an action item that becomes a
// commitment of its team by its day; and a close the API refuses (a due day in the past), which shows the server's
// sentence beside the form and closes nothing.

const inDays = (d: number): string => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);

interface ReviewJson {
  id: number;
  closedAt: string | null;
  attendees: string[];
  decisions: { text: string }[];
  actions: { title: string; ownerTeam: string; dueDate: string; commitmentId: number | null }[];
}
interface CommitmentJson {
  id: number;
  kind: string;
  title: string;
  ownerTeam: string;
  dueDate: string;
  state: string;
  source: { type: string; id: number };
}

for (const engine of engines) {
  describe(`closing a review from the web app in Chromium [${engine}]`, { skip: browserSkip }, () => {
    // 400: the close the API refuses on purpose
    const w = webWorld(engine, 'web-reviews', {
      org: webTeams,
      signIn: ['ana@example.com', 'sam@example.com'],
      tokens: { sam: { role: 'security', person: 'sam@example.com' } },
      expectedStatuses: [400, 401],
    });
    let page: Page;
    before(() => {
      page = w.page;
    });
    const get = <T>(path: string): Promise<T> => w.call<T>(w.tokens.sam, 'GET', path);

    /** Starts a weekly review from the Reviews page's form and waits for its agenda; answers its id. */
    const newReview = async (team: string | { label: string }): Promise<number> => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reviews' }).click();
      const form = page.getByRole('form', { name: 'New review' });
      await form.getByLabel('Cadence').selectOption('weekly');
      await form.getByLabel('Team').selectOption(team);
      await form.getByRole('button', { name: 'New review' }).click();
      const title = page.getByRole('heading', { level: 1, name: /^Review \d+: / });
      await title.waitFor();
      return Number(/^Review (\d+):/.exec(await title.innerText())![1]);
    };

    test("Ana starts payments' weekly review and closes it with a decision and an action item: the item is a commitment of payments by its day, and the page shows the review closed", async () => {
      await signIn(page, w.url, 'ana@example.com');
      const id = await newReview('payments');
      const form = page.getByRole('form', { name: 'Close the review' });
      await form.getByLabel(/^Attendees/).fill('ana@example.com, sam@example.com');
      await form.getByLabel(/^Decisions/).fill('Upgrade log4j before the WAF work.\n');
      await form.getByRole('button', { name: 'Add an action item' }).click();
      const item = form.getByRole('group', { name: 'Action item 1' });
      await item.getByLabel('What').fill('Upgrade log4j-core on checkout-api');
      assert.equal(await item.getByLabel('Owning team').inputValue(), 'payments', "the review's team by default");
      await item.getByLabel('Due').fill(inDays(14));
      await checkAccessible(page, 'the close form with an action item');
      await screenshot(page, 'review-close', form);
      await form.getByRole('button', { name: 'Close the review' }).click();

      const status = page.getByRole('status').filter({ hasText: `Review ${id} is closed:` });
      await status.waitFor();
      const review = await get<ReviewJson>(`/api/reviews/${id}`);
      assert.ok(review.closedAt, 'the review is closed');
      assert.deepEqual(review.attendees, ['ana@example.com', 'sam@example.com']);
      assert.deepEqual(
        review.decisions.map((d) => d.text),
        ['Upgrade log4j before the WAF work.'],
      );
      assert.equal(review.actions.length, 1);
      const made = review.actions[0]!.commitmentId;
      assert.ok(made !== null, 'the action item became a commitment');
      assert.equal(
        await status.innerText(),
        `Review ${id} is closed: 2 attendees, 1 decision, 1 action item; the action items are now commitment ${made}.`,
      );

      const c = await get<CommitmentJson>(`/api/commitments/${made}`);
      assert.deepEqual(
        [c.kind, c.title, c.ownerTeam, c.dueDate, c.state, c.source],
        ['action', 'Upgrade log4j-core on checkout-api', 'payments', inDays(14), 'open', { type: 'review', id }],
      );

      const recorded = page.getByRole('region', { name: 'Recorded' });
      await recorded.getByText(/^closed on \d{4}-\d\d-\d\d by ana@example\.com$/).waitFor();
      await recorded.getByText('Upgrade log4j before the WAF work.', { exact: true }).waitFor();
      await recorded.getByText(`Upgrade log4j-core on checkout-api (payments, due ${inDays(14)})`).waitFor();
      assert.equal(
        await page.getByRole('form', { name: 'Close the review' }).count(),
        0,
        'a closed review has no form',
      );
      await checkAccessible(page, 'a closed review');

      await page.reload();
      await recorded.getByText(/^closed on /).waitFor();
      assert.equal(
        await page.getByRole('form', { name: 'Close the review' }).count(),
        0,
        'still closed after a reload',
      );
      const link = recorded.getByRole('link', { name: `commitment ${made}` });
      assert.equal(await link.getAttribute('href'), '/commitments');
      await link.click();
      await page.getByRole('heading', { name: `Commitment ${made}: Upgrade log4j-core on checkout-api` }).waitFor();
      await signOut(page);
    });

    test("Sam closes the organisation's review with an action item due in the past: the server's sentence shows beside the form and nothing is recorded", async () => {
      await signIn(page, w.url, 'sam@example.com');
      const id = await newReview({ label: 'the whole organisation' });
      const before = (await get<{ items: unknown[] }>('/api/commitments')).items.length;
      const form = page.getByRole('form', { name: 'Close the review' });
      await form.getByLabel(/^Decisions/).fill('Rotate the leaked AWS key today.');
      await form.getByRole('button', { name: 'Add an action item' }).click();
      await form.getByRole('button', { name: 'Add an action item' }).click();
      await form.getByRole('button', { name: 'Remove action item 2' }).click();
      assert.equal(await form.getByRole('group', { name: /^Action item / }).count(), 1, 'the second row is gone');
      const item = form.getByRole('group', { name: 'Action item 1' });
      await item.getByLabel('What').fill('Rotate the AWS access key');
      await item.getByLabel('Owning team').selectOption('payments');
      await item.getByLabel('Due').fill(inDays(-3));
      await form.getByRole('button', { name: 'Close the review' }).click();

      const refusal = form.getByRole('alert');
      await refusal.waitFor();
      assert.equal(
        await refusal.innerText(),
        `actions[0].due: ${inDays(-3)} has passed already; give a day from today on`,
      );
      await checkAccessible(page, 'the close form with a refusal');
      const review = await get<ReviewJson>(`/api/reviews/${id}`);
      assert.deepEqual(
        [review.closedAt, review.decisions, review.actions],
        [null, [], []],
        'the review is open and nothing is recorded',
      );
      assert.equal((await get<{ items: unknown[] }>('/api/commitments')).items.length, before, 'no commitment made');
      assert.equal(await item.getByLabel('What').inputValue(), 'Rotate the AWS access key', 'what was typed stays');

      await item.getByLabel('Due').fill(inDays(7));
      await form.getByRole('button', { name: 'Close the review' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `Review ${id} is closed:` })
        .waitFor();
      const closed = await get<ReviewJson>(`/api/reviews/${id}`);
      assert.deepEqual(
        closed.actions.map((a) => [a.ownerTeam, a.dueDate]),
        [['payments', inDays(7)]],
        'corrected, it closes with the item owed by payments',
      );
      await signOut(page);
      assert.deepEqual(w.browser.problems, [], 'errors or CSP violations in the page');
    });
  });
}
