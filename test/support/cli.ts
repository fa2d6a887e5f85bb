/** Runs the real `entente` CLI (from source) in tests, on a scratch data folder or a scratch PostgreSQL database. */
import { after, before } from 'node:test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Engine } from '../../src/db/connect.ts';
import { createScratchPg } from './scratch-pg.ts';
import { migratedScratchPg, seedDataFolder } from './template.ts';

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/**
 * The node arguments that run the CLI: the bundle scripts/test.mjs builds from the sources before the tests
 * (ENTENTE_TEST_CLI), else the sources under tsx (a test file run on its own). Under tsx every spawned command
 * transpiles and resolves ~300 modules (~0.6 s of CPU each); the bundle is what users run. The bundle runs with V8's
 * `--liftoff-only`, as the short commands already start themselves (src/db/pglite-worker.ts, briefStart): each spawned
 * command's embedded PostgreSQL then skips the optimising recompilation that a process living a few seconds never
 * repays (gates-cli, reviews-cli and ftp-story on PGlite: 30 % less CPU, 23 % less time). Same semantics; the benchmarks
 * (bench/) run commands as users do.
 */
export const cliArgs: readonly string[] = process.env.ENTENTE_TEST_CLI
  ? ['--liftoff-only', process.env.ENTENTE_TEST_CLI]
  : ['--import', 'tsx', 'src/cli/main.ts'];

/** A shell script's line that runs the CLI with its arguments, from any folder (an `entente` on the PATH). */
export function cliExecLine(): string {
  return process.env.ENTENTE_TEST_CLI
    ? `exec "${process.execPath}" "${process.env.ENTENTE_TEST_CLI}" "$@"`
    : `exec "${process.execPath}" --import "${pathToFileURL(resolve('node_modules/tsx/dist/loader.mjs')).href}" "${resolve('src/cli/main.ts')}" "$@"`;
}

/**
 * How long a spawned command may take before it is stopped: a safety net against a hang, not a measure (a new data
 * folder's initdb took 66 s of wall time on the shared 2-core machine at load average 34).
 */
export const spawnTimeout = 180_000;

/** Runs the CLI with an environment; returns its exit code and output. */
export function entente(env: Record<string, string>, ...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [...cliArgs, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: spawnTimeout,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Runs the CLI with an environment and `input` on its standard input (a pipe, not a terminal). */
export function ententeInput(env: Record<string, string>, input: string, ...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [...cliArgs, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    input,
    timeout: spawnTimeout,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/**
 * Inside a describe block: a temporary folder and the environment the CLI runs with on `engine` (a data folder in
 * it for PGlite, a scratch database for PostgreSQL, set up before the block's tests and removed after them). The
 * PGlite data folder starts as a copy of a migrated empty database (test/support/template.ts); `{ fresh: true }`
 * leaves it to the first command to make, for tests about what that first run does.
 */
export function cliWorld(
  engine: Engine,
  prefix: string,
  opts: { fresh?: boolean } = {},
): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), `entente-${prefix}-`));
  const env: Record<string, string> = { ENTENTE_DATA: join(dir, 'data') };
  let drop = async (): Promise<void> => {};
  before(async () => {
    if (engine !== 'postgres') {
      if (!opts.fresh) await seedDataFolder(env.ENTENTE_DATA!);
      return;
    }
    const name = `entente_${prefix.replace(/\W/g, '_')}`;
    const scratch = opts.fresh ? await createScratchPg(name, { asyncCommit: true }) : await migratedScratchPg(name);
    env.DATABASE_URL = scratch.url;
    drop = scratch.drop;
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await drop();
  });
  return { dir, env };
}

/** A port to serve on, chosen before the server starts (a test that must know its address in advance passes it to serveCli). */
export const freePortGuess = (): number => 20_000 + Math.floor(Math.random() * 20_000);

/** Starts `entente serve` on a free port with an environment; resolves with its URL once it listens, a way to stop it,
 * a way to kill it with SIGKILL (no chance to clean up, as with `kill -9`), and what it printed until then. */
export function serveCli(
  env: Record<string, string>,
  port = freePortGuess(),
): Promise<{ url: string; stop: () => Promise<void>; kill: () => Promise<void>; output: string }> {
  const child: ChildProcess = spawn(process.execPath, [...cliArgs, 'serve', '--port', String(port)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  };
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  };
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`the server did not start: ${seen}`));
    }, spawnTimeout);
    child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, stop, kill, output: seen });
      }
    });
    child.stderr!.on('data', (d: Buffer) => {
      seen += d.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}: ${seen}`));
    });
  });
}
