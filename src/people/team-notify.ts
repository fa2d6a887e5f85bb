/**
 * Where a team hears from Entente besides e-mail: `teams[].notify` in the organisation file. A webhook URL (Slack's and
 * Teams' carry their secret in the path) or a signing secret is written out, or as `env:NAME` to be read from the
 * server's environment when a message is sent, so an org file kept in git need not hold secrets.
 */
import { z } from 'zod';

const envRef = /^env:[A-Za-z_][A-Za-z0-9_]*$/;
const loopback = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True for https://…, and for http:// only to this machine (a receiver on 127.0.0.1 in development). */
export function isDeliveryUrl(value: string): boolean {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return false;
  }
  if (u.username || u.password) return false;
  return u.protocol === 'https:' || (u.protocol === 'http:' && loopback.has(u.hostname));
}

const urlMessage =
  "must be an https:// URL (http:// only to localhost or 127.0.0.1), or env:NAME to read it from the server's environment";
const url = z
  .string()
  .trim()
  .refine((v) => envRef.test(v) || isDeliveryUrl(v), urlMessage);

/** A Standard Webhooks secret: whsec_ and 24 to 64 random bytes in base64. */
export function isWebhookSecret(value: string): boolean {
  const m = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(value);
  if (!m) return false;
  const bytes = Buffer.from(m[1]!, 'base64').length;
  return bytes >= 24 && bytes <= 64;
}

const secretMessage =
  'must be whsec_ followed by 24 to 64 random bytes in base64 (make one with: echo whsec_$(openssl rand -base64 32)), or env:NAME';
const secret = z
  .string()
  .trim()
  .refine((v) => envRef.test(v) || isWebhookSecret(v), secretMessage);

export const notifySchema = z
  .object({
    slack: url.optional(),
    teams: url.optional(),
    webhook: z.object({ url, secret }).strict().optional(),
    jira: z
      .object({
        project: z
          .string()
          .trim()
          .regex(
            /^[A-Z][A-Z0-9_]{0,19}$/,
            'must be a Jira project key such as PAY (capital letters, digits, underscore)',
          ),
        issueType: z.string().trim().min(1).max(60).default('Task'),
      })
      .strict()
      .optional(),
  })
  .strict();

/** A team's channels as the organisation file states them (secrets included: never shown, never logged). */
export type TeamNotify = z.infer<typeof notifySchema>;

/** What may be shown of a team's channels: which are set, the host each goes to, never a path or secret. */
export interface NotifySummary {
  slack: string | null;
  teams: string | null;
  webhook: string | null;
  jira: string | null;
}

/** The showable summary of a team's channels (GET /api/teams, the audit log). */
export function summariseNotify(n: TeamNotify | null | undefined): NotifySummary {
  return {
    slack: where(n?.slack),
    teams: where(n?.teams),
    webhook: where(n?.webhook?.url),
    jira: n?.jira?.project ?? null,
  };
}

function where(value: string | undefined): string | null {
  if (value === undefined) return null;
  if (envRef.test(value)) return value;
  try {
    return new URL(value).host;
  } catch {
    return 'set';
  }
}

/** A value as configured, or the environment variable it names; undefined when the variable is not set. */
export function resolveValue(value: string, env: Record<string, string | undefined>): string | undefined {
  if (!envRef.test(value)) return value;
  const v = env[value.slice(4)];
  return v === undefined || v === '' ? undefined : v;
}
