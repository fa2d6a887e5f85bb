/** The `entente` command: subcommands load lazily; exit codes are documented in the README. */
import { defineCommand, runCommand, showUsage } from 'citty';
import { reportError } from './shared.ts';
import { keepHeapNearLive } from '../heap.ts';

// Imports hold big reports' rows briefly: every command keeps its heap close to what is live (src/heap.ts).
keepHeapNearLive();

const main = defineCommand({
  meta: { name: 'entente', version: '0.1.0', description: 'IT and Security as allies: shared findings, gates and changes' },
  subCommands: {
    serve: () => import('./serve-command.ts').then((m) => m.default),
    import: () => import('./import-command.ts').then((m) => m.default),
    parse: () => import('./parse-command.ts').then((m) => m.default),
    org: () => import('./org-command.ts').then((m) => m.default),
    findings: () => import('./findings-command.ts').then((m) => m.default),
    export: () => import('./export-command.ts').then((m) => m.default),
    exceptions: () => import('./exceptions-command.ts').then((m) => m.default),
    change: () => import('./change-command.ts').then((m) => m.default),
    exposure: () => import('./exposure-command.ts').then((m) => m.default),
    gate: () => import('./gate-command.ts').then((m) => m.default),
    commitments: () => import('./commitments-command.ts').then((m) => m.default),
    token: () => import('./admin-commands.ts').then((m) => m.token),
    feeds: () => import('./admin-commands.ts').then((m) => m.feeds),
    policy: () => import('./admin-commands.ts').then((m) => m.policy),
    audit: () => import('./admin-commands.ts').then((m) => m.audit),
    tone: () => import('./tone-command.ts').then((m) => m.default),
    backup: () => import('./backup-commands.ts').then((m) => m.backup),
    restore: () => import('./backup-commands.ts').then((m) => m.restore),
    people: () => import('./people-command.ts').then((m) => m.default),
  },
});

const rawArgs = process.argv.slice(2);
if (rawArgs.length === 0 || rawArgs.includes('--help') || rawArgs.includes('-h')) {
  await showUsage(...(await resolveForHelp(rawArgs)));
  process.exit(rawArgs.length === 0 ? 2 : 0);
}
if (rawArgs.length === 1 && (rawArgs[0] === '--version' || rawArgs[0] === '-v')) {
  process.stdout.write('0.1.0\n');
  process.exit(0);
}
try {
  await runCommand(main, { rawArgs });
  process.exitCode ??= 0;
} catch (e) {
  process.exitCode = reportError(e);
}

// Finds the deepest subcommand named before --help, so `entente org apply --help` shows apply's usage.
async function resolveForHelp(args: string[]): Promise<[Parameters<typeof showUsage>[0], Parameters<typeof showUsage>[1]?]> {
  let cmd: any = main;
  let parent: any;
  for (const a of args) {
    if (a.startsWith('-')) break;
    const subs = typeof cmd.subCommands === 'function' ? await cmd.subCommands() : cmd.subCommands;
    const next = subs?.[a];
    if (!next) break;
    parent = cmd;
    cmd = typeof next === 'function' ? await next() : next;
  }
  return [cmd, parent];
}
