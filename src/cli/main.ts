/**
 * The `entente` command. The command tree (src/cli/commands.ts) is all that loads for `--help`, `--version` and a
 * usage error; a command's implementation, and the database engines, load only when it runs. Every option is checked
 * against the tree first: a misspelt or unknown one is a usage error (exit 2), never silently ignored. Exit codes are in
 * the README.
 */
import { renderUsage, runCommand } from 'citty';
import { main, version, type EntenteCommand } from './commands.ts';
import { startMode } from './start-mode.ts';
import { argumentMistakes, resolveCommand } from './strict-args.ts';

const rawArgs = process.argv.slice(2);

if (rawArgs.length === 1 && (rawArgs[0] === '--version' || rawArgs[0] === '-v')) {
  process.stdout.write(`${version}\n`);
  process.exit(0);
}
const resolved = resolveCommand(main, rawArgs);
const named = ['entente', ...resolved.path].join(' ');
if (rawArgs.includes('--help') || rawArgs.includes('-h')) {
  process.stdout.write(await usage(resolved.command, resolved.parent));
  process.exit(0);
}
// `entente` or `entente org` alone: what they can do, as a usage error.
if (!resolved.command.run && resolved.unknownCommand === undefined) {
  process.stdout.write(await usage(resolved.command, resolved.parent));
  process.exit(2);
}
const mistakes = argumentMistakes(resolved);
if (mistakes.length > 0) {
  process.stderr.write(`${mistakes.map((m) => `entente: ${m}`).join('\n')}\n(see \`${named} --help\`)\n`);
  process.exit(2);
}
// A command on the local data folder starts its embedded database now, while its own code loads (src/db/prestart.ts).
if (opensLocalDatabase(resolved.path, resolved.rest)) {
  const [{ prestartPglite }, { dataDirOf }] = await Promise.all([
    import('../db/prestart.ts'),
    import('../data-dir.ts'),
  ]);
  prestartPglite(dataDirOf(process.env), startMode(resolved.path));
}
try {
  // Imports hold big reports' rows briefly: every command keeps its heap close to what is live (src/heap.ts).
  (await import('../heap.ts')).keepHeapNearLive();
  await runCommand(resolved.command, { rawArgs: resolved.rest });
  process.exitCode ??= 0;
} catch (e) {
  process.exitCode = (await import('./shared.ts')).reportError(e);
}

// Commands that never open the database, or open a new one (restore), start nothing early; neither does one sent to a
// server or run on PostgreSQL.
function opensLocalDatabase(path: string[], rest: string[]): boolean {
  const name = path.join(' ');
  if (['parse', 'tone check', 'tone rules', 'policy check', 'policy test', 'restore'].includes(name)) return false;
  if (process.env.DATABASE_URL) return false;
  return !rest.some((a) => a === '--server' || a.startsWith('--server='));
}

/** A command's usage, in colour only on a terminal that wants it (https://no-color.org). */
async function usage(command: EntenteCommand, parent: EntenteCommand | undefined): Promise<string> {
  // citty names a command after its parent only: `entente change request`, not `change request`.
  const above = parent && { ...parent, meta: { name: ['entente', ...resolved.path.slice(0, -1)].join(' '), version } };
  const text = `${await renderUsage(command, parent === main ? parent : above)}\n`;
  return colour(process.stdout) ? text : plain(text);
}

function colour(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
}

/** Text without ANSI colour codes. */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
