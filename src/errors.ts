/** The one error type: a code people and programs can act on, a message that says what and where, and details. */
export type ErrorCode =
  | 'bad_input' // a report, file or request body that cannot be read as what it claims to be
  | 'unknown_format' // a report whose format Entente does not recognise
  | 'not_found'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'unavailable' // something Entente needs is not there or not usable: a database, a server that does not answer, the machine
  | 'internal';

const statusByCode: Record<ErrorCode, number> = {
  bad_input: 400,
  unknown_format: 400,
  not_found: 404,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  unavailable: 503,
  internal: 500,
};

export class EntenteError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  /** `cause`: the error this one wraps (a library's refusal, a bug in our own code), kept for the log. */
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EntenteError';
    this.code = code;
    this.details = details;
  }
  /** The HTTP status this error maps to. */
  get status(): number {
    return statusByCode[this.code];
  }
}

/** Shorthand for the most common error: input that is not what it should be, with where. */
export function badInput(
  message: string,
  details?: Record<string, unknown>,
  options?: { cause?: unknown },
): EntenteError {
  return new EntenteError('bad_input', message, details, options);
}

// PostgreSQL's codes for a database that is not there or not reachable: connection exceptions (08), invalid
// authorisation (28), no such database (3D000), shutting down or starting up (57P01-57P03), out of disk or memory (53).
const pgUnavailable = /^(08|28|3D000|57P0[123]|53)/;
// Node's codes for a network, port or file system that is not as the program needs it.
const systemCodes: Record<string, string> = {
  ECONNREFUSED: 'nothing answers there',
  ECONNRESET: 'the connection was closed',
  ENOTFOUND: 'no such host',
  ETIMEDOUT: 'no answer in time',
  EHOSTUNREACH: 'the host is unreachable',
  EAI_AGAIN: 'the host name could not be looked up',
  EADDRINUSE: 'the port is in use by another program',
  EADDRNOTAVAIL: 'this machine has no such address',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  ENOTDIR: 'a part of the path is not a folder',
};

/**
 * An error that comes from the environment rather than from Entente or its input (the database is missing or gone, the
 * port is taken, a folder cannot be used), as one `unavailable` error that says what and where; undefined otherwise.
 */
export function environmentProblem(e: unknown): EntenteError | undefined {
  if (e instanceof EntenteError) return e.code === 'unavailable' ? e : undefined;
  const err = e as {
    code?: unknown;
    message?: unknown;
    address?: unknown;
    port?: unknown;
    path?: unknown;
    syscall?: unknown;
    errors?: unknown[];
  } | null;
  if (!err || typeof err !== 'object') return undefined;
  const code = typeof err.code === 'string' ? err.code : undefined;
  const message = typeof err.message === 'string' && err.message ? err.message : undefined;
  if (code && pgUnavailable.test(code) && message)
    return new EntenteError('unavailable', `PostgreSQL: ${message}`, { code }, { cause: e });
  if (code && systemCodes[code]) {
    const where =
      err.port !== undefined
        ? `${err.address ?? ''}:${err.port}`
        : typeof err.path === 'string'
          ? err.path
          : typeof err.address === 'string'
            ? err.address
            : undefined;
    return new EntenteError(
      'unavailable',
      `${where ? `${where}: ` : ''}${systemCodes[code]} (${code}${typeof err.syscall === 'string' ? ` on ${err.syscall}` : ''})`,
      { code },
      { cause: e },
    );
  }
  // An AggregateError (a host with several addresses) is as unavailable as its first cause.
  if (Array.isArray(err.errors) && err.errors.length) return environmentProblem(err.errors[0]);
  return undefined;
}
