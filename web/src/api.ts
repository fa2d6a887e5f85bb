/** Calls the Entente API from the browser: the session cookie authenticates, and writes carry the CSRF header. */

/** An error answer from the API, with its message (which says what and where). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
let onSignedOut: () => void = () => {};

/** Remembers the CSRF token of the current session (from sign-in or GET /api/session). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** What to do when the API says the session has ended (401): show the sign-in page again. */
export function whenSignedOut(fn: () => void): void {
  onSignedOut = fn;
}

/** Calls the API; resolves with the JSON body, rejects with an ApiError. */
export async function api<T>(
  path: string,
  init: { method?: string; json?: unknown; quiet401?: boolean } = {},
): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-entente-csrf'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    });
  } catch {
    throw new ApiError(0, 'network', 'we cannot reach the Entente server; check your connection and try again');
  }
  if (res.status === 204) return undefined as T;
  const body = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  if (!res.ok) {
    if (res.status === 401 && !init.quiet401) onSignedOut();
    throw new ApiError(
      res.status,
      body?.error?.code ?? 'internal',
      body?.error?.message ?? `the server answered ${res.status}`,
    );
  }
  return body as T;
}
