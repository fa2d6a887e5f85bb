/**
 * A local Jira Cloud on 127.0.0.1 speaking REST v3's shapes for what Entente calls: create an issue, read one, list and
 * make transitions, and JQL search (key in (…)) with nextPageToken pages. It checks basic auth and the ADF description,
 * and records every request.
 */
import type { JiraSettings } from '../../src/config.ts';
import { startReceiver, type Answer, type Received, type Receiver } from './receiver.ts';

const statuses = {
  'To Do': { id: '11', category: 'new' },
  'In Progress': { id: '21', category: 'indeterminate' },
  Done: { id: '31', category: 'done' },
} as const;
type StatusName = keyof typeof statuses;

interface FakeIssue {
  id: string;
  key: string;
  project: string;
  fields: Record<string, any>;
  status: StatusName;
}

export interface JiraFake {
  settings: JiraSettings;
  receiver: Receiver;
  issues: Map<string, FakeIssue>;
  /** Moves an issue as a person would in Jira. */
  setStatus(key: string, status: StatusName): void;
  /** A webhook body as Jira sends it for an issue update. */
  webhookBody(key: string): Record<string, unknown>;
  /** Requests other than those this fake answers itself (for asserting what was called). */
  calls(method: string, pathStart: string): Received[];
  close(): Promise<void>;
}

/** Starts the fake with these projects; `pageSize` caps search pages (to exercise nextPageToken). */
export async function startJiraFake(
  opts: { projects?: string[]; pageSize?: number; webhookSecret?: string } = {},
): Promise<JiraFake> {
  const projects = new Set(opts.projects ?? ['PAY']);
  const issues = new Map<string, FakeIssue>();
  const counters = new Map<string, number>();
  let nextId = 10_000;
  const auth = `Basic ${Buffer.from('bot@acme.example:jira-api-token').toString('base64')}`;
  const view = (i: FakeIssue) => ({
    id: i.id,
    key: i.key,
    self: `/rest/api/3/issue/${i.id}`,
    fields: { ...i.fields, status: statusView(i.status) },
  });
  const statusView = (name: StatusName) => ({
    name,
    id: statuses[name].id,
    statusCategory: { key: statuses[name].category, name: statuses[name].category },
  });

  const handle = (r: Received): Answer => {
    if (r.headers.authorization !== auth)
      return { status: 401, body: { errorMessages: ['You are not authenticated.'], errors: {} } };
    const url = new URL(r.path, 'http://jira');
    let m: RegExpExecArray | null;
    if (r.method === 'POST' && url.pathname === '/rest/api/3/issue') {
      const f = r.json?.fields;
      if (!f?.project?.key || !projects.has(f.project.key))
        return { status: 400, body: { errorMessages: [], errors: { project: 'valid project is required' } } };
      if (f.description?.type !== 'doc' || f.description?.version !== 1)
        return {
          status: 400,
          body: { errorMessages: [], errors: { description: 'Operation value must be an Atlassian Document.' } },
        };
      if (!f.summary || !f.issuetype?.name)
        return {
          status: 400,
          body: { errorMessages: [], errors: { summary: 'You must specify a summary of the issue.' } },
        };
      const n = (counters.get(f.project.key) ?? 0) + 1;
      counters.set(f.project.key, n);
      const issue: FakeIssue = {
        id: String(nextId++),
        key: `${f.project.key}-${n}`,
        project: f.project.key,
        fields: f,
        status: 'To Do',
      };
      issues.set(issue.key, issue);
      return { status: 201, body: { id: issue.id, key: issue.key, self: `/rest/api/3/issue/${issue.id}` } };
    }
    if (r.method === 'GET' && (m = /^\/rest\/api\/3\/issue\/([^/]+)$/.exec(url.pathname))) {
      const i = issues.get(decodeURIComponent(m[1]!));
      return i
        ? { status: 200, body: view(i) }
        : {
            status: 404,
            body: { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} },
          };
    }
    if ((m = /^\/rest\/api\/3\/issue\/([^/]+)\/transitions$/.exec(url.pathname))) {
      const i = issues.get(decodeURIComponent(m[1]!));
      if (!i)
        return {
          status: 404,
          body: { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} },
        };
      if (r.method === 'GET') {
        return {
          status: 200,
          body: {
            expand: 'transitions',
            transitions: (Object.keys(statuses) as StatusName[])
              .filter((s) => s !== i.status)
              .map((s) => ({
                id: statuses[s].id,
                name: s === 'Done' ? 'Resolve' : `Move to ${s}`,
                to: statusView(s),
                hasScreen: false,
              })),
          },
        };
      }
      const to = (Object.keys(statuses) as StatusName[]).find((s) => statuses[s].id === r.json?.transition?.id);
      if (!to || to === i.status)
        return { status: 400, body: { errorMessages: ['Transition id is not valid for this issue.'], errors: {} } };
      i.status = to;
      return { status: 204 };
    }
    if (r.method === 'POST' && url.pathname === '/rest/api/3/search/jql') {
      const keys = [...String(r.json?.jql ?? '').matchAll(/"([A-Z][A-Z0-9_]*-\d+)"/g)].map((x) => x[1]!);
      const found = keys.map((k) => issues.get(k)).filter((i): i is FakeIssue => i !== undefined);
      const size = Math.min(Number(r.json?.maxResults ?? 50), opts.pageSize ?? 50);
      const start = r.json?.nextPageToken ? Number(Buffer.from(r.json.nextPageToken, 'base64').toString()) : 0;
      const page = found.slice(start, start + size);
      const more = start + size < found.length;
      return {
        status: 200,
        body: {
          issues: page.map((i) => ({ id: i.id, key: i.key, fields: { status: statusView(i.status) } })),
          isLast: !more,
          ...(more ? { nextPageToken: Buffer.from(String(start + size)).toString('base64') } : {}),
        },
      };
    }
    return { status: 404, body: { errorMessages: [`no route ${r.method} ${url.pathname} in the fake`], errors: {} } };
  };
  const receiver = await startReceiver(handle);
  return {
    settings: {
      url: receiver.url,
      user: 'bot@acme.example',
      token: 'jira-api-token',
      webhookSecret: opts.webhookSecret ?? 'a-shared-secret-of-some-length',
    },
    receiver,
    issues,
    setStatus(key, status) {
      issues.get(key)!.status = status;
    },
    webhookBody(key) {
      const i = issues.get(key)!;
      return {
        timestamp: Date.now(),
        webhookEvent: 'jira:issue_updated',
        issue_event_type_name: 'issue_generic',
        issue: view(i),
        changelog: { items: [{ field: 'status', fieldtype: 'jira', toString: i.status }] },
      };
    },
    calls: (method, pathStart) => receiver.received.filter((x) => x.method === method && x.path.startsWith(pathStart)),
    close: () => receiver.close(),
  };
}
