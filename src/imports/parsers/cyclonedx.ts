/**
 * CycloneDX BOMs with vulnerabilities: the JSON form here, and the model both forms are read into (the XML form,
 * `cyclonedx-xml.ts`, fills the same model).
 *
 * One finding per vulnerability and affected component: a 1.4+ vulnerability names the components it affects by
 * `bom-ref` (`affects[].ref`); the v1 XML extension nests it in its component or names it with `ref`. The
 * component's purl is kept, so the same CVE in the same package version fingerprints like Trivy's or Grype's.
 *
 * VEX: a vulnerability whose `analysis.state` is `not_affected` or `false_positive` is read with the state
 * false_positive, and `resolved` or `resolved_with_pedigree` with the state fixed — the BOM's author states that it
 * does not apply here (or no longer); the import creates it closed, with the analysis' detail or justification as
 * the reason; `exploitable` with the response `will_not_fix` is a risk accepted (state accepted). `in_triage`, other
 * `exploitable` ones and no analysis are open findings. The analysis is kept in
 * `detail.analysis` either way. A BOM without vulnerabilities (a plain SBOM) yields none.
 */
import { badInput } from '../../errors.ts';
import type { Cvss, ParseContext, ParsedFinding, ReportInput, ReportParser, ReportState, Severity } from '../types.ts';
import {
  aliasesFrom,
  asArray,
  asObject,
  compact,
  cwesFrom,
  type Json,
  list,
  lookup,
  normaliseSeverity,
  num,
  obj,
  parseJson,
  requireString,
  severityFromScore,
  str,
  webUrls,
} from './common.ts';

export interface CdxTool {
  name: string;
  version?: string | undefined;
}
export interface CdxComponent {
  name: string;
  group?: string | undefined;
  version?: string | undefined;
  purl?: string | undefined;
  ref?: string | undefined;
}
export interface CdxRating {
  source?: string | undefined;
  score?: number | undefined;
  severity?: string | undefined;
  method?: string | undefined;
  vector?: string | undefined;
}
export interface CdxAffect {
  ref?: string | undefined;
  /** The v1 extension's enclosing component, when the vulnerability is nested in one. */
  component?: CdxComponent | undefined;
  versions: { version?: string | undefined; range?: string | undefined; status?: string | undefined }[];
}
export interface CdxAnalysis {
  state?: string | undefined;
  justification?: string | undefined;
  responses: string[];
  detail?: string | undefined;
}

/** One vulnerability as either form states it. */
export interface CdxVulnerability {
  where: string; // JSON path or XML line, for messages
  id: string;
  source?: { name?: string | undefined; url?: string | undefined } | undefined;
  references: { id?: string | undefined; url?: string | undefined }[];
  ratings: CdxRating[];
  cwes: number[];
  description?: string | undefined;
  detail?: string | undefined;
  recommendation?: string | undefined;
  advisories: string[];
  published?: string | undefined;
  updated?: string | undefined;
  analysis?: CdxAnalysis | undefined;
  affects: CdxAffect[];
  properties: { name?: string | undefined; value?: string | undefined }[];
  tools: CdxTool[];
}

/** What a BOM holds that findings are made of. */
export interface CdxBom {
  tools: CdxTool[];
  subject?: string | undefined; // metadata.component: the image, folder or application described
  specVersion?: string | undefined;
  components: Map<string, CdxComponent>;
  vulnerabilities: CdxVulnerability[];
}

/** CycloneDX JSON BOMs (1.2–1.6) and VEX documents. */
export const cyclonedxJsonParser: ReportParser = {
  format: 'cyclonedx-json',
  label: 'CycloneDX JSON (BOM with vulnerabilities, VEX)',
  detect: (head) => {
    const h = head.replace(/^\uFEFF/, '').trimStart();
    return (
      h.startsWith('{')
      && (/"bomFormat"\s*:\s*"CycloneDX"/.test(h) || /"\$schema"\s*:\s*"https?:\/\/cyclonedx\.org\/schema\/bom/.test(h))
    );
  },
  parse: parseCycloneDxJson,
};

async function* parseCycloneDxJson(input: ReportInput, context?: ParseContext): AsyncGenerator<ParsedFinding> {
  const name = input.name;
  const doc = asObject(parseJson((await input.text()).replace(/^\uFEFF/, ''), name), name, 'the top level');
  if (doc.bomFormat !== 'CycloneDX' && doc.specVersion === undefined) {
    throw badInput(`${name}: not a CycloneDX BOM: expected "bomFormat": "CycloneDX" and a "specVersion"`, {
      file: name,
    });
  }
  yield* findingsOfBom(bomFromJson(doc, name), context);
}

function bomFromJson(doc: Json, name: string): CdxBom {
  const metadata = obj(doc.metadata);
  const components = new Map<string, CdxComponent>();
  const subject = obj(metadata?.component);
  if (subject) collectJson([subject], components, name, 'metadata.component');
  collectJson(asArray(doc.components, name, 'components'), components, name, 'components');
  const vulnerabilities = asArray(doc.vulnerabilities, name, 'vulnerabilities').map((v, i) =>
    vulnFromJson(asObject(v, name, `vulnerabilities[${i}]`), name, `vulnerabilities[${i}]`),
  );
  return {
    tools: toolsFromJson(metadata?.tools),
    subject: str(subject?.name),
    specVersion: str(doc.specVersion),
    components,
    vulnerabilities,
  };
}

/** Every component with a bom-ref, nested ones included. */
function collectJson(list: unknown[], into: Map<string, CdxComponent>, name: string, path: string, depth = 0): void {
  if (depth > 50) return;
  for (const [i, c] of list.entries()) {
    const at = `${path}[${i}]`;
    const comp = asObject(c, name, at);
    const ref = str(comp['bom-ref']);
    const n = str(comp.name);
    if (ref && n)
      into.set(ref, { name: n, group: str(comp.group), version: str(comp.version), purl: str(comp.purl), ref });
    collectJson(asArray(comp.components, name, `${at}.components`), into, name, `${at}.components`, depth + 1);
  }
}

function vulnFromJson(v: Json, name: string, path: string): CdxVulnerability {
  const source = obj(v.source);
  const analysis = obj(v.analysis);
  return {
    where: path,
    id: requireString(v.id, name, `${path}.id`),
    source: source ? { name: str(source.name), url: str(source.url) } : undefined,
    references: list(v.references)
      .map(obj)
      .filter(isJson)
      .map((r) => ({ id: str(r.id), url: str(obj(r.source)?.url) })),
    ratings: asArray(v.ratings, name, `${path}.ratings`)
      .map(obj)
      .filter(isJson)
      .map((r) => ({
        source: str(obj(r.source)?.name),
        score: num(r.score),
        severity: str(r.severity),
        method: str(r.method),
        vector: str(r.vector),
      })),
    cwes: cwesFrom(list(v.cwes)),
    description: str(v.description),
    detail: str(v.detail),
    recommendation: str(v.recommendation) ?? str(v.workaround),
    advisories: list(v.advisories)
      .map((a) => str(obj(a)?.url))
      .filter(isString),
    published: str(v.published),
    updated: str(v.updated),
    analysis: analysis
      ? {
          state: str(analysis.state),
          justification: str(analysis.justification),
          responses: list(analysis.response).map(str).filter(isString),
          detail: str(analysis.detail),
        }
      : undefined,
    affects: asArray(v.affects, name, `${path}.affects`).map((a, i) => {
      const at = `${path}.affects[${i}]`;
      const affect = asObject(a, name, at);
      return {
        ref: requireString(affect.ref, name, `${at}.ref`),
        versions: list(affect.versions)
          .map(obj)
          .filter(isJson)
          .map((x) => ({ version: str(x.version), range: str(x.range), status: str(x.status) })),
      };
    }),
    properties: list(v.properties)
      .map(obj)
      .filter(isJson)
      .map((p) => ({ name: str(p.name), value: str(p.value) })),
    tools: toolsFromJson(v.tools),
  };
}

/** Tools as 1.2–1.4 list them (an array) or as 1.5+ do ({ components, services }). */
function toolsFromJson(v: unknown): CdxTool[] {
  const o = obj(v);
  const all = o ? [...list(o.components), ...list(o.services)] : list(v);
  return all
    .map(obj)
    .filter(isJson)
    .flatMap((t) => {
      const n = str(t.name);
      return n ? [{ name: n, version: str(t.version) }] : [];
    });
}

// ---- from the model to findings (both forms) ----

const closingStates: Record<string, ReportState['status']> = {
  not_affected: 'false_positive',
  false_positive: 'false_positive',
  resolved: 'fixed',
  resolved_with_pedigree: 'fixed',
};

/** The state a VEX analysis gives a vulnerability, with the BOM author's words (or the justification) as the reason. */
function stateOf(a: CdxAnalysis | undefined): ReportState | undefined {
  // An exploitable vulnerability the author will not fix is a risk accepted (how Entente's own VEX states one).
  const accepted =
    a?.state?.toLowerCase() === 'exploitable' && a.responses.some((r) => r.toLowerCase() === 'will_not_fix');
  const status = accepted ? 'accepted' : lookup(closingStates, a?.state?.toLowerCase());
  if (!status || !a) return undefined;
  const why = a.detail ?? (a.justification ? a.justification.replace(/_/g, ' ') : undefined);
  return { status, reason: why ? `${a.state}: ${why}` : `${a.state} in the report` };
}

/** The findings of a BOM read by either form; tells the context every tool the BOM names. */
export function* findingsOfBom(bom: CdxBom, context?: ParseContext): Generator<ParsedFinding> {
  const bomTool = mainTool(bom.tools);
  const named = new Set<string>();
  const tell = (t: CdxTool): void => {
    if (named.has(t.name)) return;
    named.add(t.name);
    context?.tool(t.name, t.version);
  };
  if (bomTool) tell(bomTool);
  for (const v of bom.vulnerabilities) {
    const own = mainTool(v.tools);
    if (own) tell(own);
    const state = stateOf(v.analysis);
    const seen = new Set<string>();
    for (const affect of v.affects) {
      const component = affect.component ?? resolve(affect.ref, bom.components);
      const key = component
        ? `${component.ref ?? ''}\u0000${component.name}\u0000${component.version ?? ''}`
        : `ref:${affect.ref ?? ''}`;
      if (seen.has(key) || (component && unaffected(affect, component))) continue;
      seen.add(key);
      const finding = toFinding(v, affect, component, own ?? bomTool ?? { name: 'CycloneDX' }, bom);
      yield state ? { ...finding, state } : finding;
    }
  }
  // A BOM naming no tool still is a run: of an unnamed CycloneDX producer.
  if (named.size === 0) context?.tool('CycloneDX');
}

function toFinding(
  v: CdxVulnerability,
  affect: CdxAffect,
  c: CdxComponent | undefined,
  tool: CdxTool,
  bom: CdxBom,
): ParsedFinding {
  const aliases = aliasesOf(v);
  const ruleId = isUuid(v.id) ? (aliases[0] ?? v.id) : v.id;
  const cvss = chooseCvss(v);
  const version =
    c?.version ?? affect.versions.find((x) => x.version && x.status !== 'unaffected')?.version ?? purlVersion(c?.purl);
  const pkg = c ? componentName(c) : undefined;
  return compact({
    tool: tool.name,
    toolVersion: tool.version,
    ruleId,
    kind: 'dependency' as const,
    title: pkg ? `${ruleId} in ${pkg}${version ? ` ${version}` : ''}` : ruleId,
    description: joinText(v.description, v.detail),
    severity: severityOf(v, cvss),
    cvss,
    aliases,
    cwes: v.cwes,
    component: pkg ? compact({ name: pkg, version, purl: c?.purl, ecosystem: purlType(c?.purl) }) : undefined,
    fixedVersion: fixedVersionOf(v, affect),
    location: compact({ target: bom.subject }),
    references: webUrls(
      sourceUrl(v),
      v.advisories,
      v.references.map((r) => r.url),
    ),
    detail: compact({
      source: v.source?.name,
      analysis: v.analysis
        ? compact({ ...v.analysis, responses: v.analysis.responses.length ? v.analysis.responses : undefined })
        : undefined,
      recommendation: v.recommendation,
      affectedVersions: some(affect.versions.map((x) => [x.version ?? x.range, x.status].filter(Boolean).join(' '))),
      ref: c ? undefined : affect.ref,
      advisoryId: ruleId !== v.id ? v.id : undefined,
      published: v.published,
      updated: v.updated,
      specVersion: bom.specVersion,
    }),
  });
}

/** The tool that made the BOM: the first one that is not a CycloneDX library or generator, else the first. */
function mainTool(tools: CdxTool[]): CdxTool | undefined {
  const pick = tools.find((t) => !/cyclonedx/i.test(t.name)) ?? tools[0];
  if (!pick) return undefined;
  const known: Record<string, string> = { grype: 'Grype', trivy: 'Trivy' };
  return {
    name: lookup(known, pick.name.toLowerCase()) ?? pick.name,
    ...(pick.version ? { version: pick.version } : {}),
  };
}

/** A ref's component: by bom-ref, by the fragment of a BOM-Link, or read from a purl. */
function resolve(ref: string | undefined, components: Map<string, CdxComponent>): CdxComponent | undefined {
  if (!ref) return undefined;
  const fragment =
    ref.startsWith('urn:cdx:') && ref.includes('#') ? safeDecode(ref.slice(ref.indexOf('#') + 1)) : undefined;
  const found = components.get(ref) ?? (fragment !== undefined ? components.get(fragment) : undefined);
  if (found) return found;
  const purl = [ref, fragment].find((r) => r?.startsWith('pkg:'));
  const parsed = purl ? parsePurl(purl) : undefined;
  return parsed ? { ...parsed, purl, ref } : undefined;
}

/** True when the affects entry says the component's own version is unaffected. */
function unaffected(affect: CdxAffect, c: CdxComponent): boolean {
  const own = affect.versions.filter((x) => x.version !== undefined && x.version === c.version);
  return own.length > 0 && own.every((x) => x.status === 'unaffected');
}

/** The rating from the vulnerability's own source, else the tool's own word (a rating with no method), else the first. */
function severityOf(v: CdxVulnerability, cvss: Cvss | undefined): Severity {
  const words = v.ratings.filter((r) => r.severity && !/^unknown$/i.test(r.severity));
  const source = v.source?.name?.toLowerCase();
  const pick =
    words.find((r) => source && r.source?.toLowerCase() === source)
    ?? words.find((r) => !r.method || /^other$/i.test(r.method))
    ?? words[0];
  if (pick) return normaliseSeverity(pick.severity);
  return cvss?.score !== undefined ? severityFromScore(cvss.score) : 'info';
}

/** CVSS v3 (3.1 before 3.0), else v4, else v2; at each version the NVD's first, then the vulnerability source's. */
function chooseCvss(v: CdxVulnerability): Cvss | undefined {
  const source = v.source?.name?.toLowerCase();
  const bySource = (r: CdxRating): number =>
    r.source?.toLowerCase() === 'nvd' ? 0 : r.source?.toLowerCase() === source ? 1 : 2;
  const rated = v.ratings
    .map((r) => ({ r, version: cvssVersion(r) }))
    .filter((x) => x.version !== undefined && (x.r.vector || x.r.score !== undefined));
  const order = ['3.1', '3.0', '4.0', '2.0'];
  rated.sort(
    (a, b) => order.indexOf(a.version as string) - order.indexOf(b.version as string) || bySource(a.r) - bySource(b.r),
  );
  const best = rated[0];
  if (!best) return undefined;
  const score = best.r.score !== undefined && best.r.score >= 0 && best.r.score <= 10 ? best.r.score : undefined;
  return compact({ version: best.version, vector: best.r.vector, score });
}

function cvssVersion(r: CdxRating): string | undefined {
  const fromVector = r.vector ? /^CVSS:(\d+\.\d+)\//.exec(r.vector)?.[1] : undefined;
  const byMethod: Record<string, string> = {
    cvssv2: '2.0',
    cvssv3: '3.0',
    cvssv31: '3.1',
    cvssv4: '4.0',
    cvssv40: '4.0',
  };
  const fromMethod = r.method ? lookup(byMethod, r.method.toLowerCase()) : undefined;
  return fromMethod ? (fromVector ?? fromMethod) : undefined;
}

/** The id and the CVE/GHSA ids among the references; an id that is neither (and not a bare UUID) is its own alias. */
function aliasesOf(v: CdxVulnerability): string[] {
  const known = aliasesFrom(
    v.id,
    v.references.map((r) => r.id),
  );
  return aliasesFrom(v.id).length || isUuid(v.id) ? known : [...known, v.id.toUpperCase()];
}

/** Grype writes the fix as a "grype:fixed_versions" property; 1.4+ may list the version as "unaffected". */
function fixedVersionOf(v: CdxVulnerability, affect: CdxAffect): string | undefined {
  const prop = v.properties.find((p) => p.name && /fixed[_-]?versions?$/i.test(p.name))?.value;
  const unaffected = affect.versions
    .filter((x) => x.status === 'unaffected' && x.version)
    .map((x) => x.version as string);
  return prop ?? (unaffected.length ? unaffected.join(', ') : undefined);
}

/** Entente's package name: maven "group:artifact", others "group/name" (npm scopes, composer vendors). */
function componentName(c: CdxComponent): string {
  const type = purlType(c.purl);
  if (c.group && !c.name.includes('/') && !c.name.includes(':')) {
    const maven = type === 'maven' || (type === undefined && !c.group.startsWith('@'));
    return `${c.group}${maven ? ':' : '/'}${c.name}`;
  }
  // Some tools leave the group out and keep it only in the purl (Grype: log4j-core, pkg:maven/org.apache…/log4j-core).
  const fromPurl = c.purl ? parsePurl(c.purl)?.name : undefined;
  return fromPurl && fromPurl !== c.name && (fromPurl.endsWith(`:${c.name}`) || fromPurl.endsWith(`/${c.name}`))
    ? fromPurl
    : c.name;
}

// Purl types whose namespace is part of the package's name (for deb, rpm and apk it is the distribution).
const namespaced = new Set(['maven', 'npm', 'golang', 'composer', 'github', 'swift', 'hex', 'conan']);

/** Name and version from a purl, named as Entente names packages. */
export function parsePurl(purl: string): { name: string; version?: string } | undefined {
  const m = /^pkg:([a-z0-9.+-]+)\/([^?#]+)/i.exec(purl);
  if (!m?.[1] || !m[2]) return undefined;
  const type = m[1].toLowerCase();
  const path = m[2];
  const at = path.lastIndexOf('@');
  const [body, version] = at > 0 ? [path.slice(0, at), safeDecode(path.slice(at + 1))] : [path, undefined];
  const parts = body.split('/').map(safeDecode).filter(Boolean);
  const base = parts.pop();
  if (!base) return undefined;
  const ns = namespaced.has(type) && parts.length ? parts.join('/') : undefined;
  const name = ns ? (type === 'maven' ? `${ns}:${base}` : `${ns}/${base}`) : base;
  return version ? { name, version } : { name };
}

function purlType(purl: string | undefined): string | undefined {
  return purl ? /^pkg:([a-z0-9.+-]+)\//i.exec(purl)?.[1]?.toLowerCase() : undefined;
}

function purlVersion(purl: string | undefined): string | undefined {
  return purl ? parsePurl(purl)?.version : undefined;
}

/** The source's URL when it is about this vulnerability (not a feed's home page such as a CVE tracker's repository). */
function sourceUrl(v: CdxVulnerability): string | undefined {
  const url = v.source?.url;
  return url?.toLowerCase().includes(v.id.toLowerCase()) ? url : undefined;
}

function joinText(a: string | undefined, b: string | undefined): string | undefined {
  const x = a?.trim();
  const y = b?.trim();
  if (!x || !y || x.includes(y)) return x || y || undefined;
  return `${x}\n\n${y}`;
}

function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function some(v: string[]): string[] | undefined {
  const s = v.filter(Boolean);
  return s.length ? s : undefined;
}

const isJson = (v: Json | undefined): v is Json => v !== undefined;
const isString = (v: string | undefined): v is string => v !== undefined;
