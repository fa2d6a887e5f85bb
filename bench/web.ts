/**
 * The web app in Chromium against a real `entente serve` on PostgreSQL with BENCH_STORED (1,000,000) findings, in
 * Chromium's own clock (`performance.now()` in the page, from the navigation's start):
 * - Home and Findings interactive: from navigation to the first animation frame in which the page's table with the
 *   API's data is on the page, checked in the page at every frame (target ≤ 1 s);
 * - a filter change on Findings: from the click on "Show findings" to its first page drawn (target ≤ 200 ms).
 * BENCH_WEB_RUNS (7) of each, after one warm-up; prints the median and the worst. The limit measured in the same run:
 * the same navigation to a page that asks the API nothing (the "page not found" page), i.e. the browser's and the
 * script's own start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { chromium, type Page } from 'playwright-core';
import { openDatabase } from '../src/db/connect.ts';
import { setPassword } from '../src/people/passwords.ts';
import { createScratchPg } from '../test/support/scratch-pg.ts';
import { benchOrg, figure, seedFindings } from './support.ts';

const stored = Number(process.env.BENCH_STORED ?? 1_000_000);
const runs = Number(process.env.BENCH_WEB_RUNS ?? 7);
const chromiumPath = '/usr/bin/chromium';
const password = 'Bench-horse-7-battery';
const person = 'bench-ci@example.com';

if (!existsSync(chromiumPath) || !existsSync(join('dist', 'web', 'index.html'))) {
  console.log(
    `bench web: skipped (${existsSync(chromiumPath) ? 'the web app is not built: npm run build' : `${chromiumPath} is missing: apt-get install chromium`})`,
  );
  process.exit(0);
}

const scratch = await createScratchPg('entente_bench_web');
const auditKey = randomBytes(32).toString('hex');
const dataDir = mkdtempSync(join(tmpdir(), 'entente-bench-web-'));
let server: ChildProcess | undefined;
try {
  const database = await openDatabase({ url: scratch.url, auditKey });
  await benchOrg(database);
  const t0 = performance.now();
  await seedFindings(database.db, stored);
  await sql`analyze`.execute(database.db);
  figure('web: seeded findings [postgres]', stored / ((performance.now() - t0) / 1000), 'rows/s');
  await setPassword(database.db, person, password, { actor: 'bench' });
  await database.close();

  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const base = `http://127.0.0.1:${port}`;
  server = spawn(process.execPath, ['dist/entente.js', 'serve', '--port', String(port)], {
    env: { ...process.env, DATABASE_URL: scratch.url, ENTENTE_AUDIT_KEY: auditKey, ENTENTE_DATA: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    server!.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes('listening on')) resolve();
    });
    server!.once('exit', (code) => reject(new Error(`the server exited with ${code}: ${seen}`)));
  });

  const browser = await chromium.launch({
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
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(`${base}/`);
    await page.getByLabel('Email').fill(person);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Due this week', level: 1 }).waitFor();

    // Milliseconds from the navigation's start to the first animation frame in which `ready` is on the page, read in
    // the page itself at every frame: Playwright's own waiting polls at growing intervals (up to half a second), which
    // measured its polling, not the page.
    const drawnAt = (page: Page, readies: string[]): Promise<number> =>
      page
        .waitForFunction(
          (sels) => {
            const found = sels.some((sel) => {
              const [kind, text] = sel.split('|') as [string, string];
              if (kind === 'caption')
                return [...document.querySelectorAll('table > caption')].some((c) => c.textContent === text);
              if (kind === 'h1') return [...document.querySelectorAll('h1')].some((h) => h.textContent === text);
              return (document.body.textContent ?? '').includes(text);
            });
            return found && performance.now();
          },
          readies,
          { polling: 'raf' },
        )
        .then((h) => h.jsonValue() as Promise<number>);
    const sinceNavigation = async (path: string, ...readies: string[]): Promise<number> => {
      await page.goto(`${base}${path}`, { waitUntil: 'commit' });
      return drawnAt(page, readies);
    };
    const findingsReady = (p: Page) => p.getByRole('table', { name: 'Findings' }).waitFor();

    // From the click on "Show findings" (priority act, service bench-other) to its first page drawn.
    const filterChange = async (i: number): Promise<number> => {
      await page.goto(`${base}/findings${i % 2 ? '?sort=due' : ''}`);
      await findingsReady(page);
      const form = page.getByRole('form', { name: 'Filter findings' });
      await form.getByLabel('Service').selectOption('bench-other');
      await form.getByRole('checkbox', { name: 'act' }).check();
      const answered = page.waitForResponse(
        (r) => r.url().includes('/api/findings?') && r.url().includes('priority=act'),
      );
      const start = await page.evaluate(() => performance.now());
      await form.getByRole('button', { name: 'Show findings' }).click();
      await answered;
      await findingsReady(page);
      const drawn = await page.evaluate(
        () => new Promise<number>((r) => requestAnimationFrame(() => r(performance.now()))),
      );
      return drawn - start;
    };

    const measure = async (once: (i: number) => Promise<number>): Promise<number[]> => {
      await once(0); // warm-up: the chunk in the browser's cache, the server's first queries
      const xs: number[] = [];
      for (let i = 1; i <= runs; i++) xs.push(await once(i));
      xs.sort((a, b) => a - b);
      return xs;
    };
    const median = (xs: number[]): number => xs[Math.floor(xs.length / 2)]!;
    const n = `${stored.toLocaleString('en')} findings`;

    const floor = await measure(() => sinceNavigation('/no-such-page', 'h1|Page not found'));
    figure(
      `web: a page that asks the API nothing, drawn (the floor) [postgres]`,
      median(floor),
      `ms (worst ${floor.at(-1)!.toFixed(0)} ms)`,
    );
    const home = await measure(() =>
      sinceNavigation('/', 'caption|Due this week', 'text|No finding is due this week.'),
    );
    figure(
      `web: Home interactive, median of ${runs} (${n}) [postgres]`,
      median(home),
      `ms (worst ${home.at(-1)!.toFixed(0)} ms; ${(median(home) / median(floor)).toFixed(1)}x the floor)`,
      '<= 1000 ms',
    );
    const findings = await measure(() => sinceNavigation('/findings', 'caption|Findings'));
    figure(
      `web: Findings interactive, median of ${runs} (${n}) [postgres]`,
      median(findings),
      `ms (worst ${findings.at(-1)!.toFixed(0)} ms; ${(median(findings) / median(floor)).toFixed(1)}x the floor)`,
      '<= 1000 ms',
    );
    const filter = await measure(filterChange);
    figure(
      `web: a filter change on Findings to its first page, median of ${runs} (${n}) [postgres]`,
      median(filter),
      `ms (worst ${filter.at(-1)!.toFixed(0)} ms)`,
      '<= 200 ms',
    );
  } finally {
    await browser.close();
  }
} finally {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server!.once('exit', r));
  }
  rmSync(dataDir, { recursive: true, force: true });
  await scratch.drop();
}
