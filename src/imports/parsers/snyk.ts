/**
 * Snyk JSON (`snyk test --json`, `snyk container test --json`) read into findings: one project object, or a list
 * of them (--all-projects), with a container's application projects under "applications". Snyk Code writes SARIF,
 * which the SARIF parser reads.
 */
import { badInput } from '../../errors.ts';
import type { Component, ParseContext, ParsedFinding, ReportInput, ReportParser, Severity } from '../types.ts';
import {
  aliasesFrom,
  asArray,
  asObject,
  buildPurl,
  compact,
  cvssFrom,
  cwesFrom,
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

const openSourceTool = 'Snyk Open Source';
const containerTool = 'Snyk Container';
const maxPaths = 50;

/** Snyk Open Source and Snyk Container JSON. */
export const snykParser: ReportParser = {
  format: 'snyk',
  label: 'Snyk JSON (Open Source and Container)',
  tool: openSourceTool,
  detect: detectSnyk,
  parse: parseSnyk,
};

/** True when the first bytes look like Snyk JSON; the head may be cut anywhere, so keys are matched, not parsed. */
function detectSnyk(head: string): boolean {
  const h = head.replace(/^\uFEFF/, '').trimStart();
  if (!/^[[{]/.test(h) || !/"vulnerabilities"\s*:\s*\[/.test(h)) return false;
  // CycloneDX and SARIF can carry a "vulnerabilities" list too.
  if (/"(bomFormat|runs)"\s*:/.test(h)) return false;
  return (
    /"id"\s*:\s*"SNYK-/.test(h)
    || /"(CVSSv3|alternativeIds|severityWithCritical|isUpgradable|isPatchable|upgradePath|dependencyCount|licensesPolicy|ignoreSettings|uniqueCount|filesystemPolicy)"\s*:/.test(
      h,
    )
    || /# Snyk \(https:\/\/snyk\.io\) policy/.test(h)
  );
}

/** What the findings of one project share. */
interface Scope {
  name: string; // the report's file name, for messages
  tool: string;
  target?: string; // the manifest or lockfile, or the image
  image?: string; // container scans: the image, also for the applications found in it
  project: Json;
}

async function* parseSnyk(input: ReportInput, context?: ParseContext): AsyncGenerator<ParsedFinding> {
  const name = input.name;
  const root = parseJson((await input.text()).replace(/^\uFEFF/, ''), name);
  const projects = Array.isArray(root)
    ? root.map((p, i) => [asObject(p, name, `[${i}]`), `[${i}]`] as const)
    : [[asObject(root, name, 'the top level'), ''] as const];
  const single = !Array.isArray(root);
  const scanned = projects.filter(([p, at]) => isProject(p, name, at, single));
  const tools = new Set(scanned.map(([p]) => (isContainer(p) ? containerTool : openSourceTool)));
  for (const t of tools) context?.tool(t);
  for (const [project, at] of scanned) {
    const container = isContainer(project);
    const image = container ? imageOf(project) : undefined;
    const tool = container ? containerTool : openSourceTool;
    yield* projectFindings({ name, tool, project, image, target: image ?? targetOf(project) }, at);
    for (const [j, app] of asArray(project.applications, name, join(at, 'applications')).entries()) {
      const appAt = `${join(at, 'applications')}[${j}]`;
      const application = asObject(app, name, appAt);
      yield* projectFindings(
        { name, tool, project: application, image, target: targetOf(application) ?? image },
        appAt,
      );
    }
  }
}

/** A project with results; Snyk writes {"ok": false, "error": …} for one it could not test. */
function isProject(p: Json, name: string, at: string, single: boolean): boolean {
  if (p.vulnerabilities !== undefined) return true;
  const error = str(p.error) ?? str(p.message);
  if (single) {
    throw badInput(
      error
        ? `${name}: Snyk reported an error instead of results: ${error}`
        : `${name}: not a Snyk report: expected "vulnerabilities"`,
      { file: name },
    );
  }
  if (error) return false;
  throw badInput(`${name}: not a Snyk project at ${at || 'the top level'}: expected "vulnerabilities"`, {
    file: name,
    path: at,
  });
}

/**
 * One finding per listing: Snyk repeats a vulnerability once per dependency path, and each listing is read with its
 * path (and the upgrade that fixes it) in `detail.occurrence`. The listings of one vulnerability in one package
 * version share a fingerprint, so the import merges them into one finding with every path.
 */
function* projectFindings(scope: Scope, at: string): Generator<ParsedFinding> {
  const list = join(at, 'vulnerabilities');
  for (const [i, item] of asArray(scope.project.vulnerabilities, scope.name, list).entries()) {
    const vuln = asObject(item, scope.name, `${list}[${i}]`);
    const id = requireString(vuln.id, scope.name, `${list}[${i}].id`);
    if (str(vuln.name) === undefined) requireString(vuln.packageName, scope.name, `${list}[${i}].packageName`);
    const paths = [...new Set(pathsOf(vuln.from))];
    const upgrade = oneOrMany(vuln.upgradePath).find((u): u is string => typeof u === 'string');
    yield vuln.type === 'license' || id.startsWith('snyk:lic:')
      ? toLicenceFinding(vuln, scope, paths, upgrade)
      : toFinding(vuln, scope, paths, upgrade);
  }
}

/**
 * A licence issue (Snyk's licence policy flags the package's licence), listed per dependency path like a vulnerability.
 * Its rule is the licence as Snyk writes it, so one licence reads alike whichever tool found it; Snyk's own id
 * ("snyk:lic:npm:tinymce:LGPL-2.1") stays in the detail.
 */
function toLicenceFinding(v: Json, scope: Scope, paths: string[], upgrade: string | undefined): ParsedFinding {
  const id = str(v.id) ?? '';
  // Snyk writes the licence in `license`; its id ends with it too.
  const licence = str(v.license)?.trim() ?? (id.slice(id.lastIndexOf(':') + 1) || id);
  const { component, source } = componentOf(v, scope.project);
  return compact<ParsedFinding>({
    tool: scope.tool,
    ruleId: `license:${licence}`,
    kind: 'dependency',
    title: str(v.title)?.trim() ?? `${licence} licence in ${component?.name ?? 'a dependency'}`,
    description: str(v.description)?.trim(),
    severity: severityOf(v.severityWithCritical, v.severity),
    aliases: [],
    cwes: [],
    component,
    location: compact({ target: scope.target }),
    references: urls([v.licenseTemplateUrl]),
    detail: compact({
      category: 'license',
      licence,
      type: str(v.type),
      issueId: id || undefined,
      sourcePackage: source,
      occurrence: occurrenceOf(paths, upgrade),
      image: scope.image,
      project: str(scope.project.projectName),
      packageManager: str(v.packageManager) ?? str(scope.project.packageManager),
    }),
  });
}

/** What sets one listing of an issue apart: its dependency path (or paths, once grouped) and the upgrade that fixes it. */
function occurrenceOf(paths: string[], upgrade: string | undefined): Json | undefined {
  return paths.length || upgrade
    ? compact({
        path: paths.length === 1 ? paths[0] : undefined,
        paths: paths.length > 1 ? paths.slice(0, maxPaths) : undefined,
        upgrade,
      })
    : undefined;
}

function toFinding(v: Json, scope: Scope, paths: string[], upgrade: string | undefined): ParsedFinding {
  const id = str(v.id) ?? '';
  const ids = obj(v.identifiers) ?? {};
  const known = aliasesFrom(ids.CVE, ids.GHSA);
  const fixedIn = oneOrMany(v.fixedIn)
    .map(str)
    .filter((s): s is string => s !== undefined);
  const epss = obj(v.epssDetails);
  const { component, source } = componentOf(v, scope.project);
  return compact<ParsedFinding>({
    tool: scope.tool,
    ruleId: id,
    kind: 'dependency',
    title: str(v.title)?.trim() ?? id,
    description: str(v.description)?.trim(),
    severity: severityOf(v.severityWithCritical, v.severity),
    cvss: cvssFrom(v.CVSSv3, v.cvssScore),
    // Snyk Container titles some issues with their CVE alone.
    aliases: known.length ? known : aliasesFrom(/^\s*CVE-\d+-\d+\s*$/i.test(str(v.title) ?? '') ? v.title : undefined),
    cwes: cwesFrom(ids.CWE),
    component,
    fixedVersion: fixedIn.length ? fixedIn.join(', ') : str(v.nearestFixedInVersion),
    location: compact({ target: scope.target }),
    references: urls(v.references),
    detail: compact({
      sourcePackage: source,
      occurrence: occurrenceOf(paths, upgrade),
      isUpgradable: bool(v.isUpgradable),
      isPatchable: bool(v.isPatchable),
      exploit: str(v.exploit),
      epssProbability: num(epss?.probability),
      epssPercentile: num(epss?.percentile),
      vulnerableVersions: stringsOf(obj(v.semver)?.vulnerable),
      alternativeIds: stringsOf(v.alternativeIds),
      malicious: v.malicious === true ? true : undefined,
      disputed: v.isDisputed === true ? true : undefined,
      publicationTime: str(v.publicationTime),
      disclosureTime: str(v.disclosureTime),
      image: scope.image,
      project: str(scope.project.projectName),
      packageManager: str(v.packageManager) ?? str(scope.project.packageManager),
    }),
  });
}

/**
 * The vulnerable package. Container issues name it "source/binary" (gcc-10/libgcc-s1): the binary package is what is
 * installed, and what Trivy and Grype report, so it is the component, in a purl with the distribution as namespace.
 */
function componentOf(v: Json, project: Json): { component?: Component; source?: string } {
  const full = str(v.name) ?? str(v.packageName);
  if (!full) return {};
  const version = str(v.version);
  const manager = str(v.packageManager) ?? str(project.packageManager);
  const os = manager ? osOf(manager) : undefined;
  if (os) {
    const slash = full.lastIndexOf('/');
    const name = slash >= 0 ? full.slice(slash + 1) : full;
    const source = slash >= 0 ? full.slice(0, slash) : str(v.packageName);
    const qualifier = os.release ? `?distro=${enc(`${os.namespace}-${os.release}`)}` : '';
    const purl = `pkg:${os.type}/${os.namespace}/${enc(name)}${version ? `@${enc(version)}` : ''}${qualifier}`;
    return {
      component: compact({ name, version, purl, ecosystem: os.type }),
      ...(source && source !== name ? { source } : {}),
    };
  }
  const type = manager ? purlTypes.get(manager.toLowerCase()) : undefined;
  return {
    component: compact({
      name: full,
      version,
      purl: type ? buildPurl(type, full, version) : undefined,
      ecosystem: type ?? manager,
    }),
  };
}

const purlTypes = new Map<string, string>([
  ['npm', 'npm'],
  ['yarn', 'npm'],
  ['pnpm', 'npm'],
  ['maven', 'maven'],
  ['gradle', 'maven'],
  ['sbt', 'maven'],
  ['pip', 'pypi'],
  ['pipenv', 'pypi'],
  ['poetry', 'pypi'],
  ['uv', 'pypi'],
  ['nuget', 'nuget'],
  ['paket', 'nuget'],
  ['composer', 'composer'],
  ['rubygems', 'gem'],
  ['gomodules', 'golang'],
  ['golangdep', 'golang'],
  ['govendor', 'golang'],
  ['cocoapods', 'cocoapods'],
  ['hex', 'hex'],
  ['swift', 'swift'],
  ['cargo', 'cargo'],
  ['pub', 'pub'],
  ['conan', 'conan'],
]);

// Snyk's OS package managers ("debian:11", "alpine:3.18", "rhel:8") and the purl type and namespace of each.
const osTypes = new Map<string, [string, string]>([
  ['debian', ['deb', 'debian']],
  ['ubuntu', ['deb', 'ubuntu']],
  ['alpine', ['apk', 'alpine']],
  ['wolfi', ['apk', 'wolfi']],
  ['chainguard', ['apk', 'chainguard']],
  ['rhel', ['rpm', 'redhat']],
  ['centos', ['rpm', 'centos']],
  ['amzn', ['rpm', 'amazon']],
  ['oracle', ['rpm', 'oracle']],
  ['rocky', ['rpm', 'rocky']],
  ['alma', ['rpm', 'alma']],
  ['almalinux', ['rpm', 'alma']],
  ['fedora', ['rpm', 'fedora']],
  ['sles', ['rpm', 'sles']],
  ['opensuse', ['rpm', 'opensuse.leap']],
  ['deb', ['deb', 'debian']],
  ['apk', ['apk', 'alpine']],
  ['rpm', ['rpm', 'redhat']],
]);

function osOf(manager: string): { type: string; namespace: string; release?: string } | undefined {
  const [family = '', release] = manager.toLowerCase().split(':');
  const hit = osTypes.get(family);
  return hit ? { type: hit[0], namespace: hit[1], ...(release ? { release } : {}) } : undefined;
}

function isContainer(p: Json): boolean {
  return (
    /^docker-image\|/.test(str(p.projectName) ?? '')
    || Array.isArray(p.applications)
    || obj(p.docker)?.baseImage !== undefined
  );
}

/** The image, as its issues' first path element says it ("docker-image|nginx@1.25" is nginx:1.25), else the project. */
function imageOf(p: Json): string | undefined {
  const first = oneOrMany(p.vulnerabilities)
    .map(obj)
    .map((v) => pathsOf(v?.from)[0])
    .find((x) => x !== undefined);
  const root = first?.split(' > ')[0];
  const ref = root?.startsWith('docker-image|')
    ? root.slice('docker-image|'.length)
    : str(p.projectName)?.replace(/^docker-image\|/, '');
  if (!ref) return str(p.path);
  const at = ref.lastIndexOf('@');
  return at > 0 && !ref.slice(at + 1).includes('/') ? `${ref.slice(0, at)}:${ref.slice(at + 1)}` : ref;
}

function targetOf(p: Json): string | undefined {
  return normalisePath(str(p.displayTargetFile) ?? str(p.targetFile));
}

/** Dependency paths as "app@1.0.0 > lib@2.1.0"; `from` is one path, or a list of paths once issues are grouped. */
function pathsOf(from: unknown): string[] {
  const list = oneOrMany(from);
  if (list.some(Array.isArray)) return list.flatMap(pathsOf);
  const steps = list.map(str).filter((s): s is string => s !== undefined);
  return steps.length ? [steps.join(' > ')] : [];
}

const severityWords = new Map<string, Severity>([
  ['critical', 'critical'],
  ['high', 'high'],
  ['medium', 'medium'],
  ['low', 'low'],
]);

function severityOf(...words: unknown[]): Severity {
  for (const w of words) {
    const hit = typeof w === 'string' ? severityWords.get(w.trim().toLowerCase()) : undefined;
    if (hit) return hit;
  }
  return 'info';
}

function urls(refs: unknown): string[] | undefined {
  return webUrls(oneOrMany(refs).map((r) => str(obj(r)?.url) ?? str(r)));
}

const join = (at: string, key: string): string => (at ? `${at}.${key}` : key);
const enc = (s: string): string => encodeURIComponent(s).replace(/%3A/g, ':');
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
