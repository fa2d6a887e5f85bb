/** Trivy JSON reports (schema v2, the legacy v1 list of results, `trivy k8s` reports) read into findings. */
import { posix } from 'node:path';
import { badInput } from '../../errors.ts';
import type { Cvss, Location, ParsedFinding, ReportInput, ReportParser } from '../types.ts';
import {
  aliasesFrom, asArray, asObject, buildPurl, cwesFrom, normalisePath, normaliseSeverity, num, parseJson, purlType, str,
} from './common.ts';

type Json = Record<string, unknown>;

/** What every finding of one report shares, and where the current result sits. */
interface Scope {
  name: string;                     // the report's file name, for messages
  toolVersion: string | undefined;
  path: string;                     // JSON path of the current result, e.g. "Results[2]"
  target: string | undefined;       // the result's Target
  type: string | undefined;         // the result's Type (npm, pip, debian, terraform, …)
  resource: string | undefined;     // Kubernetes reports: "namespace/Kind/name"
  root: string | undefined;         // filesystem scans: the scanned folder, which Targets are relative to
}

/** A result object and the Kubernetes resource it belongs to, if any. */
interface Located { result: Json; path: string; resource?: string }

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

async function* parseTrivy(input: ReportInput): AsyncGenerator<ParsedFinding> {
  const root = parseJson((await input.text()).replace(/^\uFEFF/, ''), input.name);
  const doc = objectOrUndefined(root);
  const toolVersion = str(objectOrUndefined(doc?.Trivy)?.Version);
  const dir = doc?.ArtifactType === 'filesystem' ? scannedFolder(str(doc.ArtifactName)) : undefined;
  for (const loc of resultsOf(root, input.name)) {
    const { result, path, resource } = loc;
    const scope: Scope = { name: input.name, toolVersion, path, target: str(result.Target), type: str(result.Type), resource, root: dir };
    yield* findingsOf(result, scope);
  }
}

/** Every result object of the report, whichever of the three shapes it has. */
function* resultsOf(root: unknown, name: string): Generator<Located> {
  if (Array.isArray(root)) return yield* listResults(root, name, '');
  const doc = asObject(root, name, 'the top level');
  if (doc.Results !== undefined) return yield* listResults(doc.Results, name, 'Results');
  const groups = doc.ClusterName !== undefined ? k8sGroups.filter((k) => doc[k] !== undefined) : [];
  if (groups.length === 0 && doc.SchemaVersion === undefined && doc.ClusterName === undefined) {
    throw badInput(`${name}: not a Trivy report: expected "Results", a Kubernetes "ClusterName" with "Resources", or a list of results`, { file: name });
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

/** The findings of one result: vulnerabilities, failed misconfigurations and secrets (licences are not weaknesses). */
function* findingsOf(result: Json, scope: Scope): Generator<ParsedFinding> {
  for (const [i, v] of items(result, 'Vulnerabilities', scope)) yield compact(fromVulnerability(v, scope, `${scope.path}.Vulnerabilities[${i}]`));
  for (const [i, m] of items(result, 'Misconfigurations', scope)) {
    const status = str(m.Status)?.toUpperCase();
    // Trivy lists passed and excepted checks only when asked; they are not weaknesses.
    if (status === 'PASS' || status === 'EXCEPTION') continue;
    yield compact(fromMisconfiguration(m, scope, `${scope.path}.Misconfigurations[${i}]`));
  }
  for (const [i, s] of items(result, 'Secrets', scope)) yield compact(fromSecret(s, scope, `${scope.path}.Secrets[${i}]`));
}

function items(result: Json, key: string, scope: Scope): Array<[number, Json]> {
  const at = `${scope.path}.${key}`;
  return asArray(result[key], scope.name, at).map((v, i) => [i, asObject(v, scope.name, `${at}[${i}]`)]);
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
      status: str(v.Status), pkgId: str(v.PkgID), pkgPath: str(v.PkgPath), type: scope.type,
      layer: str(layer?.DiffID) ?? str(layer?.Digest), dataSource: str(objectOrUndefined(v.DataSource)?.Name) ?? str(objectOrUndefined(v.DataSource)?.ID),
      severitySource: str(v.SeveritySource), publishedDate: str(v.PublishedDate), lastModifiedDate: str(v.LastModifiedDate),
    }),
  };
}

function fromMisconfiguration(m: Json, scope: Scope, path: string): ParsedFinding {
  // AVDID is the stable id Aqua documents (avd.aquasec.com); older reports only carry ID (e.g. "KSV001").
  const id = str(m.AVDID) ?? requireString(m.ID, scope.name, `${path}.ID`);
  const cause = objectOrUndefined(m.CauseMetadata);
  const inCluster = scope.resource !== undefined;
  const text = [str(m.Description), str(m.Message)].map((t) => t?.trim()).filter(Boolean).join('\n\n');
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
      status: str(m.Status), checkId: str(m.ID) !== id ? str(m.ID) : undefined, checkType: str(m.Type),
      resolution: str(m.Resolution), provider: str(cause?.Provider), service: str(cause?.Service),
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
  return { tool: 'Trivy', ...(scope.toolVersion ? { toolVersion: scope.toolVersion } : {}), ruleId, kind, title, severity: normaliseSeverity(severity) };
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
  for (const [vectorKey, scoreKey, version] of [['V3Vector', 'V3Score', undefined], ['V40Vector', 'V40Score', '4.0'], ['V2Vector', 'V2Score', '2.0']] as const) {
    const hit = entries.find((e) => str(e[vectorKey]) !== undefined || num(e[scoreKey]) !== undefined);
    if (hit) return cvssOf(str(hit[vectorKey]), num(hit[scoreKey]), version);
  }
  return undefined;
}

function cvssOf(vector: string | undefined, score: number | undefined, version: string | undefined): Cvss {
  const fromVector = vector ? /^CVSS:(\d+\.\d+)\//.exec(vector)?.[1] : undefined;
  const valid = score !== undefined && score >= 0 && score <= 10 ? score : undefined;
  return compact({ version: fromVector ?? version, vector, score: valid });
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

function requireString(v: unknown, name: string, path: string): string {
  const s = str(v);
  if (s === undefined) throw badInput(`${name}: expected a non-empty string at ${path}`, { file: name, path });
  return s;
}

function positive(v: unknown): number | undefined {
  const n = num(v);
  return n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

function objectOrUndefined(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

/** The object without its undefined fields, so findings print and compare cleanly. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
