/**
 * The web tests' browser: Debian's Chromium (/usr/bin/chromium) driven by playwright-core against `entente serve`,
 * every answer under the CSP the server sends, errors and CSP violations collected; signing in and out; an axe-core
 * accessibility check (serious and critical violations fail); a small screenshot into docs/screenshots/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Browser, Locator, Page } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';
const built = existsSync(join('dist', 'web', 'index.html'));

/** Why the browser tests cannot run here (for `skip`), or false. */
export const browserSkip: string | false = !existsSync(chromiumPath)
  ? `${chromiumPath} is missing (apt-get install chromium)`
  : !built
    ? 'the web app is not built (npm run build)'
    : false;

/** The Content-Security-Policy every response carries (src/http, the security headers): the app must work under it. */
export const csp =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

/** A password the tests set for the people who sign in. */
export const password = 'Correct-horse-7-battery';

export interface BrowserWorld {
  browser: Browser;
  page: Page;
  /** Console errors (other than the expected HTTP statuses), page errors and CSP violations seen so far. */
  problems: string[];
  close(): Promise<void>;
}

/** Starts Debian's Chromium, headless and quiet (no network of its own besides the pages'). */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Starts Chromium with one page whose every answer gets the CSP. `expectedStatuses`: HTTP error statuses the test
 * provokes on purpose (the browser logs them as console errors), e.g. [401, 409]. `ignoreHTTPSErrors`: for a test's
 * own self-signed certificate.
 */
export async function openBrowser(
  expectedStatuses: number[] = [401],
  opts: { ignoreHTTPSErrors?: boolean } = {},
): Promise<BrowserWorld> {
  const browser = await launchChromium();
  const page = await browser.newPage({
    viewport: { width: 1200, height: 800 },
    ignoreHTTPSErrors: opts.ignoreHTTPSErrors ?? false,
  });
  await page.route('**/*', async (route) => {
    const res = await route.fetch();
    await route.fulfill({ response: res, headers: { ...res.headers(), 'content-security-policy': csp } });
  });
  const problems: string[] = [];
  const expected = new RegExp(`status of (${expectedStatuses.join('|') || 'none'})`);
  page.on('console', (m) => {
    if (m.type() === 'error' && !expected.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  return {
    browser,
    page,
    problems,
    async close() {
      await page.unrouteAll({ behavior: 'ignoreErrors' });
      await browser.close();
    },
  };
}

/** Signs in from the home page (signed out first, even if an earlier test stopped half-way); waits for Home. */
export async function signIn(page: Page, url: string, email: string): Promise<void> {
  await page.context().clearCookies();
  await page.goto(`${url}/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Due this week', level: 1 }).waitFor();
}

/** Signs out with the header's button and waits for the sign-in form. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Email').waitFor();
}

let axeSource: string | undefined;

/**
 * Runs axe-core in the page and fails on serious or critical violations, naming each rule and where. The script is
 * evaluated through the DevTools protocol, which the page's CSP does not govern (the app itself stays under it).
 */
export async function checkAccessible(page: Page, what: string): Promise<void> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            ctx: Document,
            opts: unknown,
          ) => Promise<{
            violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
          }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)),
    }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.targets.join(', ')}`),
    [],
    `accessibility of ${what}`,
  );
}

/**
 * Saves what the page shows (from the top) as NAME.png, or only the part `of` names: into docs/screenshots/ (which the
 * README's web section shows) when ENTENTE_SCREENSHOTS=docs, else into a temporary folder, so that a test run leaves
 * the working tree as it was (the pictures hold dates and ids that change every run).
 */
export async function screenshot(page: Page, name: string, of?: Locator, fullPage = false): Promise<void> {
  const dir =
    process.env.ENTENTE_SCREENSHOTS === 'docs' ? join('docs', 'screenshots') : join(tmpdir(), 'entente-screenshots');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
  });
  if (of) await of.screenshot({ path, animations: 'disabled', caret: 'hide' });
  else await page.screenshot({ path, fullPage, animations: 'disabled', caret: 'hide' });
}

/** The organisation the page tests sign in to: payments (lead Ana, engineer Raj) and Security (Sam). */
export const webTeams = `teams:
  - name: payments
    kind: engineering
    lead: ana@example.com
    members: [ana@example.com, raj@example.com]
  - name: appsec
    kind: security
    members: [sam@example.com]
`;

/** That organisation with checkout-api, payments' internet-facing service of criticality 4. */
export const webOrg = `${webTeams}services:
  - name: checkout-api
    owner: payments
    criticality: 4
    exposure: internet
`;
