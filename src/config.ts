/** One validated view of the environment, parsed once at start and passed in. */
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { badInput } from './errors.ts';

const schema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgres://').optional(),
  ENTENTE_DATA: z.string().min(1).optional(),
  ENTENTE_POLICY: z.string().min(1).optional(),
  ENTENTE_AUDIT_KEY: z.string().min(1).optional(),
  ENTENTE_AUDIT_KEY_FILE: z.string().min(1).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(4100),
  HOST: z.string().min(1).default('127.0.0.1'),
  ENTENTE_MAX_JSON_BYTES: size('1048576, 512KB or 2MB'),
  ENTENTE_MAX_UPLOAD_BYTES: size('1073741824, 500MB or 2GB'),
  ENTENTE_MAX_EXPANSION: z.coerce.number().int('must be a whole number such as 100').min(1).optional(),
  ENTENTE_TRUSTED_PROXIES: z.string().transform((s) => s.split(',').map((a) => a.trim()).filter(Boolean))
    .refine((list) => list.every((a) => isIP(a) !== 0), 'must be a comma list of IP addresses such as 10.0.0.5,10.0.0.6').optional(),
});

/** Request size limits: JSON bodies, uploads (and what a compressed upload may expand to), and how much an upload may expand. */
export interface Limits {
  jsonBytes: number;
  uploadBytes: number;
  /** A compressed upload may expand to this many times its size (past the first 10 MB), and never past uploadBytes. */
  expansionRatio: number;
}

export const defaultLimits: Limits = { jsonBytes: 1 << 20, uploadBytes: 1 << 30, expansionRatio: 100 };

// A size in bytes: "1048576", "512KB", "2 MB", "1GB" (1 KB = 1024 bytes), more than 0.
function size(examples: string) {
  const message = `must be a size such as ${examples}`;
  return z.string().regex(/^\s*\d+\s*(B|KB|KIB|K|MB|MIB|M|GB|GIB|G)?\s*$/i, message).transform((s) => {
    const [, n, unit] = /(\d+)\s*([A-Z]?)/i.exec(s)!;
    return Number(n) * ({ '': 1, B: 1, K: 1 << 10, M: 1 << 20, G: 1 << 30 } as Record<string, number>)[unit!.toUpperCase()]!;
  }).pipe(z.number().int().positive(message)).optional();
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
}

/** Reads the configuration from an environment (process.env in production, a literal in tests). */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const r = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')));
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw badInput(`environment variable ${i.path.join('.')}: ${i.message}`);
  }
  return {
    databaseUrl: r.data.DATABASE_URL,
    dataDir: r.data.ENTENTE_DATA === undefined ? defaultDataDir(env) : resolve(r.data.ENTENTE_DATA),
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
  };
}

/** The data folder when ENTENTE_DATA is not set: one per user, wherever the command is run from (the XDG base
 * directory rule: $XDG_DATA_HOME/entente, else ~/.local/share/entente). */
export function defaultDataDir(env: Record<string, string | undefined>): string {
  const xdg = env.XDG_DATA_HOME;
  return xdg && isAbsolute(xdg) ? join(xdg, 'entente') : join(env.HOME || homedir(), '.local', 'share', 'entente');
}

/** The policy file in force: ENTENTE_POLICY, else policy.yaml in the data folder if there is one, else none (defaults). */
export function policyFileOf(config: Config): string | undefined {
  const inData = join(config.dataDir, 'policy.yaml');
  return config.policyFile ?? (existsSync(inData) ? inData : undefined);
}
