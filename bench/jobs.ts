/**
 * pg-boss 10 against Entente's own job runner (issue 25), on one engine: pg-boss's start on an empty and on an
 * installed database (and the tables it adds), CPU and statements while idle for BENCH_IDLE_SECONDS (60) with a
 * schedule and a worker per job of src/jobs/jobs.ts beside our runner idle as long with the same jobs, and the time
 * from enqueue to a pg-boss worker getting the job (median of BENCH_LATENCY_SAMPLES, 50) beside our runner's claim
 * period. On PGlite pg-boss runs on a plain PGlite instance in this process (its multi-statement SQL needs `exec`,
 * which Entente's worker does not expose); our runner runs on Entente's PGlite worker, as `entente serve` does.
 * Statements are counted on the client: pg-boss's through its `executeSql`, ours through a Kysely plugin.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import { sql, type KyselyPlugin } from 'kysely';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { defaultJobs } from '../src/jobs/jobs.ts';
import { runDueJobs, startJobRunner, type Job } from '../src/jobs/runner.ts';
import { defaultPolicy } from '../src/policy/policy.ts';
import { createScratchPg } from '../test/support/scratch-pg.ts';
import type { Limit } from './limits.ts';
import { engineArg, figure, loadFigure, scratchDatabase } from './support.ts';

const engine = engineArg();
const idleSeconds = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const samples = Number(process.env.BENCH_LATENCY_SAMPLES ?? 50);
/** What `entente serve` passes to startJobRunner (src/cli/serve-command.ts). */
const runnerTickMs = 5_000;
const label = engine === 'pglite' ? 'PGlite' : 'PostgreSQL';

/** A pg-boss `db` over one engine, counting the statements pg-boss sends, with its backends' pids on PostgreSQL. */
interface BossDb {
  db: { executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> };
  statements: () => number;
  serverPids: () => Promise<number[]>;
  close: () => Promise<void>;
  drop: () => Promise<void>;
}

/** pg-boss on a scratch PostgreSQL database, through a pool that keeps its connections (so their CPU can be read). */
async function postgresBossDb(): Promise<BossDb> {
  const scratch = await createScratchPg('entente_bench_boss');
  const pool = new pg.Pool({ connectionString: scratch.url, max: 10, idleTimeoutMillis: 0 });
  let n = 0;
  return {
    db: {
      executeSql: async (text, values) => {
        n++;
        return pool.query(text, values as unknown[]);
      },
    },
    statements: () => n,
    serverPids: async () =>
      (
        await pool.query<{ pid: number }>(
          'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
        )
      ).rows.map((r) => r.pid),
    close: () => pool.end(),
    drop: () => scratch.drop(),
  };
}

/** pg-boss on a plain PGlite instance: `query` for one statement with parameters, `exec` for pg-boss's scripts. */
async function pgliteBossDb(): Promise<BossDb> {
  const dir = mkdtempSync(join(tmpdir(), 'entente-bench-boss-'));
  const db = await PGlite.create(dir);
  let n = 0;
  return {
    db: {
      executeSql: async (text, values) => {
        n++;
        if (values && values.length > 0) return db.query(text, values);
        const results = await db.exec(text);
        return { rows: results.at(-1)?.rows ?? [] };
      },
    },
    statements: () => n,
    serverPids: async () => [],
    close: () => db.close(),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** CPU ms of this process (PGlite included) and of the given PostgreSQL backends (from /proc; ended ones uncounted). */
function cpuNow(pids: number[]): number {
  const own = process.cpuUsage();
  let server = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      server += (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      // gone: uncounted
    }
  }
  return (own.user + own.system) / 1000 + server;
}

/** The cron pg-boss would run a job of ours on: its period in whole minutes or hours. */
function cronOf(job: Job): string {
  const minutes = Math.round(job.everySeconds / 60);
  if (minutes < 60) return `*/${minutes} * * * *`;
  const hours = Math.round(minutes / 60);
  return hours === 1 ? '0 * * * *' : `0 */${hours} * * *`;
}

/** A bare `select 1` round trip through the same `executeSql`, median of 200: the least one pg-boss statement costs. */
async function roundTrip(db: BossDb['db']): Promise<Limit> {
  const times: number[] = [];
  for (let i = 0; i < 220; i++) {
    const s = performance.now();
    await db.executeSql('select 1', [1].slice(1));
    if (i >= 20) times.push(performance.now() - s);
  }
  return { name: `a bare select 1 on ${label}`, value: median(times), unit: 'ms' };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

const timed = async (f: () => Promise<unknown>): Promise<number> => {
  const s = performance.now();
  await f();
  return performance.now() - s;
};

/** pg-boss's start, idle cost and latency, each beside a limit (a bare round trip, our runner idle, our tick). */
async function measureBoss(ours: { cpu: Limit; statements: Limit }): Promise<void> {
  const store = engine === 'pglite' ? await pgliteBossDb() : await postgresBossDb();
  try {
    const rt = await roundTrip(store.db);
    const options = { db: store.db } as unknown as PgBoss.ConstructorOptions;
    const first = new PgBoss(options);
    first.on('error', (e) => console.error(`pg-boss: ${(e as Error).message}`));
    figure(
      `pg-boss start, empty database (schema install) [${engine}]`,
      await timed(() => first.start()),
      'ms',
      undefined,
      rt,
    );
    await first.stop({ graceful: false, wait: true });
    const boss = new PgBoss(options);
    boss.on('error', (e) => console.error(`pg-boss: ${(e as Error).message}`));
    figure(`pg-boss start, installed database [${engine}]`, await timed(() => boss.start()), 'ms', undefined, rt);
    const { rows } = await store.db.executeSql(
      `select table_name from information_schema.tables where table_schema = 'pgboss' order by 1`,
      [1].slice(1),
    );
    console.log(
      `bench pg-boss tables [${engine}]: ${(rows as { table_name: string }[]).map((r) => `pgboss.${r.table_name}`).join(', ')}`,
    );

    for (const job of defaultJobs) {
      await boss.createQueue(job.name);
      await boss.schedule(job.name, cronOf(job));
      await boss.work(job.name, async () => undefined);
    }
    await sleep(1_000);
    const pids = await store.serverPids();
    const cpu0 = cpuNow(pids);
    const n0 = store.statements();
    await sleep(idleSeconds * 1_000);
    const cpu = cpuNow(pids) - cpu0;
    const statements = store.statements() - n0;
    const perMinute = 60 / idleSeconds;
    figure(
      `pg-boss idle, ${defaultJobs.length} schedules + workers, CPU per minute [${engine}]`,
      cpu * perMinute,
      'ms',
      undefined,
      ours.cpu,
    );
    figure(
      `pg-boss idle, ${defaultJobs.length} schedules + workers, statements per minute [${engine}]`,
      statements * perMinute,
      '',
      undefined,
      ours.statements,
    );

    // Enqueue to a worker's handler, one job at a time, default polling (2 s), as a delivery queue would run.
    await boss.createQueue('bench-latency');
    let got: (() => void) | undefined;
    await boss.work('bench-latency', async () => got?.());
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const received = new Promise<void>((resolve) => {
        got = resolve;
      });
      // Sends spread evenly over a polling interval (a golden-ratio sequence), as events arrive at any moment: sent
      // right after the previous job, every job would wait exactly one interval.
      await sleep(((i * 0.618_034) % 1) * 2_000);
      const s = performance.now();
      await boss.send('bench-latency', { i });
      await received;
      latencies.push(performance.now() - s);
    }
    const claimPeriod: Limit = { name: "our runner's claim period (tick)", value: runnerTickMs, unit: 'ms' };
    figure(
      `pg-boss enqueue → worker, median of ${samples} [${engine}]`,
      median(latencies),
      'ms',
      undefined,
      claimPeriod,
    );
    figure(
      `pg-boss enqueue → worker, slowest of ${samples} [${engine}]`,
      Math.max(...latencies),
      'ms',
      undefined,
      claimPeriod,
    );
    await boss.stop({ graceful: false, wait: true });
  } finally {
    await store.close();
    await store.drop();
  }
}

/** Entente's runner idle for the same window with the same jobs, after one tick ran them all (so none is due). */
async function measureRunner(): Promise<{ cpu: Limit; statements: Limit }> {
  const { database, drop } = await scratchDatabase(engine);
  try {
    let n = 0;
    const counting: KyselyPlugin = {
      transformQuery: (args) => {
        n++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const deps = { db: database.db.withPlugin(counting), policy: defaultPolicy, now: () => new Date() };
    await runDueJobs(deps, defaultJobs);
    const jobs = defaultJobs.map((j) => ({ ...j, atStart: false }));
    const pids =
      engine === 'postgres'
        ? (
            await sql<{
              pid: number;
            }>`select pid from pg_stat_activity where datname = current_database()`.execute(database.db)
          ).rows.map((r) => r.pid)
        : [];
    const cpu0 = cpuNow(pids);
    const n0 = n;
    const running = startJobRunner(deps, jobs, { tickMs: runnerTickMs });
    await sleep(idleSeconds * 1_000);
    await running.stop();
    const perMinute = 60 / idleSeconds;
    const cpu = (cpuNow(pids) - cpu0) * perMinute;
    const statements = (n - n0) * perMinute;
    figure(`Entente runner idle, ${jobs.length} jobs, CPU per minute [${engine}]`, cpu, 'ms');
    figure(`Entente runner idle, ${jobs.length} jobs, statements per minute [${engine}]`, statements, '');
    figure(`Entente runner due → claimed, median (half its tick) [${engine}]`, runnerTickMs / 2, 'ms');
    return {
      cpu: { name: "Entente's runner idle", value: cpu, unit: 'ms' },
      statements: { name: "Entente's runner idle", value: statements, unit: '' },
    };
  } finally {
    await drop();
  }
}

loadFigure(engine);
const ours = await measureRunner();
await measureBoss(ours);
loadFigure(engine);
