/** SARIF 2.1.0: every run, every result that is a problem to act on, as normalised findings. */
import { badInput } from '../../errors.ts';
import type {
  FindingKind,
  ParseContext,
  ParsedFinding,
  ReportInput,
  ReportParser,
  ReportState,
  Severity,
} from '../types.ts';
import {
  aliasesFrom,
  asArray,
  asObject,
  cwesFrom,
  type Json,
  list,
  lookup,
  normaliseSeverity,
  num,
  obj,
  severityFromScore,
  str,
} from './common.ts';
import { splitJson, type Streamed } from './json-stream.ts';
import { topLevelOf } from './json-shape.ts';
import { maxText } from '../normalise.ts';
import {
  type RunContext,
  componentOf,
  cvssOf,
  fixedVersionOf,
  int,
  locationOf,
  otherLocations,
  textOf,
} from './sarif-fields.ts';

/** Reads SARIF 2.1.0 logs (CodeQL, Semgrep, Trivy, Gitleaks, Dependency-Check, …). */
export const sarifParser: ReportParser = {
  format: 'sarif',
  label: 'SARIF 2.1.0',
  detect: detectSarif,
  parse: parseSarif,
};

// A SARIF log by its structure: a top-level `version` 2.1.0 and `runs` list, in either order, from the head or the
// tail (writers put `runs` first and `version` last as often as not), never by words inside the runs, which can be
// any tool's. A top-level SARIF $schema alone is enough, even for other SARIF versions: the parser then says which
// version it supports instead of "unknown format".
function detectSarif(head: string, name: string, tail?: string): boolean {
  const top = topLevelOf(head, tail);
  if (!top) return false;
  const version = top.get('version')?.text === '2.1.0';
  const runs = top.get('runs')?.kind === 'array';
  const schema = /sarif/i.test(top.get('$schema')?.text ?? '');
  return schema || (version && runs) || (/\.sarif(\.json)?$/i.test(name) && (version || runs));
}

// Results stream from the file one at a time (a SARIF log can be hundreds of megabytes); the rest of the log, with
// each run's tool and rules, is read first wherever it sits in the file.
const resultsOfRuns: Streamed = (p) =>
  p.length === 3 && p[0] === 'runs' && typeof p[1] === 'number' && p[2] === 'results';

async function* parseSarif(input: ReportInput, context?: ParseContext): AsyncGenerator<ParsedFinding> {
  const name = input.name;
  const log = await splitJson(input, resultsOfRuns);
  const root = asObject(log.skeleton, name, 'the top level');
  checkVersion(root.version, name);
  const runs = asArray(root.runs, name, 'runs');
  const contexts = runs.map((r, i) => runContext(asObject(r, name, `runs[${i}]`), name, `runs[${i}]`));
  for (const ctx of contexts) {
    context?.tool(ctx.tool, ctx.toolVersion);
    asArray(ctx.run.results, name, `${ctx.path}.results`);
  }
  for await (const item of log.items()) {
    const ctx = contexts[item.path[1] as number]!;
    const result = asObject(item.value, name, `${ctx.path}.results[${item.index}]`);
    if (!isFinding(result)) continue;
    const state = suppressionOf(result);
    for (const one of independentMatches(result, ctx)) {
      const finding = toFinding(one, ctx);
      yield state ? { ...finding, state } : finding;
    }
  }
}

function checkVersion(version: unknown, name: string): void {
  if (version === '2.1.0') return;
  const found = str(version) ? `version "${str(version)}"` : 'no "version"';
  throw badInput(`${name}: SARIF log has ${found}; Entente reads SARIF 2.1.0 only (re-export the report as 2.1.0)`, {
    file: name,
    path: 'version',
  });
}

function runContext(run: Json, name: string, path: string): RunContext {
  const tool = asObject(run.tool, name, `${path}.tool`);
  const driver = asObject(tool.driver, name, `${path}.tool.driver`);
  const toolName = str(driver.name);
  if (!toolName)
    throw badInput(`${name}: ${path}.tool.driver.name is missing; SARIF requires the tool's name`, {
      file: name,
      path: `${path}.tool.driver.name`,
    });
  return {
    run,
    path,
    driver,
    tool: toolName,
    toolVersion: str(driver.semanticVersion) ?? str(driver.version),
    extensions: list(tool.extensions).map(obj),
    taxonomies: list(run.taxonomies).map(obj),
    bases: obj(run.originalUriBaseIds) ?? {},
    artifacts: list(run.artifacts),
    logicalLocations: list(run.logicalLocations),
  };
}

// SARIF means several locations of one result as one problem that involves all of them (cppcheck's path from an
// allocation to its dereference), and so does Entente. The libsast tools (nodejsscan/njsscan, mobsfscan) misuse
// them: they put every match of a rule, in every file, into one result, where each match is its own place to fix
// (their JSON output lists the matches apart). Their results are split into one finding per location.
const splitsMatches = /^(nodejsscan|njsscan|mobsfscan)$/i;

function independentMatches(result: Json, ctx: RunContext): Json[] {
  const locations = list(result.locations);
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

const ownStatuses: Record<string, ReportState['status']> = {
  false_positive: 'false_positive',
  accepted: 'accepted',
  fixed: 'fixed',
};

function suppressionOf(result: Json): ReportState | undefined {
  const inEffect = list(result.suppressions)
    .map(obj)
    .find((s) => s !== undefined && (s.status === undefined || s.status === 'accepted'));
  if (!inEffect) return undefined;
  const justification = str(inEffect.justification)?.replace(/\s+/g, ' ').trim();
  const how = str(inEffect.kind) === 'inSource' ? 'in the source' : 'in the report';
  // Entente's own export names the status it closed the finding with; read it back as it was.
  const own = lookup(ownStatuses, str(obj(inEffect.properties)?.status));
  const falsePositive =
    justification !== undefined
    && /false[ _-]?positive|not (a |an )?(issue|problem|vulnerab)|not exploitable|not applicable/i.test(justification);
  return {
    status: own ?? (falsePositive ? 'false_positive' : 'accepted'),
    reason: justification
      ? `suppressed ${how}: ${justification}`
      : `suppressed ${how} by the tool's suppression${str(inEffect.kind) ? ` (${str(inEffect.kind)})` : ''}`,
  };
}

function toFinding(result: Json, ctx: RunContext): ParsedFinding {
  const rule = findRule(result, ctx);
  const facts = ruleFacts(rule, ctx);
  const props = obj(result.properties) ?? {};
  const message = messageOf(result.message, rule, ctx);
  const ruleId = str(result.ruleId) ?? str(obj(result.rule)?.id) ?? facts.id ?? headline(message) ?? '(no rule id)';
  const ownTags = list(props.tags).filter((t): t is string => typeof t === 'string');
  const aliases = aliasesOf(facts, ruleId, message, props);
  const location = locationOf(result, ctx);
  const component = componentOf(props, facts.props, message, location.file);
  const cvss = cvssOf(props) ?? (facts.cvss ? { ...facts.cvss } : undefined);
  const finding: ParsedFinding = {
    tool: ctx.tool,
    ruleId,
    kind: kindOf(facts, ownTags, aliases.length > 0 || component !== undefined),
    title: facts.title ?? shorten(headline(message) ?? ruleId),
    severity: severityOf(result, props, facts, cvss?.version?.startsWith('2') ? undefined : cvss?.score),
    aliases,
    cwes: cwesOf(result, props, ownTags, facts, ctx),
    location,
  };
  if (ctx.toolVersion) finding.toolVersion = ctx.toolVersion;
  const description = facts.description ?? message;
  if (description) finding.description = description;
  if (cvss) finding.cvss = cvss;
  if (component) finding.component = component;
  const fixed = fixedVersionOf(props, message);
  if (fixed) finding.fixedVersion = fixed;
  if (facts.references.length) finding.references = [...facts.references];
  // The message is kept in detail when it says more than the description: the rule's, or the message itself cut short.
  const said = message !== undefined && message === description && message.length <= maxText ? undefined : message;
  finding.detail = detailOf(result, props, facts.name, said, ctx, finding.kind === 'secret');
  return finding;
}

/**
 * What a finding takes from its rule alone: worked out once per rule (and run), not again for each of the rule's
 * results. A result's own tags, properties and taxa still add to what is read here, as in a result without a rule.
 */
interface RuleFacts {
  ctx: RunContext; // the run these were read in (tool name and taxonomies play a part)
  props: Json; // rule.properties, or {}
  id: string | undefined;
  name: string | undefined;
  short: string | undefined; // the short description's text
  idValues: unknown[]; // id-like properties, where advisory ids hide
  aliases: string[]; // the finding's aliases when its result adds none
  cwes: number[]; // from the rule's tags, "cwe" properties and CWE relationships
  cvss: ReturnType<typeof cvssOf>; // from the rule's properties
  title: string | undefined; // from the short description or name, when the rule has either
  score: number | undefined; // the rule's "security-severity"
  word: Severity | undefined; // the rule's severity word
  level: Severity | undefined; // the rule's default level
  description: string | undefined; // full description, else help text
  references: string[];
  secret: boolean; // by the tool or the rule's tags
  config: boolean; // by the tool or the rule's tags
  dependency: boolean; // by the tool
}

// Keyed by the rule object (results without a rule: by the run). An entry read in another run is read again.
const factsByRule = new WeakMap<Json, RuleFacts>();
const factsWithoutRule = new WeakMap<RunContext, RuleFacts>();

function ruleFacts(rule: Json | undefined, ctx: RunContext): RuleFacts {
  const known = rule ? factsByRule.get(rule) : factsWithoutRule.get(ctx);
  if (known?.ctx === ctx) return known;
  const facts = readRuleFacts(rule, ctx);
  if (rule) factsByRule.set(rule, facts);
  else factsWithoutRule.set(ctx, facts);
  return facts;
}

function readRuleFacts(rule: Json | undefined, ctx: RunContext): RuleFacts {
  const props = obj(rule?.properties) ?? {};
  const id = str(rule?.id);
  const name = str(rule?.name);
  const short = textOf(rule?.shortDescription);
  const tags = list(props.tags).filter((t): t is string => typeof t === 'string');
  const ruleIdValues = idValues(props);
  const relationships = list(rule?.relationships).map((r) => cweRef(obj(obj(r)?.target), ctx));
  const titleText = short ?? (name !== id ? name : undefined);
  return {
    ctx,
    props,
    id,
    name,
    short,
    idValues: ruleIdValues,
    aliases: aliasesFrom(id, name, short, ruleIdValues),
    cwes: cwesFrom(
      tags.filter((t) => /cwe/i.test(t)),
      cweProps(props),
      relationships,
    ),
    cvss: cvssOf(props),
    title: titleText === undefined ? undefined : shorten(titleText),
    score: num(props['security-severity']),
    word: severityWord(props),
    level: knownSeverity(obj(rule?.defaultConfiguration)?.level),
    description: textOf(rule?.fullDescription) ?? helpText(rule),
    references: referencesOf(rule),
    secret: secretTools.test(ctx.tool) || tags.some((t) => secretTag.test(t)),
    config: configTools.test(ctx.tool) || tags.some((t) => configTag.test(t)),
    dependency: dependencyTools.test(ctx.tool),
  };
}

// CVE and GHSA ids from the result's rule id, the rule's id, name and short description, the message, and
// id-like properties of the result and the rule. Most results add none of their own: those take the rule's.
function aliasesOf(facts: RuleFacts, ruleId: string, message: string | undefined, props: Json): string[] {
  const resultIdValues = idValues(props);
  const own = aliasesFrom(ruleId === facts.id ? undefined : ruleId, message, resultIdValues);
  if (own.length === 0) return [...facts.aliases];
  return aliasesFrom(ruleId, facts.id, facts.name, facts.short, message, resultIdValues, facts.idValues);
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
  const byIndex = index === undefined ? undefined : obj(list(component?.rules)[index]);
  if (byIndex && (id === undefined || str(byIndex.id) === id)) return byIndex;
  if (id !== undefined) return ruleById(id, [component, ctx.driver, ...ctx.extensions]);
  const text = str(obj(result.message)?.text);
  if (!text) return undefined;
  return longestIdFirst(ctx.driver.rules).find(([rid]) => text.startsWith(rid))?.[1];
}

// Hierarchical ids ("CA2101/subrule") match their parent rule when no rule has the full id.
function ruleById(id: string, components: (Json | undefined)[]): Json | undefined {
  for (let key = id; key; key = key.includes('/') ? key.slice(0, key.lastIndexOf('/')) : '') {
    for (const c of components) {
      const hit = rulesById(c?.rules).get(key);
      if (hit) return hit;
    }
  }
  return undefined;
}

// Each rules array's rules by id (the first rule with an id, as a scan in order finds it), made once per array.
const ruleIndexes = new WeakMap<unknown[], Map<string, Json>>();
const noRules = new Map<string, Json>();

function rulesById(rules: unknown): Map<string, Json> {
  if (!Array.isArray(rules)) return noRules;
  let index = ruleIndexes.get(rules);
  if (!index) {
    index = new Map();
    for (const r of rules) {
      const rule = obj(r);
      const id = str(rule?.id);
      if (rule && id !== undefined && !index.has(id)) index.set(id, rule);
    }
    ruleIndexes.set(rules, index);
  }
  return index;
}

// Each rules array's rules with an id, longest id first (in their order where as long), made once per array.
const rulesByLength = new WeakMap<unknown[], [string, Json][]>();

function longestIdFirst(rules: unknown): [string, Json][] {
  if (!Array.isArray(rules)) return [];
  let list = rulesByLength.get(rules);
  if (!list) {
    list = [];
    for (const r of rules) {
      const rule = obj(r);
      const id = str(rule?.id);
      if (rule && id !== undefined) list.push([id, rule]);
    }
    list.sort((a, b) => b[0].length - a[0].length);
    rulesByLength.set(rules, list);
  }
  return list;
}

function componentFor(ref: Json | undefined, ctx: RunContext): Json | undefined {
  if (!ref) return undefined;
  const index = int(ref.index);
  if (index !== undefined) return ctx.extensions[index];
  const match = (c: Json | undefined): boolean =>
    c !== undefined
    && ((ref.name !== undefined && c.name === ref.name) || (ref.guid !== undefined && c.guid === ref.guid));
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
  const args = list(m.arguments);
  if (text === undefined || args.length === 0) return text;
  return text.replace(/\{\{|\}\}|\{(\d+)\}/g, (all, n: string | undefined) =>
    all === '{{' ? '{' : all === '}}' ? '}' : (str(args[Number(n)]) ?? all),
  );
}

// Severity, most specific first: a numeric GitHub-style "security-severity" (result, then rule), a CVSS v3 score,
// the tool's own severity word in the result's properties, the result's level, the rule's severity word, the
// rule's default level, and SARIF's own default "warning" (review/open results default to "none", whatever the rule).
function severityOf(result: Json, props: Json, rule: RuleFacts, cvssScore: number | undefined): Severity {
  const score = num(props['security-severity']) ?? rule.score ?? cvssScore;
  if (score !== undefined && score >= 0 && score <= 10) return severityFromScore(score);
  const notFail = typeof result.kind === 'string' && result.kind !== 'fail';
  const ruleLevel = notFail ? undefined : rule.level;
  return (
    severityWord(props)
    ?? knownSeverity(result.level)
    ?? rule.word
    ?? ruleLevel
    ?? normaliseSeverity(notFail ? 'none' : 'warning')
  );
}

const severityKeys = [
  'security-severity',
  'severity',
  'Severity',
  'securitySeverity',
  'securityRisk',
  'problem.severity',
];

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
// (rule.relationships[].target, result.taxa[]), whose ids are bare numbers ("79"). The rule's are read once (see
// RuleFacts); the result's own tags, properties and taxa add to them (cwesFrom sorts, so the union sorted is the same).
function cwesOf(result: Json, props: Json, ownTags: string[], rule: RuleFacts, ctx: RunContext): number[] {
  const taxa = list(result.taxa).map((t) => cweRef(obj(t), ctx));
  const fromProps = cweProps(props);
  const own = cwesFrom(
    ownTags.filter((t) => /cwe/i.test(t)),
    fromProps,
    taxa,
  );
  if (own.length === 0) return [...rule.cwes];
  return [...new Set([...rule.cwes, ...own])].sort((a, b) => a - b);
}

function cweProps(props: Json): unknown[] {
  return Object.entries(props)
    .filter(([k]) => /^cwes?(_?ids?)?$/i.test(k))
    .map(([, v]) => v);
}

// A taxonomy reference's id when it names a CWE.
function cweRef(ref: Json | undefined, ctx: RunContext): string | undefined {
  const id = str(ref?.id);
  if (id === undefined) return undefined;
  return isCweTaxonomy(obj(ref?.toolComponent), ctx) || /cwe/i.test(id) ? id : undefined;
}

function isCweTaxonomy(ref: Json | undefined, ctx: RunContext): boolean {
  if (!ref) return false;
  const index = int(ref.index);
  const taxonomy =
    index === undefined
      ? ctx.taxonomies.find((t) => t !== undefined && ref.guid !== undefined && t.guid === ref.guid)
      : ctx.taxonomies[index];
  return /^cwe$/i.test(str(ref.name) ?? str(taxonomy?.name) ?? '');
}

// Advisory ids hide in id-like properties (not in free text such as commit messages, which may quote any CVE).
function idValues(props: Json): unknown[] {
  return Object.entries(props)
    .filter(([k]) => /cve|ghsa|alias|advisor|vuln|identifier|^ids?$|tags/i.test(k))
    .map(([, v]) => v);
}

const secretTools =
  /gitleaks|trufflehog|detect-secrets|ggshield|gitguardian|secretlint|talisman|nosey ?parker|whispers|secret/i;
const configTools =
  /checkov|tfsec|kics|dockle|hadolint|terrascan|tflint|cfn[-_ ]?(lint|nag)|kube-?(linter|score|sec)|conftest|polaris|trivy.*config|\biac\b/i;
const dependencyTools =
  /dependency-check|grype|osv-scanner|retire|black ?duck|npm audit|yarn audit|snyk open source|dependabot|ossindex/i;

// Which fingerprint recipe applies: a secret scanner's (or secret-tagged) results are secrets; anything naming an
// advisory (CVE/GHSA) or a package is a dependency; an IaC/config checker's results are config; the results of
// known dependency scanners are dependencies even without an advisory id (Retire.js rules in Dependency-Check);
// everything else is code.
// The tool's and the rule's part is read once per rule (RuleFacts); the result's own tags count as the rule's.
function kindOf(
  rule: Pick<RuleFacts, 'secret' | 'config' | 'dependency'>,
  ownTags: string[],
  aboutPackage: boolean,
): FindingKind {
  if (rule.secret || ownTags.some((t) => secretTag.test(t))) return 'secret';
  if (aboutPackage) return 'dependency';
  if (rule.config || ownTags.some((t) => configTag.test(t))) return 'config';
  if (rule.dependency) return 'dependency';
  return 'code';
}

/** The recipe a SARIF-shaped result follows from its tool, its rule's tags and whether it names an advisory or a package
 * (GitHub's code scanning alerts are such results). */
export function kindByTool(tool: string, tags: string[], aboutPackage: boolean): FindingKind {
  const facts = {
    secret: secretTools.test(tool),
    config: configTools.test(tool),
    dependency: dependencyTools.test(tool),
  };
  return kindOf(facts, tags, aboutPackage);
}

const secretTag = /^secrets?$/i;
const configTag = /^(misconfiguration|iac|infrastructure)$/i;

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

// Only the fields that have a value, in this order (absent ones and empty lists are left out).
function detailOf(
  result: Json,
  resultProps: Json,
  ruleName: string | undefined,
  message: string | undefined,
  ctx: RunContext,
  secret: boolean,
): Json {
  const props = Object.entries(resultProps).map(([k, v]) => [k, secret && secretKeys.test(k) ? '[redacted]' : v]);
  const physical = obj(
    list(result.locations)
      .map(obj)
      .find((l) => obj(l?.physicalLocation))?.physicalLocation,
  );
  const detail: Json = {};
  const set = (key: string, v: unknown): void => {
    if (v !== undefined && !(Array.isArray(v) && !v.length)) detail[key] = v;
  };
  set('message', message);
  set('ruleName', ruleName);
  set('partialFingerprints', obj(result.partialFingerprints));
  set('fingerprints', obj(result.fingerprints));
  set('properties', props.length ? Object.fromEntries(props) : undefined);
  set('snippet', secret ? undefined : textOf(obj(obj(physical?.region)?.snippet)));
  set('otherLocations', otherLocations(result, ctx));
  set(
    'fixes',
    list(result.fixes)
      .map((f) => textOf(obj(f)?.description))
      .filter((t) => t !== undefined),
  );
  set('kind', typeof result.kind === 'string' && result.kind !== 'fail' ? result.kind : undefined);
  set('baselineState', str(result.baselineState));
  set('suppressions', list(result.suppressions).length ? result.suppressions : undefined);
  set('guid', str(result.guid));
  set('hostedViewerUri', str(result.hostedViewerUri));
  return detail;
}

// A message's first paragraph, as a title (tools wrap long messages over several lines).
function headline(text: string | undefined): string | undefined {
  const paragraph = text
    ?.split(/\n\s*\n/)
    .map((p) => p.trim())
    .find((p) => p !== '');
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
