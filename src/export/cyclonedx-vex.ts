/**
 * CycloneDX 1.6 VEX (JSON): one vulnerability per finding, affecting its package, with the analysis CycloneDX defines
 * for the finding's status, so other tools stop raising what we already decided:
 *   false_positive → state `false_positive`;
 *   accepted       → state `exploitable`, response `will_not_fix` (and `workaround_available` when the exception names
 *                    safeguards, which also go in `workaround`) — CycloneDX has no "risk accepted" state: the
 *                    vulnerability applies and we chose, for a while, not to fix it;
 *   fixed          → state `resolved`; in_progress → `exploitable` with response `update` when a fixed version is
 *                    known; open → `in_triage`.
 * The detail says who decided, why and until when (the exception's reason and safeguards, or the comment that marked a
 * false positive). Packages are listed once in `components`, with the purl as their bom-ref; a finding with no package
 * (code, web, host findings) has nothing to state VEX about and is counted in the BOM's properties instead.
 *
 * The BOM names Entente as its tool, not the scanners: imported back into Entente it is a run of "Entente", which never
 * closes another tool's findings. Vulnerabilities are written as they are read; components follow them.
 */
import type { ExportFinding } from './finding-pages.ts';
import { statusNote } from './status-notes.ts';
import { buildPurl } from '../imports/parsers/common.ts';

export interface VexOptions {
  exportedAt: string;
  serialNumber: string;
  subject?: string | undefined;
  version: string;
}

interface CdxComponent {
  type: 'library';
  'bom-ref': string;
  name: string;
  group?: string;
  version?: string;
  purl?: string;
}

/** The VEX document, streamed. */
export async function* vexChunks(pages: AsyncIterable<ExportFinding[]>, opts: VexOptions): AsyncGenerator<string> {
  const head = {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    serialNumber: opts.serialNumber,
    version: 1,
    metadata: {
      timestamp: opts.exportedAt,
      tools: { components: [{ type: 'application', name: 'Entente', version: opts.version }] },
      ...(opts.subject
        ? { component: { type: 'application', 'bom-ref': `entente:service:${opts.subject}`, name: opts.subject } }
        : {}),
    },
  };
  yield `${JSON.stringify(head).slice(0, -1)},"vulnerabilities":[`;
  const components = new Map<string, CdxComponent>();
  let skipped = 0;
  let first = true;
  for await (const page of pages) {
    const parts: string[] = [];
    for (const f of page) {
      const component = componentOf(f);
      if (!component) {
        skipped++;
        continue;
      }
      if (!components.has(component['bom-ref'])) components.set(component['bom-ref'], component);
      parts.push(JSON.stringify(vulnerabilityOf(f, component['bom-ref'])));
    }
    if (!parts.length) continue;
    yield `${first ? '\n' : ',\n'}${parts.join(',\n')}`;
    first = false;
  }
  yield `\n],"components":${JSON.stringify([...components.values()])}`;
  const note = skipped
    ? [
        {
          name: 'entente:without-package',
          value: `${skipped} finding${skipped === 1 ? ' names' : 's name'} no package, so this document has nothing to state about ${skipped === 1 ? 'it' : 'them'}; we list every finding in the SARIF and CSV exports.`,
        },
      ]
    : [];
  yield `${note.length ? `,"properties":${JSON.stringify(note)}` : ''}}\n`;
}

/** The package a finding is about, as a CycloneDX component, or undefined when it names none. */
function componentOf(f: ExportFinding): CdxComponent | undefined {
  const name = f.component.name;
  if (!name) return undefined;
  const version = f.component.version ?? undefined;
  // A purl built from the ecosystem keeps the package's identity (and Entente's fingerprint) when the scanner gave none.
  const purl =
    f.component.purl
    ?? (typeof f.detail.ecosystem === 'string' ? buildPurl(f.detail.ecosystem, name, version) : undefined);
  const ref = purl ?? `entente:component:${name}${version ? `@${version}` : ''}`;
  const c: CdxComponent = { type: 'library', 'bom-ref': ref, ...splitName(name, purl) };
  if (version) c.version = version;
  if (purl) c.purl = purl;
  return c;
}

// Maven's "group:artifact" and npm's "@scope/name" are a group and a name in CycloneDX.
function splitName(name: string, purl: string | undefined): { name: string; group?: string } {
  const type = purl ? /^pkg:([a-z0-9.+-]+)\//i.exec(purl)?.[1]?.toLowerCase() : undefined;
  const colon = name.indexOf(':');
  if ((type === 'maven' || type === undefined) && colon > 0 && !name.includes('/'))
    return { group: name.slice(0, colon), name: name.slice(colon + 1) };
  const slash = name.indexOf('/');
  if ((type === 'npm' || type === undefined) && name.startsWith('@') && slash > 1)
    return { group: name.slice(0, slash), name: name.slice(slash + 1) };
  return { name };
}

const methods: Record<string, string> = { '2.0': 'CVSSv2', '3.0': 'CVSSv3', '3.1': 'CVSSv31', '4.0': 'CVSSv4' };

/** One finding as a VEX vulnerability statement about its package. */
function vulnerabilityOf(f: ExportFinding, ref: string): Record<string, unknown> {
  const id =
    f.aliases.find((a) => a.startsWith('CVE-'))
    ?? f.aliases.find((a) => a.startsWith('GHSA-'))
    ?? f.aliases[0]
    ?? f.ruleId;
  const v: Record<string, unknown> = { 'bom-ref': `entente:finding:${f.id}`, id };
  const source = sourceOf(id);
  if (source) v.source = source;
  const references = f.aliases.filter((a) => a !== id).map((a) => ({ id: a, source: sourceOf(a) ?? { name: f.tool } }));
  if (references.length) v.references = references;
  v.ratings = [rating(f)];
  if (f.cwes.length) v.cwes = f.cwes;
  v.description = f.title;
  if (f.description && f.description !== f.title) v.detail = f.description;
  if (f.component.fixedVersion) v.recommendation = `Update ${f.component.name} to ${f.component.fixedVersion}.`;
  if (f.status === 'accepted' && f.exception?.controls.length) v.workaround = f.exception.controls.join('; ');
  v.analysis = analysisOf(f);
  v.affects = [{ ref }];
  v.properties = [
    ['entente:status', f.status],
    ['entente:priority', f.priority],
    ['entente:due-date', f.dueDate],
    ['entente:service', f.service],
    ['entente:owner-team', f.ownerTeam],
    ['entente:fingerprint', f.fingerprint],
    ['entente:tools', f.sources.map((s) => s.tool).join(', ')],
  ].map(([name, value]) => ({ name, value }));
  return v;
}

function sourceOf(id: string): { name: string; url: string } | undefined {
  if (id.startsWith('CVE-')) return { name: 'NVD', url: `https://nvd.nist.gov/vuln/detail/${id}` };
  if (id.startsWith('GHSA-')) return { name: 'GitHub Advisories', url: `https://github.com/advisories/${id}` };
  return undefined;
}

function rating(f: ExportFinding): Record<string, unknown> {
  const r: Record<string, unknown> = { severity: f.severity };
  const { score, vector } = f.cvss;
  if (score === null && vector === null) return r;
  const version =
    typeof f.detail.cvssVersion === 'string'
      ? f.detail.cvssVersion
      : vector
        ? /^CVSS:(\d\.\d)\//.exec(vector)?.[1]
        : undefined;
  if (score !== null) r.score = score;
  r.method = (version && methods[version]) ?? 'other';
  if (vector !== null) r.vector = vector;
  return r;
}

/** The analysis CycloneDX defines for the finding's status. */
function analysisOf(f: ExportFinding): Record<string, unknown> {
  const detail = statusNote(f);
  const a: Record<string, unknown> = {};
  switch (f.status) {
    case 'false_positive':
      a.state = 'false_positive';
      break;
    case 'accepted':
      a.state = 'exploitable';
      a.response = f.exception?.controls.length ? ['will_not_fix', 'workaround_available'] : ['will_not_fix'];
      break;
    case 'fixed':
      a.state = 'resolved';
      break;
    case 'in_progress':
      a.state = 'exploitable';
      if (f.component.fixedVersion) a.response = ['update'];
      break;
    default:
      a.state = 'in_triage';
  }
  if (detail) a.detail = detail;
  const issued =
    f.status === 'accepted'
      ? f.exception?.approvedAt
      : f.status === 'false_positive'
        ? f.lastComment?.createdAt
        : f.status === 'fixed'
          ? f.fixedAt
          : undefined;
  if (issued) a.firstIssued = issued;
  return a;
}
