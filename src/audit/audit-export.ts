/**
 * The audit log for auditors, streamed: JSON lines or CSV, oldest first, every chain field included and before/after
 * written in the canonical form the hashes cover, so the export re-verifies offline (`entente audit verify --file`).
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { hashedJson } from './chain.ts';
import { viewOf, type AuditEntryView } from './audit-query.ts';

export const auditExportFormats = ['jsonl', 'csv'] as const;
export type AuditExportFormat = (typeof auditExportFormats)[number];

/** The CSV's columns, in order (the JSON lines use the API's names for the same fields). */
export const auditCsvColumns = [
  'id',
  'at',
  'actor',
  'action',
  'entity',
  'entity_id',
  'before',
  'after',
  'prev_hash',
  'hash',
  'key_id',
  'seal',
] as const;

export interface PreparedAuditExport {
  contentType: string;
  fileName: string;
  chunks: AsyncIterable<string>;
}

const page = 2000;

/**
 * The entries from the first written at or after `from` to the last written before `to`, and every entry between
 * them: an entry's time comes from the request that wrote it, so a few may sit just out of order, and the chain
 * an auditor checks must have no holes.
 */
export async function prepareAuditExport(
  db: Kysely<DB>,
  opts: { format: AuditExportFormat; from?: Date | undefined; to?: Date | undefined },
): Promise<PreparedAuditExport> {
  const {
    rows: [range],
  } = await sql<{ first: string | null; last: string | null }>`select
      (select min(id) from audit_log where ${opts.from ? sql`at >= ${opts.from}` : sql`true`})::text as first,
      (select max(id) from audit_log where ${opts.to ? sql`at < ${opts.to}` : sql`true`})::text as last`.execute(db);
  const pages = entryPages(db, range?.first ?? null, range?.last ?? null);
  return opts.format === 'csv'
    ? { contentType: 'text/csv; charset=utf-8', fileName: 'entente-audit.csv', chunks: csvChunks(pages) }
    : { contentType: 'application/jsonl; charset=utf-8', fileName: 'entente-audit.jsonl', chunks: jsonlChunks(pages) };
}

async function* entryPages(
  db: Kysely<DB>,
  first: string | null,
  last: string | null,
): AsyncGenerator<AuditEntryView[]> {
  if (first === null || last === null || BigInt(first) > BigInt(last)) return;
  let after = (BigInt(first) - 1n).toString();
  for (;;) {
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('id', '>', after)
      .where('id', '<=', last)
      .orderBy('id')
      .limit(page)
      .execute();
    if (rows.length === 0) return;
    yield rows.map(viewOf);
    after = String(rows.at(-1)!.id);
  }
}

async function* jsonlChunks(pages: AsyncIterable<AuditEntryView[]>): AsyncGenerator<string> {
  for await (const entries of pages) yield entries.map(jsonLine).join('');
}

/** One entry as a JSON line; before and after are the canonical text itself, so re-serialising is not needed to hash them. */
function jsonLine(e: AuditEntryView): string {
  const q = JSON.stringify;
  return (
    `{"id":${q(e.id)},"at":${q(e.at)},"actor":${q(e.actor)},"action":${q(e.action)},"entity":${q(e.entity)},"entityId":${q(e.entityId)},`
    + `"before":${hashedJson(e.before) ?? 'null'},"after":${hashedJson(e.after) ?? 'null'},"prevHash":${q(e.prevHash)},"hash":${q(e.hash)},"keyId":${q(e.keyId)},"seal":${q(e.seal)}}\n`
  );
}

async function* csvChunks(pages: AsyncIterable<AuditEntryView[]>): AsyncGenerator<string> {
  yield `${auditCsvColumns.join(',')}\r\n`;
  for await (const entries of pages) yield entries.map(csvLine).join('');
}

function csvLine(e: AuditEntryView): string {
  const cells = [
    e.id,
    e.at,
    e.actor,
    e.action,
    e.entity,
    e.entityId,
    hashedJson(e.before),
    hashedJson(e.after),
    e.prevHash,
    e.hash,
    e.keyId,
    e.seal,
  ];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

// A text cell that a spreadsheet would run as a formula (= + - @ tab CR) gets a leading apostrophe, as in the
// findings CSV; so that a reader can undo it exactly, a cell that starts with an apostrophe gets one too. An empty
// cell is null, "" an empty text.
const guarded = /^[=+\-@\t\r']/;

/** One CSV field (RFC 4180), reversibly neutralised against formula injection. */
function csvCell(v: string | null): string {
  if (v === null) return '';
  const safe = guarded.test(v) ? `'${v}` : v;
  return safe === '' || /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
