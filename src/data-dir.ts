/** Where the local data folder is, read from the environment without the configuration's validation (and its zod):
 * `entente` starts the embedded database from this before it loads a command's code (src/db/prestart.ts). */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** ENTENTE_DATA, else the default folder; the same folder loadConfig names (src/config.ts). */
export function dataDirOf(env: Record<string, string | undefined>): string {
  return env.ENTENTE_DATA ? resolve(env.ENTENTE_DATA) : defaultDataDir(env);
}

/** The data folder when ENTENTE_DATA is not set: one per user, wherever the command is run from (the XDG base
 * directory rule: $XDG_DATA_HOME/entente, else ~/.local/share/entente). */
function defaultDataDir(env: Record<string, string | undefined>): string {
  const xdg = env.XDG_DATA_HOME;
  return xdg && isAbsolute(xdg) ? join(xdg, 'entente') : join(env.HOME || homedir(), '.local', 'share', 'entente');
}
