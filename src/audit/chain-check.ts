/**
 * Walks the audit chain in order and says what is wrong with it, if anything: a pure function of the rows, the keys
 * and the checkpoints, so the database verification and an auditor's offline check of an export are the same code.
 */
import type { AuditKey } from './audit-keys.ts';
import type { Checkpoint } from './checkpoints.ts';
import { chainHash, genesis, sameSeal, sealOf } from './chain.ts';

/** One entry as the chain sees it: before/after already in their canonical text, `at` in ISO 8601 with milliseconds. */
export interface ChainRow {
  id: string;
  at: string;
  actor: string;
  action: string;
  entity: string;
  entityId: string | null;
  before: string | null;
  after: string | null;
  prevHash: string;
  hash: string;
  keyId: string | null;
  seal: string | null;
}

export type AuditProblem = 'altered' | 'missing' | 'missing_at_end' | 'unknown_key' | 'checkpoint_altered';

export interface AuditVerification {
  ok: boolean;
  /** Entries found intact before the first problem (every entry when the log is intact). */
  entries: number;
  problem?: AuditProblem;
  /** The entry where the problem shows. */
  brokenAt?: string;
  /** What was found, in one sentence. */
  message: string;
  /** How many checkpoints the chain was compared with. */
  checkpoints: number;
}

export interface ChainCheckOptions {
  /** The keys that verify seals; undefined checks links and hashes only (an export checked without the key). */
  keys: ReadonlyMap<string, AuditKey> | undefined;
  /** Where the keys come from, for the message about an unknown key. */
  keySource: string;
  checkpoints: readonly Checkpoint[];
  /** The last entry written before entries were sealed (the first checkpoint says); undefined: unsealed entries may only come first. */
  legacyUpTo: string | undefined;
  /** The checkpoint file, when one of its lines was altered. */
  alteredCheckpoint?: { where: string; line: number };
  /** For an export that starts mid-chain: the hash its first entry links to (else the chain starts at genesis). */
  startFrom?: string;
}

export interface ChainCheck {
  /** Checks the next entry; false once a problem stops the walk. */
  feed(row: ChainRow): boolean;
  /** The verdict over what was fed. */
  result(): AuditVerification;
  /** The last entry checked and how many there were: what a new checkpoint records. */
  head(): { id: string; hash: string; count: number };
}

interface Found {
  problem: AuditProblem;
  at: string;
  message: string;
}

/** A walk over the chain in id order. */
export function createChainCheck(opts: ChainCheckOptions): ChainCheck {
  const pending = [...opts.checkpoints].sort((a, b) => cmp(a.id, b.id));
  let prev = opts.startFrom ?? genesis;
  let entries = 0;
  let lastId = '0';
  let sealedSeen = false;
  let found: Found | undefined;
  let unknown: { first: string; keyId: string; count: number } | undefined;
  const compared = new Set<Checkpoint>();
  const intact = (before = 'it'): string =>
    entries === 0
      ? ''
      : `; the ${count(entries, 'entry', 'entries')} before ${before} ${entries === 1 ? 'is' : 'are'} intact`;

  const stop = (problem: AuditProblem, at: string, message: string): false => {
    found = { problem, at, message };
    return false;
  };

  return {
    feed(r) {
      if (found) return false;
      // A checkpoint the walk has passed without meeting its entry names an entry that is no longer there.
      while (pending[0] && cmp(pending[0].id, r.id) < 0) {
        const cp = pending.shift()!;
        if (isGenesis(cp)) {
          compared.add(cp);
          continue;
        }
        return stop(
          'missing',
          r.id,
          `Entry #${cp.id}, recorded by the checkpoint of ${cp.at}, is missing before entry #${r.id}${intact(`#${r.id}`)}.`,
        );
      }
      if (r.prevHash !== prev) {
        return stop(
          'missing',
          r.id,
          `Entry #${r.id} does not link to the entry before it${lastId === '0' ? '' : ` (#${lastId})`}: entries between them were removed, or #${r.id} was altered${intact(`#${r.id}`)}.`,
        );
      }
      if (chainHash(prev, r) !== r.hash)
        return stop('altered', r.id, `Entry #${r.id} was altered: its content no longer matches its hash${intact()}.`);
      const seal = checkSeal(r);
      if (seal) return stop('altered', r.id, `Entry #${r.id} was altered: ${seal}${intact()}.`);
      for (; pending[0]?.id === r.id; pending.shift()) {
        const cp = pending[0];
        compared.add(cp);
        if (cp.hash !== r.hash)
          return stop(
            'altered',
            r.id,
            `Entry #${r.id} was altered: it differs from the checkpoint of ${cp.at}${intact()}.`,
          );
        if (cp.count !== entries + 1) {
          return stop(
            'missing',
            r.id,
            `Entries are missing before #${r.id}: the checkpoint of ${cp.at} counted ${cp.count} up to it, the log now has ${entries + 1}${intact(`#${r.id}`)}.`,
          );
        }
      }
      prev = r.hash;
      entries++;
      lastId = r.id;
      return true;
    },

    result() {
      const beyond = pending.filter((cp) => !isGenesis(cp) || !compared.add(cp));
      const checkpoints = compared.size;
      if (found)
        return { ok: false, entries, problem: found.problem, brokenAt: found.at, message: found.message, checkpoints };
      if (beyond.length > 0) {
        const last = beyond.at(-1)!;
        const ends =
          lastId === '0' ? 'it has no entries' : `it ends at #${lastId} after ${count(entries, 'entry', 'entries')}`;
        return {
          ok: false,
          entries,
          problem: 'missing_at_end',
          brokenAt: beyond[0]!.id,
          checkpoints,
          message: `Entries are missing from the end of the audit log: ${ends}, but the checkpoint of ${last.at} recorded ${count(last.count, 'entry', 'entries')} up to #${last.id}.`,
        };
      }
      if (unknown) {
        return {
          ok: false,
          entries,
          problem: 'unknown_key',
          brokenAt: unknown.first,
          checkpoints,
          message: `${count(unknown.count, 'entry', 'entries')} from #${unknown.first} ${unknown.count === 1 ? 'was' : 'were'} sealed with audit key ${unknown.keyId}, which is not in ${opts.keySource}, so ${unknown.count === 1 ? 'it' : 'they'} cannot be verified: add that key back (see the README's audit key notes), or treat ${unknown.count === 1 ? 'it' : 'them'} as altered.`,
        };
      }
      if (opts.alteredCheckpoint) {
        const { where, line } = opts.alteredCheckpoint;
        return {
          ok: false,
          entries,
          problem: 'checkpoint_altered',
          brokenAt: '0',
          checkpoints,
          message: `Line ${line} of the checkpoint file ${where} was altered (its seal does not match); the ${count(entries, 'entry', 'entries')} of the log itself are intact.`,
        };
      }
      return {
        ok: true,
        entries,
        checkpoints,
        message: `The audit log is intact: ${count(entries, 'entry', 'entries')}${checkpoints > 0 ? `, consistent with ${count(checkpoints, 'checkpoint', 'checkpoints')}` : ''}.`,
      };
    },

    head: () => ({ id: lastId, hash: prev, count: entries }),
  };

  // Why an entry's seal fails, or undefined when it holds (or cannot be checked: no keys, or a key not in force).
  function checkSeal(r: ChainRow): string | undefined {
    if (r.seal === null && r.keyId === null) {
      const allowed = opts.legacyUpTo !== undefined ? cmp(r.id, opts.legacyUpTo) <= 0 : !sealedSeen;
      return allowed ? undefined : 'it carries no seal, although it was written after entries were sealed';
    }
    if (r.seal === null || r.keyId === null) return 'its seal or key id was removed';
    sealedSeen = true;
    if (!opts.keys) return undefined;
    const key = opts.keys.get(r.keyId);
    if (!key) {
      if (unknown) unknown.count++;
      else unknown = { first: r.id, keyId: r.keyId, count: 1 };
      return undefined;
    }
    return sameSeal(r.seal, sealOf(key.secret, r.hash))
      ? undefined
      : 'its seal does not match, so it was rewritten by someone without the audit key';
  }
}

// The first checkpoint of a log that had no unsealed entries: it holds before any entry.
function isGenesis(cp: Checkpoint): boolean {
  return cp.id === '0' && cp.count === 0 && cp.hash === genesis;
}

function cmp(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
