/** The audit log's HMAC keys: where they come from (ENTENTE_AUDIT_KEY, a key file, audit.key in the data folder), their ids, rotation. */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { badInput } from '../errors.ts';

export interface AuditKey {
  /** A short fingerprint stored on each entry, so verification knows which key sealed it without revealing the key. */
  id: string;
  secret: Buffer;
}

export interface AuditKeyring {
  /** The key new entries are sealed with: the last one listed. */
  current: AuditKey;
  /** Every key listed, by id: the earlier ones still verify the entries they sealed. */
  byId: ReadonlyMap<string, AuditKey>;
  /** Where the keys came from, as people should be told. */
  source: string;
}

export interface AuditKeySource {
  /** ENTENTE_AUDIT_KEY: one key, or several separated by commas (the last one seals). */
  key?: string | undefined;
  /** ENTENTE_AUDIT_KEY_FILE: a file with one key per line (the last one seals). */
  keyFile?: string | undefined;
  /** The data folder, whose audit.key is used (and created at first start) when neither of the above is set. */
  dataDir?: string | undefined;
}

/** The key file's name in the data folder. */
const keyFileName = 'audit.key';
const minLength = 32;

/** The keys in force: ENTENTE_AUDIT_KEY, else ENTENTE_AUDIT_KEY_FILE, else the data folder's audit.key, else (an in-memory database) a key for this process only. */
export function loadAuditKeyring(source: AuditKeySource): AuditKeyring {
  if (source.key) return keyringOf(source.key, 'ENTENTE_AUDIT_KEY');
  if (source.keyFile) return keyringOf(readKeys(source.keyFile, 'ENTENTE_AUDIT_KEY_FILE'), source.keyFile);
  if (source.dataDir) {
    const path = join(source.dataDir, keyFileName);
    createKeyFileIfMissing(source.dataDir, path);
    refuseLoosePermissions(path);
    return keyringOf(readKeys(path, 'the audit key file'), path);
  }
  // An in-memory database lives as long as this process, and so does its key.
  return keyringOf(newKeyText(), 'memory');
}

/** A fresh key as the text a key file holds: 32 random bytes in hex. */
function newKeyText(): string {
  return randomBytes(32).toString('hex');
}

/** The id a key is known by: the start of an HMAC of a fixed text under it (the key cannot be recovered from it). */
export function keyIdOf(secret: Buffer): string {
  return createHmac('sha256', secret).update('entente-audit-key-id').digest('hex').slice(0, 16);
}

function keyringOf(text: string, source: string): AuditKeyring {
  const texts = text
    .split(/[\r\n,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.startsWith('#'));
  if (texts.length === 0)
    throw badInput(`${source} holds no audit key; write one key per line (e.g. \`openssl rand -hex 32\`)`);
  const byId = new Map<string, AuditKey>();
  let current: AuditKey | undefined;
  texts.forEach((t, i) => {
    // The key itself is never repeated in a message: only where it is and what is wrong with it.
    if (t.length < minLength || /\s/.test(t))
      throw badInput(
        `${source}: audit key ${i + 1} is ${t.length} characters${/\s/.test(t) ? ' with spaces' : ''}; a key is at least ${minLength} characters without spaces (e.g. \`openssl rand -hex 32\`)`,
      );
    const secret = Buffer.from(t, 'utf8');
    current = { id: keyIdOf(secret), secret };
    byId.set(current.id, current);
  });
  return { current: current!, byId, source };
}

function readKeys(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw badInput(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

// Created at first start. Two processes starting together both try; the file one of them wrote is the key of both.
function createKeyFileIfMissing(dataDir: string, path: string): void {
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path, `${newKeyText()}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    throw badInput(
      `cannot create the audit key ${path} (${code ?? (e as Error).message}): make the data folder writable, or set ENTENTE_AUDIT_KEY or ENTENTE_AUDIT_KEY_FILE`,
    );
  }
}

// Like ssh with a private key: a key others can read seals nothing, so it is refused rather than used.
function refuseLoosePermissions(path: string): void {
  if (process.platform === 'win32') return;
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw badInput(
      `the audit key ${path} can be read by other users (mode ${mode.toString(8).padStart(4, '0')}); run \`chmod 600 ${path}\``,
    );
}
