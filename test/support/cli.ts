/** Runs the real `entente` CLI (from source) in tests, on a scratch data folder or a scratch PostgreSQL database. */
import { after, before } from 'node:test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from '../../src/db/connect.ts';
import { createScratchPg } from './scratch-pg.ts';

export interface CliResult { code: number | null; out: string; err: string }

/** Runs the CLI with an environment; returns its exit code and output. */
export function entente(env: Record<string, string>, ...args: string[]): CliResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Runs the CLI with an environment and `input` on its standard input (a pipe, not a terminal). */
export function ententeInput(env: Record<string, string>, input: string, ...args: string[]): CliResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, input, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/**
 * Inside a describe block: a temporary folder and the environment the CLI runs with on `engine` (a data folder in
 * it for PGlite, a scratch database for PostgreSQL, set up before the block's tests and removed after them).
 */
export function cliWorld(engine: Engine, prefix: string): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), `entente-${prefix}-`));
  const env: Record<string, string> = { ENTENTE_DATA: join(dir, 'data') };
  let drop = async (): Promise<void> => {};
  before(async () => {
    if (engine !== 'postgres') return;
    const scratch = await createScratchPg(`entente_${prefix.replace(/\W/g, '_')}`);
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
 * and a way to kill it with SIGKILL (no chance to clean up, as with `kill -9`). */
export function serveCli(env: Record<string, string>, port = freePortGuess()): Promise<{ url: string; stop: () => Promise<void>; kill: () => Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', String(port)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
    const timer = setTimeout(() => { void stop(); reject(new Error(`the server did not start: ${seen}`)); }, 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, stop, kill });
      }
    });
    child.stderr!.on('data', (d: Buffer) => { seen += d.toString(); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the server exited with ${code}: ${seen}`)); });
  });
}
