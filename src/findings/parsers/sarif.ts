/** SARIF 2.1.0: every run, every result that is a problem to act on, as normalised findings. */
import { badInput } from '../../errors.ts';
import type { FindingKind, ParseContext, ParsedFinding, ReportInput, ReportParser, ReportState, Severity } from '../types.ts';
import { aliasesFrom, asArray, asObject, cwesFrom, lookup, normaliseSeverity, num, parseJson, severityFromScore, str } from './common.ts';
import {
  type Json, type RunContext, arr, componentOf, cvssOf, fixedVersionOf, int, locationOf, obj, otherLocations, textOf,
} from './sarif-fields.ts';

/** Reads SARIF 2.1.0 logs (CodeQL, Semgrep, Trivy, Gitleaks, Dependency-Check, …). */
export const sarifParser: ReportParser = {
  format: 'sarif',
  label: 'SARIF 2.1.0',
  detect: detectSarif,
  parse: parseSarif,
};

// The head may be cut anywhere, so only look for tell-tale fragments. A SARIF $schema alone is enough, even for
// other SARIF versions: the parser then says which version it supports instead of "unknown format".
function detectSarif(head: string, name: string): boolean {
  const h = head.replace(/^\uFEFF/, '');
  if (!/^\s*\{/.test(h)) return false;
  const version = /"version"\s*:\s*"2\.1\.0"/.test(h);
  const runs = /"runs"\s*:/.test(h);
  const schema = /"\$schema"\s*:\s*"[^"]*sarif/i.test(h);
  return schema || (version && runs) || (/\.sarif(\.json)?$/i.test(name) && (version || runs));
}

async function* parseSarif(input: ReportInput, context?: ParseContext): AsyncGenerator<ParsedFinding> {
  const name = input.name;
  const root = asObject(parseJson((await input.text()).replace(/^\uFEFF/, ''), name), name, 'the top level');
  checkVersion(root.version, name);
  const runs = asArray(root.runs, name, 'runs');
  for (let i = 0; i < runs.length; i++) {
    const ctx = runContext(asObject(runs[i], name, `runs[${i}]`), name, `runs[${i}]`);
    context?.tool(ctx.tool, ctx.toolVersion);
    const results = asArray(ctx.run.results, name, `${ctx.path}.results`);
    for (let j = 0; j < results.length; j++) {
      const result = asObject(results[j], name, `${ctx.path}.results[${j}]`);
      if (!isFinding(result)) continue;
      const state = suppressionOf(result);
      for (const one of independentMatches(result, ctx)) {
        const finding = toFinding(one, ctx);
        yield state ? { ...finding, state } : finding;
      }
    }
  }
}

function checkVersion(version: unknown, name: string): void {
  if (version === '2.1.0') return;
  const found = str(version) ? `version "${str(version)}"` : 'no "version"';
  throw badInput(`${name}: SARIF log has ${found}; Entente reads SARIF 2.1.0 only (re-export the report as 2.1.0)`, {
    file: name, path: 'version',
  });
}

function runContext(run: Json, name: string, path: string): RunContext {
  const tool = asObject(run.tool, name, `${path}.tool`);
  const driver = asObject(tool.driver, name, `${path}.tool.driver`);
  const toolName = str(driver.name);
  if (!toolName) throw badInput(`${name}: ${path}.tool.driver.name is missing; SARIF requires the tool's name`, { file: name, path: `${path}.tool.driver.name` });
  return {
    run, path, driver,
    tool: toolName,
    toolVersion: str(driver.semanticVersion) ?? str(driver.version),
    extensions: arr(tool.extensions).map(obj),
    taxonomies: arr(run.taxonomies).map(obj),
    bases: obj(run.originalUriBaseIds) ?? {},
    artifacts: arr(run.artifacts),
    logicalLocations: arr(run.logicalLocations),
  };
}

// SARIF means several locations of one result as one problem that involves all of them (cppcheck's path from an
// allocation to its dereference), and so does Entente. The libsast tools (nodejsscan/njsscan, mobsfscan) misuse
// them: they put every match of a rule, in every file, into one result, where each match is its own place to fix
// (their JSON output lists the matches apart). Their results are split into one finding per location.
const splitsMatches = /^(nodejsscan|njsscan|mobsfscan)$/i;

function independentMatches(result: Json, ctx: RunContext): Json[] {
  const locations = arr(result.locations);
  if (locations.length < 2 || !splitsMatches.test(ctx.tool)) return [result];
  return locations.map((l) => ({ ...result, locations: [l] }));
}

// SARIF's `kind` says whether a result is a problem. "fail" (the default) is one; "review" and "open" are kept
// too, because they are results a person still has to look at (SARIF gives them level "none", so they arrive as
// info unless the tool says more). "pass", "informational" and "notApplicable" are not problems. Results that
// disappeared since the baseline ("absent") are not findings either. A suppression in effect (status missing or
// "accepted", SARIF §3.35) is read as the state accepted — false_positive when its justification says so — and the
// import creates the finding closed; suppressions still "underReview" or "rejected" leave the result open.
const findingKinds = new Set(['fail', 'review', 'open']);

function isFinding(result: Json): boolean {
  const kind = typeof result.kind === 'string' ? result.kind : 'fail';
  if (!findingKinds.has(kind)) return false;
  return result.baselineState !== 'absent';
}

const ownStatuses: Record<string, ReportState['status']> = { false_positive: 'false_positive', accepted: 'accepted', fixed: 'fixed' };

function suppressionOf(result: Json): ReportState | undefined {
  const inEffect = arr(result.suppressions).map(obj).find((s) => s !== undefined && (s.status === undefined || s.status === 'accepted'));
  if (!inEffect) return undefined;
  const justification = str(inEffect.justification)?.replace(/\s+/g, ' ').trim();
  const how = str(inEffect.kind) === 'inSource' ? 'in the source' : 'in the report';
  // Entente's own export names the status it closed the finding with; read it back as it was.
  const own = lookup(ownStatuses, str(obj(inEffect.properties)?.status));
  const falsePositive = justification !== undefined && /false[ _-]?positive|not (a |an )?(issue|problem|vulnerab)|not exploitable|not applicable/i.test(justification);
  return { status: own ?? (falsePositive ? 'false_positive' : 'accepted'), reason: justification ? `suppressed ${how}: ${justification}` : `suppressed ${how} by the tool's suppression${str(inEffect.kind) ? ` (${str(inEffect.kind)})` : ''}` };
}

function toFinding(result: Json, ctx: RunContext): ParsedFinding {
  const rule = findRule(result, ctx);
  const ruleProps = obj(rule?.properties) ?? {};
  const props = obj(result.properties) ?? {};
  const message = messageOf(result.message, rule, ctx);
  const ruleId = str(result.ruleId) ?? str(obj(result.rule)?.id) ?? str(rule?.id) ?? headline(message) ?? '(no rule id)';
  const short = textOf(rule?.shortDescription);
  const tags = [...arr(ruleProps.tags), ...arr(props.tags)].filter((t): t is string => typeof t === 'string');
  const aliases = aliasesFrom(ruleId, str(rule?.id), str(rule?.name), short, message, idValues(props), idValues(ruleProps));
  const location = locationOf(result, ctx);
  const component = componentOf(props, ruleProps, message, location.file);
  const cvss = cvssOf(props) ?? cvssOf(ruleProps);
  const finding: ParsedFinding = {
    tool: ctx.tool,
    ruleId,
    kind: kindOf(ctx.tool, tags, aliases.length > 0 || component !== undefined),
    title: shorten(short ?? (str(rule?.name) !== str(rule?.id) ? str(rule?.name) : undefined) ?? headline(message) ?? ruleId),
    severity: severityOf(result, rule, cvss?.version?.startsWith('2') ? undefined : cvss?.score),
    aliases,
    cwes: cwesOf(result, rule, tags, ctx),
    location,
  };
  if (ctx.toolVersion) finding.toolVersion = ctx.toolVersion;
  const description = textOf(rule?.fullDescription) ?? helpText(rule) ?? message;
  if (description) finding.description = description;
  if (cvss) finding.cvss = cvss;
  if (component) finding.component = component;
  const fixed = fixedVersionOf(props, message);
  if (fixed) finding.fixedVersion = fixed;
  const references = referencesOf(rule);
  if (references.length) finding.references = references;
  finding.detail = detailOf(result, rule, message, ctx, finding.kind === 'secret');
  return finding;
}

// Rules live in the driver or in an extension (CodeQL query packs); a result names its rule by id, by index, or
// through result.rule with a toolComponent reference. Gitleaks 7 gives none of these, only a message that starts
// with the rule's id, so that is the last resort.
function findRule(result: Json, ctx: RunContext): Json | undefined {
  const ref = obj(result.rule);
  const id = str(result.ruleId) ?? str(ref?.id);
  const index = int(ref?.index) ?? int(result.ruleIndex);
  const componentRef = obj(ref?.toolComponent);
  const component = componentRef ? componentFor(componentRef, ctx) : ctx.driver;
  const byIndex = index === undefined ? undefined : obj(arr(component?.rules)[index]);
  if (byIndex && (id === undefined || str(byIndex.id) === id)) return byIndex;
  if (id !== undefined) return ruleById(id, [component, ctx.driver, ...ctx.extensions]);
  const text = str(obj(result.message)?.text);
  if (!text) return undefined;
  const candidates = arr(ctx.driver.rules).map(obj).filter((r) => {
    const rid = str(r?.id);
    return rid !== undefined && text.startsWith(rid);
  });
  return candidates.sort((a, b) => (str(b?.id)?.length ?? 0) - (str(a?.id)?.length ?? 0))[0];
}

// Hierarchical ids ("CA2101/subrule") match their parent rule when no rule has the full id.
function ruleById(id: string, components: (Json | undefined)[]): Json | undefined {
  for (let key = id; key; key = key.includes('/') ? key.slice(0, key.lastIndexOf('/')) : '') {
    for (const c of components) {
      const hit = arr(c?.rules).map(obj).find((r) => str(r?.id) === key);
      if (hit) return hit;
    }
  }
  return undefined;
}

function componentFor(ref: Json | undefined, ctx: RunContext): Json | undefined {
  if (!ref) return undefined;
  const index = int(ref.index);
  if (index !== undefined) return ctx.extensions[index];
  const match = (c: Json | undefined): boolean =>
    c !== undefined && ((ref.name !== undefined && c.name === ref.name) || (ref.guid !== undefined && c.guid === ref.guid));
  return [ctx.driver, ...ctx.extensions].find(match);
}

// message.text, or message.id looked up in the rule's (then the driver's global) message strings, with
// {0}-style placeholders filled from message.arguments ("{{" and "}}" are literal braces).
function messageOf(message: unknown, rule: Json | undefined, ctx: RunContext): string | undefined {
  const m = obj(message);
  if (!m) return undefined;
  const id = str(m.id);
  const lookup = (strings: unknown): string | undefined =>
    id !== undefined && obj(strings) && Object.hasOwn(obj(strings) ?? {}, id) ? textOf(obj(strings)?.[id]) : undefined;
  const text = textOf(m) ?? lookup(rule?.messageStrings) ?? lookup(ctx.driver.globalMessageStrings);
  const args = arr(m.arguments);
  if (text === undefined || args.length === 0) return text;
  return text.replace(/\{\{|\}\}|\{(\d+)\}/g, (all, n: string | undefined) =>
    all === '{{' ? '{' : all === '}}' ? '}' : (str(args[Number(n)]) ?? all));
}

// Severity, most specific first: a numeric GitHub-style "security-severity" (result, then rule), a CVSS v3 score,
// the tool's own severity word in the result's properties, the result's level, the rule's severity word, the
// rule's default level, and SARIF's own default "warning" (review/open results default to "none", whatever the rule).
function severityOf(result: Json, rule: Json | undefined, cvssScore: number | undefined): Severity {
  const props = obj(result.properties) ?? {};
  const ruleProps = obj(rule?.properties) ?? {};
  const score = num(props['security-severity']) ?? num(ruleProps['security-severity']) ?? cvssScore;
  if (score !== undefined && score >= 0 && score <= 10) return severityFromScore(score);
  const notFail = typeof result.kind === 'string' && result.kind !== 'fail';
  const ruleLevel = notFail ? undefined : knownSeverity(obj(rule?.defaultConfiguration)?.level);
  return severityWord(props) ?? knownSeverity(result.level) ?? severityWord(ruleProps) ?? ruleLevel
    ?? normaliseSeverity(notFail ? 'none' : 'warning');
}

const severityKeys = ['security-severity', 'severity', 'Severity', 'securitySeverity', 'securityRisk', 'problem.severity'];

function severityWord(props: Json): Severity | undefined {
  for (const key of severityKeys) {
    const hit = knownSeverity(props[key]);
    if (hit) return hit;
  }
  return knownSeverity(obj(props.problem)?.severity);
}

// normaliseSeverity maps unknown words to its fallback; asking with two fallbacks tells known words apart.
function knownSeverity(word: unknown): Severity | undefined {
  const a = normaliseSeverity(word, 'info');
  return a === normaliseSeverity(word, 'critical') ? a : undefined;
}

// CWEs come from rule tags ("external/cwe/cwe-079"), "cwe" properties, and references into a CWE taxonomy
// (rule.relationships[].target, result.taxa[]), whose ids are bare numbers ("79").
function cwesOf(result: Json, rule: Json | undefined, tags: string[], ctx: RunContext): number[] {
  const props = [obj(result.properties) ?? {}, obj(rule?.properties) ?? {}];
  const fromProps = props.flatMap((p) => Object.entries(p).filter(([k]) => /^cwes?(_?ids?)?$/i.test(k)).map(([, v]) => v));
  const refs = [...arr(rule?.relationships).map((r) => obj(r)?.target), ...arr(result.taxa)].map(obj);
  const fromRefs = refs.map((ref) => {
    const id = str(ref?.id);
    if (id === undefined) return undefined;
    return isCweTaxonomy(obj(ref?.toolComponent), ctx) || /cwe/i.test(id) ? id : undefined;
  });
  return cwesFrom(tags.filter((t) => /cwe/i.test(t)), fromProps, fromRefs);
}

function isCweTaxonomy(ref: Json | undefined, ctx: RunContext): boolean {
  if (!ref) return false;
  const index = int(ref.index);
  const taxonomy = index === undefined
    ? ctx.taxonomies.find((t) => t !== undefined && ref.guid !== undefined && t.guid === ref.guid)
    : ctx.taxonomies[index];
  return /^cwe$/i.test(str(ref.name) ?? str(taxonomy?.name) ?? '');
}

// Advisory ids hide in id-like properties (not in free text such as commit messages, which may quote any CVE).
function idValues(props: Json): unknown[] {
  return Object.entries(props).filter(([k]) => /cve|ghsa|alias|advisor|vuln|identifier|^ids?$|tags/i.test(k)).map(([, v]) => v);
}

const secretTools = /gitleaks|trufflehog|detect-secrets|ggshield|gitguardian|secretlint|talisman|nosey ?parker|whispers|secret/i;
const configTools = /checkov|tfsec|kics|dockle|hadolint|terrascan|tflint|cfn[-_ ]?(lint|nag)|kube-?(linter|score|sec)|conftest|polaris|trivy.*config|\biac\b/i;
const dependencyTools = /dependency-check|grype|osv-scanner|retire|black ?duck|npm audit|yarn audit|snyk open source|dependabot|ossindex/i;

// Which fingerprint recipe applies: a secret scanner's (or secret-tagged) results are secrets; anything naming an
// advisory (CVE/GHSA) or a package is a dependency; an IaC/config checker's results are config; the results of
// known dependency scanners are dependencies even without an advisory id (Retire.js rules in Dependency-Check);
// everything else is code.
function kindOf(tool: string, tags: string[], aboutPackage: boolean): FindingKind {
  const tagged = (re: RegExp): boolean => tags.some((t) => re.test(t));
  if (secretTools.test(tool) || tagged(/^secrets?$/i)) return 'secret';
  if (aboutPackage) return 'dependency';
  if (configTools.test(tool) || tagged(/^(misconfiguration|iac|infrastructure)$/i)) return 'config';
  if (dependencyTools.test(tool)) return 'dependency';
  return 'code';
}

function helpText(rule: Json | undefined): string | undefined {
  const help = textOf(rule?.help);
  return help && !isUrl(help) ? help : undefined;
}

function referencesOf(rule: Json | undefined): string[] {
  const help = textOf(rule?.help);
  const refs = [str(rule?.helpUri), help && isUrl(help) ? help.trim() : undefined];
  return [...new Set(refs.filter((r): r is string => r !== undefined))];
}

const isUrl = (s: string): boolean => /^\s*https?:\/\/\S+\s*$/.test(s);

// Secret scanners put the secret itself in the snippet and in properties such as Gitleaks' "offender"; Entente
// keeps neither, so a findings database never becomes a secrets store.
const secretKeys = /offender|secret|match|raw|token|password|credential/i;

function detailOf(result: Json, rule: Json | undefined, message: string | undefined, ctx: RunContext, secret: boolean): Json {
  const props = Object.entries(obj(result.properties) ?? {}).map(([k, v]) => [k, secret && secretKeys.test(k) ? '[redacted]' : v]);
  const physical = obj(arr(result.locations).map(obj).find((l) => obj(l?.physicalLocation))?.physicalLocation);
  const detail: Json = {
    message,
    ruleName: str(rule?.name),
    partialFingerprints: obj(result.partialFingerprints),
    fingerprints: obj(result.fingerprints),
    properties: props.length ? Object.fromEntries(props) : undefined,
    snippet: secret ? undefined : textOf(obj(obj(physical?.region)?.snippet)),
    otherLocations: otherLocations(result, ctx),
    fixes: arr(result.fixes).map((f) => textOf(obj(f)?.description)).filter((t) => t !== undefined),
    kind: typeof result.kind === 'string' && result.kind !== 'fail' ? result.kind : undefined,
    baselineState: str(result.baselineState),
    suppressions: arr(result.suppressions).length ? result.suppressions : undefined,
    guid: str(result.guid),
    hostedViewerUri: str(result.hostedViewerUri),
  };
  for (const [k, v] of Object.entries(detail)) if (v === undefined || (Array.isArray(v) && !v.length)) delete detail[k];
  return detail;
}

// A message's first paragraph, as a title (tools wrap long messages over several lines).
function headline(text: string | undefined): string | undefined {
  const paragraph = text?.split(/\n\s*\n/).map((p) => p.trim()).find((p) => p !== '');
  return paragraph === undefined ? undefined : shorten(paragraph);
}

// Titles are one line: a long description is cut after its first sentence, or at a word near 200 characters.
function shorten(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= 120) return flat;
  const sentence = /^(.{20,200}?[.!?])\s/.exec(flat)?.[1];
  if (sentence) return sentence;
  if (flat.length <= 200) return flat;
  const cut = flat.slice(0, 199);
  const space = cut.lastIndexOf(' ');
  return `${space > 120 ? cut.slice(0, space) : cut}…`;
}
