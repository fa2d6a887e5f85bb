// Runs every *.test.ts under src/ and test/ in node's test runner (one summary for CI), on both engines.
// ENTENTE_TEST_ENGINES=pglite limits the engines; arguments narrow the files (substring match).
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { cliBundleOptions } from './cli-bundle.mjs';

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const filters = process.argv.slice(2);
// The longest files first (each 30–135 s on a quiet 2-core machine, both engines), then the rest in name order: a long
// file started near the end (upgrade and the web files sort last by name) leaves the other workers with nothing to run.
const longest = [
  'test/upgrade.test.ts',
  'test/gate-crash.test.ts',
  'test/backup.test.ts',
  'test/web-goals.test.ts',
  'test/web-work.test.ts',
  'test/web-findings.test.ts',
  'test/web-pages.test.ts',
  'test/notifications-cli.test.ts',
  'test/web.test.ts',
  'test/web-reviews.test.ts',
];
const rank = (f) => {
  const i = longest.indexOf(f.split(sep).join('/'));
  return i < 0 ? longest.length : i;
};
const files = ['src', 'test']
  .flatMap((d) => walk(d))
  .filter((f) => !filters.length || filters.some((x) => f.includes(x)))
  .sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
// The CLI tests spawn the CLI a few hundred times: from a bundle of the sources made now (~1 s), each spawn starts in a
// fraction of the CPU the sources under tsx need (test/support/cli.ts). ENTENTE_TEST_CLI=src runs them on the sources.
// A folder of this run's own: two runs in one worktree do not replace each other's bundle.
const env = { ...process.env };
const bundle = join('.test-cli', String(process.pid));
if (env.ENTENTE_TEST_CLI === 'src') delete env.ENTENTE_TEST_CLI;
else {
  await build({ ...cliBundleOptions(bundle), sourcemap: false });
  env.ENTENTE_TEST_CLI = resolve(bundle, 'entente.js');
}
// --liftoff-only (inherited by each test file's process): V8 keeps PostgreSQL's WebAssembly in its baseline code
// instead of recompiling the hot parts in background threads, over a second of CPU in every process that opens an
// embedded database, for workloads that end within seconds. Measured on two samples of five test files (PGlite): 17 %
// and 14 % less CPU, the import-heavy sample included. The CLI processes the tests spawn choose for themselves.
// ENTENTE_TEST_RUN names this run's migrated PostgreSQL template (test/support/template.ts), dropped below.
// ENTENTE_TEST_CPU=FILE: each test file's CPU seconds, its children's and its wall seconds since its start, a line each (test-cpu.mjs).
const cpu = process.env.ENTENTE_TEST_CPU ? ['--import', './scripts/test-cpu.mjs'] : [];
const r = spawnSync(process.execPath, ['--liftoff-only', '--import', 'tsx', ...cpu, 'scripts/test-run.mjs', ...files], {
  stdio: 'inherit',
  env: { ...env, TEST_CONCURRENCY: concurrency, ENTENTE_TEST_RUN: String(process.pid) },
});
rmSync(bundle, { recursive: true, force: true });
await dropPgTemplates(String(process.pid));
process.exit(r.status ?? 1);

async function dropPgTemplates(run) {
  if (!(process.env.ENTENTE_TEST_ENGINES ?? 'postgres').includes('postgres')) return;
  const { default: pg } = await import('pg');
  const c = new pg.Client({
    connectionString: process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  try {
    await c.connect();
    const { rows } = await c.query('select datname from pg_database where datname like $1', [`entente_tmpl_%_${run}`]);
    for (const { datname } of rows) await c.query(`drop database if exists "${datname}" with (force)`);
  } catch (e) {
    console.error(`# could not drop this run's PostgreSQL template: ${e.message}`);
  } finally {
    await c.end().catch(() => {});
  }
}
