/**
 * Flawfinder's CSV output (`flawfinder --csv`): one finding per row, each a risky C/C++ call at a file and line.
 *
 * Rule ids, titles and CWEs are read as Flawfinder's SARIF output gives them (FF1001, the warning text, every CWE
 * of "CWE-119!/CWE-120"), so the same hit imported once as CSV and once as SARIF gets the same code fingerprint.
 * Levels follow Flawfinder's own SARIF mapping: 4–5 are errors (high), 3 a warning (medium), 1–2 notes (low),
 * and 0 — "no risk", only shown with --minlevel=0 — is info.
 */
import { parse as parseCsv, type Info } from 'csv-parse/sync';
import { badInput } from '../../errors.ts';
import type { ParseContext, ParsedFinding, ReportInput, ReportParser, Severity } from '../types.ts';
import { compact, cwesFrom, lookup, normalisePath, str } from './common.ts';

const tool = 'Flawfinder';
const required = ['File', 'Line', 'Level', 'Name', 'Warning'] as const;
const levels: Record<string, Severity> = {
  '0': 'info',
  '1': 'low',
  '2': 'low',
  '3': 'medium',
  '4': 'high',
  '5': 'high',
};
const maxContext = 1000;

type Row = Record<string, string | undefined>;
interface Located {
  row: Row;
  index: number;
  line: number;
}

/** Flawfinder's `--csv` report (File,Line,Column,DefaultLevel,Level,Category,Name,Warning,…). */
export const flawfinderCsvParser: ReportParser = {
  format: 'flawfinder-csv',
  label: 'Flawfinder CSV',
  tool,
  // Flawfinder 2.0.x writes this header first (DefaultLevel arrived in 2.0.11; older ones start File,Line,Column,Level).
  detect: (head) =>
    /^\uFEFF?File,Line,Column,(DefaultLevel,)?Level,Category,Name,Warning,Suggestion,Note[,\r\n]/.test(head),
  parse: parseFlawfinderCsv,
};

async function* parseFlawfinderCsv(input: ReportInput, context?: ParseContext): AsyncGenerator<ParsedFinding> {
  const rows = readRows(await input.text(), input.name);
  const version = rows.map((r) => str(r.row.ToolVersion)).find((v) => v !== undefined);
  context?.tool(tool, version);
  for (const r of rows) yield toFinding(r, input.name, version);
}

function readRows(text: string, file: string): Located[] {
  let records: { record: string[]; info: Info }[];
  try {
    records = parseCsv(text, {
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as unknown as { record: string[]; info: Info }[];
  } catch (e) {
    const line = (e as { lines?: unknown }).lines;
    const where = typeof line === 'number' ? ` at line ${line}` : '';
    const hint = (e as { code?: unknown }).code === 'CSV_QUOTE_NOT_CLOSED' ? ' (the file looks truncated)' : '';
    throw badInput(`${file}: not valid CSV${where}: ${(e as Error).message}${hint}`, {
      file,
      ...(where ? { line } : {}),
    });
  }
  const [head, ...data] = records;
  if (!head)
    throw badInput(`${file}: the file is empty; expected Flawfinder's CSV header (File,Line,Column,…)`, { file });
  const header = head.record.map((h) => h.trim());
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw badInput(
      `${file}: not a Flawfinder CSV report: the header lacks ${missing.join(', ')} (run flawfinder --csv)`,
      { file, line: 1 },
    );
  }
  return data.map(({ record, info }, i) => {
    if (record.length < header.length) {
      const cut = i === data.length - 1 ? ' (the file looks truncated)' : '';
      throw badInput(
        `${file}: row ${i + 1} at line ${info.lines} has ${record.length} fields, the header has ${header.length}${cut}`,
        {
          file,
          line: info.lines,
          row: i + 1,
        },
      );
    }
    const row: Row = {};
    header.forEach((h, k) => {
      row[h] = record[k];
    });
    return { row, index: i + 1, line: info.lines };
  });
}

function toFinding({ row, index, line }: Located, file: string, version: string | undefined): ParsedFinding {
  const where = { file, row: index, line };
  const at = `row ${index} at line ${line}`;
  const path = normalisePath(row.File);
  if (!path) throw badInput(`${file}: ${at} has no File`, where);
  const name = str(row.Name);
  const warning = str(row.Warning);
  if (!name || !warning) throw badInput(`${file}: ${at} has no ${name ? 'Warning' : 'Name'}`, where);
  const category = str(row.Category);
  const level = integer(row.Level, 'Level', at, where, 5);
  if (level === undefined) throw badInput(`${file}: ${at} has no Level`, where);
  const suggestion = str(row.Suggestion);
  const note = str(row.Note);
  const helpUri = str(row.HelpUri);
  return compact<ParsedFinding>({
    tool,
    toolVersion: str(row.ToolVersion) ?? version,
    ruleId: str(row.RuleId) ?? (category ? `${category}/${name}` : name),
    kind: 'code',
    title: warning.trim(),
    description: [warning, suggestion, note].filter(Boolean).join('\n\n'),
    severity: lookup(levels, String(level)) ?? 'info',
    aliases: [],
    cwes: cwesFrom(row.CWEs).filter((n) => n > 0),
    location: compact({
      file: path,
      line: integer(row.Line, 'Line', at, where) || undefined,
      column: integer(row.Column, 'Column', at, where) || undefined,
    }),
    references: helpUri && /^https?:\/\//.test(helpUri) ? [helpUri] : undefined,
    detail: compact({
      category,
      name,
      level,
      defaultLevel: integer(row.DefaultLevel, 'DefaultLevel', at, where, 5),
      suggestion,
      note,
      cwes: str(row.CWEs),
      context: clip(row.Context?.trim() || undefined),
      fingerprint: str(row.Fingerprint),
    }),
  });
}

// A whole number in a column, or undefined when the column is blank; anything else is an error naming the column.
function integer(
  v: string | undefined,
  column: string,
  at: string,
  where: Record<string, unknown>,
  max?: number,
): number | undefined {
  const s = v?.trim();
  if (!s) return undefined;
  const n = Number(s);
  if (!/^\d{1,9}$/.test(s) || (max !== undefined && n > max)) {
    const expected = max === undefined ? 'a whole number' : `a whole number from 0 to ${max}`;
    throw badInput(`${where.file as string}: ${at}: ${column} is "${s.slice(0, 40)}", expected ${expected}`, {
      ...where,
      column,
    });
  }
  return n;
}

function clip(s: string | undefined): string | undefined {
  return s !== undefined && s.length > maxContext ? `${s.slice(0, maxContext)}…` : s;
}
