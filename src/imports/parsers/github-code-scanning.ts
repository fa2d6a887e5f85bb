/**
 * GitHub code scanning alerts: the REST API's list (`GET /repos/{owner}/{repo}/code-scanning/alerts`, and the
 * organisation's, which adds `repository`), as one JSON array, as the pages `gh api --paginate` prints one after
 * another, or as the array of pages `--slurp` makes.
 *
 * An alert is a SARIF result as GitHub keeps it: its tool is the tool that uploaded it (CodeQL, Semgrep, Trivy, …),
 * its rule id the tool's own, its CWEs the rule's `external/cwe/cwe-N` tags, and its place the most recent instance's
 * location. So an alert has the fingerprint the same result has when the tool's SARIF log is imported, and the list
 * is one run of each tool it names. A dismissed alert is closed by the report: as a false positive when GitHub's
 * reason says it does not apply ("false positive", "used in tests"), as accepted otherwise ("won't fix"), with who
 * dismissed it and their comment; a fixed (or closed) alert as fixed.
 */
import { badInput } from '../../errors.ts';
import type { Location, ParseContext, ParsedFinding, ReportInput, ReportParser, ReportState } from '../types.ts';
import {
  aliasesFrom,
  asObject,
  cwesFrom,
  type Json,
  list,
  normalisePath,
  normaliseSeverity,
  num,
  obj,
  parseJson,
  str,
} from './common.ts';
import { componentOf, fixedVersionOf } from './sarif-fields.ts';
import { kindByTool } from './sarif.ts';

/** GitHub's code scanning alerts, from its REST API. */
export const githubCodeScanningParser: ReportParser = {
  format: 'github-code-scanning',
  label: 'GitHub code scanning alerts (REST JSON)',
  detect: detectCodeScanning,
  parse: parseCodeScanning,
};

/** True when the first alert's keys are code scanning's; the head may be cut anywhere, so keys are matched. */
function detectCodeScanning(head: string): boolean {
  const h = head.replace(/^\uFEFF/, '').trimStart();
  if (!/^\[\s*(\[\s*)?\{/.test(h)) return false;
  // An alert's rule (with its help text) can fill the head before its tool and instance: its URLs say what it is.
  if (/"(url|html_url|instances_url)"\s*:\s*"[^"]*\/code-scanning\/alerts\/\d+/.test(h)) return true;
  return /"most_recent_instance"\s*:\s*\{/.test(h) && /"rule"\s*:\s*\{/.test(h);
}

async function* parseCodeScanning(input: ReportInput, context?: ParseContext): AsyncGenerator<ParsedFinding> {
  const name = input.name;
  const alerts = alertsOf((await input.text()).replace(/^\uFEFF/, ''), name);
  const findings = alerts.map(([a, path]) => toFinding(asObject(a, name, path), name, path));
  for (const f of findings) context?.tool(f.tool, f.toolVersion);
  yield* findings;
}

// The alerts with their paths: one array, an array of pages, or pages one after another (what `gh api --paginate`
// prints for a list: each page a separate array).
function alertsOf(text: string, name: string): [unknown, string][] {
  const pages = pagesOf(text, name);
  const out: [unknown, string][] = [];
  for (const [p, page] of pages.entries()) {
    if (!Array.isArray(page)) {
      throw badInput(
        `${name}: not GitHub code scanning alerts: expected a list of alerts (GET /repos/{owner}/{repo}/code-scanning/alerts), found ${page === null ? 'null' : `a ${typeof page}`}${pages.length > 1 ? ` as page ${p + 1}` : ''}`,
        { file: name },
      );
    }
    const nested = page.length > 0 && page.every(Array.isArray);
    const prefix = pages.length > 1 ? `page ${p + 1} ` : '';
    if (nested)
      page.forEach((inner, i) => (inner as unknown[]).forEach((a, j) => out.push([a, `${prefix}[${i}][${j}]`])));
    else page.forEach((a, i) => out.push([a, `${prefix}[${i}]`]));
  }
  return out;
}

function pagesOf(text: string, name: string): unknown[] {
  const bounds = topLevelValues(text);
  if (bounds.length <= 1) return [parseJson(text, name)];
  // Each page is parsed where it stands (what precedes it blanked, lines kept), so an error says the file's line.
  return bounds.map(([start, end]) =>
    parseJson(text.slice(0, start).replace(/[^\n]/g, ' ') + text.slice(start, end), name),
  );
}

// Where each top-level value starts and ends, for text that holds several arrays or objects one after another. Text
// that is anything else (one value, a scalar, broken JSON) gives at most one bound, and is parsed whole.
function topLevelValues(text: string): [number, number][] {
  const out: [number, number][] = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: skip to its closing quote
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x5b || c === 0x7b) {
      if (depth++ === 0) start = i;
    } else if (c === 0x5d || c === 0x7d) {
      if (--depth === 0) out.push([start, i + 1]);
      if (depth < 0) return [];
    } else if (depth === 0 && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return [];
  }
  return depth === 0 ? out : [];
}

function toFinding(a: Json, name: string, path: string): ParsedFinding {
  const rule = obj(a.rule);
  if (!rule)
    throw badInput(`${name}: expected an object at ${path}.rule (the alert's rule)`, {
      file: name,
      path: `${path}.rule`,
    });
  const tool = obj(a.tool);
  const instance = obj(a.most_recent_instance) ?? {};
  const message = str(obj(instance.message)?.text)?.trim();
  const ruleId = str(rule.id) ?? str(rule.name) ?? `alert ${str(a.number) ?? path}`;
  const tags = list(rule.tags).filter((t): t is string => typeof t === 'string');
  const location = locationOf(obj(instance.location));
  const aliases = aliasesFrom(str(rule.id), str(rule.name), str(rule.description), tags);
  const component = componentOf({}, {}, message, location.file);
  const toolName = str(tool?.name) ?? 'GitHub code scanning';
  const finding: ParsedFinding = {
    tool: toolName,
    ruleId,
    kind: kindByTool(toolName, tags, aliases.length > 0 || component !== undefined),
    title: str(rule.description)?.trim() ?? str(rule.name) ?? ruleId,
    severity: normaliseSeverity(str(rule.security_severity_level) ?? str(rule.severity)),
    aliases,
    cwes: cwesFrom(tags.filter((t) => /cwe/i.test(t))),
    location,
  };
  const version = str(tool?.version);
  if (version) finding.toolVersion = version;
  const description = str(rule.full_description)?.trim() ?? message;
  if (description) finding.description = description;
  if (component) finding.component = component;
  const fixed = fixedVersionOf({}, message);
  if (fixed) finding.fixedVersion = fixed;
  const help = str(rule.help_uri);
  if (help && /^https?:\/\//i.test(help)) finding.references = [help];
  const state = stateOf(a);
  if (state) finding.state = state;
  finding.detail = detailOf(a, instance, message !== description ? message : undefined);
  return finding;
}

function locationOf(l: Json | undefined): Location {
  const out: Location = {};
  const file = normalisePath(str(l?.path));
  if (file) out.file = file;
  const line = positive(l?.start_line);
  if (line !== undefined) out.line = line;
  const end = positive(l?.end_line);
  if (line !== undefined && end !== undefined && end > line) out.endLine = end;
  const column = positive(l?.start_column);
  if (column !== undefined) out.column = column;
  return out;
}

// Dismissal reasons that say the alert does not apply; "won't fix" keeps a real weakness, accepted.
const notApplicable = /false[ _-]?positive|used[ _-]in[ _-]tests/i;

/** The state of a closed alert, or undefined for an open one (or a state GitHub may add later: listed means open). */
function stateOf(a: Json): ReportState | undefined {
  const state = str(a.state)?.toLowerCase();
  if (state === 'fixed' || state === 'closed') return { status: 'fixed', reason: `${state} in GitHub code scanning` };
  if (state !== 'dismissed') return undefined;
  const reason = str(a.dismissed_reason);
  const who = str(obj(a.dismissed_by)?.login);
  const words = [reason, str(a.dismissed_comment)?.trim()].filter((x): x is string => x !== undefined).join(': ');
  const by = `dismissed in GitHub code scanning${who ? ` by ${who}` : ''}`;
  return {
    status: reason && notApplicable.test(reason) ? 'false_positive' : 'accepted',
    reason: words ? `${by}: ${words}` : by,
  };
}

function detailOf(a: Json, instance: Json, message: string | undefined): Record<string, unknown> {
  const entries: [string, unknown][] = [
    ['alertNumber', num(a.number)],
    ['alertUrl', str(a.html_url)],
    ['state', str(a.state)],
    ['repository', str(obj(a.repository)?.full_name)],
    ['ref', str(instance.ref)],
    ['commit', str(instance.commit_sha)],
    ['category', str(instance.category)],
    ['message', message],
    ['classifications', list(instance.classifications).filter((c) => typeof c === 'string')],
    ['createdAt', str(a.created_at)],
  ];
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)));
}

function positive(v: unknown): number | undefined {
  const n = num(v);
  return n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}
