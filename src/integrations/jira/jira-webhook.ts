/**
 * Jira's webhook into Entente: who may call it (the shared secret, as ?secret= in the URL Jira is given, an
 * X-Entente-Jira-Secret header, or Jira's own X-Hub-Signature HMAC of the body) and what it says (an issue's status).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { EntenteError, badInput } from '../../errors.ts';
import type { JiraIssueStatus } from './jira-client.ts';

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Throws `unauthorized` unless the request carries the secret (in the query or header) or a valid HMAC of the body. */
export function checkWebhookSecret(
  secret: string,
  given: { query?: string | undefined; header?: string | undefined; hubSignature?: string | undefined },
  body: string,
): void {
  if (given.query !== undefined && same(given.query, secret)) return;
  if (given.header !== undefined && same(given.header, secret)) return;
  const m = /^sha256=([0-9a-f]{64})$/i.exec(given.hubSignature ?? '');
  if (m && same(m[1]!.toLowerCase(), createHmac('sha256', secret).update(body).digest('hex'))) return;
  throw new EntenteError(
    'unauthorized',
    'this Jira webhook call carries no valid secret: give Jira the URL with ?secret=… (ENTENTE_JIRA_WEBHOOK_SECRET), or set the same secret on the webhook in Jira',
  );
}

/** The issue and status a webhook event is about; null for an event without an issue status (nothing to do). */
export function issueStatusOf(payload: unknown): Pick<JiraIssueStatus, 'key' | 'status' | 'category'> | null {
  if (payload === null || typeof payload !== 'object') throw badInput('the Jira webhook body is not a JSON object');
  const issue = (
    payload as {
      issue?: { key?: unknown; fields?: { status?: { name?: unknown; statusCategory?: { key?: unknown } } } };
    }
  ).issue;
  if (!issue || typeof issue.key !== 'string') return null;
  const status = issue.fields?.status;
  if (!status || typeof status.name !== 'string') return null;
  return {
    key: issue.key,
    status: status.name,
    category: typeof status.statusCategory?.key === 'string' ? status.statusCategory.key : 'undefined',
  };
}
