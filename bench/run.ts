/** `npm run bench`: runs each benchmark in a process of its own (so peak memory is its own) and prints the figures. */
import { spawnSync } from 'node:child_process';

const only = process.argv.slice(2);
const runs: [string, string][] = [
  ['import', 'pglite'], ['import', 'postgres'],
  ['list', 'pglite'], ['list', 'postgres'],
  ['tone', 'no-db'],
];
let failed = 0;
for (const [name, engine] of runs) {
  if (only.length && !only.some((o) => `${name}:${engine}`.includes(o))) continue;
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`, engine], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`bench ${name} [${engine}] failed (exit ${r.status})`);
  }
}
process.exit(failed ? 1 : 0);
