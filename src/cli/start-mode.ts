/** How each command's embedded database starts (src/db/pglite-worker.ts, StartMode); read by src/cli/main.ts. */
import type { StartMode } from '../db/pglite-worker.ts';

// How each command's embedded database starts (src/db/pglite-worker.ts, StartMode). Commands that read or write much
// (a command group's name covers its subcommands) start it as the server does:
export const wholeCommands = [
  'serve',
  'import',
  'export',
  'exposure import',
  'feeds',
  'backup',
  'policy backtest',
  'scorecard',
  'review new',
  'jira sync',
];
// Commands that read a page or decide one thing and end start it lightest; every other command starts it with fewer
// shared buffers.
export const briefCommands = [
  'findings',
  'gate',
  'exceptions list',
  'exceptions show',
  'change list',
  'change show',
  'exposure list',
  'commitments list',
  'review list',
  'review show',
  'goal list',
  'goal show',
  'token list',
  'notifications list',
  'policy show',
];

/** The start mode of the command at `path` (`['org', 'apply']`). */
export function startMode(path: string[]): StartMode {
  const name = path.join(' ');
  if (briefCommands.includes(name)) return 'brief';
  return wholeCommands.some((w) => name === w || name.startsWith(`${w} `)) ? 'whole' : 'short';
}
