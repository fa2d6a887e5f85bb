import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { engines } from './support/engines.ts';
import { kev, sarif, trivy } from './support/reports.ts';
import { notificationEvents } from '../src/notifications/events.ts';
import { browserSkip, checkAccessible, screenshot, signIn, signOut, webTeams } from './support/browser.ts';
import { webWorld } from './support/web-world.ts';

// The Scorecard (with goals), Reviews and the notification preferences in Settings, in a real Chromium against
// `entente serve` (test/support/browser.ts): the card's numbers from real imports, a goal the API refuses and one it
// takes, a review whose agenda opens with its wins, and a preference that is still there after a reload.

const org = `${webTeams}services:
  - name: checkout-api
    owner: payments
    criticality: 4
    exposure: internet
  - name: ledger
    owner: payments
    criticality: 3
    exposure: internal
`;
const inDays = (d: number): string => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);

for (const engine of engines) {
  describe(`the Scorecard, Goals, Reviews and notification preferences in Chromium [${engine}]`, {
    skip: browserSkip,
  }, () => {
    // 400: the goal the API refuses on purpose
    const w = webWorld(engine, 'web-goals', {
      org,
      signIn: ['raj@example.com', 'ana@example.com', 'sam@example.com'],
      tokens: {
        raj: { role: 'engineer', person: 'raj@example.com' },
        sam: { role: 'security', person: 'sam@example.com' },
      },
      expectedStatuses: [400, 401],
    });
    const { call, tokens } = w;
    let page: Page;

    before(async () => {
      page = w.page;
      await call(w.admin, 'POST', '/api/feeds', undefined, kev(['CVE-2021-44228']));
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
          { cve: 'CVE-2022-42889', pkg: 'commons-text', version: '1.9', fixed: '1.10.0', severity: 'HIGH' },
        ]),
      );
      await w.importReport(
        'ledger',
        'leaks.sarif',
        sarif('gitleaks', [
          { rule: 'aws-access-token', file: 'config/prod.env', line: 3, message: 'AWS access token' },
        ]),
      );
    });

    test("Scorecard: open findings by priority, flow, time to fix, Security's service levels and the summary, for the organisation and for a team", async () => {
      const card = await call<{ open: { total: number }; trend: unknown[]; summary: string[] }>(
        tokens.sam,
        'GET',
        '/api/scorecard?team=payments',
      );
      assert.equal(card.open.total, 3, 'the three imported findings are open');
      await signIn(page, w.url, 'sam@example.com');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Scorecard' }).click();
      await page.getByRole('heading', { name: 'Scorecard', level: 1 }).waitFor();
      await page.getByRole('heading', { name: /^In short: the whole organisation, / }).waitFor();
      await page.getByLabel('Team').first().selectOption('payments');
      await page.getByRole('heading', { name: /^In short: payments, / }).waitFor();
      assert.match(
        page.url(),
        /\/scorecard\?team=payments$/,
        'the team is in the address, so a shared link shows the same card',
      );
      const open = page.getByRole('table', { name: 'Open findings by priority' });
      const cells = await open.getByRole('row').nth(1).getByRole('cell').allInnerTexts();
      assert.equal(cells[4], '3', 'the total');
      for (const s of card.summary) await page.getByText(s, { exact: true }).waitFor();
      await page
        .getByRole('table', { name: 'Time to fix by priority' })
        .getByRole('rowheader', { name: 'act' })
        .waitFor();
      const levels = page.getByRole('table', { name: "Security's service levels" });
      assert.equal(
        await levels.getByRole('row').count(),
        5,
        'a header and triage, exception answers, change answers and gate reviews',
      );
      if (card.trend.length >= 2)
        await page.getByRole('img', { name: /^Open findings from \d{4}-\d\d-\d\d to / }).waitFor();
      else await page.getByText('The trend shows once there are two days to compare.').waitFor();
      await page.getByRole('region', { name: 'Goals at risk' }).getByText('No goal is at risk.').waitFor();
      await checkAccessible(page, 'the Scorecard page');
      await screenshot(page, 'scorecard');
      await signOut(page);
    });

    test("Goals: the API's refusal shows next to the form (Security not among the owners); with Security the goal is set and listed with its progress and forecast", async () => {
      await signIn(page, w.url, 'ana@example.com');
      await page.goto(`${w.url}/goals`);
      const goals = page.getByRole('region', { name: 'Goals', exact: true });
      await goals.getByText('No goal is set yet.').waitFor();
      const form = page.getByRole('form', { name: 'Set a goal' });
      await form.getByLabel('Metric').selectOption('open-act-attend');
      await form.getByLabel('About').selectOption('payments');
      await form.getByRole('checkbox', { name: 'payments' }).check();
      await form.getByLabel('Target').fill('-50%');
      await form.getByLabel('Deadline').fill(inDays(60));
      await form.getByRole('button', { name: 'Set the goal' }).click();
      const refusal = form.getByRole('alert');
      await refusal.waitFor();
      assert.match(
        await refusal.innerText(),
        /owned by IT and Security together.*add appsec to --owners beside payments/,
      );
      assert.equal(
        (await call<{ items: unknown[] }>(tokens.raj, 'GET', '/api/goals')).items.length,
        0,
        'nothing was set',
      );
      await checkAccessible(page, 'the goal form with a refusal');

      await form.getByRole('checkbox', { name: 'appsec' }).check();
      await form.getByRole('button', { name: 'Set the goal' }).click();
      await form
        .getByRole('status')
        .filter({ hasText: /^Goal #\d+, owned by payments and appsec: / })
        .waitFor();
      const list = goals.getByRole('table', { name: 'Goals, soonest deadline first' });
      const row = list.getByRole('row').filter({ hasText: 'open act and attend findings (payments), target -50%' });
      await row.waitFor();
      assert.match(await row.innerText(), /payments, appsec/);
      assert.match(await row.innerText(), new RegExp(inDays(60)));
      await row.getByRole('progressbar', { name: /^Progress of goal \d+$/ }).waitFor();
      const [goal] = (
        await call<{ items: { owners: string[]; target: { text: string }; status: string }[] }>(
          tokens.raj,
          'GET',
          '/api/goals?team=payments',
        )
      ).items;
      assert.deepEqual([goal?.owners, goal?.target.text], [['payments', 'appsec'], '-50%']);
      await row.getByText(goal!.status.replace(/_/g, ' '), { exact: true }).waitFor();
      await checkAccessible(page, 'the goals with one set');
      await screenshot(page, 'goals', goals);
      await signOut(page);
    });

    test('Reviews: a new weekly review for payments opens its agenda, wins first, with the invitation to download; it is listed', async () => {
      await signIn(page, w.url, 'ana@example.com');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reviews' }).click();
      await page.getByText('No review has been held yet.').waitFor();
      await checkAccessible(page, 'the Reviews page, empty');
      const form = page.getByRole('form', { name: 'New review' });
      await form.getByLabel('Cadence').selectOption('weekly');
      await form.getByLabel('Team').selectOption('payments');
      await form.getByRole('button', { name: 'New review' }).click();
      const title = page.getByRole('heading', { level: 1, name: /^Review \d+: / });
      await title.waitFor();
      const id = Number(/^Review (\d+):/.exec(await title.innerText())![1]);
      const headings = await page.getByRole('heading', { level: 2 }).allInnerTexts();
      assert.equal(headings[0], 'Wins this period', 'the agenda opens with the wins');
      const stored = await call<{ agenda: { sections: { heading: string }[] } }>(
        tokens.raj,
        'GET',
        `/api/reviews/${id}`,
      );
      assert.deepEqual(
        headings.slice(0, stored.agenda.sections.length),
        stored.agenda.sections.map((s) => s.heading),
        "every section, in the API's order",
      );
      const ics = page.getByRole('link', { name: 'Download the invitation (.ics)' });
      assert.equal(await ics.getAttribute('href'), `/api/reviews/${id}?format=ics`);
      const got = await page.request.get(`${w.url}/api/reviews/${id}?format=ics`);
      assert.equal(got.status(), 200);
      assert.match(await got.text(), /^BEGIN:VCALENDAR/);
      await checkAccessible(page, "a review's agenda");
      await screenshot(page, 'review');

      await page.getByRole('link', { name: 'All reviews' }).click();
      await page
        .getByRole('table', { name: 'Reviews, newest first' })
        .getByRole('link', { name: `Review ${id}: payments` })
        .waitFor();
      await checkAccessible(page, 'the Reviews page');
      await screenshot(page, 'reviews');
      await signOut(page);
    });

    test('Notification preferences: raj turns off the due-soon e-mail and sets his time zone in Settings (a bad one is refused); they stay after a reload and the API says so', async () => {
      await signIn(page, w.url, 'raj@example.com');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
      const prefs = page.getByRole('table', { name: 'Which messages reach raj@example.com, and where' });
      await prefs.waitFor();
      assert.equal(await prefs.getByRole('row').count(), notificationEvents.length + 1, 'a header and a row per event');
      const dueSoon = page.getByLabel('Channel for A finding to act on is due soon');
      assert.equal(await dueSoon.inputValue(), 'email');
      await dueSoon.selectOption('none');
      await page
        .getByRole('status')
        .filter({ hasText: 'A finding to act on is due soon: no message from now on.' })
        .waitFor();
      assert.equal(
        await page.getByLabel('Channel for A new finding to attend to').inputValue(),
        'digest',
        'attend waits for the digest by default',
      );
      await page.getByLabel('Quiet hours (HH:MM-HH:MM; empty: none)').fill('20:00-07:00');
      await page.getByRole('button', { name: 'Save times' }).click();
      await page
        .getByRole('status')
        .filter({
          hasText: "Your digest goes out at 08:00; e-mails wait from 20:00 to 07:00; UTC time, the organisation's.",
        })
        .waitFor();
      // A time zone of his own: a name that is not one is refused, with the reason, and the times stay as they were.
      const zone = page.getByLabel("Time zone (e.g. Asia/Singapore; empty: the organisation's)");
      assert.equal(await zone.inputValue(), '', "the organisation's zone by default");
      await zone.fill('Mars/Olympus');
      await page.getByLabel('Daily digest at (HH:MM)').fill('07:15');
      await page.getByRole('button', { name: 'Save times' }).click();
      await page
        .getByRole('alert')
        .filter({
          hasText: 'timeZone: "Mars/Olympus" is not a time zone we know; use an IANA name such as Asia/Singapore',
        })
        .waitFor();
      assert.equal(
        (await call<{ digestTime: string }>(tokens.raj, 'GET', '/api/notifications/prefs')).digestTime,
        '08:00',
        'a refused zone saves nothing, not even the digest time beside it',
      );
      await zone.fill('Asia/Singapore');
      await page.getByRole('button', { name: 'Save times' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: 'Your digest goes out at 07:15; e-mails wait from 20:00 to 07:00; Asia/Singapore time.' })
        .waitFor();
      await checkAccessible(page, 'the Settings page with notification preferences');
      await screenshot(page, 'settings-notifications', page.getByRole('region', { name: 'Notifications' }));

      await page.reload();
      await prefs.waitFor();
      assert.equal(await page.getByLabel('Channel for A finding to act on is due soon').inputValue(), 'none');
      assert.equal(await zone.inputValue(), 'Asia/Singapore', 'his zone is still there after a reload');
      assert.equal(
        await page.getByLabel('Channel for A new finding to act on').inputValue(),
        'email',
        'the others are as they were',
      );
      const stored = await call<{
        prefs: { event: string; channel: string; isDefault: boolean }[];
        quiet: unknown;
        timeZone: string;
      }>(tokens.raj, 'GET', '/api/notifications/prefs');
      assert.deepEqual(
        stored.prefs.find((p) => p.event === 'finding.due_soon'),
        { event: 'finding.due_soon', label: 'a finding to act on is due soon', channel: 'none', isDefault: false },
      );
      assert.deepEqual(stored.quiet, { from: '20:00', to: '07:00' });
      assert.equal(stored.timeZone, 'Asia/Singapore');
      await signOut(page);
    });

    test("Home: the open findings of the engineer's team over the last 90 days, as the scorecard counts them", async () => {
      const from = inDays(-90);
      const card = await call<{ open: { total: number; act: number; attend: number }; trend: { day: string }[] }>(
        tokens.raj,
        'GET',
        `/api/scorecard?team=payments&from=${from}`,
      );
      await signIn(page, w.url, 'raj@example.com');
      const section = page.getByRole('region', { name: 'Open findings over time' });
      await section.waitFor();
      if (card.trend.length >= 2) {
        const chart = section.getByRole('img', { name: /^Open findings from / });
        const alt = await chart.getAttribute('aria-label');
        const last = card.trend[card.trend.length - 1]!.day;
        assert.match(
          alt!,
          new RegExp(
            `^Open findings from ${card.trend[0]!.day} to ${last}: \\d+ to ${card.open.total} in all, \\d+ to ${card.open.act + card.open.attend} act and attend`,
          ),
        );
      } else {
        await section.getByText('The trend shows once there are two days to compare.').waitFor();
      }
      await checkAccessible(page, 'Home with the chart');
      await screenshot(page, 'home-over-time', section);
      await signOut(page);
    });

    test("Notifications: raj sees what was sent to him (and not to ana) and sends a waiting one again; Security sees everyone's", async () => {
      const mine = await call<{ items: { id: number; subject: string; recipient: string | null; status: string }[] }>(
        tokens.raj,
        'GET',
        '/api/notifications',
      );
      assert.ok(mine.items.length > 0, 'the act finding was announced to payments (no SMTP here: the e-mails wait)');
      assert.ok(mine.items.every((n) => n.recipient === 'raj@example.com'));
      await signIn(page, w.url, 'raj@example.com');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Notifications' }).click();
      const table = page.getByRole('table', { name: 'Notifications' });
      await table.waitFor();
      assert.equal(
        await table.getByRole('row').count(),
        mine.items.length + 1,
        'a header and one row per notification',
      );
      assert.equal(
        await table.getByRole('columnheader', { name: 'To' }).count(),
        0,
        'an engineer sees only their own: no recipient column',
      );
      const first = mine.items[0]!;
      await table.getByRole('link', { name: first.subject }).first().waitFor();
      await checkAccessible(page, 'the Notifications page');
      await screenshot(page, 'notifications');
      if (first.status === 'pending' || first.status === 'failed') {
        // A failed one is sent again; one still waiting for its next try is sent now.
        const again = first.status === 'failed';
        await table
          .getByRole('button', { name: `${again ? 'Send again' : 'Send now'}: notification ${first.id}` })
          .click();
        await page
          .getByRole('status')
          .filter({ hasText: `Notification ${first.id} will be sent ${again ? 'again' : 'now'}` })
          .waitFor();
      }
      await page.getByLabel('Only those that could not be sent').check();
      await page.getByText('No notification has failed.').waitFor();
      await signOut(page);

      const all = await call<{ items: { recipient: string | null }[] }>(tokens.sam, 'GET', '/api/notifications');
      assert.ok(
        all.items.some((n) => n.recipient === 'ana@example.com'),
        'ana was told too',
      );
      await signIn(page, w.url, 'sam@example.com');
      await page.goto(`${w.url}/notifications`);
      const everyone = page.getByRole('table', { name: 'Notifications' });
      await everyone.getByRole('columnheader', { name: 'To' }).waitFor();
      await everyone.getByRole('cell', { name: 'ana@example.com' }).first().waitFor();
      await signOut(page);
      assert.deepEqual(w.browser.problems, [], 'errors or CSP violations in the page');
    });
  });
}
