/**
 * The CLI's start-up as people feel it: medians of cold processes of the built CLI (dist/entente.js, as `npm run bench`
 * builds it) for `--help`, `--version` and `findings` on a local data folder, each beside a bare `node -e 0` measured in
 * the same run as a ratio (how much is Entente's and how much the machine's). BENCH_CLI_RUNS sets N (default 15).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { figure } from './support.ts';
import { medianOf, nodeStartLimit } from './limits.ts';

const runs = Number(process.env.BENCH_CLI_RUNS ?? 15);
const dir = mkdtempSync(join(tmpdir(), 'entente-bench-cli-'));
// The embedded database in a folder of its own, whatever the shell has in DATABASE_URL.
const env: NodeJS.ProcessEnv = { ...process.env, ENTENTE_DATA: join(dir, 'data') };
delete env.DATABASE_URL;

function run(args: string[], expect = 0): number {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
  const ms = performance.now() - start;
  if (r.status !== expect) throw new Error(`${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
  return ms;
}

// The first run warms the file system cache, as a second command in a shell finds it.
const median = (args: string[]): number => medianOf(runs, () => run(args));

try {
  // A data folder with an organisation and a report's findings in it.
  writeFileSync(
    join(dir, 'org.yaml'),
    'teams:\n  - name: bench-team\n    kind: engineering\nservices:\n  - name: bench-svc\n    owner: bench-team\n    criticality: 4\n    exposure: internet\n',
  );
  const results = Array.from({ length: 40 }, (_, i) => ({
    ruleId: `R${i}`,
    level: 'error',
    message: { text: `issue ${i}` },
    locations: [{ physicalLocation: { artifactLocation: { uri: `src/f${i}.ts` }, region: { startLine: i + 1 } } }],
  }));
  writeFileSync(
    join(dir, 'r.sarif'),
    JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'BenchTool', rules: [] } }, results }] }),
  );
  run(['dist/entente.js', 'org', 'apply', join(dir, 'org.yaml')]);
  run(['dist/entente.js', 'import', join(dir, 'r.sarif'), '--service', 'bench-svc']);

  const bare = await nodeStartLimit(runs);
  figure(`cli bare node start (node -e 0) [median of ${runs}]`, bare.value, 'ms');
  for (const [name, args, target] of [
    ['entente --help', ['dist/entente.js', '--help'], '<= 150'],
    ['entente --version', ['dist/entente.js', '--version'], '<= 150'],
    ['entente gate --help', ['dist/entente.js', 'gate', '--help'], '<= 150'],
    ['entente findings (local data folder)', ['dist/entente.js', 'findings'], '<= 600'],
  ] as const) {
    const ms = median([...args]);
    figure(`cli ${name} [median of ${runs}]`, ms, 'ms', target, bare);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
