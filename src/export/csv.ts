/**
 * CSV for spreadsheets (RFC 4180): a header row, one row per finding, CRLF line ends, fields quoted when they hold a
 * comma, quote or line break. A cell that starts with = + - @ (or a tab or carriage return) would run as a formula
 * in Excel, LibreOffice and Google Sheets; it gets a leading apostrophe so it stays text (OWASP's advice).
 */
import type { ExportFinding } from './finding-pages.ts';
import { statusNote } from './status-notes.ts';

type Cell = string | number | boolean | null | undefined;

const columns: [string, (f: ExportFinding) => Cell][] = [
  ['id', (f) => f.id],
  ['service', (f) => f.service],
  ['owner_team', (f) => f.ownerTeam],
  ['status', (f) => f.status],
  ['priority', (f) => f.priority],
  ['due_date', (f) => f.dueDate],
  ['overdue', (f) => f.overdue],
  ['severity', (f) => f.severity],
  ['title', (f) => f.title],
  ['kind', (f) => f.kind],
  ['tool', (f) => f.tool],
  ['rule_id', (f) => f.ruleId],
  ['sources', (f) => f.sources.map((s) => s.tool).join('; ')],
  ['aliases', (f) => f.aliases.join('; ')],
  ['cwe', (f) => f.cwes.map((c) => `CWE-${c}`).join('; ')],
  ['cvss_score', (f) => f.cvss.score],
  ['component', (f) => f.component.name],
  ['version', (f) => f.component.version],
  ['purl', (f) => f.component.purl],
  ['fixed_version', (f) => f.component.fixedVersion],
  ['location', (f) => locationText(f)],
  ['assignee', (f) => f.assignee],
  ['first_seen', (f) => f.firstSeenAt],
  ['last_seen', (f) => f.lastSeenAt],
  ['fixed_at', (f) => f.fixedAt],
  ['status_note', (f) => statusNote(f)],
  ['fingerprint', (f) => f.fingerprint],
];

/** The header row. */
function csvHeader(): string {
  return `${columns.map(([name]) => name).join(',')}\r\n`;
}

/** One finding as a CSV row (with its CRLF). */
function csvRow(f: ExportFinding): string {
  return `${columns.map(([, read]) => cell(read(f))).join(',')}\r\n`;
}

/** The whole CSV, a page of rows per chunk. */
export async function* csvChunks(pages: AsyncIterable<ExportFinding[]>): AsyncGenerator<string> {
  yield csvHeader();
  for await (const page of pages) yield page.map(csvRow).join('');
}

/** Where a finding is, in one readable string: file:line, URL and parameter, host:port, or the package. */
function locationText(f: ExportFinding): string {
  const l = f.location;
  if (l.url) return l.parameter ? `${l.url} (parameter ${l.parameter})` : l.url;
  if (l.host) return l.port ? `${l.host}:${l.port}` : l.host;
  if (l.file) return l.line ? `${l.file}:${l.line}` : l.file;
  return f.component.name ? `${f.component.name}${f.component.version ? `@${f.component.version}` : ''}` : '';
}

const formulaStart = /^[=+\-@\t\r]/;

/** One field: text neutralised against formula injection, then quoted when RFC 4180 needs it. */
function cell(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const safe = formulaStart.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
