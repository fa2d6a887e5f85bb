/**
 * Checkov JSON reports (`checkov -o json`): one report object, or an array of them (one per framework), or
 * only a summary when Checkov found nothing to scan.
 *
 * Only `results.failed_checks` are findings; passed and skipped checks are not. A failed policy check is a
 * `config` finding at its file, lines and resource. Two check types are read as what they are instead:
 * `secrets` (a hard-coded secret, kind `secret`) and `sca_package`/`sca_image` (a vulnerable package, kind
 * `dependency`, so it merges with Trivy's or Grype's report of the same CVE in the same package and version).
 * SCA licence checks become licence findings (rule `license:NAME`), as in the Trivy and Snyk parsers. `code_block` and
 * `fixed_definition` are never kept: they quote the scanned file, secrets included.
 */
import { badInput } from '../../errors.ts';
import type {
  Component,
  FindingKind,
  Location,
  ParseContext,
  ParsedFinding,
  ReportInput,
  ReportParser,
} from '../types.ts';
import {
  aliasesFrom,
  asArray,
  asObject,
  buildPurl,
  compact,
  cvssFrom,
  cwesFrom,
  isObject,
  type Json,
  normalisePath,
  normaliseSeverity,
  num,
  parseJson,
  requireString,
  str,
  strings,
  webUrls,
} from './common.ts';

const tool = 'Checkov';

/** Checkov's JSON output, for every framework it scans. */
export const checkovParser: ReportParser = {
  format: 'checkov',
  label: 'Checkov JSON',
  tool,
  detect: detectCheckov,
  parse: parseCheckov,
};

/** True when the first bytes look like a Checkov report; keys are matched, not parsed, as the head may be cut. */
function detectCheckov(head: string): boolean {
  const h = head.replace(/^\uFEFF/, '').trimStart();
  if (!/^[[{]/.test(h)) return false;
  if (/"checkov_version"\s*:/.test(h)) return true;
  return /"check_type"\s*:\s*"/.test(h) && /"(results|failed_checks|passed_checks|skipped_checks)"\s*:/.test(h);
}

async function* parseCheckov(input: ReportInput, context?: ParseContext): AsyncGenerator<ParsedFinding> {
  const name = input.name;
  const root = parseJson((await input.text()).replace(/^\uFEFF/, ''), name);
  const reports = Array.isArray(root)
    ? root.map((r, i) => ({ report: asObject(r, name, `[${i}]`), path: `[${i}]` }))
    : [{ report: asObject(root, name, 'the top level'), path: '' }];
  if (!Array.isArray(root)) requireCheckovShape(reports[0]!.report, name);
  // One Checkov run writes one report per framework; it is still one run of one tool.
  context?.tool(
    tool,
    reports.map((r) => versionOf(r.report)).find((v) => v !== undefined),
  );
  for (const { report, path } of reports) {
    const version = versionOf(report);
    const checkType = str(report.check_type);
    const results = report.results === undefined ? {} : asObject(report.results, name, join(path, 'results'));
    const at = join(path, 'results.failed_checks');
    for (const [i, item] of asArray(results.failed_checks, name, at).entries()) {
      const finding = fromFailedCheck(asObject(item, name, `${at}[${i}]`), {
        name,
        path: `${at}[${i}]`,
        version,
        checkType,
      });
      if (finding) yield finding;
    }
  }
}

function requireCheckovShape(doc: Json, name: string): void {
  if (
    doc.check_type !== undefined
    || doc.results !== undefined
    || doc.checkov_version !== undefined
    || doc.summary !== undefined
  )
    return;
  throw badInput(
    `${name}: not a Checkov report: expected "check_type" and "results", or a summary with "checkov_version"`,
    { file: name },
  );
}

/** The version from `summary.checkov_version`, or from the bare summary Checkov prints when nothing was scanned. */
function versionOf(report: Json): string | undefined {
  const summary = isObject(report.summary) ? report.summary : report;
  return str(summary.checkov_version);
}

interface Scope {
  name: string;
  path: string;
  version: string | undefined;
  checkType: string | undefined;
}

function fromFailedCheck(c: Json, scope: Scope): ParsedFinding | undefined {
  const checkId = requireString(c.check_id, scope.name, `${scope.path}.check_id`);
  const vuln = isObject(c.vulnerability_details) ? c.vulnerability_details : undefined;
  const file = fileOf(c);
  const base = {
    tool,
    ...(scope.version ? { toolVersion: scope.version } : {}),
    title: str(c.check_name) ?? checkId,
    // Open-source Checkov writes no severity unless it is connected to the Prisma Cloud platform; a failed
    // policy check of unknown severity is still a misconfiguration to look at, so it counts as medium.
    severity: normaliseSeverity(c.severity ?? vuln?.severity, 'medium'),
    references: webUrls(str(c.guideline), str(vuln?.link)),
  };
  if ((scope.checkType?.startsWith('sca_') === true || vuln !== undefined) && isLicenceCheck(c, checkId)) {
    return compact<ParsedFinding>({ ...base, ...fromLicence(c, vuln ?? {}, checkId, file) });
  }
  if (vuln) return compact<ParsedFinding>({ ...base, ...fromVulnerability(c, vuln, checkId, file) });
  return compact<ParsedFinding>({ ...base, ...fromPolicyCheck(c, checkId, file, scope) });
}

/** A failed policy check (kind config) or a hard-coded secret (check type "secrets"). */
function fromPolicyCheck(c: Json, checkId: string, file: string | undefined, scope: Scope) {
  const kind: FindingKind = scope.checkType === 'secrets' ? 'secret' : 'config';
  const lines = lineRange(c.file_line_range, scope, `${scope.path}.file_line_range`);
  return {
    ruleId: checkId,
    kind,
    description: text(c.description, c.short_description),
    aliases: [],
    cwes: kind === 'secret' ? [798] : cwesFrom(c.cwe, c.cwes),
    location: compact<Location>({
      file,
      line: lines.start,
      endLine: lines.end,
      // A secret's "resource" is a hash of the secret itself: not kept.
      resource: kind === 'secret' ? undefined : str(c.resource),
    }),
    detail: compact({
      checkType: scope.checkType,
      bcCheckId: str(c.bc_check_id),
      checkClass: str(c.check_class),
      category: str(c.bc_category),
      evaluatedKeys: strings(isObject(c.check_result) ? c.check_result.evaluated_keys : undefined),
      resourceAddress: str(c.resource_address),
      calledFrom: str(c.caller_file_path),
      benchmarks: benchmarks(c.benchmarks),
      details: strings(c.details),
    }),
  };
}

/** An SCA record: the CVE in a package the manifest or image holds. */
function fromVulnerability(c: Json, v: Json, checkId: string, file: string | undefined) {
  const id = str(v.id) ?? checkId;
  const pkg = str(v.package_name);
  const version = str(v.package_version);
  const ecosystem = ecosystemOf(file, str(v.package_type));
  const component: Component | undefined = pkg
    ? compact({ name: pkg, version, purl: buildPurl(ecosystem, pkg, version), ecosystem })
    : undefined;
  const fixed = str(v.lowest_fixed_version);
  return {
    ruleId: aliasesFrom(id)[0] ?? id,
    kind: 'dependency' as const,
    title: str(c.short_description) ?? id,
    description: str(v.description) ?? str(c.description),
    cvss: cvssFrom(v.vector, v.cvss),
    aliases: [...new Set([...aliasesFrom(id), ...aliasesFrom(v.link)])],
    cwes: [],
    component,
    fixedVersion: fixed && fixed !== 'N/A' ? fixed : undefined,
    location: compact<Location>({ target: file }),
    detail: compact({
      checkId,
      status: str(v.status),
      riskFactors: strings(v.risk_factors),
      publishedDate: str(v.published_date),
      fixedVersions: strings(v.fixed_versions),
      rootPackage: str(v.root_package_name),
      rootPackageVersion: str(v.root_package_version),
      rootPackageFixVersion: str(v.root_package_fix_version),
    }),
  };
}

/** An SCA licence check: the package's licence breaks the licence policy. Never above track* (priority.ts). */
function fromLicence(c: Json, v: Json, checkId: string, file: string | undefined) {
  const pkg = str(v.package_name);
  const version = str(v.package_version);
  const ecosystem = ecosystemOf(file, str(v.package_type));
  const licence = str(v.license) ?? str(c.check_name) ?? checkId;
  return {
    ruleId: `license:${licence}`,
    kind: 'dependency' as const,
    title: pkg ? `${licence} licence in ${pkg}` : (str(c.check_name) ?? checkId),
    aliases: [],
    cwes: [],
    component: pkg
      ? compact<Component>({ name: pkg, version, purl: buildPurl(ecosystem, pkg, version), ecosystem })
      : undefined,
    location: compact<Location>({ target: file }),
    detail: compact({ category: 'license', licence, checkId, status: str(v.status) }),
  };
}

function isLicenceCheck(c: Json, checkId: string): boolean {
  return /^BC_LIC/i.test(checkId) || /licen[cs]e/i.test(str(c.check_name) ?? '');
}

// Checkov names the manifest, not the ecosystem; the manifest's name says which one it is.
const manifests: [RegExp, string][] = [
  [/(^|\/)(package(-lock)?\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|bower\.json)$/i, 'npm'],
  [/(^|\/)(requirements[^/]*\.txt|Pipfile(\.lock)?|poetry\.lock|pyproject\.toml|setup\.py|setup\.cfg)$/i, 'pypi'],
  [/(^|\/)go\.(mod|sum)$/i, 'golang'],
  [/(^|\/)(pom\.xml|build\.gradle(\.kts)?|gradle\.lockfile)$/i, 'maven'],
  [/(^|\/)Gemfile(\.lock)?$/i, 'gem'],
  [/(^|\/)Cargo\.(toml|lock)$/i, 'cargo'],
  [/(^|\/)composer\.(json|lock)$/i, 'composer'],
  [/(\.csproj|packages\.config|packages\.lock\.json)$/i, 'nuget'],
];

function ecosystemOf(file: string | undefined, packageType: string | undefined): string | undefined {
  const byFile = file ? manifests.find(([re]) => re.test(file))?.[1] : undefined;
  return byFile ?? (packageType && packageType !== 'os' ? packageType : undefined);
}

/**
 * The scanned file, relative to the scanned folder: Checkov writes "/main.tf" for a folder scan (`-d`), which is
 * relative despite its slash, and the absolute path itself for a file scan (`-f`), where it equals file_abs_path.
 */
function fileOf(c: Json): string | undefined {
  const repoPath = normalisePath(str(c.repo_file_path));
  if (repoPath && !/(^|\/)\.\.(\/|$)/.test(repoPath)) return repoPath.replace(/^\/+/, '') || undefined;
  const file = normalisePath(str(c.file_path));
  if (!file || file === normalisePath(str(c.file_abs_path))) return file;
  return file.replace(/^\/+/, '') || undefined;
}

/** `file_line_range` as [start, end]; Checkov writes [0, 0] when a check has no lines. */
function lineRange(v: unknown, scope: Scope, path: string): { start?: number; end?: number } {
  const [start, end] = asArray(v, scope.name, path).map(positive);
  return compact({ start, end: end !== undefined && (start === undefined || end >= start) ? end : undefined });
}

function positive(v: unknown): number | undefined {
  const n = num(v);
  return n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** {"CIS AWS V1.2": [{"name": "2.1"}]} → ["CIS AWS V1.2 2.1"]. */
function benchmarks(v: unknown): string[] | undefined {
  if (!isObject(v)) return undefined;
  const out = Object.entries(v).flatMap(([bench, items]) =>
    (Array.isArray(items) ? items : []).map((i) => `${bench} ${isObject(i) ? (str(i.name) ?? '') : ''}`.trim()),
  );
  return out.length ? out : undefined;
}

function text(...values: unknown[]): string | undefined {
  const parts = [
    ...new Set(
      values
        .map(str)
        .map((t) => t?.trim())
        .filter((t): t is string => !!t),
    ),
  ];
  return parts.length ? parts.join('\n\n') : undefined;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
