/** An auditor's offline check of an export (JSON lines or CSV): links and hashes always, seals when the key is given. */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { badInput } from '../errors.ts';
import type { AuditKeyring } from './audit-keys.ts';
import { createChainCheck, type AuditVerification, type ChainCheck, type ChainRow } from './chain-check.ts';
import { auditCsvColumns } from './audit-export.ts';
import { hashedJson } from './chain.ts';

/** Checks the export in `file` as it is read; `keyring` (optional) also checks every seal. */
export async function verifyExportFile(file: string, keyring: AuditKeyring | undefined): Promise<AuditVerification> {
  await access(file).catch((e: NodeJS.ErrnoException) => {
    throw badInput(`cannot read ${file}: ${e.code ?? e.message}`);
  });
  let check: ChainCheck | undefined;
  const feed = (row: ChainRow): boolean => {
    // An export may start mid-chain: its first entry's link is taken as given, every later one is checked.
    check ??= createChainCheck({
      keys: keyring?.byId,
      keySource: keyring?.source ?? '',
      checkpoints: [],
      legacyUpTo: undefined,
      startFrom: row.prevHash,
    });
    return check.feed(row);
  };
  await (file.endsWith('.csv') ? readCsv(file, feed) : readJsonLines(file, feed));
  if (!check) return { ok: true, entries: 0, checkpoints: 0, message: `The export ${file} holds no entries.` };
  const v = check.result();
  if (!v.ok && v.problem !== 'unknown_key') return v;
  const head = check.head();
  const sealNote = keyring
    ? v.ok
      ? 'and their seals hold'
      : 'but some seals use a key not in the key file'
    : 'seals not checked: pass --key-file to check them too';
  return {
    ...v,
    message: `The export is consistent: ${head.count} ${head.count === 1 ? 'entry links' : 'entries link'} and match their hashes up to #${head.id}, ${sealNote}.`,
  };
}

type Feed = (row: ChainRow) => boolean;

async function readJsonLines(file: string, feed: Feed): Promise<void> {
  const lines = createInterface({ input: openFile(file), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(line) as Record<string, unknown>;
    } catch (e) {
      throw badInput(`${file} line ${n}: not JSON (${(e as Error).message})`);
    }
    const row = rowOf({ ...v, before: hashedJson(v.before), after: hashedJson(v.after) }, `${file} line ${n}`);
    if (!feed(row)) break;
  }
}

async function readCsv(file: string, feed: Feed): Promise<void> {
  // An unquoted empty cell is null, a quoted one empty text; one leading apostrophe was added by the export.
  const parser = openFile(file).pipe(
    parse({ cast: (value, ctx) => (ctx.quoting ? value : value === '' ? null : value) }),
  );
  let header: string[] | undefined;
  let n = 0;
  for await (const record of parser as AsyncIterable<(string | null)[]>) {
    n++;
    if (!header) {
      header = record.map(String);
      const missing = auditCsvColumns.filter((c) => !header!.includes(c));
      if (missing.length) throw badInput(`${file}: the header lacks ${missing.join(', ')}; is it an audit export?`);
      continue;
    }
    const cell = (name: string): string | null => {
      const v = record[header!.indexOf(name)] ?? null;
      return v?.startsWith("'") ? v.slice(1) : v;
    };
    const row = rowOf(
      {
        id: cell('id'),
        at: cell('at'),
        actor: cell('actor'),
        action: cell('action'),
        entity: cell('entity'),
        entityId: cell('entity_id'),
        before: cell('before'),
        after: cell('after'),
        prevHash: cell('prev_hash'),
        hash: cell('hash'),
        keyId: cell('key_id'),
        seal: cell('seal'),
      },
      `${file} line ${n}`,
    );
    if (!feed(row)) break;
  }
}

function openFile(file: string) {
  return createReadStream(file, 'utf8');
}

const text = ['id', 'at', 'actor', 'action', 'entity', 'prevHash', 'hash'] as const;
const nullable = ['entityId', 'before', 'after', 'keyId', 'seal'] as const;

function rowOf(v: Record<string, unknown>, where: string): ChainRow {
  for (const k of text)
    if (typeof v[k] !== 'string') throw badInput(`${where}: "${k}" is missing or not text; is it an audit export?`);
  for (const k of nullable)
    if (v[k] !== null && typeof v[k] !== 'string') throw badInput(`${where}: "${k}" should be text or null`);
  if (!/^\d+$/.test(v.id as string)) throw badInput(`${where}: "id" is not an entry id`);
  return v as unknown as ChainRow;
}
