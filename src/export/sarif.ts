/**
 * SARIF 2.1.0 for code-scanning dashboards. One run per tool, named as the tool named itself: GitHub code scanning
 * shows the tool per alert and keys its analyses by tool, and Entente's own SARIF parser then rebuilds the same
 * fingerprint (recipes that fall back to the tool's rule name the tool). Each result carries Entente's fingerprint as
 * `partialFingerprints["entente/v1"]`, its level from the severity, GitHub's `security-severity`, the CWE as
 * `external/cwe/cwe-N` tags, and the package as properties Entente's parser reads back. A fixed, false-positive or
 * accepted finding is a result with an external suppression whose justification says who decided, why and until when.
 *
 * The run's rules are written after its results (JSON does not order keys), so the log streams in one pass.
 */
import type { ExportFinding } from './finding-pages.ts';
import { statusNote } from './status-notes.ts';

/** The findings of one tool's run, page by page. */
export interface SarifRun {
  tool: string;
  pages: AsyncIterable<ExportFinding[]>;
}

export interface SarifOptions {
  scope: string;
  exportedAt: string;
}

interface RuleSeen {
  index: number;
  id: string;
  title: string;
  description: string | null;
  helpUri: string | undefined;
  score: number;
  cwes: string | null;
}

const levels: Record<string, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};
// GitHub reads security-severity as critical ≥ 9.0, high ≥ 7.0, medium ≥ 4.0, low > 0; Entente's parser reads it the same way.
const scores: Record<string, number> = { critical: 9.5, high: 8.0, medium: 5.5, low: 2.0, info: 0 };
const closed = new Set(['fixed', 'false_positive', 'accepted']);

/** The SARIF log, streamed: each run's results as they are read, then its rules. Runs with no results are left out. */
export async function* sarifChunks(runs: AsyncIterable<SarifRun>, opts: SarifOptions): AsyncGenerator<string> {
  yield '{"version":"2.1.0","$schema":"https://json.schemastore.org/sarif-2.1.0.json","runs":[';
  let firstRun = true;
  for await (const run of runs) {
    const rules = new Map<string, RuleSeen>();
    let version: string | undefined;
    let opened = false;
    for await (const page of run.pages) {
      const parts = page.map((f) => {
        version ??= typeof f.detail.toolVersion === 'string' ? f.detail.toolVersion : undefined;
        return JSON.stringify(sarifResult(f, seeRule(rules, f).index));
      });
      if (!parts.length) continue;
      yield (opened ? ',\n' : `${firstRun ? '' : ','}\n{"results":[\n`) + parts.join(',\n');
      opened = true;
      firstRun = false;
    }
    if (opened) yield `\n],${JSON.stringify(runTail(run.tool, version, rules, opts)).slice(1)}`;
  }
  yield '\n]}\n';
}

function seeRule(rules: Map<string, RuleSeen>, f: ExportFinding): RuleSeen {
  const cwes = f.cwes.join(',');
  const known = rules.get(f.ruleId);
  if (known) {
    known.score = Math.max(known.score, scores[f.severity] ?? 0);
    if (known.cwes !== cwes) known.cwes = null; // results disagree: the CWE stays on each result only
    return known;
  }
  const references = Array.isArray(f.detail.references)
    ? f.detail.references.filter((r): r is string => typeof r === 'string')
    : [];
  const rule: RuleSeen = {
    index: rules.size,
    id: f.ruleId,
    title: f.title,
    description: f.description,
    helpUri: references[0],
    score: scores[f.severity] ?? 0,
    cwes,
  };
  rules.set(f.ruleId, rule);
  return rule;
}

/** One finding as a SARIF result. */
function sarifResult(f: ExportFinding, ruleIndex: number): Record<string, unknown> {
  const result: Record<string, unknown> = {
    ruleId: f.ruleId,
    ruleIndex,
    level: levels[f.severity] ?? 'warning',
    message: { text: f.title },
  };
  const location = locationOf(f);
  if (location) result.locations = [location];
  result.partialFingerprints = { 'entente/v1': f.fingerprint };
  if (closed.has(f.status)) {
    result.suppressions = [
      {
        kind: 'external',
        status: 'accepted',
        justification: statusNote(f) ?? f.status,
        properties: { status: f.status },
      },
    ];
  }
  result.properties = propertiesOf(f);
  return result;
}

function locationOf(f: ExportFinding): Record<string, unknown> | undefined {
  const l = f.location;
  const d = f.detail;
  const location: Record<string, unknown> = {};
  const uri = l.url ?? (l.file ? encodePath(l.file) : undefined);
  if (uri) {
    const physical: Record<string, unknown> = { artifactLocation: { uri } };
    if (l.line) {
      const region: Record<string, number> = { startLine: l.line };
      if (typeof d.endLine === 'number' && d.endLine >= l.line) region.endLine = d.endLine;
      if (typeof d.column === 'number' && d.column > 0) region.startColumn = d.column;
      physical.region = region;
    }
    location.physicalLocation = physical;
  }
  const resource =
    typeof d.resource === 'string' ? d.resource : l.host ? `${l.host}${l.port ? `:${l.port}` : ''}` : undefined;
  if (resource) location.logicalLocations = [{ fullyQualifiedName: resource, kind: 'resource' }];
  return Object.keys(location).length ? location : undefined;
}

// A repository path as a relative URI reference: each segment percent-encoded, the slashes kept.
const encodePath = (path: string): string =>
  path
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');

const kindTags: Record<string, string> = { secret: 'secret', config: 'iac' };

function propertiesOf(f: ExportFinding): Record<string, unknown> {
  const props: Record<string, unknown> = {
    'security-severity': (scores[f.severity] ?? 0).toFixed(1),
    tags: ['security', kindTags[f.kind] ?? f.kind, ...f.cwes.map((c) => `external/cwe/cwe-${c}`)],
  };
  // Only a dependency names its advisories and package where the parser looks, so other kinds read back as themselves.
  if (f.kind === 'dependency') {
    if (f.aliases.length) props.aliases = f.aliases;
    if (f.component.purl) props.purl = f.component.purl;
    if (f.component.name) props.packageName = f.component.name;
    if (f.component.version) props.packageVersion = f.component.version;
    if (typeof f.detail.ecosystem === 'string') props.ecosystem = f.detail.ecosystem;
    if (f.component.fixedVersion) props.fixedVersion = f.component.fixedVersion;
  }
  Object.assign(props, cvssProps(f));
  props.entente = {
    id: f.id,
    service: f.service,
    ownerTeam: f.ownerTeam,
    status: f.status,
    priority: f.priority,
    dueAt: f.dueAt,
    overdue: f.overdue,
    assignee: f.assignee,
    firstSeenAt: f.firstSeenAt,
    lastSeenAt: f.lastSeenAt,
    kind: f.kind,
    recipe: f.recipe,
    sources: f.sources.map((s) => s.tool),
    ...(f.kind === 'dependency' ? {} : { aliases: f.aliases }),
  };
  return props;
}

// Named as Dependency-Check writes them (cvssv3_baseScore, cvssv3_vector), which Entente's parser reads back.
function cvssProps(f: ExportFinding): Record<string, unknown> {
  const { score, vector } = f.cvss;
  if (score === null && vector === null) return {};
  const version =
    typeof f.detail.cvssVersion === 'string'
      ? f.detail.cvssVersion
      : vector
        ? /^CVSS:(\d\.\d)\//.exec(vector)?.[1]
        : undefined;
  const major = version?.[0] ?? '3';
  const out: Record<string, unknown> = {};
  if (score !== null) out[`cvssv${major}_baseScore`] = score;
  if (vector !== null) out[`cvssv${major}_vector`] = vector;
  if (version) out[`cvssv${major}_version`] = version;
  return out;
}

function runTail(
  tool: string,
  version: string | undefined,
  rules: Map<string, RuleSeen>,
  opts: SarifOptions,
): Record<string, unknown> {
  return {
    tool: { driver: { name: tool, ...(version ? { version } : {}), rules: [...rules.values()].map(ruleOf) } },
    automationDetails: { id: `entente/${opts.scope}/` },
    properties: {
      entente: {
        exportedAt: opts.exportedAt,
        note: `Exported from Entente: the ${tool} findings and their status as Entente tracks them.`,
      },
    },
  };
}

function ruleOf(r: RuleSeen): Record<string, unknown> {
  const rule: Record<string, unknown> = { id: r.id, shortDescription: { text: r.title } };
  if (r.description)
    rule.fullDescription = { text: r.description.length > 1000 ? `${r.description.slice(0, 999)}…` : r.description };
  if (r.helpUri) rule.helpUri = r.helpUri;
  rule.defaultConfiguration = { level: r.score >= 7 ? 'error' : r.score >= 4 ? 'warning' : 'note' };
  const cweTags = r.cwes
    ? r.cwes
        .split(',')
        .filter(Boolean)
        .map((c) => `external/cwe/cwe-${c}`)
    : [];
  rule.properties = { 'security-severity': r.score.toFixed(1), tags: ['security', ...cweTags] };
  return rule;
}
