/** `npm audit --json` reports, both the v6 "advisories" form and the v7+ "vulnerabilities" form, read into findings. */
import { badInput } from '../../errors.ts';
import type { ParsedFinding, ReportInput, ReportParser } from '../types.ts';
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
  parseJson,
  requireString,
  str,
  strings,
} from './common.ts';
import { cvssOf, fixedFromRange, ruleIdOf, urls } from './npm-advisory.ts';

const tool = 'npm audit';

/** npm audit's JSON output, from npm 6 and from npm 7 onwards. */
export const npmAuditParser: ReportParser = {
  format: 'npm-audit',
  label: 'npm audit JSON (v6 and v7+)',
  tool: 'npm audit',
  detect: detectNpmAudit,
  parse: parseNpmAudit,
};

/** True when the first bytes look like npm audit output; the head may be cut anywhere, so keys are matched, not parsed. */
function detectNpmAudit(head: string): boolean {
  const h = head.replace(/^\uFEFF/, '').trimStart();
  if (!h.startsWith('{')) return false;
  if (/"auditReportVersion"\s*:/.test(h)) return true;
  if (/"advisories"\s*:\s*\{/.test(h)) return /"(actions|muted|metadata|module_name|findings)"\s*:/.test(h);
  // npm 6 writes "actions" first, and it can fill the whole head before "advisories" appears.
  return /^\{\s*"actions"\s*:\s*\[/.test(h) && /"(resolves|action|isMajor)"\s*:/.test(h);
}

async function* parseNpmAudit(input: ReportInput): AsyncGenerator<ParsedFinding> {
  const name = input.name;
  const doc = asObject(parseJson((await input.text()).replace(/^\uFEFF/, ''), name), name, 'the top level');
  // `npm audit fix --dry-run --json` wraps the report in "audit".
  const audit = doc.auditReportVersion === undefined && isObject(doc.audit) ? doc.audit : doc;
  const at = audit === doc ? '' : 'audit.';
  if (audit.auditReportVersion !== undefined || audit.vulnerabilities !== undefined) {
    yield* fromV7(asObject(audit.vulnerabilities ?? {}, name, `${at}vulnerabilities`), name, `${at}vulnerabilities`);
  } else if (audit.advisories !== undefined) {
    yield* fromV6(asObject(audit.advisories, name, `${at}advisories`), name, `${at}advisories`);
  } else {
    throw badInput(
      `${name}: not an npm audit report: expected "advisories" (npm 6) or "auditReportVersion" and "vulnerabilities" (npm 7+)`,
      { file: name },
    );
  }
}

// ---- npm 6: one finding per advisory and installed version ----

function* fromV6(advisories: Json, name: string, path: string): Generator<ParsedFinding> {
  for (const [key, value] of Object.entries(advisories)) {
    const at = `${path}${keyPath(key)}`;
    const adv = asObject(value, name, at);
    const moduleName = requireString(adv.module_name, name, `${at}.module_name`);
    for (const [version, paths] of byVersion(adv.findings, name, `${at}.findings`)) {
      yield compact(fromAdvisoryV6(adv, key, moduleName, version, paths));
    }
  }
}

/** The advisory's findings grouped by installed version, with their dependency paths merged. */
function byVersion(findings: unknown, name: string, path: string): Map<string | undefined, string[]> {
  const out = new Map<string | undefined, string[]>();
  for (const [i, f] of asArray(findings, name, path).entries()) {
    const finding = asObject(f, name, `${path}[${i}]`);
    const version = str(finding.version);
    const paths = asArray(finding.paths, name, `${path}[${i}].paths`)
      .map(str)
      .filter((p): p is string => p !== undefined);
    out.set(version, [...new Set([...(out.get(version) ?? []), ...paths])]);
  }
  // An advisory that lists no installed versions still applies to the module.
  if (out.size === 0) out.set(undefined, []);
  return out;
}

function fromAdvisoryV6(
  adv: Json,
  key: string,
  moduleName: string,
  version: string | undefined,
  paths: string[],
): ParsedFinding {
  const aliases = aliasesFrom(adv.cves, adv.github_advisory_id, adv.url);
  const id = str(adv.id) ?? key;
  const patched = str(adv.patched_versions)?.trim();
  return {
    tool,
    ruleId: ruleIdOf(aliases, id),
    kind: 'dependency',
    title: str(adv.title)?.trim() ?? ruleIdOf(aliases, id),
    description: str(adv.overview)?.trim(),
    severity: normaliseSeverity(adv.severity),
    cvss: cvssOf(adv.cvss),
    aliases,
    cwes: cwesFrom(adv.cwe),
    component: compact({ name: moduleName, version, purl: buildPurl('npm', moduleName, version), ecosystem: 'npm' }),
    // npm writes "<0.0.0" when no version is patched.
    fixedVersion: patched && patched !== '<0.0.0' ? patched : undefined,
    location: {},
    references: urls(adv.url, adv.references),
    detail: compact({
      advisoryId: id,
      vulnerableVersions: str(adv.vulnerable_versions),
      recommendation: str(adv.recommendation)?.trim(),
      paths: paths.length ? paths : undefined,
    }),
  };
}

// ---- npm 7+: one finding per advisory object in a package's "via" ----

function* fromV7(vulns: Json, name: string, path: string): Generator<ParsedFinding> {
  const seen = new Set<string>();
  for (const [key, value] of Object.entries(vulns)) {
    const at = `${path}${keyPath(key)}`;
    const node = asObject(value, name, at);
    const pkg = str(node.name) ?? key;
    for (const [i, via] of asArray(node.via, name, `${at}.via`).entries()) {
      // A string names another vulnerable package this one depends on: that package carries the advisory.
      if (typeof via === 'string') continue;
      const adv = asObject(via, name, `${at}.via[${i}]`);
      const component = str(adv.name) ?? pkg;
      const dedupe = `${component}\u0000${str(adv.source) ?? str(adv.url) ?? str(adv.title) ?? i}`;
      if (seen.has(dedupe)) continue;
      seen.add(dedupe);
      yield compact(fromAdvisoryV7(adv, node, component, vulns));
    }
  }
}

function fromAdvisoryV7(adv: Json, node: Json, pkg: string, vulns: Json): ParsedFinding {
  const aliases = aliasesFrom(adv.url);
  const id = str(adv.source);
  const range = str(node.range);
  const fix = isObject(node.fixAvailable) ? node.fixAvailable : undefined;
  return {
    tool,
    ruleId: ruleIdOf(aliases, id ?? str(adv.title) ?? pkg),
    kind: 'dependency',
    title: str(adv.title)?.trim() ?? ruleIdOf(aliases, id ?? pkg),
    severity: normaliseSeverity(adv.severity ?? node.severity),
    cvss: cvssOf(adv.cvss),
    aliases,
    cwes: cwesFrom(adv.cwe),
    // npm 7+ does not say which version is installed, only the vulnerable range it found; the purl stays versionless.
    component: compact({ name: pkg, version: range, purl: buildPurl('npm', pkg), ecosystem: 'npm' }),
    fixedVersion: fixedFromRange(str(adv.range)) ?? (fix && str(fix.name) === pkg ? str(fix.version) : undefined),
    location: {},
    references: urls(adv.url),
    detail: compact({
      advisoryId: id,
      vulnerableVersions: str(adv.range),
      versionIsRange: range ? 'npm audit 7+ reports the vulnerable range, not the installed version' : undefined,
      nodes: strings(node.nodes),
      isDirect: typeof node.isDirect === 'boolean' ? node.isDirect : undefined,
      affects: dependents(pkg, vulns),
      fixAvailable: fixNote(node.fixAvailable),
    }),
  };
}

/** Every package that is vulnerable only through this one, following "effects" transitively. */
function dependents(pkg: string, vulns: Json): string[] | undefined {
  const out = new Set<string>();
  const queue = [pkg];
  while (queue.length > 0 && out.size < 1000) {
    const key = queue.shift() as string;
    const node = Object.hasOwn(vulns, key) ? vulns[key] : undefined;
    for (const e of isObject(node) ? (strings(node.effects) ?? []) : []) {
      if (e !== pkg && !out.has(e)) {
        out.add(e);
        queue.push(e);
      }
    }
  }
  return out.size ? [...out].sort() : undefined;
}

function fixNote(fix: unknown): string | undefined {
  if (fix === true) return 'yes';
  if (fix === false) return 'no';
  if (!isObject(fix) || !str(fix.name)) return undefined;
  return `${str(fix.name)}@${str(fix.version) ?? '?'}${fix.isSemVerMajor === true ? ' (semver-major)' : ''}`;
}

/** `.key` for plain keys, `["key"]` for the rest (npm 6 keys advisories by number). */
function keyPath(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}
