/** What every command shares: the local context or a remote server, exit codes, and printing. */
import { inspect } from 'node:util';
import { loadConfig } from '../config.ts';
import type { Context } from '../context.ts';
import { EntenteError, badInput, environmentProblem } from '../errors.ts';
import { runningServer } from './local-server.ts';

/** Exit codes: 0 success, 2 usage or input error, 3 the environment (database, port, folder, a server that does not answer) or an internal error (gate adds 10 and 1). */
export const exitCodes = { ok: 0, input: 2, environment: 3, internal: 3 } as const;

/** Options every command that can reach a server accepts. */
export const remoteArgs = {
  server: {
    type: 'string',
    description: 'URL of a running Entente server (otherwise the local data folder, or the server running on it)',
  },
  token: { type: 'string', description: 'API token for --server (or ENTENTE_TOKEN)' },
} as const;

/**
 * The one place that decides local or server, called for every command whose options include --server before it runs
 * (src/cli/commands.ts): with no --server, on an embedded data folder that a running `entente serve` holds, the command
 * goes through that server's API as --server would, with the local admin token the server keeps in the folder (or
 * --token, if given). `args` is the command's parsed options, changed in place.
 */
export async function routeToRunningServer(args: {
  server?: string | undefined;
  token?: string | undefined;
}): Promise<void> {
  if (args.server) return;
  const config = loadConfig(process.env);
  if (config.databaseUrl) return; // PostgreSQL takes any number of processes: local commands stay local
  const running = await runningServer(config.dataDir);
  if (!running) return;
  if (!args.token && !running.token) {
    throw new EntenteError(
      'unavailable',
      `the data folder ${config.dataDir} is in use by \`entente serve\` (process ${running.pid}, ${running.url}) and its local admin token is missing; restart the server to make a new one, or pass --token`,
    );
  }
  args.server = running.url;
  if (!args.token) localToken = args.token = running.token;
  localServer = running.url;
}

// The server a command was routed to, and the local admin token it was given, so that its errors can say so.
let localServer: string | undefined;
let localToken: string | undefined;

/** Runs `fn` with a context over the local data folder (or DATABASE_URL), closing it afterwards. */
export async function withLocalContext<T>(fn: (ctx: Context) => Promise<T>): Promise<T> {
  // Loaded here, not at the top: a command sent to --server then never loads the database engines.
  const { openContext } = await import('../context.ts');
  const config = loadConfig(process.env);
  let ctx: Context;
  try {
    ctx = await openContext(config);
  } catch (e) {
    // Commands that can go through a server were routed there already; this one has no API yet.
    const running =
      e instanceof EntenteError && e.code === 'conflict' && !config.databaseUrl
        ? await runningServer(config.dataDir)
        : undefined;
    if (running) {
      throw new EntenteError(
        'conflict',
        `\`entente ${commandName()}\` has no API yet, so it cannot go through the server that holds the data folder ${config.dataDir} `
          + `(\`entente serve\`, process ${running.pid}, ${running.url}); stop that server, run it, and start the server again`,
      );
    }
    throw e;
  }
  try {
    return await fn(ctx);
  } finally {
    await ctx.database.close();
  }
}

// The command as typed, without its options: "policy backtest".
function commandName(): string {
  const words: string[] = [];
  for (const a of process.argv.slice(2)) {
    if (a.startsWith('-')) break;
    words.push(a);
  }
  return words.slice(0, 2).join(' ');
}

/** A request to a running server, answered 2xx (its body unread, for streaming); anything else is an EntenteError:
 * a URL that is not one is bad input, a server that does not answer is `unavailable` (exit 3), an error reply the
 * server's own code and message. */
export async function fetchServer(
  server: string,
  token: string | undefined,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const auth = token ?? process.env.ENTENTE_TOKEN;
  if (!auth) throw new EntenteError('unauthorized', '--server needs --token (or ENTENTE_TOKEN)');
  let url: URL;
  try {
    url = new URL(path, server.endsWith('/') ? server : `${server}/`);
    if (!/^https?:$/.test(url.protocol)) throw new Error('not http');
  } catch {
    throw badInput(`--server: "${server}" is not a server's URL (such as http://127.0.0.1:4100)`);
  }
  let res: Response;
  try {
    // init.headers may be a Headers object (Hono's client makes one), which spreading would empty.
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${auth}`);
    res = await fetch(url, { ...init, headers });
  } catch (e) {
    const cause = (e as Error).cause as NodeJS.ErrnoException | undefined;
    const why =
      cause?.code === 'ECONNREFUSED'
        ? 'nothing is listening there'
        : cause?.code === 'ENOTFOUND'
          ? 'no such host'
          : (cause?.message ?? (e as Error).message);
    throw new EntenteError(
      'unavailable',
      `cannot reach the Entente server at ${server}: ${why}${server === localServer ? ' (it holds the local data folder; is it stopping?)' : ''}`,
    );
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
    const code = (body?.error?.code ?? (res.status >= 500 ? 'internal' : 'bad_input')) as EntenteError['code'];
    const hint =
      res.status === 401 && localToken !== undefined && auth === localToken
        ? ' (the local admin token in the data folder; restart `entente serve` to make a new one)'
        : '';
    throw new EntenteError(code, `${server}: ${body?.error?.message ?? `HTTP ${res.status}`}${hint}`);
  }
  return res;
}

/** Prints a line to standard output. */
export function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

// Piped into `head`, stdout closes early: that is the reader being done, not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

/**
 * The exit code for an error, with one line on stderr: 2 for input and usage errors, 3 for the environment (database,
 * port, folder) and for anything unexpected. No stack trace unless ENTENTE_DEBUG=1 asks for one.
 */
export function reportError(e: unknown): number {
  // The stack, and the stacks of the errors it wraps (`cause`): where a fault of ours began.
  const debug = process.env.ENTENTE_DEBUG === '1' && e instanceof Error && e.stack ? `\n${inspect(e)}` : '';
  const problem = e instanceof EntenteError ? e : environmentProblem(e);
  if (problem) {
    // A fault of ours met here (it wraps the error where it began); a server's internal error is in the server's log.
    const where =
      problem.code === 'internal' && problem.cause !== undefined && !debug ? ' (ENTENTE_DEBUG=1 shows where)' : '';
    process.stderr.write(`entente: ${plain(problem.message)}${where}${debug}\n`);
    return problem.code === 'internal' || problem.code === 'unavailable' ? exitCodes.environment : exitCodes.input;
  }
  const err = e as Error;
  if (err?.name === 'CLIError') {
    process.stderr.write(`entente: ${plain(err.message)} (see \`entente --help\`)${debug}\n`);
    return exitCodes.input;
  }
  const message = err instanceof Error ? err.message : String(e);
  process.stderr.write(`entente: internal error: ${plain(message)}${debug || ' (ENTENTE_DEBUG=1 shows where)'}\n`);
  return exitCodes.internal;
}

/** Text without ANSI colour codes (citty colours some of its messages). */
export function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

/** A row id given on the command line ("12" or "#12", as lists print them): a whole number the database can hold
 * (ids are 32-bit), else bad input saying what it should be and where to find one. */
export function idArg(text: string, what: string, listedBy: string): number {
  const n = Number(String(text).replace(/^#/, ''));
  if (!Number.isInteger(n) || n < 1 || n > 2_147_483_647)
    throw badInput(`"${text}" is not ${what} id (a whole number, as \`${listedBy}\` shows)`);
  return n;
}

/** The --cwe filter: a CWE number such as 79. */
export function cweArg(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (!/^[1-9]\d{0,6}$/.test(text)) throw badInput(`--cwe takes a CWE number such as 79; "${text}" is not one`);
  return Number(text);
}
