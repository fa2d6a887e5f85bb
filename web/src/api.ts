/** Calls the Entente API from the browser: the session cookie authenticates, and writes carry the CSRF header. */

/** Who is signed in, as GET /api/session answers. */
export interface Me {
  person: string | null;
  role: string;
  teams: string[];
  csrfToken: string | null;
}

/** A finding as the list and the finding page show it (the API's Finding). */
export interface Finding {
  id: number;
  service: string;
  ownerTeam: string;
  title: string;
  kind: string;
  severity: string;
  priority: string;
  priorityReasons: string[];
  status: string;
  dueAt: string;
  dueDate: string;
  overdue: boolean;
  tool: string;
  ruleId: string;
  sources: { tool: string; ruleId: string; present: boolean }[];
  aliases: string[];
  cwes: number[];
  cvss: { score: number | null; vector: string | null };
  kev: boolean;
  epss: number | null;
  component: { name: string | null; version: string | null; purl: string | null; fixedVersion: string | null };
  location: {
    file: string | null;
    line: number | null;
    url: string | null;
    parameter: string | null;
    host: string | null;
    port: number | null;
  };
  assignee: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
  fixedAt: string | null;
  reopenedCount: number;
  description: string | null;
  comments?: { id: number; author: string; body: string; createdAt: string }[];
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

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
