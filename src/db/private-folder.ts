/** The data folder is private to the user that runs Entente: the folder 0700, everything in it 0600 (folders 0700). */
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

/**
 * Makes `dir` (and its parents, as usual) if missing, sets this process's umask to 077 so that every file written from
 * now on (PGlite's, the audit key, the server's record) is the user's alone, and tightens what an earlier version left
 * readable. Symbolic links are left as they are.
 */
export function preparePrivateFolder(dir: string): void {
  mkdirSync(dirname(dir), { recursive: true });
  // The umask is the process's; worker threads may not set it (and inherit it).
  if (isMainThread) process.umask(0o077);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Inside a folder only its owner can enter, the files are private whatever their modes: a folder that is 0700
  // already was made or tightened here, and walking its thousand files at every command would cost time for nothing.
  if ((lstatSync(dir).mode & 0o077) !== 0) tightenFolder(dir);
}

/** Sets the folder's modes to 0700 and its files' to 0600 (PGlite writes some of its files with modes of its own). */
export function tightenFolder(dir: string): void {
  tighten(dir, true);
}

function tighten(path: string, isDir: boolean): void {
  const mode = lstatSync(path).mode & 0o777;
  const wanted = isDir ? (mode & 0o700) | 0o700 : (mode & 0o700) | 0o600;
  if (mode !== wanted) chmodSync(path, wanted);
  if (!isDir) return;
  for (const e of readdirSync(path, { withFileTypes: true })) {
    if (e.isDirectory()) tighten(join(path, e.name), true);
    else if (e.isFile()) tighten(join(path, e.name), false);
  }
}
