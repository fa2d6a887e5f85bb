/** Turns parsed findings into rows ready to stage: fingerprinted, de-duplicated within the report (listings of one
 * weakness become one row with their occurrences), cleaned. */
import type { ParsedFinding } from './types.ts';
import { fingerprintOf, ruleFingerprint, ruleSuffix } from './fingerprint.ts';
import { severityRank } from './severity.ts';

/** One finding of a report as it will be staged; `sources` lists every tool in the report that reported it. */
export interface ImportRow {
  fingerprint: string;
  recipe: string;
  finding: ParsedFinding;
  sources: Map<string, string>; // tool → rule id
  /** Set when the row's place names its weakness by a class (a CWE), where each rule of a tool is a finding of its own. */
  byClass?: true;
  /** For a further rule of a tool at a place (see `addPart`): the place's fingerprint, which the row's own is made from. */
  place?: string;
  /** Each tool's own listings, merged, once a second tool joins the row: a tool's part can then move out of it again. */
  parts?: Map<string, ParsedFinding>;
}

/** One tool's listing at a place, or several listings of one rule already merged (read back from a spilled file). */
export interface Part {
  place: string; // the place's fingerprint
  recipe: string; // the place's recipe
  byClass: boolean;
  finding: ParsedFinding;
  rule: string; // the rule the tool's source names
}

const maxAlias = 200;
const isCwe = (c: number): boolean => Number.isInteger(c) && c > 0 && c < 100_000;

/** The longest description stored; longer ones are cut. */
export const maxText = 20_000;

/** Adds a parsed finding to the report's rows, merging it with an earlier one of the same fingerprint. Returns the
 * row it is now part of, whether that row is new, and a row it made for a rule it displaced (see `addPart`). */
export function addToRows(rows: Map<string, ImportRow>, parsed: ParsedFinding): Added {
  const finding = clean(parsed);
  const fp = fingerprintOf(finding);
  return addPart(rows, { place: fp.value, recipe: fp.recipe, byClass: fp.byClass, finding, rule: finding.ruleId });
}

/** The row a listing went to and whether it started that row; `moved`, where the rule displaced another of its tool
 * from the place, is where the displaced rule's listings went. */
export interface Added {
  row: ImportRow;
  fresh: boolean;
  moved?: Added;
}

/**
 * Adds a part to the report's rows. At one place, each tool's listings merge into the tool's part, and the parts of
 * different tools into one row (the same CWE at the same line from Semgrep and Bandit is one finding with two sources).
 * Where the place names its weakness by a class (a CWE), two rules of one tool are two weaknesses (Bandit's `eval`
 * and `input` on one line): the rule whose id sorts first holds the place's fingerprint, and each other rule has a
 * fingerprint of its own (`ruleFingerprint`). A rule that sorts before the one holding the place takes it over, and
 * the displaced rule's listings move to their own row; so the outcome depends only on which listings the report has,
 * never on their order, and a place with one rule keeps the fingerprint it always had.
 */
export function addPart(rows: Map<string, ImportRow>, part: Part): Added {
  const row = rows.get(part.place);
  if (!row) return start(rows, part.place, part.recipe, part);
  const tool = part.finding.tool;
  const held = row.sources.get(tool);
  if (held === undefined) {
    setPart(row, tool, part.rule, part.finding);
    return { row, fresh: false };
  }
  if (held === part.rule || !part.byClass) {
    setPart(row, tool, held, mergeFindings(partOf(row, tool), part.finding));
    return { row, fresh: false };
  }
  if (part.rule > held) {
    const own = ruleFingerprint({ value: part.place, recipe: part.recipe }, tool, part.rule);
    const other = rows.get(own.value);
    if (!other) return start(rows, own.value, own.recipe, part);
    setPart(other, tool, part.rule, mergeFindings(other.finding, part.finding));
    return { row: other, fresh: false };
  }
  const displaced = partOf(row, tool);
  setPart(row, tool, part.rule, part.finding);
  // The displaced rule's own fingerprint cannot be taken yet: a rule once routed there never holds the place again.
  return { row, fresh: false, moved: addPart(rows, { ...part, finding: displaced, rule: held }) };
}

function start(rows: Map<string, ImportRow>, fingerprint: string, recipe: string, part: Part): Added {
  const row: ImportRow = {
    fingerprint,
    recipe,
    finding: part.finding,
    sources: new Map([[part.finding.tool, part.rule]]),
  };
  if (part.byClass) row.byClass = true;
  if (fingerprint !== part.place) row.place = part.place;
  rows.set(fingerprint, row);
  return { row, fresh: true };
}

/** A tool's part of a row: its merged listings. */
function partOf(row: ImportRow, tool: string): ParsedFinding {
  return row.parts?.get(tool) ?? row.finding;
}

// A row of one tool is its part; once a second tool joins, each part is kept and the row's finding is their merge, in
// the order of the tools' names, so it does not depend on which tool the report listed first.
function setPart(row: ImportRow, tool: string, rule: string, finding: ParsedFinding): void {
  row.sources.set(tool, rule);
  if (!row.parts && row.sources.size === 1) {
    row.finding = finding;
    return;
  }
  if (!row.parts) {
    const [first] = row.sources.keys();
    row.parts = new Map([[first!, row.finding]]);
  }
  row.parts.set(tool, finding);
  const tools = [...row.parts.keys()].sort();
  row.finding = tools
    .slice(1)
    .reduce((merged, t) => mergeFindings(merged, row.parts!.get(t)!), row.parts.get(tools[0]!)!);
}

/** A row's parts, one per tool, as `addPart` takes them. */
export function partsOf(row: ImportRow): Part[] {
  const place = row.place ?? row.fingerprint;
  const recipe = row.place ? row.recipe.slice(0, -ruleSuffix.length) : row.recipe;
  return [...row.sources].map(([tool, rule]) => ({
    place,
    recipe,
    byClass: row.byClass === true,
    finding: partOf(row, tool),
    rule,
  }));
}

// Two readings of one weakness: the most severe one, with both's aliases, CWEs and occurrences; a state holds only when
// both carry one (listed open anywhere in the report means open).
function mergeFindings(before: ParsedFinding, finding: ParsedFinding): ParsedFinding {
  const merged =
    severityRank[finding.severity] < severityRank[before.severity]
      ? { ...finding, aliases: union(finding.aliases, before.aliases), cwes: unionNum(finding.cwes, before.cwes) }
      : { ...before, aliases: union(before.aliases, finding.aliases), cwes: unionNum(before.cwes, finding.cwes) };
  const occurrences = mergeOccurrences(before.detail, finding.detail);
  if (occurrences) merged.detail = { ...merged.detail, ...occurrences };
  const state = before.state && finding.state ? before.state : undefined;
  if (state) merged.state = state;
  else delete merged.state;
  return merged;
}

const maxOccurrences = 100;

// Each listing's `detail.occurrence` joins the finding's `detail.occurrences` (the first 100, and how many there were).
function mergeOccurrences(
  a: Record<string, unknown> | undefined,
  b: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  const listA = Array.isArray(a?.occurrences) ? a.occurrences : [];
  const listB = Array.isArray(b?.occurrences) ? b.occurrences : [];
  if (listA.length === 0 && listB.length === 0) return undefined;
  const count = (d: Record<string, unknown> | undefined, list: unknown[]): number =>
    typeof d?.occurrenceCount === 'number' ? d.occurrenceCount : list.length;
  return {
    occurrences: [...listA, ...listB].slice(0, maxOccurrences),
    occurrenceCount: count(a, listA) + count(b, listB),
  };
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
    ...(f.state
      ? { state: { status: f.state.status, reason: text(f.state.reason, 2000) || 'closed in the report' } }
      : {}),
  };
}

/** Removes NUL characters, which PostgreSQL refuses in text and jsonb and reports from odd tools do contain. */
const stripNul = (s: string): string => (s.includes('\u0000') ? s.replace(/\u0000/g, '') : s);

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
