/** Turns parsed findings into rows ready to stage: fingerprinted, de-duplicated within the report (listings of one
 * weakness become one row with their occurrences), cleaned. */
import type { ParsedFinding } from './types.ts';
import { fingerprintOf } from './fingerprint.ts';
import { severityRank } from './severity.ts';

/** One finding of a report as it will be staged; `sources` lists every tool in the report that reported it. */
export interface ImportRow {
  fingerprint: string;
  recipe: string;
  finding: ParsedFinding;
  sources: Map<string, string>; // tool → rule id
}

const maxAlias = 200;
const isCwe = (c: number): boolean => Number.isInteger(c) && c > 0 && c < 100_000;

/** The longest description stored; longer ones are cut. */
export const maxText = 20_000;

/** Adds a parsed finding to the report's rows, merging it with an earlier one of the same fingerprint. Returns the
 * row it is now part of, and whether that row is new. */
export function addToRows(rows: Map<string, ImportRow>, parsed: ParsedFinding): Added {
  const finding = clean(parsed);
  const fp = fingerprintOf(finding);
  return addRow(rows, { fingerprint: fp.value, recipe: fp.recipe, finding, sources: new Map([[finding.tool, finding.ruleId]]) });
}

/** The row a listing went to, and whether it started that row. */
export interface Added { row: ImportRow; fresh: boolean }

/** Adds a row to the report's rows, merging it with an earlier one of the same fingerprint (its sources joined). */
export function addRow(rows: Map<string, ImportRow>, row: ImportRow): Added {
  const existing = rows.get(row.fingerprint);
  if (!existing) {
    rows.set(row.fingerprint, row);
    return { row, fresh: true };
  }
  for (const [tool, rule] of row.sources) if (!existing.sources.has(tool)) existing.sources.set(tool, rule);
  const before = existing.finding;
  const finding = row.finding;
  // Keep the most severe reading when one report says the same thing twice.
  const merged = severityRank[finding.severity] < severityRank[before.severity]
    ? { ...finding, aliases: union(finding.aliases, before.aliases), cwes: unionNum(finding.cwes, before.cwes) }
    : { ...before, aliases: union(before.aliases, finding.aliases), cwes: unionNum(before.cwes, finding.cwes) };
  const occurrences = mergeOccurrences(before.detail, finding.detail);
  if (occurrences) merged.detail = { ...merged.detail, ...occurrences };
  // Listed open anywhere in the report means open: a state holds only when every listing carries one.
  const state = before.state && finding.state ? before.state : undefined;
  if (state) merged.state = state;
  else delete merged.state;
  existing.finding = merged;
  return { row: existing, fresh: false };
}

const maxOccurrences = 100;

// Each listing's `detail.occurrence` joins the finding's `detail.occurrences` (the first 100, and how many there were).
function mergeOccurrences(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const listA = Array.isArray(a?.occurrences) ? a.occurrences : [];
  const listB = Array.isArray(b?.occurrences) ? b.occurrences : [];
  if (listA.length === 0 && listB.length === 0) return undefined;
  const count = (d: Record<string, unknown> | undefined, list: unknown[]): number => (typeof d?.occurrenceCount === 'number' ? d.occurrenceCount : list.length);
  return { occurrences: [...listA, ...listB].slice(0, maxOccurrences), occurrenceCount: count(a, listA) + count(b, listB) };
}

// PostgreSQL text cannot hold NUL; over-long fields are cut so one odd report cannot bloat the table.
function clean(f: ParsedFinding): ParsedFinding {
  const { occurrence, ...detail } = f.detail ?? {};
  return {
    ...f,
    ...(occurrence !== undefined ? { detail: { ...detail, occurrences: [occurrence], occurrenceCount: 1 } } : {}),
    // An identifier is short; a longer "id" is noise, and too long for the alias index.
    ...(f.aliases.some((a) => a.length > maxAlias) ? { aliases: f.aliases.filter((a) => a.length <= maxAlias) } : {}),
    ...(f.cwes.some((c) => !isCwe(c)) ? { cwes: f.cwes.filter(isCwe) } : {}),
    tool: toolName(f.tool),
    ruleId: text(f.ruleId, 500) || '(no rule id)',
    title: text(f.title, 1000) || text(f.ruleId, 500) || '(untitled)',
    ...(f.description !== undefined ? { description: text(f.description, maxText) } : {}),
    ...(f.state ? { state: { status: f.state.status, reason: text(f.state.reason, 2000) || 'closed in the report' } } : {}),
  };
}

/** Removes NUL characters, which PostgreSQL refuses in text and jsonb and reports from odd tools do contain. */
export const stripNul = (s: string): string => (s.includes('\u0000') ? s.replace(/\u0000/g, '') : s);

/** A tool's name as findings store it: the report's scan and its absent findings are matched on this. */
export const toolName = (raw: string): string => text(raw, 200) || 'unknown';

/** Removes NUL characters, cuts a string to `max` characters, and writes a lone surrogate (half of a pair, from a
 * report or from the cut) as U+FFFD, which is what storing it makes of it: compared with what was stored, it matches. */
export function text(s: string, max: number): string {
  const t = stripNul(s);
  const cut = t.length > max ? `${t.slice(0, max - 1)}…` : t;
  return loneSurrogate.test(cut) ? cut.replace(loneSurrogates, '\ufffd') : cut;
}

const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const loneSurrogates = new RegExp(loneSurrogate.source, 'g');

const union = (a: string[], b: string[]): string[] => [...new Set([...a, ...b])];
const unionNum = (a: number[], b: number[]): number[] => [...new Set([...a, ...b])].sort((x, y) => x - y);
