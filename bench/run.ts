/** `npm run bench`: runs each benchmark in a process of its own (so peak memory is its own) and prints the figures. */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Each benchmark runs as an esbuild bundle, compiled as the shipped CLI is (scripts/build.mjs): tsx's on-the-fly
// transform wraps every closure in a naming helper, which cost about a tenth of an import's time and is not what
// users run.
async function bundle(name: string): Promise<string> {
  const outfile = `.bench/${name}.mjs`;
  await build({
    entryPoints: [`bench/${name}.ts`],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  return outfile;
}

const only = process.argv.slice(2);
const runs: [string, string][] = [
  ['import', 'pglite'],
  ['import', 'postgres'],
  ['list', 'pglite'],
  ['list', 'postgres'],
  ['tone', 'no-db'],
  ['cli', 'pglite'],
  ['gate', 'pglite'],
  ['review', 'pglite'],
  ['review', 'postgres'],
  ['big-report', 'pglite'],
  ['big-report', 'postgres'],
  ['load', 'postgres'],
  ['scorecard', 'pglite'],
  ['scorecard', 'postgres'],
  ['web', 'postgres'],
  ['digest', 'pglite'],
  ['digest', 'postgres'],
  ['jobs', 'postgres'],
  ['jobs', 'pglite'],
];
// The machine's limits (bench/limits.ts) are measured once in this run and shared by its benchmark processes.
const env = { ...process.env, BENCH_RUN: String(process.pid) };
let failed = 0;
for (const [name, engine] of runs) {
  if (only.length && !only.some((o) => `${name}:${engine}`.includes(o))) continue;
  const r = spawnSync(process.execPath, ['--import', 'tsx', await bundle(name), engine], { stdio: 'inherit', env });
  if (r.status !== 0) {
    failed++;
    console.log(`bench ${name} [${engine}] failed (exit ${r.status})`);
  }
}
rmSync(`.bench/limits-${process.pid}.json`, { force: true });
process.exit(failed ? 1 : 0);
