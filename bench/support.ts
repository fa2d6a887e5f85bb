/** Shared by the benchmarks: a database per engine (dropped after), an organisation, and figures printed in one format. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database, type Engine } from '../src/db/connect.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { createScratchPg } from '../test/support/scratch-pg.ts';

/** Opens a scratch database on the engine (PGlite in a temp folder, or a new PostgreSQL database). */
export async function scratchDatabase(engine: Engine): Promise<{ database: Database; drop: () => Promise<void> }> {
  if (engine === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'entente-bench-'));
    const init = spawnSync(process.execPath, ['--import', 'tsx', 'bench/init-pglite.ts', dir], { stdio: 'inherit' });
    if (init.status !== 0) throw new Error('could not initialise the PGlite data folder');
    const database = await openDatabase({ dataDir: dir });
    return { database, drop: async () => { await database.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const scratch = await createScratchPg('entente_bench');
  const database = await openDatabase({ url: scratch.url });
  return { database, drop: async () => { await database.close(); await scratch.drop(); } };
}

/** One team and service `bench-svc` (internet-facing, criticality 4). */
export async function benchOrg(database: Database): Promise<void> {
  const yaml = 'teams:\n  - name: bench-team\n    kind: engineering\nservices:\n  - name: bench-svc\n    owner: bench-team\n    criticality: 4\n    exposure: internet\n  - name: bench-other\n    owner: bench-team\n    criticality: 2\n    exposure: internal\n';
  await applyOrg(database.db, parseOrgFile(yaml, 'bench'), { prune: false, actor: 'bench', now: new Date() });
}

/** Prints one figure as "bench <name>: <value> <unit> (<target>)" for people and scripts alike. */
export function figure(name: string, value: number, unit: string, target?: string): void {
  const v = value >= 100 ? Math.round(value).toLocaleString('en') : value.toFixed(2);
  console.log(`bench ${name}: ${v} ${unit}${target ? `  (target ${target})` : ''}`);
}

/** The engine named on the command line. */
export function engineArg(): Engine {
  const e = process.argv[2];
  if (e !== 'pglite' && e !== 'postgres') throw new Error('usage: bench/<name>.ts pglite|postgres');
  return e;
}
