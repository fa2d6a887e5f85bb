/** Trivy JSON reports (schema v2, the legacy v1 list of results, `trivy k8s` reports) read into findings. */
import { posix } from 'node:path';
import { badInput } from '../../errors.ts';
import type { Cvss, Location, ParsedFinding, ReportInput, ReportParser } from '../types.ts';
import {
  aliasesFrom,
  asArray,
  asObject,
  buildPurl,
  compact,
  cvssScore,
  cvssVersionOf,
  cwesFrom,
  type Json,
  normalisePath,
  normaliseSeverity,
  num,
  purlType,
  requireString,
  str,
} from './common.ts';
import { pathText, splitJson, type Streamed } from './json-stream.ts';

/** What every finding of one report shares, and where the current result sits. */
interface Scope {
  name: string; // the report's file name, for messages
  toolVersion: string | undefined;
  path: string; // JSON path of the current result, e.g. "Results[2]"
  target: string | undefined; // the result's Target
  type: string | undefined; // the result's Type (npm, pip, debian, terraform, …)
  resource: string | undefined; // Kubernetes reports: "namespace/Kind/name"
  root: string | undefined; // filesystem scans: the scanned folder, which Targets are relative to
  os: string | undefined; // image scans: the OS family (Metadata.OS.Family), the Type of its OS packages
}

/** A result object and the Kubernetes resource it belongs to, if any. */
interface Located {
  result: Json;
  path: string;
  resource?: string;
}

// Groups of a `trivy k8s` report whose items are resources carrying their own Results.
const k8sGroups = ['Resources', 'Findings', 'Vulnerabilities', 'Misconfigurations'] as const;

/** Trivy's JSON output, in all three shapes it has had. */
export const trivyParser: ReportParser = {
  format: 'trivy',
  label: 'Trivy JSON',
  tool: 'Trivy',
  detect: detectTrivy,
  parse: parseTrivy,
};

/** True when the first bytes look like a Trivy report; the head may be cut anywhere, so keys are matched, not parsed. */
function detectTrivy(head: string): boolean {
  const h = head.replace(/^\uFEFF/, '').trimStart();
  if (h.startsWith('{')) {
    if (/"SchemaVersion"\s*:/.test(h) && /"(ArtifactName|ArtifactType|Results)"\s*:/.test(h)) return true;
    return /"ClusterName"\s*:/.test(h) && /"(Resources|Findings|Vulnerabilities|Misconfigurations)"\s*:/.test(h);
  }
  return /^\[\s*\{/.test(h) && /"Target"\s*:/.test(h) && /"(Vulnerabilities|Misconfigurations|Secrets)"\s*:/.test(h);
}

// A result's findings stream from the file one at a time (an image's report can be hundreds of megabytes); the
// rest of the report (targets, types, the Trivy version) is read first.
const findingLists = new Set(['Vulnerabilities', 'Misconfigurations', 'Secrets', 'Licenses']);
const resultLists: Streamed = (p) =>
  p.length >= 2 && typeof p[p.length - 2] === 'number' && findingLists.has(p[p.length - 1] as string);

async function* parseTrivy(input: ReportInput): AsyncGenerator<ParsedFinding> {
  const report = await splitJson(input, resultLists);
  const root = report.skeleton;
  const doc = objectOrUndefined(root);
  const toolVersion = str(objectOrUndefined(doc?.Trivy)?.Version);
  const dir = doc?.ArtifactType === 'filesystem' ? scannedFolder(str(doc.ArtifactName)) : undefined;
  const os = str(objectOrUndefined(objectOrUndefined(doc?.Metadata)?.OS)?.Family);
  const scopes = new Map<string, Scope>();
  for (const loc of resultsOf(root, input.name)) {
    const { result, path, resource } = loc;
    const scope: Scope = {
      name: input.name,
      toolVersion,
      path,
      target: str(result.Target),
      type: str(result.Type),
      resource,
      root: dir,
      os,
    };
    // A list that is not an array is refused here, before anything streams.
    for (const key of findingLists) asArray(result[key], input.name, `${path}.${key}`);
    scopes.set(path, scope);
  }
  for await (const item of report.items()) {
    // Spelt as resultsOf spells a result's path: "Results[2]", "[2]" for the legacy list, "Resources[0].Results[1]".
    const scope = scopes.get(pathText(item.path.slice(0, -1)));
    if (!scope) continue; // a list under something that is not a result (e.g. a Kubernetes resource's own fields)
    const key = item.path[item.path.length - 1] as string;
    const at = `${scope.path}.${key}[${item.index}]`;
    const finding = findingOf(key, asObject(item.value, scope.name, at), scope, at);
    if (finding) yield compact(finding);
  }
}

/** Every result object of the report, whichever of the three shapes it has. */
function* resultsOf(root: unknown, name: string): Generator<Located> {
  if (Array.isArray(root)) return yield* listResults(root, name, '');
  const doc = asObject(root, name, 'the top level');
  if (doc.Results !== undefined) return yield* listResults(doc.Results, name, 'Results');
  const groups = doc.ClusterName !== undefined ? k8sGroups.filter((k) => doc[k] !== undefined) : [];
  if (groups.length === 0 && doc.SchemaVersion === undefined && doc.ClusterName === undefined) {
    throw badInput(
      `${name}: not a Trivy report: expected "Results", a Kubernetes "ClusterName" with "Resources", or a list of results`,
      { file: name },
    );
  }
  for (const key of groups) {
    for (const [i, item] of asArray(doc[key], name, key).entries()) {
      const res = asObject(item, name, `${key}[${i}]`);
      const label = [res.Namespace, res.Kind, res.Name].map(str).filter(Boolean).join('/') || undefined;
      yield* listResults(res.Results, name, `${key}[${i}].Results`, label);
    }
  }
}

function* listResults(v: unknown, name: string, path: string, resource?: string): Generator<Located> {
  for (const [i, r] of asArray(v, name, path || 'the top level').entries()) {
    const at = `${path}[${i}]`;
    yield { result: asObject(r, name, at), path: at, ...(resource ? { resource } : {}) };
  }
}

/** One entry of a result's vulnerabilities, failed misconfigurations, secrets or licences. */
function findingOf(list: string, entry: Json, scope: Scope, path: string): ParsedFinding | undefined {
  switch (list) {
    case 'Vulnerabilities':
      return fromVulnerability(entry, scope, path);
    case 'Misconfigurations': {
      const status = str(entry.Status)?.toUpperCase();
      // Trivy lists passed and excepted checks only when asked; they are not weaknesses.
      return status === 'PASS' || status === 'EXCEPTION' ? undefined : fromMisconfiguration(entry, scope, path);
    }
    case 'Secrets':
      return fromSecret(entry, scope, path);
    // `--scanners license`: one entry per licence of a package (Class "license") or of a file (Class "license-file").
    default:
      return fromLicence(entry, scope, path);
  }
}

function fromVulnerability(v: Json, scope: Scope, path: string): ParsedFinding {
  const id = requireString(v.VulnerabilityID, scope.name, `${path}.VulnerabilityID`);
  const pkg = str(v.PkgName);
  const version = str(v.InstalledVersion);
  const purl = str(objectOrUndefined(v.PkgIdentifier)?.PURL) ?? (pkg ? buildPurl(scope.type, pkg, version) : undefined);
  const layer = objectOrUndefined(v.Layer);
  return {
    ...base(scope, id, 'dependency', str(v.Title) ?? id, v.Severity),
    description: str(v.Description),
    cvss: chooseCvss(v.CVSS, str(v.SeveritySource)),
    aliases: vulnerabilityAliases(id, v.VendorIDs),
    cwes: cwesFrom(v.CweIDs),
    ...(pkg ? { component: compact({ name: pkg, version, purl, ecosystem: ecosystemOf(purl, scope.type) }) } : {}),
    fixedVersion: str(v.FixedVersion),
    location: compact<Location>({ target: scope.target, resource: scope.resource }),
    references: urls(v.PrimaryURL, v.References),
    detail: compact({
      status: str(v.Status),
      pkgId: str(v.PkgID),
      pkgPath: str(v.PkgPath),
      type: scope.type,
      layer: str(layer?.DiffID) ?? str(layer?.Digest),
      dataSource: str(objectOrUndefined(v.DataSource)?.Name) ?? str(objectOrUndefined(v.DataSource)?.ID),
      severitySource: str(v.SeveritySource),
      publishedDate: str(v.PublishedDate),
      lastModifiedDate: str(v.LastModifiedDate),
    }),
  };
}

function fromMisconfiguration(m: Json, scope: Scope, path: string): ParsedFinding {
  // AVDID is the stable id Aqua documents (avd.aquasec.com); older reports only carry ID (e.g. "KSV001").
  const id = str(m.AVDID) ?? requireString(m.ID, scope.name, `${path}.ID`);
  const cause = objectOrUndefined(m.CauseMetadata);
  const inCluster = scope.resource !== undefined;
  const text = [str(m.Description), str(m.Message)]
    .map((t) => t?.trim())
    .filter(Boolean)
    .join('\n\n');
  return {
    ...base(scope, id, 'config', str(m.Title) ?? id, m.Severity),
    description: text || undefined,
    aliases: [],
    cwes: [],
    location: compact<Location>({
      file: inCluster ? undefined : fileOf(scope),
      line: positive(cause?.StartLine),
      endLine: positive(cause?.EndLine),
      target: scope.target,
      resource: scope.resource ?? str(cause?.Resource),
    }),
    references: urls(m.PrimaryURL, m.References),
    detail: compact({
      status: str(m.Status),
      checkId: str(m.ID) !== id ? str(m.ID) : undefined,
      checkType: str(m.Type),
      resolution: str(m.Resolution),
      provider: str(cause?.Provider),
      service: str(cause?.Service),
    }),
  };
}

function fromSecret(s: Json, scope: Scope, path: string): ParsedFinding {
  const id = requireString(s.RuleID, scope.name, `${path}.RuleID`);
  return {
    ...base(scope, id, 'secret', str(s.Title) ?? id, s.Severity),
    aliases: [],
    cwes: [798],
    location: compact<Location>({
      file: fileOf(scope),
      line: positive(s.StartLine),
      endLine: positive(s.EndLine),
      target: scope.target,
      resource: scope.resource,
    }),
    detail: compact({ category: str(s.Category), match: redactedMatch(s.Match) }),
  };
}

/**
 * A licence Trivy found in a package or a file, rated by its category (forbidden, restricted, reciprocal, notice, …).
 * Entries name no version. The OS Packages result carries no Type, so its packages take the image's OS family. A
 * file's licence has no package: the licence and the file tell entries apart, and as the fingerprint of a dependency
 * finding does not look at files, the file is also its occurrence, kept when the import merges one licence's files.
 */
function fromLicence(l: Json, scope: Scope, path: string): ParsedFinding {
  const licence = requireString(l.Name, scope.name, `${path}.Name`);
  const pkg = str(l.PkgName);
  const file = normalisePath(str(l.FilePath));
  const type = scope.type ?? (scope.target === 'OS Packages' ? scope.os : undefined);
  const purl = str(objectOrUndefined(l.PkgIdentifier)?.PURL) ?? (pkg ? buildPurl(type, pkg) : undefined);
  const link = str(l.Link);
  return {
    ...base(
      scope,
      `license:${licence}`,
      'dependency',
      `${licence} licence in ${pkg ?? file ?? scope.target ?? 'the scan'}`,
      l.Severity,
    ),
    aliases: [],
    cwes: [],
    ...(pkg ? { component: compact({ name: pkg, purl, ecosystem: ecosystemOf(purl, type) }) } : {}),
    location: compact<Location>({ file, target: scope.target, resource: scope.resource }),
    references: link ? [link] : undefined,
    detail: compact({
      category: 'license',
      licence,
      classification: str(l.Category),
      confidence: num(l.Confidence),
      link,
      type,
      occurrence: !pkg && file ? { file } : undefined,
    }),
  };
}

/** A relative folder a filesystem scan was run on ("." and absolute paths give none). */
function scannedFolder(artifact: string | undefined): string | undefined {
  const dir = normalisePath(artifact);
  if (!dir || dir.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(dir)) return undefined;
  const clean = posix.normalize(dir);
  return clean === '.' || clean.startsWith('../') ? undefined : clean;
}

/**
 * The Target as a file path. Trivy writes it relative to the scanned folder, which may be the repository
 * itself or a folder in it; only a Target that climbs out of that folder ("../x.tf") is joined to it.
 */
function fileOf(scope: Scope): string | undefined {
  const target = normalisePath(scope.target);
  if (!target || !scope.root || !target.startsWith('../')) return target;
  const joined = posix.normalize(posix.join(scope.root, target));
  return joined.startsWith('../') ? target : joined;
}

function base(scope: Scope, ruleId: string, kind: ParsedFinding['kind'], title: string, severity: unknown) {
  return {
    tool: 'Trivy',
    ...(scope.toolVersion ? { toolVersion: scope.toolVersion } : {}),
    ruleId,
    kind,
    title,
    severity: normaliseSeverity(severity),
  };
}

/** Trivy masks the secret in Match with asterisks; a Match without a mask could hold the secret, so it is dropped. */
function redactedMatch(v: unknown): string | undefined {
  const match = str(v);
  return match && /\*{3,}/.test(match) ? match : undefined;
}

/** The vulnerability id itself plus the CVE/GHSA ids among the vendor ids (DSA-…, RHSA-… are left out). */
function vulnerabilityAliases(id: string, vendorIds: unknown): string[] {
  const known = aliasesFrom(id, Array.isArray(vendorIds) ? vendorIds : []);
  const own = aliasesFrom(id).length ? [] : [id.toUpperCase()];
  return [...known, ...own];
}

/** CVSS from the nvd entry, else the severity source's, else any vendor's; v3 first, then v4.0, then v2. */
function chooseCvss(v: unknown, severitySource: string | undefined): Cvss | undefined {
  const byVendor = objectOrUndefined(v);
  if (!byVendor) return undefined;
  const order = [...new Set(['nvd', ...(severitySource ? [severitySource] : []), ...Object.keys(byVendor)])];
  const entries = order.map((k) => objectOrUndefined(byVendor[k])).filter((e): e is Json => e !== undefined);
  for (const [vectorKey, scoreKey, version] of [
    ['V3Vector', 'V3Score', undefined],
    ['V40Vector', 'V40Score', '4.0'],
    ['V2Vector', 'V2Score', '2.0'],
  ] as const) {
    const hit = entries.find((e) => str(e[vectorKey]) !== undefined || num(e[scoreKey]) !== undefined);
    if (hit) return cvssOf(str(hit[vectorKey]), num(hit[scoreKey]), version);
  }
  return undefined;
}

function cvssOf(vector: string | undefined, score: number | undefined, version: string | undefined): Cvss {
  return compact({ version: cvssVersionOf(vector) ?? version, vector, score: cvssScore(score) });
}

/** The purl type when a purl is known (it is the most exact), else Trivy's Type mapped to a purl type, else as written. */
function ecosystemOf(purl: string | undefined, type: string | undefined): string | undefined {
  const fromPurl = purl ? /^pkg:([a-z0-9.+-]+)\//i.exec(purl)?.[1]?.toLowerCase() : undefined;
  return fromPurl ?? purlType(type) ?? type;
}

function urls(primary: unknown, refs: unknown): string[] | undefined {
  const list = [primary, ...(Array.isArray(refs) ? refs : [])].map(str).filter((u): u is string => u !== undefined);
  return list.length ? [...new Set(list)] : undefined;
}

function positive(v: unknown): number | undefined {
  const n = num(v);
  return n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

function objectOrUndefined(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}
