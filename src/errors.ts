/** The one error type: a code people and programs can act on, a message that says what and where, and details. */
export type ErrorCode =
  | 'bad_input'        // a report, file or request body that cannot be read as what it claims to be
  | 'unknown_format'   // a report whose format Entente does not recognise
  | 'not_found'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'unavailable'      // something Entente needs is not there: a server that does not answer, a database it cannot reach
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
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
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
export function badInput(message: string, details?: Record<string, unknown>): EntenteError {
  return new EntenteError('bad_input', message, details);
}
