/**
 * GitHub Dependabot alerts: GraphQL answers holding `vulnerabilityAlerts` connections (one repository's, or many
 * repositories' from a `search` or an organisation query; `nodes` or `edges`), and the REST API's list of alerts
 * (`GET /repos/{owner}/{repo}/dependabot/alerts`, and the organisation and enterprise lists, which add `repository`).
 *
 * Every alert is read. A dismissed alert (by a person, or auto-dismissed by a rule) carries the state
 * false_positive when it was dismissed as inaccurate or as code that is not used, and accepted otherwise (tolerable
 * risk, no bandwidth, a fix started, no reason), with the dismisser's comment in the reason; a fixed alert carries
 * the state fixed. GraphQL answers that predate `state` show this with `dismissedAt`/`fixedAt`. The import creates
 * them closed, and never reopens what a person closed in Entente.
 *
 * Dependabot names the package and the manifest, and the version only as the manifest's requirement: when that
 * requirement pins one version ("= 4.17.20", from a lockfile), it is the component's version, so the alert
 * fingerprints like a scanner's finding of the same advisory in the same version.
 */
import { badInput } from '../../errors.ts';
import type { Cvss, ParseContext, ParsedFinding, ReportInput, ReportParser, ReportState, Severity } from '../types.ts';
import {
  aliasesFrom,
  asArray,
  asObject,
  buildPurl,
  compact,
  cvssFrom,
  cwesFrom,
  type Json,
  list,
  normalisePath,
  normaliseSeverity,
  num,
  obj,
  parseJson,
  requireString,
  severityFromScore,
  str,
  webUrls,
} from './common.ts';

const tool = 'GitHub Dependabot';
const maxDepth = 8;

/** GitHub's Dependabot alerts, from the GraphQL or the REST API. */
export const githubVulnsParser: ReportParser = {
  format: 'github-vulns',
  label: 'GitHub Dependabot alerts (GraphQL vulnerabilityAlerts or REST JSON)',
  tool,
  detect: detectGithubVulns,
  parse: parseGithubVulns,
};

/** True when the first bytes look like either API's answer; the head may be cut anywhere, so keys are matched. */
function detectGithubVulns(head: string): boolean {
  const h = head.replace(/^\uFEFF/, '').trimStart();
  if (h.startsWith('{')) return /"vulnerabilityAlerts"\s*:\s*\{/.test(h);
  return (
    /^\[\s*\{/.test(h)
    && /"security_advisory"\s*:\s*\{/.test(h)
    && /"(security_vulnerability|dependency|html_url)"\s*:/.test(h)
  );
}

/** One alert in a shape both APIs fill. */
interface Alert {
  where: string;
  open: boolean;
  state: ReportState | undefined;
  pkg: string;
  ecosystem: string | undefined;
  manifest: string | undefined;
  requirements: string | undefined;
  severity: string | undefined;
  patched: string | undefined;
  range: string | undefined;
  advisory: Json;
  repository: string | undefined;
  url: string | undefined;
  detail: Record<string, unknown>;
}

async function* parseGithubVulns(input: ReportInput, context?: ParseContext): AsyncGenerator<ParsedFinding> {
  const name = input.name;
  const root = parseJson((await input.text()).replace(/^\uFEFF/, ''), name);
  context?.tool(tool);
  const alerts = Array.isArray(root)
    ? restAlerts(root, name)
    : graphqlAlerts(asObject(root, name, 'the top level'), name);
  for (const alert of alerts) {
    const finding = toFinding(alert);
    yield alert.state ? { ...finding, state: alert.state } : finding;
  }
}

// ---- GraphQL ----

function graphqlAlerts(doc: Json, name: string): Alert[] {
  const errors = asArray(doc.errors, name, 'errors');
  if (doc.data === null || (doc.data === undefined && errors.length > 0)) {
    const first = str(obj(errors[0])?.message);
    throw badInput(`${name}: the GraphQL answer holds no data${first ? `, only errors: ${first}` : ''}`, {
      file: name,
      path: 'data',
    });
  }
  const holders: { owner: Json; path: string }[] = [];
  findHolders(doc.data ?? doc, doc.data === undefined ? '' : 'data', holders, 0);
  if (holders.length === 0) {
    throw badInput(
      `${name}: not GitHub vulnerability alerts: expected "vulnerabilityAlerts" (GraphQL, e.g. data.repository.vulnerabilityAlerts) or a list of Dependabot alerts (REST)`,
      { file: name },
    );
  }
  return holders.flatMap(({ owner, path }) => {
    const at = `${path ? `${path}.` : ''}vulnerabilityAlerts`;
    const conn = asObject(owner.vulnerabilityAlerts, name, at);
    const repo = str(owner.nameWithOwner) ?? str(owner.name);
    const fromNodes = asArray(conn.nodes, name, `${at}.nodes`).map((n, i) => [n, `${at}.nodes[${i}]`] as const);
    const fromEdges = asArray(conn.edges, name, `${at}.edges`).map(
      (e, i) => [asObject(e, name, `${at}.edges[${i}]`).node, `${at}.edges[${i}].node`] as const,
    );
    return [...fromNodes, ...fromEdges].map(([n, p]) => graphqlAlert(asObject(n, name, p), name, p, repo));
  });
}

/** Every object that holds a `vulnerabilityAlerts` connection (a repository), wherever the query put it. */
function findHolders(v: unknown, path: string, out: { owner: Json; path: string }[], depth: number): void {
  if (depth > maxDepth || v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) return v.forEach((x, i) => findHolders(x, `${path}[${i}]`, out, depth + 1));
  const o = v as Json;
  if (o.vulnerabilityAlerts !== undefined && o.vulnerabilityAlerts !== null) out.push({ owner: o, path });
  for (const [k, x] of Object.entries(o))
    if (k !== 'vulnerabilityAlerts') findHolders(x, path ? `${path}.${k}` : k, out, depth + 1);
}

function graphqlAlert(a: Json, name: string, path: string, repository: string | undefined): Alert {
  const sv = obj(a.securityVulnerability);
  const advisory = obj(sv?.advisory) ?? obj(a.securityAdvisory);
  if (!sv && !advisory)
    throw badInput(`${name}: expected an object at ${path}.securityVulnerability`, {
      file: name,
      path: `${path}.securityVulnerability`,
    });
  const pkg = obj(sv?.package);
  const state = str(a.state)?.toLowerCase();
  const closed = [a.dismissedAt, a.fixedAt, a.autoDismissedAt].some((t) => str(t) !== undefined);
  const open = state ? state === 'open' : !closed;
  return {
    where: path,
    open,
    state: open
      ? undefined
      : closedState(state, str(a.fixedAt), str(a.dismissReason), str(a.dismissComment), str(obj(a.dismisser)?.login)),
    pkg: requireString(pkg?.name, name, `${path}.securityVulnerability.package.name`),
    ecosystem: str(pkg?.ecosystem),
    manifest: str(a.vulnerableManifestPath) ?? str(a.vulnerableManifestFilename),
    requirements: str(a.vulnerableRequirements),
    severity: str(sv?.severity) ?? str(advisory?.severity),
    patched: str(obj(sv?.firstPatchedVersion)?.identifier),
    range: str(sv?.vulnerableVersionRange),
    advisory: advisory ?? {},
    repository,
    url: undefined,
    detail: {
      alertId: str(a.id),
      alertNumber: num(a.number),
      state: str(a.state),
      scope: str(a.dependencyScope),
      createdAt: str(a.createdAt),
      pullRequest: str(obj(obj(a.dependabotUpdate)?.pullRequest)?.url),
    },
  };
}

// ---- REST ----

function restAlerts(list: unknown[], name: string): Alert[] {
  return list.map((item, i) => {
    const path = `[${i}]`;
    const a = asObject(item, name, path);
    const dep = obj(a.dependency);
    const sv = obj(a.security_vulnerability);
    const advisory = asObject(a.security_advisory, name, `${path}.security_advisory`);
    const pkg = obj(dep?.package) ?? obj(sv?.package);
    const state = str(a.state)?.toLowerCase();
    const open = state
      ? state === 'open'
      : ![a.dismissed_at, a.fixed_at, a.auto_dismissed_at].some((t) => str(t) !== undefined);
    return {
      where: path,
      open,
      state: open
        ? undefined
        : closedState(
            state,
            str(a.fixed_at),
            str(a.dismissed_reason),
            str(a.dismissed_comment),
            str(obj(a.dismissed_by)?.login),
          ),
      pkg: requireString(pkg?.name, name, `${path}.dependency.package.name`),
      ecosystem: str(pkg?.ecosystem),
      manifest: str(dep?.manifest_path),
      requirements: undefined,
      severity: str(sv?.severity) ?? str(advisory.severity),
      patched: str(obj(sv?.first_patched_version)?.identifier),
      range: str(sv?.vulnerable_version_range),
      advisory,
      repository: str(obj(a.repository)?.full_name),
      url: str(a.html_url),
      detail: {
        alertNumber: num(a.number),
        state: str(a.state),
        scope: str(dep?.scope),
        relationship: str(dep?.relationship),
        createdAt: str(a.created_at),
      },
    };
  });
}

// ---- closed alerts ----

// Dismissal reasons (REST's codes and GraphQL's sentences) that say the alert does not apply at all.
const notApplicable = /inaccurate|incorrect|false[ _-]?positive|not[ _-]?used|not actually used/i;

/** The state of a closed alert: fixed, or dismissed as a false positive or an accepted risk, with who and why. */
function closedState(
  state: string | undefined,
  fixedAt: string | undefined,
  reason: string | undefined,
  comment: string | undefined,
  who: string | undefined,
): ReportState {
  if (state === 'fixed' || (state === undefined && fixedAt !== undefined))
    return { status: 'fixed', reason: 'fixed in GitHub (Dependabot marks the alert fixed)' };
  const words = [reason?.replace(/_/g, ' '), comment].filter((x): x is string => x !== undefined).join(': ');
  const by = `dismissed in GitHub${who ? ` by ${who}` : ''}`;
  return {
    status: reason && notApplicable.test(reason) ? 'false_positive' : 'accepted',
    reason: words ? `${by}: ${words}` : by,
  };
}

// ---- to findings ----

function toFinding(a: Alert): ParsedFinding {
  const adv = a.advisory;
  const ids = [
    str(adv.ghsaId),
    str(adv.ghsa_id),
    str(adv.cve_id),
    ...list(adv.identifiers).map((x) => str(obj(x)?.value)),
  ].filter(isString);
  const known = aliasesFrom(ids);
  const ruleId = known.find((x) => x.startsWith('GHSA-')) ?? known[0] ?? ids[0]?.toUpperCase() ?? `dependabot:${a.pkg}`;
  const cvss = cvssOf(adv);
  // Own keys only: an ecosystem named "constructor" must not reach Object.prototype.
  const word = a.ecosystem?.toLowerCase();
  const ecosystem =
    (word !== undefined && Object.hasOwn(ecosystems, word) ? ecosystems[word] : word)
    ?? ecosystemFromManifest(a.manifest, a.pkg);
  const version = pinned(a.requirements);
  return compact({
    tool,
    ruleId,
    kind: 'dependency' as const,
    title: str(adv.summary)?.trim() ?? `${ruleId} in ${a.pkg}`,
    description: str(adv.description)?.trim(),
    severity: severityOf(a.severity, cvss),
    cvss,
    aliases: known.length ? known : [...new Set(ids.map((x) => x.toUpperCase()))],
    cwes: cwesFrom(
      list(obj(adv.cwes)?.nodes).map((c) => obj(c)?.cweId),
      list(adv.cwes).map((c) => obj(c)?.cwe_id),
    ),
    component: compact({ name: a.pkg, version, purl: buildPurl(ecosystem, a.pkg, version), ecosystem }),
    fixedVersion: a.patched,
    location: compact({ file: normalisePath(a.manifest), target: a.repository }),
    references: webUrls(
      a.url,
      adv.permalink,
      adv.html_url,
      list(adv.references).map((r) => obj(r)?.url ?? r),
    ),
    detail: compact({
      ...a.detail,
      ecosystem: a.ecosystem,
      vulnerableVersionRange: a.range,
      requirements: a.requirements,
      publishedAt: str(adv.publishedAt) ?? str(adv.published_at),
      epss: epssOf(adv.epss),
    }),
  });
}

/** GitHub's ecosystem words as the package-manager words `buildPurl` knows. */
const ecosystems: Record<string, string> = {
  npm: 'npm',
  maven: 'maven',
  pip: 'pypi',
  rubygems: 'gem',
  nuget: 'nuget',
  composer: 'composer',
  go: 'golang',
  rust: 'cargo',
  erlang: 'hex',
  pub: 'pub',
  swift: 'swift',
  actions: 'github-actions',
};

/** Older GraphQL queries leave `ecosystem` out; the manifest's file name (or a Maven "group:artifact") tells it. */
function ecosystemFromManifest(manifest: string | undefined, pkg: string): string | undefined {
  const file = manifest?.split('/').pop()?.toLowerCase() ?? '';
  const byFile: [RegExp, string][] = [
    [/^(pom\.xml|build\.gradle(\.kts)?|gradle\.lockfile)$/, 'maven'],
    [/^(package(-lock)?\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml)$/, 'npm'],
    [/^(requirements.*\.txt|pipfile(\.lock)?|poetry\.lock|setup\.py|pyproject\.toml|uv\.lock)$/, 'pypi'],
    [/^gemfile(\.lock)?$|\.gemspec$/, 'gem'],
    [/^go\.(mod|sum)$/, 'golang'],
    [/^cargo\.(toml|lock)$/, 'cargo'],
    [/^composer\.(json|lock)$/, 'composer'],
    [/\.(csproj|vbproj|fsproj)$|^packages\.(config|lock\.json)$/, 'nuget'],
    [/^pubspec\.(yaml|lock)$/, 'pub'],
    [/^mix\.(exs|lock)$/, 'hex'],
  ];
  return byFile.find(([re]) => re.test(file))?.[1] ?? (/^[\w.-]+:[\w.-]+$/.test(pkg) ? 'maven' : undefined);
}

/** The one version a requirement pins ("= 1.5.0"), if it pins one. */
function pinned(requirements: string | undefined): string | undefined {
  return requirements ? /^\s*==?\s*([^\s,<>=!~^|]+)\s*$/.exec(requirements)?.[1] : undefined;
}

function severityOf(word: string | undefined, cvss: Cvss | undefined): Severity {
  if (word && !/^unknown$/i.test(word)) return normaliseSeverity(word);
  return cvss?.score !== undefined && cvss.score > 0 ? severityFromScore(cvss.score) : 'info';
}

/** CVSS v3, else v4, else the advisory's older single `cvss`; GitHub writes score 0 and no vector when there is none. */
function cvssOf(adv: Json): Cvss | undefined {
  const sev = obj(adv.cvssSeverities) ?? obj(adv.cvss_severities);
  const candidates = [obj(sev?.cvssV3) ?? obj(sev?.cvss_v3), obj(sev?.cvssV4) ?? obj(sev?.cvss_v4), obj(adv.cvss)];
  for (const c of candidates) {
    const cvss = cvssFrom(str(c?.vectorString) ?? str(c?.vector_string), c?.score, true);
    if (cvss) return cvss;
  }
  return undefined;
}

function epssOf(v: unknown): { percentage?: number; percentile?: number } | undefined {
  const e = obj(v);
  const out = compact({ percentage: num(e?.percentage), percentile: num(e?.percentile) });
  return Object.keys(out).length ? out : undefined;
}

const isString = (v: string | undefined): v is string => v !== undefined;
