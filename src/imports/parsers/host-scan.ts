/**
 * What the network and web-application scanners' parsers (Nessus, Tenable WAS, OpenVAS) share: one finding per
 * check and place, their outputs clipped and with credentials redacted, CSV exports read with line numbers,
 * CVSS and CPE values as these tools write them.
 */
import { parse as parseCsvText } from 'csv-parse/sync';
import { badInput } from '../../errors.ts';
import type { Component, Cvss, ParsedFinding, Severity } from '../types.ts';
import { aliasesFrom, compact, cvssScore, normaliseSeverity } from './common.ts';

/** The most characters of a tool's free text (plugin output, specific result) kept in a finding's detail. */
const maxText = 4000;

/** Text cut at `max` characters, marked with an ellipsis when cut. */
export function clip(s: string | undefined, max = maxText): string | undefined {
  return s !== undefined && s.length > max ? `${s.slice(0, max)}…` : s;
}

/** Trimmed text, or undefined when blank. */
export function text(s: string | undefined): string | undefined {
  const t = s?.trim();
  return t ? t : undefined;
}

/** Hard-wrapped prose as one line per paragraph (list items keep their own line), so it reads well anywhere. */
export function prose(s: string | undefined): string | undefined {
  const paragraphs = (s ?? '')
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((p) => {
      const lines = p
        .split('\n')
        .map((l) => l.trim().replace(/[ \t]{2,}/g, ' '))
        .filter((l) => l !== '');
      return lines.map((l, i) => (i === 0 ? l : /^([-*•]|\d+[.)] )/.test(l) ? `\n${l}` : ` ${l}`)).join('');
    });
  return text(paragraphs.filter((p) => p !== '').join('\n\n'));
}

// Scanners print the credentials they guessed or found; Entente keeps the check's output but never the secret.
const redactions: [RegExp, string][] = [
  // "password: x", "Password = x", "with the password:\n  x"
  [
    /((?<![\w/.-])(?:pass(?:word|wd|phrase)?|pwd|secret|api[_-]?key|access[_-]?key|token)["']?[ \t]*[:=][ \t]*\r?\n?[ \t]*)(?!\[redacted\])(["'`]?)[^\s"'`&]+\2/gi,
    '$1$2[redacted]$2',
  ],
  // "with password 'user'", 'password "postgres"'
  [/((?<![\w/.-])(?:pass(?:word|wd|phrase)?|pwd)[ \t]+)(["'`])[^"'`\r\n]{1,200}\2/gi, '$1$2[redacted]$2'],
  // HTTP credentials and sessions
  [
    /^([ \t|>]*(?:authorization|proxy-authorization|cookie|set-cookie|x-api-key|x-auth-token)[ \t]*:[ \t]*)\S.*$/gim,
    '$1[redacted]',
  ],
  // https://user:secret@host
  [/(\b[a-z][a-z0-9+.-]{0,20}:\/\/[^\s:@/]+:)[^\s@/]+@/gi, '$1[redacted]@'],
];

/** A tool's output with the credentials it shows replaced by "[redacted]" (passwords, user:password lists, HTTP auth). */
export function redact(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  let out = s;
  for (const [re, by] of redactions) out = out.replace(re, by);
  // "<User>:<Password>" followed by "user:secret" lines (OpenVAS brute-force and default-credential checks)
  const header = /<user(?:name)?>\s*:\s*<pass(?:word)?>/i.exec(out);
  if (header) {
    const at = header.index + header[0].length;
    out = out.slice(0, at) + out.slice(at).replace(/^([ \t]*[^\s:]+:)\S+[ \t]*$/gm, '$1[redacted]');
  }
  return out;
}

/** A CVSS value from a vector and a score as the report writes them; the version comes from the vector, else the field's. */
export function cvssOf(
  vector: string | undefined,
  score: string | number | undefined,
  version?: string,
): Cvss | undefined {
  const v = text(vector)?.replace(/^CVSS2#/i, '');
  const valid = cvssScore(score);
  if (v === undefined && valid === undefined) return undefined;
  const fromVector = v
    ? (/^CVSS:(\d+\.\d+)\//.exec(v)?.[1] ?? (/\bAu:[MSN]\b/.test(v) ? '2.0' : undefined))
    : undefined;
  return compact<Cvss>({ version: fromVector ?? version, vector: v, score: valid });
}

/**
 * The installed software a check found: the product a CPE names ("cpe:/a:php:php", "cpe:2.3:a:apache:http_server:2.4.7:…")
 * with the version the check saw (or the CPE's own). Without a version the CPE names what a check is about (a hash
 * algorithm, a protocol), not something installed, so there is no component.
 */
export function componentFromCpe(cpe: string | undefined, installed?: string): Component | undefined {
  const m = /\bcpe:(?:2\.3:)?\/?[aoh]:([^:\s]+):([^:\s]+)(?::([^:\s]+))?/i.exec(cpe ?? '');
  const version = installed ?? (m?.[3] && m[3] !== '*' && m[3] !== '-' ? m[3] : undefined);
  if (!m?.[2] || version === undefined) return undefined;
  return { name: m[2].replace(/\\(.)/g, '$1'), version };
}

const severityOrder: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

/** A severity word as `normaliseSeverity` reads it, and `info` for anything that is not one of the five levels
 * (so words like "constructor" can never bring an Object.prototype member in, whatever the shared table does). */
export function severityFromWord(word: string | undefined): Severity {
  const s: unknown = normaliseSeverity(word);
  return severityOrder.find((x) => x === s) ?? 'info';
}

/** Nessus's severity number (0 informational … 4 critical), or undefined for anything else. */
export function severityFromNumber(n: string | undefined): Severity | undefined {
  return n !== undefined && /^[0-4]$/.test(n.trim()) ? severityOrder[Number(n.trim())] : undefined;
}

/** Scanners list one check on one place several times (Nessus CSV once per CVE, two installs of one product, WAS once
 * per page); each check at each host:port (or web site) is one finding, its outputs kept together under `outputKey`. */
export class FindingGroups {
  private readonly groups = new Map<string, { finding: ParsedFinding; outputs: string[]; count: number }>();
  constructor(private readonly outputKey: string) {}

  /** Adds a finding, merging it into the one already held for the same check and place. */
  add(f: ParsedFinding, output: string | undefined): void {
    const l = f.location;
    const key = [f.tool, f.kind, f.ruleId, l.url, l.host?.toLowerCase(), l.port, l.protocol].join('\u0000');
    // Clipped before redaction too: outputs can be megabytes, and only the kept part needs reading.
    const out = clip(redact(clip(text(output))));
    const held = this.groups.get(key);
    if (!held) {
      this.groups.set(key, { finding: f, outputs: out ? [out] : [], count: 1 });
      return;
    }
    const g = held.finding;
    held.count += 1;
    if (out && !held.outputs.includes(out) && held.outputs.join('').length < maxText) held.outputs.push(out);
    g.aliases = aliasesFrom(g.aliases, f.aliases);
    g.cwes = [...new Set([...g.cwes, ...f.cwes])].sort((a, b) => a - b);
    if (severityOrder.indexOf(f.severity) > severityOrder.indexOf(g.severity)) g.severity = f.severity;
    const refs = [...new Set([...(g.references ?? []), ...(f.references ?? [])])];
    if (refs.length > 0) g.references = refs;
    g.cvss ??= f.cvss;
    g.component ??= f.component;
    g.fixedVersion ??= f.fixedVersion;
  }

  /** The findings held, in the order first seen, each with its outputs joined and clipped; empties the groups. */
  *drain(): Iterable<ParsedFinding> {
    for (const { finding, outputs, count } of this.groups.values()) {
      const output = outputs.length > 0 ? clip(outputs.join('\n\n---\n\n')) : undefined;
      finding.detail = compact({
        ...finding.detail,
        [this.outputKey]: output,
        occurrences: count > 1 ? count : undefined,
      });
      yield finding;
    }
    this.groups.clear();
  }
}

/** One data row of a CSV export: its values by column and the line it starts on (for messages). */
export interface CsvRow {
  line: number;
  /** The first non-blank value among these columns (names compared without case). */
  get(...columns: string[]): string | undefined;
  /** Every non-blank value whose column is not among `known`, by its column name as written. */
  rest(known: ReadonlySet<string>): Record<string, string>;
}

/** The column names of a CSV export's header row as far as the head shows it (comma or semicolon separated). */
export function csvHeader(head: string): string[] {
  const s = head.replace(/^\uFEFF/, '');
  const nl = s.search(/\r?\n/);
  const line = nl < 0 ? s : s.slice(0, nl);
  return splitLine(line, delimiterOf(line));
}

/** Reads a whole CSV export; errors name the file and the line. Blank lines and rows of empty fields are left out. */
export function readCsv(csv: string, file: string): { header: string[]; rows: CsvRow[] } {
  const [head, ...data] = parseRecords(csv.replace(/^\uFEFF/, ''), file);
  if (!head) throw badInput(`${file}: the CSV file is empty (no header row)`, { file });
  const header = head.record.map((h) => h.trim());
  const index = new Map<string, number>();
  header.forEach((h, i) => {
    if (!index.has(h.toLowerCase())) index.set(h.toLowerCase(), i);
  });
  const rows: CsvRow[] = [];
  let prev = head.info;
  for (const { record, info } of data) {
    // csv-parse counts the line a record ends on; it starts after the previous one and any blank lines between.
    const line = prev.lines + 1 + (info.empty_lines - prev.empty_lines);
    prev = info;
    if (!record.every((v) => v.trim() === '')) rows.push(rowOf(record, line, header, index));
  }
  return { header, rows };
}

interface CsvRecord {
  record: string[];
  info: { lines: number; empty_lines: number };
}

function parseRecords(body: string, file: string): CsvRecord[] {
  const first = body.split(/\r?\n/, 1)[0] ?? '';
  try {
    return parseCsvText(body, {
      delimiter: delimiterOf(first),
      info: true,
      skip_empty_lines: true,
    }) as unknown as CsvRecord[];
  } catch (e) {
    const err = e as { lines?: unknown; code?: unknown; message?: unknown };
    const line = typeof err.lines === 'number' ? err.lines : undefined;
    const hint = err.code === 'CSV_QUOTE_NOT_CLOSED' ? ' (the file looks truncated)' : '';
    throw badInput(`${file}: not valid CSV${line ? ` at line ${line}` : ''}: ${String(err.message ?? e)}${hint}`, {
      file,
      line,
    });
  }
}

function rowOf(record: string[], line: number, header: string[], index: Map<string, number>): CsvRow {
  return {
    line,
    get: (...columns) => {
      for (const c of columns) {
        const i = index.get(c.toLowerCase());
        const v = i === undefined ? undefined : text(record[i]);
        if (v !== undefined) return v;
      }
      return undefined;
    },
    rest: (known) =>
      Object.fromEntries(
        header.flatMap((h, i) => {
          const v = text(record[i]);
          return v === undefined || known.has(h.toLowerCase()) ? [] : [[h, v]];
        }),
      ),
  };
}

function delimiterOf(line: string): string {
  return count(line, ';') > count(line, ',') ? ';' : ',';
}

function count(line: string, c: string): number {
  let n = 0;
  for (const ch of line) if (ch === c) n++;
  return n;
}

// Quote-aware split of one header line; a line cut inside quotes keeps what it has.
function splitLine(line: string, delimiter: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted && c === '"' && line[i + 1] === '"') {
      cur += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (c === delimiter && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}
