/**
 * The temporary folders a big import spills its rows into (src/imports/report-rows.ts) are named after the process
 * that made them, `entente-import-PID-…`, so that a later start can tell one a killed import left from one an import
 * running now uses, and remove the first kind.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive as alive } from '../process-alive.ts';

const prefix = 'entente-import-';
// Folders named before they carried a pid are removed once they are this old: no import runs for a day.
const unnamedAfterMs = 24 * 3_600_000;

/** Makes this process's temporary folder for an import. */
export function makeImportTempDir(): string {
  return mkdtempSync(join(tmpdir(), `${prefix}${process.pid}-`));
}

/** Removes the import folders whose process is gone (and old ones that name none); returns the paths removed. */
export function sweepAbandonedImports(dir: string = tmpdir(), now: number = Date.now()): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(prefix));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const pid = Number(/^entente-import-(\d+)-/.exec(name)?.[1]);
    try {
      const abandoned =
        Number.isInteger(pid) && pid > 0
          ? pid !== process.pid && !alive(pid)
          : now - statSync(path).mtimeMs > unnamedAfterMs;
      if (!abandoned) continue;
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      // another user's folder, or one removed meanwhile: not ours to clean
    }
  }
  return removed;
}
