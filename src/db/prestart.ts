/**
 * The embedded database started before a command's code loads. PGlite's start (~0.35 s of WebAssembly in its worker)
 * was the larger part of a local `entente findings`, and it began only after the command, the policy and the database
 * code had loaded: `entente` now starts it first (src/cli/main.ts) and openDatabase adopts it. The folder is locked
 * and made private first, exactly as openDatabase does; a folder without a database yet, one another process holds
 * (a running `entente serve`: the command goes to it), or DATABASE_URL start nothing early.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { lockDataFolder } from './folder-lock.ts';
import { preparePrivateFolder } from './private-folder.ts';
import { startPgliteWorker, type StartMode } from './pglite-worker.ts';

interface Early {
  dataDir: string;
  started: ReturnType<typeof startPgliteWorker>;
  release: () => void;
}

let early: Early | undefined;

/** Starts PGlite on `dataDir` in its worker if the folder holds a database and no other process has it, started as
 * `mode` says (startPgliteWorker). */
export function prestartPglite(dataDir: string, mode: StartMode = 'whole'): void {
  if (early || !existsSync(join(dataDir, 'PG_VERSION'))) return;
  let release: () => void;
  try {
    preparePrivateFolder(dataDir);
    release = lockDataFolder(dataDir);
  } catch {
    return; // the command says what is wrong when it opens the folder itself
  }
  early = { dataDir, started: startPgliteWorker(dataDir, mode), release };
}

/** The database started early on `dataDir`, and the release of its folder's lock, if there is one (once). */
export function takePrestarted(dataDir: string): Omit<Early, 'dataDir'> | undefined {
  if (early?.dataDir !== dataDir) return undefined;
  const taken = early;
  early = undefined;
  return taken;
}
