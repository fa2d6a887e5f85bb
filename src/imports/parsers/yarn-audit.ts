/**
 * yarn's audit output: yarn 1 `yarn audit --json` (JSON lines of `auditAdvisory`, `auditAction` and
 * `auditSummary` events) and yarn 2+ `yarn npm audit --json` (JSON lines of `{value, children}`, one per
 * advisory and package). Early yarn 2+ releases printed the registry's answer as it came, in npm 6's shape
 * (`{"actions", "advisories", "muted", "metadata"}`); that cannot be told from npm 6's own output, so detection
 * leaves it to the npm audit parser, but this parser reads it too when asked to (`--format yarn-audit`).
 *
 * One finding per advisory and installed version, as the npm audit parser makes them, so both give the same
 * fingerprints: yarn 1 repeats an advisory once per dependency path, and those paths are kept in `detail.paths`.
 * Yarn 2+ also lists deprecated packages ("<name> (deprecation)"); yarn reports them with a severity and fails
 * the audit on them, so they are findings too, with the rule id "deprecation".
 */
import { badInput } from '../../errors.ts';
import type { ParseContext, ParsedFinding, ReportInput, ReportParser } from '../types.ts';
import {
  aliasesFrom,
  asArray,
  asObject,
  buildPurl,
  compact,
  cwesFrom,
  isObject,
  type Json,
  normaliseSeverity,
  requireString,
  str,
  strings,
} from './common.ts';
import { cvssOf, fixedFromRange, ruleIdOf, urls } from './npm-advisory.ts';

const tool = 'yarn audit';

/** yarn 1 `yarn audit --json` and yarn 2+ `yarn npm audit --json`. */
export const yarnAuditParser: ReportParser = {
  format: 'yarn-audit',
  label: 'yarn audit JSON (yarn 1 and yarn 2+)',
  tool,
  detect: detectYarnAudit,
  parse: parseYarnAudit,
};

/** True when the first line(s) are yarn audit events; the head may be cut mid-line, so keys are matched. */
function detectYarnAudit(head: string): boolean {
  const h = head.replace(/^\uFEFF/, '').trimStart();
  if (/^\{\s*"type"\s*:\s*"(info|warning|auditAdvisory|auditAction|auditSummary)"/.test(h)) {
    return /"type"\s*:\s*"audit(Advisory|Action|Summary)"/.test(h);
  }
  return (
    /^\{\s*"value"\s*:\s*"[^"]*"\s*,\s*"children"\s*:\s*\{/.test(h)
    && /"(Vulnerable Versions|Tree Versions|Issue|Dependents)"\s*:/.test(h)
  );
}

/** One advisory on one installed version of a package, with everything the report says about it. */
interface Entry {
  advisory: Json;
  key: string; // the advisory's id in the report
  pkg: string;
  version: string | undefined;
  paths: Set<string>;
  dev: number; // yarn 1: how many of the resolutions that led here are dev dependencies
  prod: number; // … and how many are not
}

async function* parseYarnAudit(input: ReportInput, context?: ParseContext): AsyncGenerator<ParsedFinding> {
  const name = input.name;
  const text = (await input.text()).replace(/^\uFEFF/, '');
  const whole = wholeJson(text);
  if (isObject(whole) && whole.advisories !== undefined) {
    context?.tool(tool);
    yield* fromNpm6Shape(whole, name);
    return;
  }
  // yarn 2+ prints nothing when it finds nothing, so an empty file is an audit without findings.
  const events = [...jsonLines(text, name)];
  context?.tool(tool);
  const entries = new Map<string, Entry>();
  const berry = new Map<string, ParsedFinding>();
  for (const { value, line } of events) {
    const where = `line ${line}`;
    const event = asObject(value, name, where);
    if (event.children !== undefined || event.value !== undefined) {
      for (const f of fromBerryLine(event, name, where)) berry.set(`${f.ruleId}\u0000${f.component?.purl ?? ''}`, f);
    } else if (event.type === 'auditAdvisory') {
      collectClassic(asObject(event.data, name, `${where}, data`), name, `${where}, data`, entries);
    } else if (typeof event.type !== 'string') {
      throw badInput(
        `${name}: ${where} is neither a yarn 1 event ("type") nor a yarn 2+ audit line ("value", "children")`,
        { file: name, line },
      );
    }
  }
  yield* berry.values();
  for (const e of entries.values()) yield toFinding(e);
}

/** The text as one JSON document, or undefined when it is not one (JSON lines are not, but for a single line). */
function wholeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Each non-blank line parsed as JSON; a bad line is reported with its number. */
function* jsonLines(text: string, name: string): Generator<{ value: unknown; line: number }> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw badInput(
        `${name}: line ${i + 1} is not valid JSON (yarn writes one JSON object per line): ${(e as Error).message}`,
        { file: name, line: i + 1 },
      );
    }
    yield { value, line: i + 1 };
  }
}

// ---- yarn 1: auditAdvisory events, one per advisory and dependency path ----

function collectClassic(data: Json, name: string, where: string, entries: Map<string, Entry>): void {
  const advisory = asObject(data.advisory, name, `${where}.advisory`);
  const resolution = data.resolution === undefined ? {} : asObject(data.resolution, name, `${where}.resolution`);
  const id = str(advisory.id) ?? str(resolution.id) ?? '?';
  const path = str(resolution.path);
  const versions = collectAdvisory(advisory, id, name, `${where}.advisory`, entries);
  const holding = versions.filter((e) => path && e.paths.has(path));
  // An advisory that lists no installed versions still applies along the resolution's path.
  if (path && versions.length === 0) {
    const e = entryFor(advisory, id, name, `${where}.advisory`, undefined, entries);
    e.paths.add(path);
    holding.push(e);
  }
  for (const e of holding) {
    if (resolution.dev === true) e.dev++;
    else e.prod++;
  }
}

/** Adds an advisory's findings (installed versions and their paths) and returns their entries. */
function collectAdvisory(
  advisory: Json,
  id: string,
  name: string,
  where: string,
  entries: Map<string, Entry>,
): Entry[] {
  return asArray(advisory.findings, name, `${where}.findings`).map((f, i) => {
    const finding = asObject(f, name, `${where}.findings[${i}]`);
    const e = entryFor(advisory, id, name, where, str(finding.version), entries);
    for (const p of asArray(finding.paths, name, `${where}.findings[${i}].paths`)) {
      const s = str(p);
      if (s) e.paths.add(s);
    }
    return e;
  });
}

function entryFor(
  advisory: Json,
  id: string,
  name: string,
  where: string,
  version: string | undefined,
  entries: Map<string, Entry>,
): Entry {
  const pkg = requireString(advisory.module_name, name, `${where}.module_name`);
  // The same GitHub advisory can come under two npm numbers; it is one weakness in one package version.
  const key = `${aliasesFrom(advisory.github_advisory_id, advisory.url)[0] ?? id}\u0000${pkg}\u0000${version ?? ''}`;
  let e = entries.get(key);
  if (!e) entries.set(key, (e = { advisory, key: id, pkg, version, paths: new Set(), dev: 0, prod: 0 }));
  return e;
}

// ---- early yarn 2+: the npm 6 shape ----

function* fromNpm6Shape(doc: Json, name: string): Generator<ParsedFinding> {
  const advisories = asObject(doc.advisories ?? {}, name, 'advisories');
  const entries = new Map<string, Entry>();
  for (const [key, value] of Object.entries(advisories)) {
    const where = `advisories[${JSON.stringify(key)}]`;
    const advisory = asObject(value, name, where);
    const id = str(advisory.id) ?? key;
    if (collectAdvisory(advisory, id, name, where, entries).length === 0)
      entryFor(advisory, id, name, where, undefined, entries);
  }
  for (const e of entries.values()) yield toFinding(e);
}

function toFinding(e: Entry): ParsedFinding {
  const a = e.advisory;
  const aliases = aliasesFrom(a.cves, a.github_advisory_id, a.url);
  const patched = str(a.patched_versions)?.trim();
  const paths = [...e.paths];
  return compact<ParsedFinding>({
    tool,
    ruleId: ruleIdOf(aliases, e.key),
    kind: 'dependency',
    title: str(a.title)?.trim() ?? ruleIdOf(aliases, e.key),
    description: str(a.overview)?.trim(),
    severity: normaliseSeverity(a.severity),
    cvss: cvssOf(a.cvss),
    aliases,
    cwes: cwesFrom(a.cwe),
    component: compact({ name: e.pkg, version: e.version, purl: buildPurl('npm', e.pkg, e.version), ecosystem: 'npm' }),
    // npm's registry writes "<0.0.0" when no version is patched.
    fixedVersion: patched && patched !== '<0.0.0' ? patched : undefined,
    location: {},
    references: urls(a.url, a.references),
    detail: compact({
      advisoryId: e.key,
      vulnerableVersions: str(a.vulnerable_versions),
      recommendation: str(a.recommendation)?.trim(),
      paths: paths.length ? paths.slice(0, 100) : undefined,
      pathsOmitted: paths.length > 100 ? paths.length - 100 : undefined,
      devOnly: e.dev > 0 && e.prod === 0 ? true : undefined,
    }),
  });
}

// ---- yarn 2+: one line per advisory and package ----

function* fromBerryLine(line: Json, name: string, where: string): Generator<ParsedFinding> {
  const pkg = requireString(line.value, name, `${where}, value`);
  const c = asObject(line.children, name, `${where}, children`);
  const id = requireString(c.ID, name, `${where}, children.ID`);
  const deprecation = / \(deprecation\)$/.test(id);
  const aliases = aliasesFrom(c.URL);
  const range = str(c['Vulnerable Versions']);
  const versions = asArray(c['Tree Versions'], name, `${where}, children["Tree Versions"]`)
    .map(str)
    .filter((v): v is string => v !== undefined);
  for (const version of versions.length ? [...new Set(versions)] : [undefined]) {
    yield compact<ParsedFinding>({
      tool,
      ruleId: deprecation ? 'deprecation' : ruleIdOf(aliases, id),
      kind: 'dependency',
      title: deprecation ? `${pkg} is deprecated` : (str(c.Issue)?.trim() ?? ruleIdOf(aliases, id)),
      description: str(c.Issue)?.trim(),
      severity: normaliseSeverity(c.Severity),
      aliases,
      cwes: [],
      component: compact({ name: pkg, version, purl: buildPurl('npm', pkg, version), ecosystem: 'npm' }),
      fixedVersion: deprecation ? undefined : fixedFromRange(range),
      location: {},
      references: urls(c.URL),
      detail: compact({
        advisoryId: deprecation ? undefined : id,
        deprecated: deprecation ? true : undefined,
        vulnerableVersions: range,
        dependents: strings(c.Dependents),
      }),
    });
  }
}
