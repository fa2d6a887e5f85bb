/** Shared by the benchmarks: a database per engine (dropped after), an organisation, and figures printed in one format. */
import { spawnSync } from 'node:child_process';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../src/db/schema.ts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database, type Engine } from '../src/db/connect.ts';
import { importReport, type ImportSummary } from '../src/scans/import-service.ts';
import { reportFromFile } from '../src/imports/report-input.ts';
import { defaultPolicy } from '../src/policy/policy.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { applyOrg } from '../src/people/org-service.ts';
import pg from 'pg';
import { adminUrl, createScratchPg } from '../test/support/scratch-pg.ts';
import { keepHeapNearLive } from '../src/heap.ts';
import { createApp } from '../src/http/app.ts';
import { createToken } from '../src/people/tokens.ts';
import { importRowLimits } from '../src/config.ts';
import type { Limit } from './limits.ts';

/** Opens a scratch database on the engine (PGlite in a temp folder, or a new PostgreSQL database). */
export async function scratchDatabase(engine: Engine): Promise<{ database: Database; drop: () => Promise<void> }> {
  if (engine === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'entente-bench-'));
    const init = spawnSync(process.execPath, ['--import', 'tsx', 'bench/init-pglite.ts', dir], { stdio: 'inherit' });
    if (init.status !== 0) throw new Error('could not initialise the PGlite data folder');
    const database = await openDatabase({ dataDir: dir });
    return {
      database,
      drop: async () => {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const scratch = await createScratchPg('entente_bench');
  const database = await openDatabase({ url: scratch.url });
  return {
    database,
    drop: async () => {
      await database.close();
      await scratch.drop();
    },
  };
}

/**
 * On PostgreSQL with BENCH_KEEP_DB=PREFIX, the benchmark's database `PREFIX_<bench>` is kept between runs (created,
 * migrated and filled the first time, never dropped: `drop database PREFIX_<bench>` when done), so a million findings
 * are seeded once; else a scratch database. `fresh` says whether the benchmark has to fill it.
 */
export async function benchDatabase(
  engine: Engine,
  bench: string,
): Promise<{ database: Database; drop: () => Promise<void>; fresh: boolean }> {
  const prefix = process.env.BENCH_KEEP_DB;
  if (engine !== 'postgres' || !prefix) return { ...(await scratchDatabase(engine)), fresh: true };
  const name = `${prefix}_${bench}`;
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`BENCH_KEEP_DB: "${prefix}" is not a plain database name`);
  const fresh = !(await keptDatabaseExists(name));
  if (fresh) await adminQuery(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString() });
  return { database, drop: () => database.close(), fresh };
}

async function keptDatabaseExists(name: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return (await c.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  } finally {
    await c.end();
  }
}

async function adminQuery(statement: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

/** One team (with the CI account `bench-ci@example.com`) and service `bench-svc` (internet-facing, criticality 4). */
export async function benchOrg(database: Database): Promise<void> {
  const yaml =
    'teams:\n  - name: bench-team\n    kind: engineering\n    members: [bench-ci@example.com]\nservices:\n  - name: bench-svc\n    owner: bench-team\n    criticality: 4\n    exposure: internet\n  - name: bench-other\n    owner: bench-team\n    criticality: 2\n    exposure: internal\n';
  await applyOrg(database.db, parseOrgFile(yaml, 'bench'), { prune: false, actor: 'bench', now: new Date() });
}

/** Prints one figure as "bench <name>: <value> <unit> (<target>)" for people and scripts alike, and beside it, when
 * given, this machine's limit measured in the same run as a ratio (bench/limits.ts): " · ratio 0.42 of <limit> <value>".
 * For a rate the ratio is the share of the limit reached; for a time, how many times the limit it took. */
export function figure(name: string, value: number, unit: string, target?: string, limit?: Limit): void {
  const ratio =
    limit && limit.value > 0
      ? ` · ratio ${ratioOf(value / limit.value)} of ${limit.name} ${limit.value < 1 ? limit.value.toPrecision(2) : number(limit.value)} ${limit.unit}`
      : '';
  console.log(`bench ${name}: ${number(value)} ${unit}${target ? `  (target ${target})` : ''}${ratio}`);
}

const number = (v: number): string => (v >= 100 ? Math.round(v).toLocaleString('en') : v.toFixed(2));
const ratioOf = (r: number): string =>
  r >= 100 ? Math.round(r).toLocaleString('en') : r >= 10 ? r.toFixed(1) : r >= 0.01 ? r.toFixed(2) : r.toPrecision(1);

/** The engine named on the command line. */
export function engineArg(): Engine {
  const e = process.argv[2];
  if (e !== 'pglite' && e !== 'postgres') throw new Error('usage: bench/<name>.ts pglite|postgres');
  return e;
}

/** One import as a child process measured it: the summary, seconds from opening the report, the process's peak RSS. */
export interface ImportRun {
  summary: ImportSummary;
  seconds: number;
  peakMiB: number;
  /** GET /api/teams sent during the import, one after another: how many, and their latency in ms. */
  teams?: { count: number; p50: number; p95: number; max: number } | undefined;
}

/** Where an import benchmark writes, migrated and with the bench organisation: a PGlite folder, or a new PostgreSQL
 * database (dropped after). */
export async function importTarget(
  engine: Engine,
  pgliteDir: string,
  name: string,
): Promise<{ where: string; drop: () => Promise<void> }> {
  const s = engine === 'pglite' ? { url: pgliteDir, drop: async () => {} } : await createScratchPg(name);
  const database = await openDatabase(engine === 'pglite' ? { dataDir: s.url } : { url: s.url });
  try {
    await benchOrg(database);
  } finally {
    await database.close();
  }
  return { where: s.url, drop: s.drop };
}

/** Imports `file` for `service` (bench-svc unless named) in a process of its own (this script run with `--child`), as
 * `entente import` does, so the peak memory figure is that import's alone. With `reads`, the same process sends
 * `GET /api/teams` to the HTTP app, one after another, for as long as the import runs (see ImportRun.teams). */
export function importInChild(where: string, file: string, service = 'bench-svc', reads = false): ImportRun {
  const r = spawnSync(process.execPath, [process.argv[1]!, '--child', where, file, service, reads ? 'reads' : ''], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`the import process failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ImportRun;
}

/** The child's side of importInChild: opens the database, imports, prints the run as one JSON line. */
export async function childImport(where: string, file: string, service = 'bench-svc', reads = false): Promise<void> {
  keepHeapNearLive(); // as the entente command does (src/cli/main.ts)
  const database = await openDatabase(where.startsWith('postgres') ? { url: where } : { dataDir: where });
  const deps = { db: database.db, policy: defaultPolicy, now: () => new Date(), rows: importRowLimits(process.env) };
  const token = reads
    ? (await createToken(database.db, { name: `bench-reads-${process.pid}`, role: 'auditor', now: new Date() })).token
    : '';
  const app = createApp({ database, policy: defaultPolicy, now: () => new Date() });
  const get = async (): Promise<number> => {
    const t = performance.now();
    const res = await app.request('/api/teams', { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`GET /api/teams answered ${res.status}`);
    await res.arrayBuffer();
    return performance.now() - t;
  };
  if (reads) await get(); // the token's first use is noted now, not during the import
  let done = false;
  const latencies: number[] = [];
  const reading = (async () => {
    while (reads && !done) latencies.push(await get());
  })();
  const t0 = performance.now();
  const summary = await importReport(deps, { service, input: await reportFromFile(file), actor: 'bench' }).finally(
    () => (done = true),
  );
  const seconds = (performance.now() - t0) / 1000;
  await reading;
  await database.close();
  latencies.sort((a, b) => a - b);
  const teams = reads
    ? {
        count: latencies.length,
        p50: latencies[Math.floor(latencies.length * 0.5)] ?? 0,
        p95: latencies[Math.ceil(latencies.length * 0.95) - 1] ?? 0,
        max: latencies.at(-1) ?? 0,
      }
    : undefined;
  process.stdout.write(
    `${JSON.stringify({ summary, seconds, peakMiB: process.resourceUsage().maxRSS / 1024, teams } satisfies ImportRun)}\n`,
  );
}

/** Writes `n` findings straight in SQL (benchmarks of reading, not of importing): a quarter on `bench-other`, the rest
 * on `bench-svc` unless `service` names one service for all; statuses, priorities and severities in fixed rotation. */
export async function seedFindings(db: Kysely<DB>, n: number, service?: string): Promise<void> {
  const chunk = 100_000;
  for (let start = 0; start < n; start += chunk) {
    await sql`insert into findings (service_id, fingerprint, recipe, kind, tool, rule_id, title, severity, severity_rank, aliases, cwes,
        file_path, line, status, priority, priority_rank, due_at, owner_team_id, first_seen_at, status_changed_at)
      select case when ${service ?? null}::text is not null then (select id from services where name = ${service ?? null})
          when g % 4 = 0 then (select id from services where name = 'bench-other') else (select id from services where name = 'bench-svc') end,
        md5(${service ?? ''} || g::text), 'code/v1', 'code', 'BenchScanner', 'R' || (g % 50), 'Finding ' || g,
        (array['critical','high','medium','low','info'])[g % 5 + 1], g % 5 + 1,
        case when g % 10 = 0 then array['CVE-2024-' || (10000 + g % 5000)] else '{}' end, array[20 + g % 50],
        'src/m' || (g / 100) || '/f' || (g % 100) || '.ts', g % 700 + 1,
        (array['open','open','open','in_progress','fixed','false_positive'])[g % 6 + 1],
        (array['act','attend','track*','track'])[g % 4 + 1], g % 4 + 1,
        now() + make_interval(days => g % 200), (select id from teams where name = 'bench-team'), now(), now()
      from generate_series(${start + 1}::int, ${Math.min(start + chunk, n)}::int) g`.execute(db);
  }
}

/** How many findings a benchmark generates on an engine: BENCH_FINDINGS on PostgreSQL (the issue's figures),
 * BENCH_FINDINGS_PGLITE on the embedded engine (slower to fill; kept smaller), else the defaults given. */
export function benchSize(engine: Engine, defaults: { postgres: number; pglite: number }): number {
  const text = engine === 'pglite' ? process.env.BENCH_FINDINGS_PGLITE : process.env.BENCH_FINDINGS;
  const n = text === undefined ? defaults[engine] : Number(text.replaceAll('_', ''));
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(
      `${engine === 'pglite' ? 'BENCH_FINDINGS_PGLITE' : 'BENCH_FINDINGS'}: "${text}" is not a whole number of findings`,
    );
  return n;
}

/** The machine's one-minute load average, printed beside timings on a shared machine so they can be read for what they are. */
export function loadFigure(engine: Engine): void {
  figure(`load average (1 min) while measuring [${engine}]`, loadavg()[0]!, '');
}

/**
 * CPU milliseconds spent so far by this process (PGlite runs inside it) and, on PostgreSQL, by the server processes
 * serving this database (read from /proc): on a loaded machine the time a measure costs, where wall time is the
 * queue for the cores. Server processes that ended in between are not counted.
 */
export async function cpuMs(engine: Engine, db: Kysely<DB>): Promise<number> {
  const own = process.cpuUsage();
  let server = 0;
  if (engine === 'postgres') {
    const { rows } = await sql<{
      pid: number;
    }>`select pid from pg_stat_activity where datname = current_database()`.execute(db);
    for (const { pid } of rows) {
      try {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        server += (Number(fields[11]) + Number(fields[12])) * 10; // utime and stime, in ticks of 10 ms
      } catch {
        // not on this machine, or gone: uncounted
      }
    }
  }
  return (own.user + own.system) / 1000 + server;
}
