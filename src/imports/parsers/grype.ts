/**
 * Anchore Grype JSON reports (`grype -o json`), from the 0.7-era shape (`cvssV2`/`cvssV3`, `fixedInVersion`, one
 * `matchDetails` object) to today's (`cvss[]`, `fix`, `relatedVulnerabilities`, `epss`, `knownExploited`, `cwes`).
 *
 * One finding per vulnerability and package version: Grype lists a match per place it found the package (the
 * same libc6 in two layers, the same jar twice), which is one weakness to fix, so those matches are merged and
 * their paths kept in `detail.paths`. The artifact's purl is kept as Grype wrote it; the same CVE in the same
 * package version fingerprints like Trivy's (fingerprint.ts reads "rhel" as "redhat", "v1.2.3" as "1.2.3").
 * `ignoredMatches` (the user's ignore rules) are not findings.
 */
import { posix } from 'node:path';
import { badInput } from '../../errors.ts';
import type { Cvss, Location, ParseContext, ParsedFinding, ReportInput, ReportParser, Severity } from '../types.ts';
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
  list,
  lookup,
  normalisePath,
  normaliseSeverity,
  num,
  obj,
  parseJson,
  purlType,
  requireString,
  severityFromScore,
  str,
  webUrls,
} from './common.ts';

const tool = 'Grype';
const maxPaths = 50;

/** Grype's JSON output, old and new. */
export const grypeParser: ReportParser = {
  format: 'grype',
  label: 'Anchore Grype JSON',
  tool,
  detect: detectGrype,
  parse: parseGrype,
};

/** True when the first bytes look like Grype's JSON; the head may be cut anywhere, so keys are matched, not parsed. */
function detectGrype(head: string): boolean {
  const h = head.replace(/^\uFEFF/, '').trimStart();
  if (!h.startsWith('{')) return false;
  if (/"descriptor"\s*:\s*\{/.test(h) && /"name"\s*:\s*"grype"/.test(h)) return true;
  if (!/^\{\s*"matches"\s*:\s*\[/.test(h)) return false;
  // The first match opens with its vulnerability or artifact; an empty report goes straight to source/distro.
  return /^\{\s*"matches"\s*:\s*\[\s*(\{\s*"(vulnerability|artifact|relatedVulnerabilities|matchDetails)"\s*:|\]\s*,\s*"(source|distro|descriptor)"\s*:)/.test(
    h,
  );
}

/** What every finding of one report shares. */
interface Scan {
  name: string;
  toolVersion: string | undefined;
  target: string | undefined; // the image or folder scanned
  directory: boolean; // a directory scan: Grype's paths are files of the repository
  root: string | undefined; // the relative folder a directory scan ran on, which those paths are under
  fileScan: boolean; // a single-file scan: the file itself is the location
  distro: string | undefined;
}

/** One finding being built, with the paths of every match merged into it. */
interface Entry {
  finding: ParsedFinding;
  paths: Set<string>;
  matchers: Set<string>;
}

async function* parseGrype(input: ReportInput, context?: ParseContext): AsyncGenerator<ParsedFinding> {
  const name = input.name;
  const doc = asObject(parseJson((await input.text()).replace(/^\uFEFF/, ''), name), name, 'the top level');
  if (doc.matches === undefined) throw badInput(`${name}: not a Grype report: expected "matches"`, { file: name });
  const scan = scanOf(doc, name);
  context?.tool(tool, scan.toolVersion);
  const entries = new Map<string, Entry>();
  for (const [i, m] of asArray(doc.matches, name, 'matches').entries()) {
    const path = `matches[${i}]`;
    const match = asObject(m, name, path);
    const finding = fromMatch(match, scan, path);
    const key = [finding.ruleId, packageKey(finding), finding.component?.version].join('\u0000');
    const entry = entries.get(key) ?? { finding, paths: new Set<string>(), matchers: new Set<string>() };
    entries.set(key, entry);
    for (const p of pathsOf(match.artifact)) entry.paths.add(p);
    for (const d of detailsOf(match.matchDetails)) {
      const m = str(d.matcher);
      if (m) entry.matchers.add(m);
    }
  }
  for (const { finding, paths, matchers } of entries.values()) {
    const all = [...paths];
    yield compact({
      ...finding,
      location: compact<Location>({ ...finding.location, file: fileOf(scan, all[0]) }),
      detail: compact({
        ...finding.detail,
        matchers: matchers.size ? [...matchers] : undefined,
        paths: all.length ? all.slice(0, maxPaths) : undefined,
        morePaths: all.length > maxPaths ? all.length - maxPaths : undefined,
      }),
    });
  }
}

function scanOf(doc: Json, name: string): Scan {
  const source = obj(doc.source);
  const target = obj(source?.target);
  const label = str(source?.target) ?? str(target?.userInput) ?? str(target?.name) ?? str(target?.path);
  const type = str(source?.type);
  const distro = obj(doc.distro);
  return {
    name,
    toolVersion: str(obj(doc.descriptor)?.version),
    target: label,
    directory: type === 'directory',
    root: type === 'directory' ? relativeFolder(label) : undefined,
    fileScan: type === 'file',
    distro: [str(distro?.name), str(distro?.version)].filter(Boolean).join(' ') || undefined,
  };
}

function fromMatch(match: Json, scan: Scan, path: string): ParsedFinding {
  const vuln = asObject(match.vulnerability, scan.name, `${path}.vulnerability`);
  const artifact = asObject(match.artifact, scan.name, `${path}.artifact`);
  const id = requireString(vuln.id, scan.name, `${path}.vulnerability.id`);
  const pkg = requireString(artifact.name, scan.name, `${path}.artifact.name`);
  const related = asArray(match.relatedVulnerabilities, scan.name, `${path}.relatedVulnerabilities`)
    .map(obj)
    .filter((r): r is Json => r !== undefined);
  // Grype reads binaries' versions from their bytes; a stray NUL ("17.0.10+7\u0000-J-ms8m") cannot be stored.
  const version = withoutNul(str(artifact.version));
  const type = str(artifact.type);
  const purl = withoutNul(str(artifact.purl)) ?? buildPurl(ecosystemWord(type, str(artifact.language)), pkg, version);
  const ecosystem = purlTypeOf(purl) ?? purlType(ecosystemWord(type, str(artifact.language))) ?? type;
  const cvss = chooseCvss([vuln, ...related]);
  const fix = obj(vuln.fix);
  const fixed = strings(fix?.versions).join(', ') || str(vuln.fixedInVersion);
  const details = detailsOf(match.matchDetails);
  return {
    tool,
    ...(scan.toolVersion ? { toolVersion: scan.toolVersion } : {}),
    ruleId: id,
    kind: 'dependency',
    title: `${id} in ${pkg}${version ? ` ${version}` : ''}`,
    description: str(vuln.description) ?? related.map((r) => str(r.description)).find(Boolean),
    severity: severityOf(vuln, related, cvss),
    cvss,
    aliases: aliasesOf(id, related),
    cwes: cwesFrom(list(vuln.cwes).map((c) => obj(c)?.cwe ?? c)),
    component: compact({ name: componentName(pkg, purl), version, purl, ecosystem }),
    fixedVersion: fixed,
    location: compact<Location>({ target: scan.target }),
    references: webUrls(
      vuln.dataSource,
      vuln.urls,
      vuln.links,
      list(vuln.advisories).map((a) => obj(a)?.link),
      related.flatMap((r) => [r.dataSource, ...list(r.urls)]),
    ),
    detail: compact({
      namespace: str(vuln.namespace),
      fixState: str(fix?.state),
      advisories: some(strings(list(vuln.advisories).map((a) => obj(a)?.id))),
      versionConstraint: details
        .map((d) => str(obj(d.found)?.versionConstraint) ?? str(obj(d.matchedOn)?.constraint))
        .find(Boolean),
      matchType: details.map((d) => str(d.type)).find(Boolean),
      artifactType: type,
      language: str(artifact.language),
      upstreams: some(
        strings(
          list(artifact.upstreams).map((u) => [str(obj(u)?.name), str(obj(u)?.version)].filter(Boolean).join('@')),
        ),
      ),
      distro: scan.distro,
      risk: num(vuln.risk),
      epss: epssOf([vuln, ...related]),
      knownExploited:
        list(vuln.knownExploited).length || related.some((r) => list(r.knownExploited).length) ? true : undefined,
    }),
  };
}

/** Grype's word, else the related record's (the NVD's), else the CVSS band; "Unknown" counts as no word. */
function severityOf(vuln: Json, related: Json[], cvss: Cvss | undefined): Severity {
  const known = (v: unknown): string | undefined => {
    const s = str(v);
    return s && s.toLowerCase() !== 'unknown' ? s : undefined;
  };
  const word = known(vuln.severity) ?? related.map((r) => known(r.severity)).find(Boolean);
  if (word) return normaliseSeverity(word);
  return cvss?.score !== undefined ? severityFromScore(cvss.score) : 'info';
}

/** The vulnerability id plus the CVE/GHSA ids of its related records; an id that is neither is its own alias. */
function aliasesOf(id: string, related: Json[]): string[] {
  const known = aliasesFrom(
    id,
    related.map((r) => r.id),
  );
  return aliasesFrom(id).length ? known : [...known, id.toUpperCase()];
}

/** The first record's CVSS v3 (3.1 before 3.0), else v4.0, else v2, then the same from the related records. */
function chooseCvss(records: Json[]): Cvss | undefined {
  for (const r of records) {
    const entries: Cvss[] = list(r.cvss)
      .map(obj)
      .filter((e): e is Json => e !== undefined)
      .map((e) => cvssOf(str(e.vector), num(obj(e.metrics)?.baseScore), str(e.version)));
    const v3 = obj(r.cvssV3);
    const v2 = obj(r.cvssV2);
    if (v3) entries.push(cvssOf(str(v3.vector), num(v3.baseScore), '3.0'));
    if (v2) entries.push(cvssOf(str(v2.vector), num(v2.baseScore), '2.0'));
    const rank = (c: Cvss): number =>
      (({ '3.1': 0, '3.0': 1, '4.0': 2, '2.0': 3 }) as Record<string, number>)[c.version ?? ''] ?? 4;
    const best = entries
      .filter((c) => c.vector !== undefined || c.score !== undefined)
      .sort((a, b) => rank(a) - rank(b))[0];
    if (best) return best;
  }
  return undefined;
}

function cvssOf(vector: string | undefined, score: number | undefined, version: string | undefined): Cvss {
  const v =
    cvssVersionOf(vector)
    ?? (version && /^\d+(\.\d+)?$/.test(version) ? (version.includes('.') ? version : `${version}.0`) : undefined);
  return compact({ version: v, vector, score: cvssScore(score) });
}

/** The highest EPSS probability and its percentile among the records, if Grype gave any. */
function epssOf(records: Json[]): { score: number; percentile?: number } | undefined {
  const all = records
    .flatMap((r) => list(r.epss).map(obj))
    .filter((e): e is Json => e !== undefined && num(e.epss) !== undefined);
  const top = all.sort((a, b) => (num(b.epss) ?? 0) - (num(a.epss) ?? 0))[0];
  return top ? compact({ score: num(top.epss) as number, percentile: num(top.percentile) }) : undefined;
}

/** Grype's artifact types and languages as package-manager words `purlType` knows. */
function ecosystemWord(type: string | undefined, language: string | undefined): string | undefined {
  const byType: Record<string, string> = {
    'java-archive': 'maven',
    'jenkins-plugin': 'maven',
    python: 'pypi',
    'go-module': 'golang',
    'rust-crate': 'cargo',
    'php-composer': 'composer',
    dotnet: 'nuget',
    'dart-pub': 'pub',
    'hex': 'hex',
    gem: 'gem',
    npm: 'npm',
    deb: 'deb',
    rpm: 'rpm',
    apk: 'apk',
  };
  return lookup(byType, type) ?? language;
}

/** Maven packages are named "group:artifact" in Entente; Grype names only the artifact, the purl has the group. */
function componentName(pkg: string, purl: string | undefined): string {
  const m = purl ? /^pkg:maven\/([^/@?#]+)\/([^/@?#]+)/.exec(purl) : undefined;
  return m?.[1] && m[2] ? `${decodeURIComponent(m[1])}:${decodeURIComponent(m[2])}` : pkg;
}

function purlTypeOf(purl: string | undefined): string | undefined {
  return purl ? /^pkg:([a-z0-9.+-]+)\//i.exec(purl)?.[1]?.toLowerCase() : undefined;
}

/** The package part of the fingerprint: the purl without version and qualifiers, else type and name. */
function packageKey(f: ParsedFinding): string {
  const purl = f.component?.purl?.split(/[?#]/)[0];
  const at = purl?.lastIndexOf('@') ?? -1;
  return (
    purl ? (at > purl.indexOf('/') ? purl.slice(0, at) : purl) : `${f.component?.ecosystem}:${f.component?.name}`
  ).toLowerCase();
}

function pathsOf(artifact: unknown): string[] {
  return strings(list(obj(artifact)?.locations).map((l) => obj(l)?.path));
}

/** matchDetails: a list in current Grype, a single object in the 0.7-era reports. */
function detailsOf(v: unknown): Json[] {
  return (Array.isArray(v) ? v : [v]).map(obj).filter((d): d is Json => d !== undefined);
}

/** A relative folder a directory scan ran on ("." and absolute paths give none). */
function relativeFolder(target: string | undefined): string | undefined {
  const dir = normalisePath(target);
  if (!dir || dir.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(dir)) return undefined;
  const clean = posix.normalize(dir);
  return clean === '.' || clean.startsWith('../') ? undefined : clean;
}

/**
 * A repository path for directory and file scans, whose paths are relative to what was scanned (Grype writes
 * them with a leading "/"); image paths are inside the image, not files of the repository, so they stay in detail.
 */
function fileOf(scan: Scan, path: string | undefined): string | undefined {
  if (scan.fileScan) return normalisePath(scan.target);
  if (!scan.directory) return undefined;
  const rel = normalisePath(path)?.replace(/^\/+/, '');
  if (!rel) return undefined;
  return scan.root ? posix.join(scan.root, rel) : rel;
}

function strings(v: unknown): string[] {
  return [
    ...new Set(
      list(v)
        .map(str)
        .filter((s): s is string => s !== undefined),
    ),
  ];
}

function some(v: string[]): string[] | undefined {
  return v.length ? v : undefined;
}

function withoutNul(s: string | undefined): string | undefined {
  // eslint-disable-next-line no-control-regex
  return s?.replace(/\u0000/g, '') || undefined;
}
