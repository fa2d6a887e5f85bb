/** Turns parsed findings into rows ready to stage: fingerprinted, de-duplicated within the report, cleaned. */
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

const maxText = 20_000;

/** Adds a parsed finding to the report's rows, merging it with an earlier one of the same fingerprint. */
export function addToRows(rows: Map<string, ImportRow>, parsed: ParsedFinding): void {
  const finding = clean(parsed);
  const fp = fingerprintOf(finding);
  const existing = rows.get(fp.value);
  if (!existing) {
    rows.set(fp.value, { fingerprint: fp.value, recipe: fp.recipe, finding, sources: new Map([[finding.tool, finding.ruleId]]) });
    return;
  }
  if (!existing.sources.has(finding.tool)) existing.sources.set(finding.tool, finding.ruleId);
  // Keep the most severe reading when one report says the same thing twice.
  if (severityRank[finding.severity] < severityRank[existing.finding.severity]) existing.finding = { ...finding, aliases: union(finding.aliases, existing.finding.aliases), cwes: unionNum(finding.cwes, existing.finding.cwes) };
  else existing.finding = { ...existing.finding, aliases: union(existing.finding.aliases, finding.aliases), cwes: unionNum(existing.finding.cwes, finding.cwes) };
}

// PostgreSQL text cannot hold NUL; over-long fields are cut so one odd report cannot bloat the table.
function clean(f: ParsedFinding): ParsedFinding {
  return {
    ...f,
    tool: text(f.tool, 200) || 'unknown',
    ruleId: text(f.ruleId, 500) || '(no rule id)',
    title: text(f.title, 1000) || text(f.ruleId, 500) || '(untitled)',
    ...(f.description !== undefined ? { description: text(f.description, maxText) } : {}),
  };
}

/** Removes NUL characters, which PostgreSQL refuses in text and jsonb and reports from odd tools do contain. */
export const stripNul = (s: string): string => (s.includes('\u0000') ? s.replace(/\u0000/g, '') : s);

/** Removes NUL characters and cuts a string to `max` characters. */
export function text(s: string, max: number): string {
  const t = stripNul(s);
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

const union = (a: string[], b: string[]): string[] => [...new Set([...a, ...b])];
const unionNum = (a: number[], b: number[]): number[] => [...new Set([...a, ...b])].sort((x, y) => x - y);
