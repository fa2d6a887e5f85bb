/** SARIF 2.1.0 field readers: locations (with uriBaseId resolution), packages, CVSS. Tolerant of wrong types. */
import type { Component, Cvss, Location } from '../types.ts';
import { buildPurl, type Json, list, normalisePath, num, obj, str } from './common.ts';

/** What every result of one run shares: its tool, rule holders, artifacts and base URIs. */
export interface RunContext {
  run: Json;
  path: string; // "runs[0]", for error messages
  tool: string;
  toolVersion: string | undefined;
  driver: Json;
  extensions: (Json | undefined)[];
  taxonomies: (Json | undefined)[];
  bases: Json; // run.originalUriBaseIds
  artifacts: unknown[];
  logicalLocations: unknown[];
}

// Optional parts of a SARIF log that have the wrong type are read as absent rather than crashing.
/** The value as an array index (a non-negative integer), or undefined. */
export const int = (v: unknown): number | undefined =>
  Number.isInteger(v) && (v as number) >= 0 ? (v as number) : undefined;
/** The text of a SARIF message or multiformatMessageString (plain text preferred over markdown). */
export const textOf = (v: unknown): string | undefined => str(obj(v)?.text) ?? str(obj(v)?.markdown);

/** Where a result is: its primary physical location (else the analysis target), plus any logical location. */
export function locationOf(result: Json, ctx: RunContext): Location {
  const locations = primaryFirst(list(result.locations), ctx).map(obj);
  const physical = locations.find((l) => obj(l?.physicalLocation))?.physicalLocation;
  const location = physicalToLocation(obj(physical), ctx);
  if (!location.file) {
    const target = artifactPath(obj(result.analysisTarget), ctx);
    if (target) location.file = target;
  }
  const resource = logicalName(locations, ctx);
  if (resource) location.resource = resource;
  return location;
}

/** The result's other locations as "file:line", for people to read. */
export function otherLocations(result: Json, ctx: RunContext): string[] {
  if (list(result.locations).length < 2) return [];
  return primaryFirst(list(result.locations), ctx)
    .slice(1)
    .flatMap((l) => {
      const loc = physicalToLocation(obj(obj(l)?.physicalLocation), ctx);
      return loc.file ? [loc.line ? `${loc.file}:${loc.line}` : loc.file] : [];
    });
}

// Cppcheck writes an error's whole path into `locations`, ending with the place it reports (its text and XML
// output name that last one); every other tool puts the primary location first, as SARIF means.
function primaryFirst(locations: unknown[], ctx: RunContext): unknown[] {
  if (locations.length < 2 || !/^cppcheck$/i.test(ctx.tool)) return locations;
  return [locations[locations.length - 1], ...locations.slice(0, -1)];
}

function physicalToLocation(physical: Json | undefined, ctx: RunContext): Location {
  const location: Location = {};
  const file = artifactPath(obj(physical?.artifactLocation), ctx);
  if (file) location.file = file;
  const region = obj(physical?.region);
  const line = int(region?.startLine);
  if (line) location.line = line;
  const endLine = int(region?.endLine);
  if (line && endLine && endLine >= line) location.endLine = endLine;
  const column = int(region?.startColumn);
  if (line && column) location.column = column;
  return location;
}

function logicalName(locations: (Json | undefined)[], ctx: RunContext): string | undefined {
  for (const l of locations) {
    const logical = obj(list(l?.logicalLocations)[0]);
    if (!logical) continue;
    const indexed = obj(ctx.logicalLocations[int(logical.index) ?? -1]);
    const name =
      str(logical.fullyQualifiedName) ?? str(indexed?.fullyQualifiedName) ?? str(logical.name) ?? str(indexed?.name);
    if (name) return name;
  }
  return undefined;
}

// A relative uri is joined to the relative parts of its uriBaseId chain ("SRCROOT" → "src/"); an absolute base
// (file:///home/ci/repo/) is taken to be the repository root, so it is left out. An absolute uri under such a
// base is made relative to it. What cannot be made relative stays absolute.
function artifactPath(artifact: Json | undefined, ctx: RunContext): string | undefined {
  if (!artifact) return undefined;
  let uri = str(artifact.uri)?.trim();
  let baseId = str(artifact.uriBaseId);
  if (uri === undefined) {
    const listed = obj(obj(ctx.artifacts[int(artifact.index) ?? -1])?.location);
    uri = str(listed?.uri)?.trim();
    baseId ??= str(listed?.uriBaseId);
  }
  if (!uri) return undefined;
  const path = isAbsolute(uri)
    ? underBase(uriToPath(uri), ctx)
    : (baseId === undefined ? '' : basePrefix(baseId, ctx, new Set())) + decode(uri);
  return safeNormalise(path);
}

function basePrefix(id: string | undefined, ctx: RunContext, seen: Set<string>): string {
  if (id === undefined || seen.has(id) || !Object.hasOwn(ctx.bases, id)) return '';
  seen.add(id);
  const base = obj(ctx.bases[id]);
  const uri = str(base?.uri)?.trim();
  if (!uri || isAbsolute(uri)) return '';
  return basePrefix(str(base?.uriBaseId), ctx, seen) + decode(uri.endsWith('/') ? uri : `${uri}/`);
}

function underBase(path: string, ctx: RunContext): string {
  for (const base of Object.values(ctx.bases)) {
    const uri = str(obj(base)?.uri)?.trim();
    if (!uri || !isAbsolute(uri)) continue;
    const root = uriToPath(uri).replace(/\/?$/, '/');
    if (root !== '/' && path.startsWith(root)) return path.slice(root.length);
  }
  return path;
}

const isAbsolute = (uri: string): boolean =>
  /^[a-z][a-z0-9+.-]+:/i.test(uri) || /^[a-z]:[\\/]/i.test(uri) || uri.startsWith('/');

// file://host/path → /path; file:///C:/x → C:/x; file:////src/x → /src/x. Other schemes stay as they are.
function uriToPath(uri: string): string {
  if (!/^file:/i.test(uri)) return uri.replace(/\\/g, '/');
  let rest = uri.slice(5);
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    rest = slash === -1 ? '/' : rest.slice(slash);
  }
  rest = decode(rest).replace(/^\/+/, '/');
  return /^\/[a-z]:\//i.test(rest) ? rest.slice(1) : rest;
}

function decode(s: string): string {
  if (!s.includes('%')) return s; // nothing to decode: decodeURIComponent would return it as it is
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// normalisePath decodes file:// URIs itself and would throw on a malformed %-escape; those are already gone here.
function safeNormalise(path: string): string | undefined {
  try {
    return normalisePath(path);
  } catch {
    return path.replace(/\\/g, '/');
  }
}

const nameKeys = ['packageName', 'package', 'pkgName', 'component', 'componentName', 'library', 'dependency'];
const versionKeys = ['packageVersion', 'installedVersion', 'componentVersion', 'pkgVersion', 'version'];
const ecosystemKeys = ['ecosystem', 'componentOrigin', 'packageManager', 'packageType', 'pkgType'];
const purlKeys = ['purl', 'packageUrl', 'packageURL', 'package_url'];
function first(props: Json, keys: string[]): string | undefined {
  for (const k of keys) {
    const v = str(props[k]);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** The package a result is about: from its properties (Black Duck), a purl anywhere, or Trivy's "Package:" lines. */
export function componentOf(
  props: Json,
  ruleProps: Json,
  message: string | undefined,
  file: string | undefined,
): Component | undefined {
  const purl = first(props, purlKeys) ?? first(ruleProps, purlKeys) ?? purlIn(message) ?? purlIn(file);
  const fromPurl = purl ? parsePurl(purl) : undefined;
  const name = first(props, nameKeys) ?? fromPurl?.name ?? lineValue(message, 'Package');
  if (!name) return undefined;
  const version = first(props, versionKeys) ?? fromPurl?.version ?? lineValue(message, 'Installed Version');
  const ecosystem = first(props, ecosystemKeys) ?? fromPurl?.ecosystem;
  const component: Component = { name };
  if (version) component.version = version;
  const built = fromPurl?.purl ?? buildPurl(ecosystem, name, version);
  if (built) component.purl = built;
  if (ecosystem) component.ecosystem = ecosystem;
  return component;
}

/** The version that fixes the problem, from properties or Trivy's "Fixed Version:" line. */
export function fixedVersionOf(props: Json, message: string | undefined): string | undefined {
  return (
    first(props, ['fixedVersion', 'fixVersion', 'fixed_version', 'fixedIn']) ?? lineValue(message, 'Fixed Version')
  );
}

// One pattern per label, made once (exec without the g flag keeps no state between calls).
const linePatterns = new Map<string, RegExp>();

function lineValue(text: string | undefined, label: string): string | undefined {
  if (!text) return undefined;
  let pattern = linePatterns.get(label);
  if (!pattern) linePatterns.set(label, (pattern = new RegExp(`^\\s*${label}:[ \\t]*(\\S[^\\n]*)$`, 'im')));
  return pattern.exec(text)?.[1]?.trim();
}

function purlIn(text: string | undefined): string | undefined {
  return text ? /\bpkg:[a-z][a-z0-9.+-]*\/[^\s"'<>()[\]{},]+/i.exec(text)?.[0] : undefined;
}

// pkg:type/namespace/name@version?qualifiers#subpath — the name as the ecosystem spells it (maven group:artifact,
// npm @scope/name, go module path); distro namespaces (pkg:deb/debian/…) are not part of the name.
function parsePurl(purl: string): { name: string; version?: string; ecosystem: string; purl: string } | undefined {
  const m = /^pkg:([a-z][a-z0-9.+-]*)\/([^?#]+)/i.exec(purl.trim());
  if (!m?.[1] || !m[2]) return undefined;
  const type = m[1].toLowerCase();
  const parts = m[2].split('/').filter((p) => p !== '');
  const last = parts.pop() ?? '';
  const at = last.indexOf('@', 1);
  const name = decode(at === -1 ? last : last.slice(0, at));
  const version = at === -1 ? undefined : decode(last.slice(at + 1)) || undefined;
  if (!name) return undefined;
  const ns = parts.map(decode).join('/');
  const full = !ns
    ? name
    : type === 'maven'
      ? `${ns}:${name}`
      : ['npm', 'golang', 'composer', 'github'].includes(type)
        ? `${ns}/${name}`
        : name;
  const out: { name: string; version?: string; ecosystem: string; purl: string } = {
    name: full,
    ecosystem: type,
    purl: purl.trim(),
  };
  if (version) out.version = version;
  return out;
}

const cvssKeys = (['4', '3', '2'] as const).map(
  (major) =>
    [
      major,
      {
        score: new RegExp(`^cvss_?v?${major}\\d?_?(base_?)?score$`, 'i'),
        vector: new RegExp(`^cvss_?v?${major}\\d?(_?vector(_?string)?)?$`, 'i'),
        version: new RegExp(`^cvss_?v?${major}_?version$`, 'i'),
      },
    ] as const,
);

/** CVSS from properties: Dependency-Check's cvssv3_baseScore/cvssv2_score, or vector strings such as "cvssV3". */
export function cvssOf(props: Json): Cvss | undefined {
  const entries = Object.entries(props);
  const pick = (re: RegExp, read: (v: unknown) => unknown): unknown =>
    entries.find(([k, v]) => re.test(k) && read(v) !== undefined)?.[1];
  if (!entries.some(([k]) => /cvss/i.test(k))) return undefined;
  for (const [major, re] of cvssKeys) {
    const score = num(pick(re.score, num));
    const vector = str(pick(re.vector, vectorOf));
    if (score === undefined && vector === undefined) continue;
    const cvss: Cvss = {};
    const version = str(pick(re.version, str)) ?? (vector ? /^CVSS:(\d\.\d)\//.exec(vector)?.[1] : undefined);
    const known = version ?? (major === '3' ? undefined : `${major}.0`); // v3 alone does not say 3.0 or 3.1
    if (known) cvss.version = known;
    if (vector) cvss.vector = vector;
    if (score !== undefined && score >= 0 && score <= 10) cvss.score = score;
    return cvss;
  }
  return undefined;
}

const vectorOf = (v: unknown): string | undefined =>
  typeof v === 'string' && /^(CVSS:\d\.\d\/)?\(?AV:[A-Z]/.test(v.trim()) ? v.trim() : undefined;
