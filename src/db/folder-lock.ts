/** One process at a time on an embedded data folder: PGlite is single-process, and two writers would corrupt it. */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { EntenteError } from '../errors.ts';
import { processAlive as alive } from '../process-alive.ts';

/** Takes the folder's lock (a file holding our pid), or says which process holds it; returns the release. */
export function lockDataFolder(dir: string): () => void {
  const path = join(dir, 'entente.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
        throw new EntenteError(
          'conflict',
          `the data folder ${dir} is in use by process ${holder} (a running \`entente serve\`?); send this command to that server with --server URL --token T, or stop it first`,
        );
      }
      rmSync(path, { force: true }); // left behind by a process that is gone
    }
  }
  throw new EntenteError('internal', `could not lock the data folder ${dir}`);
}
