/** One validated view of the environment, parsed once at start and passed in. */
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { badInput } from './errors.ts';
import { dataDirOf } from './data-dir.ts';

const schema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres://')
    .optional(),
  ENTENTE_DATA: z.string().min(1).optional(),
  ENTENTE_POLICY: z.string().min(1).optional(),
  ENTENTE_AUDIT_KEY: z.string().min(1).optional(),
  ENTENTE_AUDIT_KEY_FILE: z.string().min(1).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(4100),
  HOST: z.string().min(1).default('127.0.0.1'),
  ENTENTE_MAX_JSON_BYTES: size('1048576, 512KB or 2MB'),
  ENTENTE_MAX_UPLOAD_BYTES: size('1073741824, 500MB or 2GB'),
  ENTENTE_MAX_EXPANSION: z.coerce.number().int('must be a whole number such as 100').min(1).optional(),
  ENTENTE_EARLY_ROWS: z.coerce.number().int('must be a whole number such as 10000').min(1).optional(),
  ENTENTE_SPILL_ROWS: z.coerce.number().int('must be a whole number such as 200000').min(1).optional(),
  ENTENTE_TRUSTED_PROXIES: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean),
    )
    .refine(
      (list) => list.every((a) => isIP(a) !== 0),
      'must be a comma list of IP addresses such as 10.0.0.5,10.0.0.6',
    )
    .optional(),
  ENTENTE_PUBLIC_URL: z.string().url('must be the address people open, such as https://entente.example.com').optional(),
  ENTENTE_OIDC_ISSUER: z
    .string()
    .url("must be the provider's issuer address, such as https://accounts.google.com")
    .optional(),
  ENTENTE_OIDC_CLIENT_ID: z.string().min(1).optional(),
  ENTENTE_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  ENTENTE_OIDC_NAME: z.string().min(1).max(60).optional(),
  ENTENTE_SMTP_URL: z
    .string()
    .regex(
      /^smtps?:\/\/[^/\s]+/i,
      'must be smtp://host:port or smtps://host:port (user:password@ before the host when needed)',
    )
    .optional(),
  ENTENTE_MAIL_FROM: z
    .string()
    .regex(
      /^[^\s@<>]+@[^\s@<>]+$|^[^<>]*<[^\s@<>]+@[^\s@<>]+>$/,
      'must be an address such as entente@example.com or "Entente <entente@example.com>"',
    )
    .optional(),
  ENTENTE_NOTIFY_CLAIM_SECONDS: z.coerce
    .number()
    .int('must be a whole number of seconds such as 120')
    .min(1)
    .optional(),
  ENTENTE_JIRA_URL: z
    .url({ protocol: /^https?$/, error: 'must be your Jira site, such as https://acme.atlassian.net' })
    .optional(),
  ENTENTE_JIRA_USER: z.string().min(1).optional(),
  ENTENTE_JIRA_TOKEN: z.string().min(1).optional(),
  ENTENTE_JIRA_WEBHOOK_SECRET: z
    .string()
    .min(16, 'must be at least 16 characters (make one with: openssl rand -hex 24)')
    .optional(),
});

/** The Jira Cloud site Entente files issues in (ENTENTE_JIRA_*): an account's e-mail and API token, and the secret Jira's webhook sends. */
export interface JiraSettings {
  url: string;
  user: string;
  token: string;
  webhookSecret: string | undefined;
}

/** Request size limits: JSON bodies, uploads (and what a compressed upload may expand to), and how much an upload may expand. */
export interface Limits {
  jsonBytes: number;
  uploadBytes: number;
  /** A compressed upload may expand to this many times its size (past the first 10 MB), and never past uploadBytes. */
  expansionRatio: number;
}

/** How an import holds a report's rows: new rows are written in batches of `early` while the report is read, and past
 * `spill` rows the rest go to temporary files. Unset, the import's own defaults (set here for tests and small machines). */
export interface ImportRowLimits {
  early?: number | undefined;
  spill?: number | undefined;
}

export const defaultLimits: Limits = { jsonBytes: 1 << 20, uploadBytes: 1 << 30, expansionRatio: 100 };

// A size in bytes: "1048576", "512KB", "2 MB", "1GB" (1 KB = 1024 bytes), more than 0.
function size(examples: string) {
  const message = `must be a size such as ${examples}`;
  return z
    .string()
    .regex(/^\s*\d+\s*(B|KB|KIB|K|MB|MIB|M|GB|GIB|G)?\s*$/i, message)
    .transform((s) => {
      const [, n, unit] = /(\d+)\s*([A-Z]?)/i.exec(s)!;
      return (
        Number(n)
        * ({ '': 1, B: 1, K: 1 << 10, M: 1 << 20, G: 1 << 30 } as Record<string, number>)[unit!.toUpperCase()]!
      );
    })
    .pipe(z.number().int().positive(message))
    .optional();
}

export interface Config {
  databaseUrl: string | undefined;
  dataDir: string;
  policyFile: string | undefined;
  /** The audit log's HMAC key(s), or the file holding them; neither means audit.key in the data folder. */
  auditKey: string | undefined;
  auditKeyFile: string | undefined;
  port: number;
  host: string;
  limits: Limits;
  /** Proxies whose X-Forwarded-For is believed for the caller's address (the failed sign-in and token limits count by it). */
  trustedProxies: string[];
  /** The address people open Entente at (links in invitations, the SSO redirect address), without a trailing slash. */
  publicUrl: string | undefined;
  /** Single sign-on over OpenID Connect, when its variables are set. */
  oidc: OidcConfig | undefined;
  /** The Jira site, when ENTENTE_JIRA_* are set (ticket sync). */
  jira: JiraSettings | undefined;
  /** E-mail over SMTP, when ENTENTE_SMTP_URL is set; without it notifications stay pending in the outbox. */
  smtp: { url: string; from: string } | undefined;
  /** A notification claimed for sending this long ago and not marked sent (its sender died) is sent again. */
  notifyClaimSeconds: number;
  /** ENTENTE_EARLY_ROWS and ENTENTE_SPILL_ROWS: how an import holds a report's rows. */
  importRows: ImportRowLimits;
}

/** An OpenID Connect provider people sign in with (ENTENTE_OIDC_*); the redirect address is <public url>/api/session/oidc/callback. */
export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** What the sign-in button says: "Sign in with <name>" (ENTENTE_OIDC_NAME, else the issuer's host name). */
  name: string;
  redirectUri: string;
}

/** Reads the configuration from an environment (process.env in production, a literal in tests). */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const r = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')));
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw badInput(`environment variable ${i.path.join('.')}: ${i.message}`);
  }
  const publicUrl = r.data.ENTENTE_PUBLIC_URL?.replace(/\/+$/, '');
  return {
    publicUrl,
    oidc: oidcOf(r.data, publicUrl),
    databaseUrl: r.data.DATABASE_URL,
    dataDir: dataDirOf({ ...env, ENTENTE_DATA: r.data.ENTENTE_DATA }),
    policyFile: r.data.ENTENTE_POLICY ?? undefined,
    auditKey: r.data.ENTENTE_AUDIT_KEY,
    auditKeyFile: r.data.ENTENTE_AUDIT_KEY_FILE === undefined ? undefined : resolve(r.data.ENTENTE_AUDIT_KEY_FILE),
    port: r.data.PORT,
    host: r.data.HOST,
    limits: {
      jsonBytes: r.data.ENTENTE_MAX_JSON_BYTES ?? defaultLimits.jsonBytes,
      uploadBytes: r.data.ENTENTE_MAX_UPLOAD_BYTES ?? defaultLimits.uploadBytes,
      expansionRatio: r.data.ENTENTE_MAX_EXPANSION ?? defaultLimits.expansionRatio,
    },
    trustedProxies: r.data.ENTENTE_TRUSTED_PROXIES ?? [],
    smtp:
      r.data.ENTENTE_SMTP_URL === undefined
        ? undefined
        : { url: r.data.ENTENTE_SMTP_URL, from: r.data.ENTENTE_MAIL_FROM ?? 'entente@localhost' },
    notifyClaimSeconds: r.data.ENTENTE_NOTIFY_CLAIM_SECONDS ?? 120,
    jira: jiraOf(r.data),
    importRows: { early: r.data.ENTENTE_EARLY_ROWS, spill: r.data.ENTENTE_SPILL_ROWS },
  };
}

// SSO needs all four variables or none: half a configuration is refused at start with the ones missing.
function oidcOf(d: z.infer<typeof schema>, publicUrl: string | undefined): OidcConfig | undefined {
  const vars = {
    ENTENTE_OIDC_ISSUER: d.ENTENTE_OIDC_ISSUER,
    ENTENTE_OIDC_CLIENT_ID: d.ENTENTE_OIDC_CLIENT_ID,
    ENTENTE_OIDC_CLIENT_SECRET: d.ENTENTE_OIDC_CLIENT_SECRET,
  };
  const set = Object.entries(vars)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
  if (set.length === 0) return undefined;
  const missing = [...Object.keys(vars).filter((k) => !set.includes(k)), ...(publicUrl ? [] : ['ENTENTE_PUBLIC_URL'])];
  if (missing.length)
    throw badInput(
      `single sign-on needs ${missing.join(', ')} as well as ${set.join(', ')} (see the README's sign-in section)`,
      { missing },
    );
  const issuer = new URL(d.ENTENTE_OIDC_ISSUER!);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
  if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && loopback)) {
    throw badInput(
      `environment variable ENTENTE_OIDC_ISSUER: must be an https:// address (plain http only on this machine's loopback); it is ${issuer.href}`,
    );
  }
  return {
    issuer: d.ENTENTE_OIDC_ISSUER!,
    clientId: d.ENTENTE_OIDC_CLIENT_ID!,
    clientSecret: d.ENTENTE_OIDC_CLIENT_SECRET!,
    name: d.ENTENTE_OIDC_NAME ?? issuer.hostname,
    redirectUri: `${publicUrl}/api/session/oidc/callback`,
  };
}

// The three connection settings go together: one without the others is a half-done setup, said at start.
function jiraOf(d: z.infer<typeof schema>): JiraSettings | undefined {
  const given = {
    ENTENTE_JIRA_URL: d.ENTENTE_JIRA_URL,
    ENTENTE_JIRA_USER: d.ENTENTE_JIRA_USER,
    ENTENTE_JIRA_TOKEN: d.ENTENTE_JIRA_TOKEN,
  };
  const missing = Object.entries(given)
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  if (missing.length === 3) {
    if (d.ENTENTE_JIRA_WEBHOOK_SECRET)
      throw badInput(
        'environment variable ENTENTE_JIRA_WEBHOOK_SECRET is set but Jira is not: set ENTENTE_JIRA_URL, ENTENTE_JIRA_USER and ENTENTE_JIRA_TOKEN too',
      );
    return undefined;
  }
  if (missing.length)
    throw badInput(
      `environment variable ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not set: Jira needs ENTENTE_JIRA_URL, ENTENTE_JIRA_USER (the account's e-mail) and ENTENTE_JIRA_TOKEN (its API token) together`,
    );
  return {
    url: d.ENTENTE_JIRA_URL!.replace(/\/+$/, ''),
    user: d.ENTENTE_JIRA_USER!,
    token: d.ENTENTE_JIRA_TOKEN!,
    webhookSecret: d.ENTENTE_JIRA_WEBHOOK_SECRET,
  };
}

/** ENTENTE_EARLY_ROWS and ENTENTE_SPILL_ROWS alone, for what imports outside a context (the test support, the bench). */
export function importRowLimits(env: Record<string, string | undefined>): ImportRowLimits {
  return loadConfig({ ENTENTE_EARLY_ROWS: env.ENTENTE_EARLY_ROWS, ENTENTE_SPILL_ROWS: env.ENTENTE_SPILL_ROWS })
    .importRows;
}

/** The policy file in force: ENTENTE_POLICY, else policy.yaml in the data folder if there is one, else none (defaults). */
export function policyFileOf(config: Config): string | undefined {
  const inData = join(config.dataDir, 'policy.yaml');
  return config.policyFile ?? (existsSync(inData) ? inData : undefined);
}
