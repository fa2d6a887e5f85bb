/**
 * Semgrep JSON read into findings: `semgrep --json` (Semgrep Code results, and Semgrep Supply Chain results that
 * carry `sca_info`) and the Supply Chain vulnerability export of Semgrep's API (`{"vulns": [...]}`).
 */
import { badInput } from '../../errors.ts';
import type { Location, ParseContext, ParsedFinding, ReportInput, ReportParser, Severity } from '../types.ts';
import {
  aliasesFrom,
  asArray,
  asObject,
  buildPurl,
  compact,
  cwesFrom,
  isObject,
  type Json,
  normalisePath,
  num,
  obj,
  oneOrMany,
  parseJson,
  requireString,
  str,
  stringsOf,
  webUrls,
} from './common.ts';

const codeTool = 'Semgrep';
const scaTool = 'Semgrep Supply Chain';

/** Semgrep's JSON output and its Supply Chain API export. */
export const semgrepParser: ReportParser = {
  format: 'semgrep',
  label: 'Semgrep JSON',
  tool: codeTool,
  detect: detectSemgrep,
  parse: parseSemgrep,
};

/** True when the first bytes look like Semgrep JSON; the head may be cut anywhere, so keys are matched, not parsed. */
function detectSemgrep(head: string): boolean {
  const h = head.replace(/^\uFEFF/, '').trimStart();
  if (!h.startsWith('{')) return false;
  if (/"results"\s*:\s*\[\s*\{\s*"check_id"\s*:/.test(h)) return true;
  if (/"check_id"\s*:/.test(h) && /"(extra|start|path)"\s*:/.test(h)) return true;
  if (/"vulns"\s*:\s*\[/.test(h) && /"(advisory|hasMore|exposureType|groupKey|repositoryId)"\s*:/.test(h)) return true;
  // Bandit also writes "errors" and "results", beside "generated_at" and "metrics".
  if (/"(generated_at|metrics)"\s*:/.test(h)) return false;
  if (/"results"\s*:\s*\[\s*\]/.test(h) && /"errors"\s*:\s*\[/.test(h)) return true;
  // Older versions write "errors" first, and a long list of them can fill the head: Semgrep's have a level and a type.
  return /^\{\s*"errors"\s*:\s*\[\s*\{/.test(h) && /"level"\s*:\s*"(warn|error|info)"/.test(h) && /"type"\s*:/.test(h);
}

async function* parseSemgrep(input: ReportInput, context?: ParseContext): AsyncGenerator<ParsedFinding> {
  const name = input.name;
  const doc = asObject(parseJson((await input.text()).replace(/^\uFEFF/, ''), name), name, 'the top level');
  if (doc.results === undefined && doc.vulns !== undefined) {
    // One page of a longer export (hasMore) is not the whole run: what it lacks may be on the next page.
    if (doc.hasMore !== true) context?.tool(scaTool);
    yield* fromApiExport(asArray(doc.vulns, name, 'vulns'), name);
    return;
  }
  if (doc.results === undefined) {
    throw badInput(
      `${name}: not a Semgrep report: expected "results" (semgrep --json) or "vulns" (the Supply Chain API export)`,
      { file: name },
    );
  }
  const version = str(doc.version);
  const findings = fromResults(asArray(doc.results, name, 'results'), name, version);
  const sca = findings.filter((f) => f.tool === scaTool).length;
  // A run whose every result is a Supply Chain one was a Supply Chain scan: it says nothing about code.
  if (sca < findings.length || findings.length === 0) context?.tool(codeTool, version);
  if (sca > 0) context?.tool(scaTool, version);
  yield* findings;
}

// ---- semgrep --json ----

/** Findings of the results, one per rule and place: Semgrep repeats a match when metavariables bind differently. */
function fromResults(results: unknown[], name: string, version: string | undefined): ParsedFinding[] {
  const byKey = new Map<string, ParsedFinding>();
  for (const [i, item] of results.entries()) {
    const at = `results[${i}]`;
    const r = asObject(item, name, at);
    const extra = r.extra === undefined ? {} : asObject(r.extra, name, `${at}.extra`);
    if (extra.is_ignored === true) continue; // a nosemgrep comment or a triage in Semgrep's platform dismissed it
    const f =
      extra.sca_info === undefined ? fromCode(r, extra, name, at, version) : fromSca(r, extra, name, at, version);
    const key = [f.ruleId, f.location.file, f.location.line, f.component?.name, f.component?.version].join('\u0000');
    const seen = byKey.get(key);
    if (seen) seen.detail = { ...seen.detail, occurrences: Number(seen.detail?.occurrences ?? 1) + 1 };
    else byKey.set(key, f);
  }
  return [...byKey.values()];
}

function fromCode(r: Json, extra: Json, name: string, at: string, toolVersion: string | undefined): ParsedFinding {
  const ruleId = requireString(r.check_id, name, `${at}.check_id`);
  const meta = metadataOf(extra, name, at);
  const message = str(extra.message)?.trim();
  const secret = isSecretRule(ruleId, meta);
  return compact<ParsedFinding>({
    tool: codeTool,
    toolVersion,
    ruleId,
    // Semgrep Secrets validates the credentials it finds, as secret scanners do; other rules are code findings,
    // as they are in Semgrep's SARIF, so a Semgrep finding merges with a SARIF one at the same CWE and line.
    kind: meta.product === 'secrets' ? 'secret' : 'code',
    title: headline(message) ?? ruleId,
    description: message,
    severity: severityOf(extra.severity),
    aliases: aliasesFrom(meta.cve, meta.ghsa),
    cwes: cwesFrom(meta.cwe),
    location: locationOf(r, name, at),
    references: webUrls(meta.references, meta.source, meta.shortlink),
    detail: compact({
      confidence: str(meta.confidence),
      likelihood: str(meta.likelihood),
      impact: str(meta.impact),
      category: str(meta.category),
      subcategory: stringsOf(meta.subcategory),
      owasp: stringsOf(meta.owasp),
      vulnerabilityClass: stringsOf(meta.vulnerability_class),
      technology: stringsOf(meta.technology),
      fingerprint: fingerprintOf(extra),
      engineKind: str(extra.engine_kind),
      validationState: str(extra.validation_state),
      fix: str(extra.fix) ?? (isObject(extra.fix_regex) ? extra.fix_regex : undefined),
      // The matched text of a secrets rule is the secret itself.
      snippet: secret ? undefined : snippetOf(extra),
    }),
  });
}

function fromSca(r: Json, extra: Json, name: string, at: string, toolVersion: string | undefined): ParsedFinding {
  const checkId = requireString(r.check_id, name, `${at}.check_id`);
  const meta = metadataOf(extra, name, at);
  const sca = asObject(extra.sca_info, name, `${at}.extra.sca_info`);
  const match = obj(sca.dependency_match) ?? {};
  const found = obj(match.found_dependency) ?? {};
  const pattern = obj(match.dependency_pattern) ?? {};
  const pkg = str(found.package) ?? str(pattern.package);
  const version = str(found.version);
  const type = purlTypeOf(str(found.ecosystem) ?? str(pattern.ecosystem));
  const ids = aliasesFrom(meta['sca-vuln-database-identifier'], meta.cve, meta.ghsa);
  const aliases = ids.length ? ids : aliasesFrom(meta.references);
  const message = str(extra.message)?.trim();
  const lockfile = normalisePath(str(found.lockfile_path) ?? str(match.lockfile));
  return compact<ParsedFinding>({
    tool: scaTool,
    toolVersion,
    ruleId: str(meta['sca-vuln-database-identifier']) ?? aliases[0] ?? checkId,
    kind: 'dependency',
    title: headline(message) ?? checkId,
    description: message,
    severity: severityOf(meta['sca-severity'], extra.severity),
    aliases,
    cwes: cwesFrom(meta.cwe),
    component: pkg
      ? compact({
          name: pkg,
          version,
          purl: type ? buildPurl(type, pkg, version) : undefined,
          ecosystem: type ?? str(found.ecosystem),
        })
      : undefined,
    fixedVersion: pkg ? fixVersionOf(meta['sca-fix-versions'], pkg) : undefined,
    // Reachable results point at the code that calls the vulnerable function, the others at the lockfile line.
    location: { ...locationOf(r, name, at), ...(lockfile ? { target: lockfile } : {}) },
    references: webUrls(meta.references, meta.source),
    detail: compact({
      semgrepRule: checkId,
      reachable: bool(sca.reachable),
      reachabilityRule: bool(sca.reachability_rule),
      transitivity: variant(found.transitivity),
      vulnerableVersions: str(pattern.semver_range),
      manifest: normalisePath(str(found.manifest_path)),
      scaKind: str(meta['sca-kind']),
      owasp: stringsOf(meta.owasp),
      fingerprint: fingerprintOf(extra),
      snippet: snippetOf(extra),
    }),
  });
}

function metadataOf(extra: Json, name: string, at: string): Json {
  return extra.metadata === undefined || extra.metadata === null
    ? {}
    : asObject(extra.metadata, name, `${at}.extra.metadata`);
}

function locationOf(r: Json, name: string, at: string): Location {
  const start = obj(r.start);
  const end = obj(r.end);
  const line = positive(start?.line);
  const endLine = positive(end?.line);
  return compact<Location>({
    file: normalisePath(requireString(r.path, name, `${at}.path`)),
    line,
    endLine: line !== undefined && endLine !== undefined && endLine >= line ? endLine : undefined,
    column: positive(start?.col),
  });
}

/** sca-fix-versions is a list of {package: version}; the one for the installed package is its fix. */
function fixVersionOf(v: unknown, pkg: string): string | undefined {
  const hit = (Array.isArray(v) ? v : [v]).map(obj).find((o) => o !== undefined && Object.hasOwn(o, pkg));
  return hit ? str(hit[pkg]) : undefined;
}

function isSecretRule(ruleId: string, meta: Json): boolean {
  const words = [
    ruleId,
    meta.category,
    meta.product,
    ...(stringsOf(meta.technology) ?? []),
    ...(stringsOf(meta.vulnerability_class) ?? []),
  ];
  return (
    words.some((w) => typeof w === 'string' && /secret/i.test(w))
    || cwesFrom(meta.cwe).some((c) => c === 798 || c === 259 || c === 321)
  );
}

// Without a Semgrep login, the matched lines and fingerprint read "requires login".
function snippetOf(extra: Json): string | undefined {
  const lines = str(extra.lines);
  return lines && lines.trim() !== 'requires login' ? lines : undefined;
}

function fingerprintOf(extra: Json): string | undefined {
  const fp = str(extra.fingerprint);
  return fp && fp !== 'requires login' ? fp : undefined;
}

// ---- the Supply Chain API export ----

function* fromApiExport(vulns: unknown[], name: string): Generator<ParsedFinding> {
  for (const [i, item] of vulns.entries()) {
    const at = `vulns[${i}]`;
    const v = asObject(item, name, at);
    const adv = v.advisory === undefined ? {} : asObject(v.advisory, name, `${at}.advisory`);
    const refs = obj(adv.references) ?? {};
    const dep = obj(v.matchedDependency);
    const pkg = str(dep?.name);
    const version = str(dep?.versionSpecifier);
    const type = pkg ? apiPurlType(adv, pkg, v.packageManager) : undefined;
    const aliases = aliasesFrom(refs.cveIds, refs.ghsaIds, refs.urls);
    const ruleId = aliases[0] ?? str(adv.ruleId) ?? requireString(v.title, name, `${at}.title`);
    const file = obj(v.dependencyFileLocation) ?? {};
    const line = positive(file.startLine);
    const endLine = positive(file.endLine);
    const triage = obj(v.triage) ?? {};
    yield compact<ParsedFinding>({
      tool: scaTool,
      ruleId,
      kind: 'dependency',
      title: str(v.title) ?? str(adv.title) ?? ruleId,
      description: str(adv.description)?.trim(),
      severity: severityOf(adv.severity),
      aliases,
      cwes: cwesFrom(refs.cweIds),
      component: pkg
        ? compact({ name: pkg, version, purl: type ? buildPurl(type, pkg, version) : undefined, ecosystem: type })
        : undefined,
      fixedVersion: pkg ? safeVersionOf(v, adv, pkg) : undefined,
      location: compact<Location>({
        file: normalisePath(str(file.path)),
        line,
        endLine: line !== undefined && endLine !== undefined && endLine >= line ? endLine : undefined,
        target: str(v.repositoryName),
      }),
      references: webUrls(refs.urls),
      detail: compact({
        semgrepRule: str(adv.ruleId),
        repositoryId: str(v.repositoryId),
        exposure: str(v.exposureType),
        reachability: str(adv.reachability),
        reachableIf: str(adv.reachableIf),
        transitivity: str(v.transitivity),
        triageStatus: str(triage.status),
        dismissReason: str(triage.dismissReason) === 'UNKNOWN_REASON' ? undefined : str(triage.dismissReason),
        issueUrl: str(triage.issueUrl),
        prUrl: str(triage.prUrl),
        fileUrl: str(file.url),
        openedAt: str(v.openedAt),
        packageManager: str(v.packageManager),
        subdirectory: str(v.subdirectory),
        usages: Array.isArray(v.usages) && v.usages.length ? v.usages.length : undefined,
        owasp: stringsOf(refs.owaspIds),
        groupKey: str(v.groupKey),
      }),
    });
  }
}

/**
 * The package's ecosystem. An advisory can span ecosystems (grpc on RubyGems, grpcio on PyPI), and its "ecosystem"
 * is only one of them, so the rule's own "depends-on" entry for the matched package is asked first.
 */
function apiPurlType(adv: Json, pkg: string, packageManager: unknown): string | undefined {
  const fromRule = dependsOn(adv.ruleText).find((d) => str(d.package) === pkg);
  if (fromRule) return purlTypeOf(str(fromRule.namespace));
  const byManager = purlTypeOf(str(packageManager));
  if (byManager) return byManager;
  const vulnerable = oneOrMany(adv.vulnerableDependencies)
    .map(obj)
    .some((d) => str(d?.name) === pkg);
  return vulnerable ? purlTypeOf(str(adv.ecosystem)) : undefined;
}

function dependsOn(ruleText: unknown): Json[] {
  if (typeof ruleText !== 'string') return [];
  let rule: unknown;
  try {
    rule = JSON.parse(ruleText);
  } catch {
    return [];
  }
  const spec = obj(obj(rule)?.['r2c-internal-project-depends-on']);
  if (!spec) return [];
  const list = spec['depends-on-either'] === undefined ? [spec] : oneOrMany(spec['depends-on-either']);
  return list.map(obj).filter((d): d is Json => d !== undefined);
}

function safeVersionOf(v: Json, adv: Json, pkg: string): string | undefined {
  const closest = obj(v.closestSafeDependency);
  if (closest && str(closest.name) === pkg) return str(closest.versionSpecifier);
  const safe = oneOrMany(adv.safeDependencies)
    .map(obj)
    .find((d) => str(d?.name) === pkg);
  return str(safe?.versionSpecifier);
}

// ---- shared ----

const purlTypes = new Map<string, string>([
  ['npm', 'npm'],
  ['yarn', 'npm'],
  ['pnpm', 'npm'],
  ['pypi', 'pypi'],
  ['pip', 'pypi'],
  ['pipenv', 'pypi'],
  ['poetry', 'pypi'],
  ['uv', 'pypi'],
  ['gomod', 'golang'],
  ['go', 'golang'],
  ['cargo', 'cargo'],
  ['maven', 'maven'],
  ['gradle', 'maven'],
  ['gem', 'gem'],
  ['bundler', 'gem'],
  ['composer', 'composer'],
  ['nuget', 'nuget'],
  ['pub', 'pub'],
  ['swiftpm', 'swift'],
  ['hex', 'hex'],
  ['mix', 'hex'],
  ['cocoapods', 'cocoapods'],
]);

/** The purl type for Semgrep's ecosystem or package-manager word (gomod, pypi, swiftpm, …), when known. */
function purlTypeOf(word: string | undefined): string | undefined {
  return word ? purlTypes.get(word.toLowerCase()) : undefined;
}

const severityWords = new Map<string, Severity>([
  ['error', 'high'],
  ['warning', 'medium'],
  ['info', 'low'],
  ['critical', 'critical'],
  ['high', 'high'],
  ['medium', 'medium'],
  ['moderate', 'medium'],
  ['low', 'low'],
  ['experiment', 'info'],
  ['inventory', 'info'],
]);

/** Semgrep's levels as its platform shows them (ERROR high, WARNING medium, INFO low); the first known word wins. */
function severityOf(...words: unknown[]): Severity {
  for (const w of words) {
    const hit = typeof w === 'string' ? severityWords.get(w.trim().toLowerCase()) : undefined;
    if (hit) return hit;
  }
  return 'info';
}

/** A message as one line, cut at its first sentence when long: Semgrep results have no title of their own. */
function headline(text: string | undefined): string | undefined {
  const flat = text?.replace(/\s+/g, ' ').trim();
  if (!flat) return undefined;
  if (flat.length <= 120) return flat;
  const sentence = /^(.{20,200}?[.!?])\s/.exec(flat)?.[1];
  if (sentence) return sentence;
  const cut = flat.slice(0, 119);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), 80))}…`;
}

/** Transitivity is a string in today's output and a one-word variant list (["Direct"]) in older output. */
function variant(v: unknown): string | undefined {
  return str(Array.isArray(v) ? v[0] : v)?.toLowerCase();
}

const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);

function positive(v: unknown): number | undefined {
  const n = num(v);
  return n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}
