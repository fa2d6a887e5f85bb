/**
 * A small client for the Jira Cloud REST API v3 over fetch (basic auth: the account's e-mail and an API token): create an
 * issue, read its status, list and make transitions, and search by JQL for the polling fallback.
 */
import type { JiraSettings } from '../../config.ts';
import { EntenteError } from '../../errors.ts';
import type { AdfDoc } from './adf.ts';

/** An issue's status as Entente keeps it: the status's name and its category key (new, indeterminate or done). */
export interface JiraIssueStatus {
  id: string;
  key: string;
  status: string;
  category: string;
}

export interface JiraTransition {
  id: string;
  name: string;
  to: { name: string; category: string };
}

export interface JiraClient {
  createIssue(input: {
    project: string;
    issueType: string;
    summary: string;
    description: AdfDoc;
    labels: string[];
  }): Promise<{ id: string; key: string }>;
  getIssue(key: string): Promise<JiraIssueStatus>;
  transitions(key: string): Promise<JiraTransition[]>;
  transition(key: string, transitionId: string): Promise<void>;
  /** The status of each of these issues that still exists (pages through POST /rest/api/3/search/jql). */
  statuses(keys: readonly string[]): Promise<JiraIssueStatus[]>;
}

const timeoutMs = 20_000;
const pageSize = 50;

interface RawIssue {
  id: string;
  key: string;
  fields?: { status?: { name?: string; statusCategory?: { key?: string } } };
}

/** A client for one Jira site. */
export function jiraClient(settings: JiraSettings): JiraClient {
  const auth = `Basic ${Buffer.from(`${settings.user}:${settings.token}`).toString('base64')}`;

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${settings.url}${path}`, {
        method,
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          authorization: auth,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause;
      throw new EntenteError(
        'unavailable',
        `Jira at ${new URL(settings.url).host} did not answer ${method} ${path} (${cause?.code ?? (e as Error).message}); try again shortly`,
      );
    }
    const text = await res.text();
    if (res.ok) return (text ? JSON.parse(text) : undefined) as T;
    throw jiraRefusal(res.status, method, path, text);
  }

  const statusOf = (i: RawIssue): JiraIssueStatus => ({
    id: String(i.id),
    key: i.key,
    status: i.fields?.status?.name ?? 'unknown',
    category: i.fields?.status?.statusCategory?.key ?? 'undefined',
  });

  return {
    async createIssue(input) {
      const created = await call<{ id: string; key: string }>('POST', '/rest/api/3/issue', {
        fields: {
          project: { key: input.project },
          issuetype: { name: input.issueType },
          summary: input.summary,
          description: input.description,
          labels: input.labels,
        },
      });
      return { id: String(created.id), key: created.key };
    },
    async getIssue(key) {
      return statusOf(await call<RawIssue>('GET', `/rest/api/3/issue/${encodeURIComponent(key)}?fields=status`));
    },
    async transitions(key) {
      const r = await call<{
        transitions?: { id: string; name: string; to?: { name?: string; statusCategory?: { key?: string } } }[];
      }>('GET', `/rest/api/3/issue/${encodeURIComponent(key)}/transitions`);
      return (r.transitions ?? []).map((t) => ({
        id: String(t.id),
        name: t.name,
        to: { name: t.to?.name ?? t.name, category: t.to?.statusCategory?.key ?? 'undefined' },
      }));
    },
    async transition(key, transitionId) {
      await call('POST', `/rest/api/3/issue/${encodeURIComponent(key)}/transitions`, {
        transition: { id: transitionId },
      });
    },
    async statuses(keys) {
      const out: JiraIssueStatus[] = [];
      for (let i = 0; i < keys.length; i += pageSize) {
        const jql = `key in (${keys
          .slice(i, i + pageSize)
          .map((k) => `"${k.replace(/"/g, '')}"`)
          .join(', ')})`;
        let nextPageToken: string | undefined;
        do {
          const page = await call<{ issues?: RawIssue[]; nextPageToken?: string | null; isLast?: boolean }>(
            'POST',
            '/rest/api/3/search/jql',
            { jql, fields: ['status'], maxResults: pageSize, ...(nextPageToken ? { nextPageToken } : {}) },
          );
          out.push(...(page.issues ?? []).map(statusOf));
          nextPageToken = page.isLast === true ? undefined : (page.nextPageToken ?? undefined);
        } while (nextPageToken);
      }
      return out;
    },
  };
}

// Jira's error body: { errorMessages: [...], errors: { field: message } }. A refusal of what we asked (a project key
// that does not exist, an issue type the project lacks) is for people to fix in the org file; the rest is Jira's state.
function jiraRefusal(status: number, method: string, path: string, text: string): EntenteError {
  let said = text.split('\n')[0]?.slice(0, 300) ?? '';
  try {
    const b = JSON.parse(text) as { errorMessages?: string[]; errors?: Record<string, string> };
    said =
      [...(b.errorMessages ?? []), ...Object.entries(b.errors ?? {}).map(([k, v]) => `${k}: ${v}`)].join('; ') || said;
  } catch {
    /* not JSON: its first line */
  }
  const where = `Jira answered ${status} to ${method} ${path}${said ? `: ${said}` : ''}`;
  if (status === 401 || status === 403)
    return new EntenteError(
      'unavailable',
      `${where}; check ENTENTE_JIRA_USER and ENTENTE_JIRA_TOKEN, and that the account may work in this project`,
      { status },
    );
  if (status === 404) return new EntenteError('not_found', where, { status });
  if (status === 400)
    return new EntenteError('bad_input', `${where}; check the team's notify.jira settings in the organisation file`, {
      status,
    });
  return new EntenteError('unavailable', `${where}; try again shortly`, { status });
}
