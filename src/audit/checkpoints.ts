/**
 * Checkpoints of the chain's head (entry id, hash, count, time), sealed with the audit key and appended to a file in
 * the data folder, outside the database: whoever deletes the last entries cannot delete what was recorded about them.
 */
import { appendFile, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditKeyring } from './audit-keys.ts';
import { sameSeal, sealText } from './chain.ts';

export interface Checkpoint {
  /** The entry that was the head, and its hash. */
  id: string;
  hash: string;
  /** How many entries there were up to and including it. */
  count: number;
  at: string;
  /** Only on the first checkpoint: the last entry written before entries were sealed ('0' when there is none). */
  legacyUpTo?: string;
  keyId: string;
}

/** Where checkpoints are kept: lines appended, never rewritten. */
export interface CheckpointStore {
  /** Where, as people should be told. */
  where: string;
  readLines(): Promise<string[]>;
  append(line: string): Promise<void>;
}

/** The file store: `audit-checkpoints.jsonl` in the data folder, created with 0600 permissions, only ever appended to. */
export function fileCheckpointStore(path: string): CheckpointStore {
  return {
    where: path,
    async readLines() {
      const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return '';
        throw e;
      });
      // A line without its newline is a write cut short by a crash, not a checkpoint.
      return text.split('\n').slice(0, -1);
    },
    async append(line) {
      await mkdir(dirname(path), { recursive: true });
      await appendFile(path, `${line}\n`, { mode: 0o600 });
    },
  };
}

/** The store of an in-memory database: it lives exactly as long as the database does. */
export function memoryCheckpointStore(): CheckpointStore {
  const lines: string[] = [];
  return { where: 'memory', readLines: async () => [...lines], append: async (line) => void lines.push(line) };
}

/** True when the store has no checkpoint yet (a new data folder). */
export async function isEmptyStore(store: CheckpointStore): Promise<boolean> {
  if (store.where === 'memory') return (await store.readLines()).length === 0;
  const s = await stat(store.where).catch(() => undefined);
  return !s || s.size === 0;
}

/** Appends one checkpoint, sealed with the key in force. */
export async function appendCheckpoint(
  store: CheckpointStore,
  keyring: AuditKeyring,
  cp: Omit<Checkpoint, 'keyId'>,
): Promise<Checkpoint> {
  const sealed: Checkpoint = { ...cp, keyId: keyring.current.id };
  const seal = sealText(keyring.current.secret, 'checkpoint', sealedText(sealed));
  await store.append(JSON.stringify({ ...sealed, seal }));
  return sealed;
}

export interface StoredCheckpoints {
  /** Checkpoints whose seal matches a key in force, in the order written. */
  trusted: Checkpoint[];
  /** From the first checkpoint, when it is trusted. */
  legacyUpTo: string | undefined;
  /** Lines sealed with a key not in force: neither trusted nor evidence of tampering. */
  unverifiable: number;
  /** The first line that is not a checkpoint or whose seal does not match (1-based). */
  alteredLine?: number;
}

/** Reads the store and checks every line's seal. */
export async function readCheckpoints(store: CheckpointStore, keyring: AuditKeyring): Promise<StoredCheckpoints> {
  const lines = await store.readLines();
  const out: StoredCheckpoints = { trusted: [], legacyUpTo: undefined, unverifiable: 0 };
  lines.forEach((line, i) => {
    const cp = parseLine(line);
    const key = cp && keyring.byId.get(cp.keyId);
    if (cp && !key) {
      out.unverifiable++;
    } else if (!cp || !key || !sameSeal(cp.seal, sealText(key.secret, 'checkpoint', sealedText(cp)))) {
      out.alteredLine ??= i + 1;
    } else {
      if (i === 0) out.legacyUpTo = cp.legacyUpTo;
      const { seal: _seal, ...plain } = cp;
      out.trusted.push(plain);
    }
  });
  return out;
}

function sealedText(cp: Checkpoint): string {
  return JSON.stringify([cp.id, cp.hash, cp.count, cp.at, cp.legacyUpTo ?? null, cp.keyId]);
}

function parseLine(line: string): (Checkpoint & { seal: string }) | undefined {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const ok =
    v !== null
    && typeof v === 'object'
    && typeof v.id === 'string'
    && /^\d+$/.test(v.id)
    && typeof v.hash === 'string'
    && Number.isInteger(v.count)
    && typeof v.at === 'string'
    && typeof v.keyId === 'string'
    && typeof v.seal === 'string'
    && (v.legacyUpTo === undefined || (typeof v.legacyUpTo === 'string' && /^\d+$/.test(v.legacyUpTo)));
  return ok ? (v as unknown as Checkpoint & { seal: string }) : undefined;
}
