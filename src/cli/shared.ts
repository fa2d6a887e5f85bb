/** What every command shares: the local context or a remote server, exit codes, and printing. */
import { loadConfig } from '../config.ts';
import type { Context } from '../context.ts';
import { EntenteError, badInput, environmentProblem } from '../errors.ts';

/** Exit codes: 0 success, 2 usage or input error, 3 the environment (database, port, folder) or an internal error (gate adds 10 and 1). */
export const exitCodes = { ok: 0, input: 2, environment: 3, internal: 3 } as const;

/** Options every command that can reach a server accepts. */
export const remoteArgs = {
  server: { type: 'string', description: 'URL of a running Entente server (otherwise the local data folder is used)' },
  token: { type: 'string', description: 'API token for --server (or ENTENTE_TOKEN)' },
} as const;

/** Runs `fn` with a context over the local data folder (or DATABASE_URL), closing it afterwards. */
export async function withLocalContext<T>(fn: (ctx: Context) => Promise<T>): Promise<T> {
  // Loaded here, not at the top: a command sent to --server then never loads the database engines.
  const { openContext } = await import('../context.ts');
  const ctx = await openContext(loadConfig(process.env));
  try {
    return await fn(ctx);
  } finally {
    await ctx.database.close();
  }
}

/** Calls a running server's API; an error reply becomes an EntenteError with the server's message. */
export async function callServer(server: string, token: string | undefined, path: string, init: RequestInit = {}): Promise<unknown> {
  const auth = token ?? process.env.ENTENTE_TOKEN;
  if (!auth) throw new EntenteError('unauthorized', '--server needs --token (or ENTENTE_TOKEN)');
  let res: Response;
  try {
    res = await fetch(new URL(path, server.endsWith('/') ? server : `${server}/`), { ...init, headers: { ...(init.headers ?? {}), authorization: `Bearer ${auth}` } });
  } catch (e) {
    throw new EntenteError('bad_input', `cannot reach ${server}: ${(e as Error).cause ? String((e as Error).cause) : (e as Error).message}`);
  }
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  if (!res.ok) {
    const code = (body?.error?.code ?? (res.status >= 500 ? 'internal' : 'bad_input')) as EntenteError['code'];
    throw new EntenteError(code, `${server}: ${body?.error?.message ?? `HTTP ${res.status}`}`);
  }
  return body;
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
  const debug = process.env.ENTENTE_DEBUG === '1' && e instanceof Error && e.stack ? `\n${e.stack}` : '';
  const problem = e instanceof EntenteError ? e : environmentProblem(e);
  if (problem) {
    process.stderr.write(`entente: ${plain(problem.message)}${debug}\n`);
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
  if (!Number.isInteger(n) || n < 1 || n > 2_147_483_647) throw badInput(`"${text}" is not ${what} id (a whole number, as \`${listedBy}\` shows)`);
  return n;
}

/** The --cwe filter: a CWE number such as 79. */
export function cweArg(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (!/^[1-9]\d{0,6}$/.test(text)) throw badInput(`--cwe takes a CWE number such as 79; "${text}" is not one`);
  return Number(text);
}
