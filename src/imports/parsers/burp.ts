/**
 * Burp Suite's XML issues export (`<issues burpVersion="…"><issue>…</issue></issues>`, "Report issues" → XML).
 *
 * One finding per issue type and site, like the ZAP parser's one per alert and site: Burp writes an issue per
 * URL and insertion point, and which of those a scan reaches varies with crawling, so per-issue findings would
 * come and go between scans of an unchanged site. The issues are kept in `detail.instances` (URL, method,
 * parameter, severity, confidence, serial number). The finding is located at the site (`http://host:port`),
 * as ZAP's are, so the same weakness (same CWE) found by both on one site merges. Burp gives every issue an
 * extension raises the same type (134217728, "extension generated"), so for those the issue name tells the
 * issues apart. The finding takes the highest severity among its issues. Issues a Burp user marked "False
 * positive" are not imported. Requests, responses and Collaborator interactions are never kept: they carry
 * cookies and tokens; only the request's method is read.
 */
import { badInput } from '../../errors.ts';
import type { Location, ParseContext, ParsedFinding, ReportInput, ReportParser, Severity } from '../types.ts';
import { aliasesFrom, compact, cwesFrom, normaliseSeverity, stripHtml } from './common.ts';
import { attr, child, children, streamXml, textOf, xmlRootName, type XmlElement } from './xml.ts';

const tool = 'Burp Suite';
const extensionType = '134217728';
const maxInstances = 100;
const maxText = 4000;
// Subtrees never read: HTTP messages (but the request, for its method attribute) and out-of-band evidence.
const skipped = [
  'response',
  'responseRedirected',
  'collaboratorEvent',
  'infiltratorEvent',
  'staticAnalysis',
  'dynamicAnalysis',
];
const severityRank: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };
const confidenceRank: Record<string, number> = { certain: 3, firm: 2, tentative: 1 };

/** Burp Suite's XML issues export, from Burp 1.x to Burp 2023+. */
export const burpParser: ReportParser = {
  format: 'burp',
  label: 'Burp Suite XML',
  tool,
  detect: detectBurp,
  parse: parseBurp,
};

/** True for an `<issues>` root with Burp's attributes, also when the head ends inside Burp's long DOCTYPE. */
function detectBurp(head: string): boolean {
  const h = head.replace(/^\uFEFF/, '');
  if (!/^\s*</.test(h)) return false;
  const root = xmlRootName(h);
  if (root !== undefined) return root === 'issues' && /<issues\s[^>]*burpVersion\s*=/.test(h);
  return /<!DOCTYPE\s+issues\s*\[/.test(h) && /<!ATTLIST\s+issues\s+burpVersion\b/.test(h);
}

/** One site's issues of one type, summed up as they stream past: the first issue's texts, each issue's place. */
interface Group {
  ruleId: string;
  type: string;
  name: string;
  site: string;
  ip: string | undefined;
  shared: Shared;
  severity: Severity;
  confidence: string | undefined;
  aliases: Set<string>;
  count: number;
  instances: Record<string, unknown>[]; // the first maxInstances issues
}

/** What every issue of a type repeats: Burp's background texts and classifications. */
interface Shared {
  background?: string;
  remediation?: string;
  classifications?: string;
  references?: string[];
  detail?: string;
}

async function* parseBurp(input: ReportInput, context?: ParseContext): AsyncGenerator<ParsedFinding> {
  const name = input.name;
  let version: string | undefined;
  const onRoot = (root: XmlElement): void => {
    if (root.name !== 'issues')
      throw badInput(`${name}: not a Burp Suite XML export: the root element is <${root.name}>, expected <issues>`, {
        file: name,
      });
    version = attr(root, 'burpVersion');
    context?.tool(tool, version);
  };
  const groups = new Map<string, Group>();
  for await (const { element } of streamXml(input.stream(), { name, collect: ['issue'], skip: skipped, onRoot }))
    addIssue(element, name, groups);
  for (const g of groups.values()) yield toFinding(g, version);
}

/** Adds one issue to its group; issues marked false positive are left out. */
function addIssue(el: XmlElement, file: string, groups: Map<string, Group>): void {
  const severityWord = textOf(el, 'severity');
  if (severityWord && /^false\s*positive$/i.test(severityWord)) return;
  const type = textOf(el, 'type');
  const issueName = textOf(el, 'name');
  const hostEl = child(el, 'host');
  const host = hostEl?.text.trim();
  if (!type || !issueName || !host) {
    const missing = !type ? 'type' : !issueName ? 'name' : 'host';
    throw badInput(`${file}: the <issue> at line ${el.line} has no <${missing}>`, { file, line: el.line });
  }
  const site = originOf(host);
  // Burp gives every issue an extension raises one type; the name tells them apart.
  const ruleId = type === extensionType ? `${type}:${issueName}` : type;
  const key = `${ruleId}\u0000${site}`;
  let g = groups.get(key);
  if (!g) {
    g = {
      ruleId,
      type,
      name: issueName,
      site,
      ip: attr(hostEl, 'ip'),
      shared: sharedOf(el),
      severity: 'info',
      confidence: undefined,
      aliases: new Set(),
      count: 0,
      instances: [],
    };
    groups.set(key, g);
  }
  const severity = normaliseSeverity(severityWord);
  if (g.count === 0 || severityRank[severity] > severityRank[g.severity]) g.severity = severity;
  const confidence = textOf(el, 'confidence');
  if (rankOf(confidence) > rankOf(g.confidence)) g.confidence = confidence;
  const detail = textOf(el, 'issueDetail');
  for (const a of aliasesFrom(detail)) g.aliases.add(a);
  g.count++;
  if (g.instances.length < maxInstances) g.instances.push(instanceOf(el, site, severityWord, confidence, detail));
}

function sharedOf(el: XmlElement): Shared {
  const classificationsHtml = textOf(el, 'vulnerabilityClassifications');
  return compact({
    background: clip(stripHtml(textOf(el, 'issueBackground'))),
    remediation: clip(stripHtml(textOf(el, 'remediationBackground'))),
    classifications: stripHtml(classificationsHtml),
    references: linksOf(textOf(el, 'references'), classificationsHtml),
    detail: clip(stripHtml(textOf(el, 'issueDetail'))),
  });
}

/** The site as an origin ("https://example.com", "http://bwa:8080"), so one site is one group whatever its case. */
function originOf(site: string): string {
  const trimmed = site.replace(/\/+$/, '');
  if (!URL.canParse(trimmed)) return trimmed;
  const origin = new URL(trimmed).origin;
  return origin === 'null' ? trimmed : origin;
}

/** The request's method: the `method` attribute, or (older exports) the request line, of which nothing else is read. */
function methodOf(issue: XmlElement): string | undefined {
  const request = children(issue, 'requestresponse')
    .map((rr) => child(rr, 'request'))
    .find((r) => r !== undefined);
  if (!request) return undefined;
  const fromAttr = attr(request, 'method');
  if (fromAttr) return fromAttr.toUpperCase();
  const start = request.text.trimStart().slice(0, 64);
  const line = attr(request, 'base64') === 'true' ? Buffer.from(start, 'base64').toString('latin1') : start;
  return /^([A-Z]{3,10}) \S/.exec(line)?.[1];
}

function toFinding(g: Group, version: string | undefined): ParsedFinding {
  const { shared } = g;
  return compact<ParsedFinding>({
    tool,
    toolVersion: version,
    ruleId: g.ruleId,
    kind: 'web',
    title: g.name,
    description: shared.background ?? shared.detail,
    severity: g.severity,
    aliases: aliasesFrom(g.name, shared.classifications, [...g.aliases]),
    cwes: cwesFrom(shared.classifications),
    location: siteLocation(g.site),
    references: shared.references,
    detail: compact({
      type: g.type,
      confidence: g.confidence,
      ip: g.ip,
      remediation: shared.remediation,
      classifications: nonEmpty(
        shared.classifications
          ?.split('\n')
          .map((l) => l.trim())
          .filter(Boolean),
      ),
      instanceCount: g.count,
      instances: g.instances,
      instancesOmitted: g.count > g.instances.length ? g.count - g.instances.length : undefined,
    }),
  });
}

function siteLocation(site: string): Location {
  if (!URL.canParse(site)) return { url: site };
  const u = new URL(site);
  return compact<Location>({
    url: site,
    host: u.hostname.replace(/^\[|\]$/g, '') || undefined,
    port: u.port ? Number(u.port) : undefined,
  });
}

/** One issue of the group, where it is and how sure Burp is; the detail text is Burp's own, without HTTP messages. */
function instanceOf(
  el: XmlElement,
  site: string,
  severity: string | undefined,
  confidence: string | undefined,
  detail: string | undefined,
): Record<string, unknown> {
  const point = insertionPoint(textOf(el, 'location'));
  return compact({
    url: `${site}${textOf(el, 'path') ?? ''}`,
    method: methodOf(el),
    parameter: point?.parameter,
    insertionPoint: point?.kind,
    severity,
    confidence,
    serialNumber: textOf(el, 'serialNumber'),
    detail: clip(stripHtml(detail), 1000),
    remediation: clip(stripHtml(textOf(el, 'remediationDetail')), 1000),
    items: nonEmpty(
      children(child(el, 'issueDetailItems'), 'issueDetailItem')
        .map((d) => clip(d.text.trim(), 200))
        .filter(Boolean)
        .slice(0, 20),
    ),
  });
}

/**
 * The insertion point of "/search.jsp [q parameter]" (q, a parameter), "/basket.jsp [b_id cookie]" (b_id, a cookie)
 * or "[here XML attribute within the name parameter]" (name, with the whole text kept); other brackets as text.
 */
function insertionPoint(location: string | undefined): { parameter?: string; kind?: string } | undefined {
  const inner = location ? /\[([^[\]]{1,300})\]\s*$/.exec(location)?.[1]?.trim() : undefined;
  if (!inner) return undefined;
  const m = /(?:^|\s)(\S+) (parameter|cookie|HTTP header|header)$/i.exec(inner);
  if (!m || /arbitrarily supplied/i.test(inner)) return { kind: inner };
  return { parameter: m[1]!, kind: m.index === 0 ? m[2]!.toLowerCase() : inner };
}

function rankOf(confidence: string | undefined): number {
  const key = confidence?.toLowerCase();
  if (key === undefined) return -1;
  return Object.hasOwn(confidenceRank, key) ? confidenceRank[key]! : 0;
}

/** The href targets of Burp's HTML reference lists. */
function linksOf(...html: (string | undefined)[]): string[] | undefined {
  const found = html.flatMap((h) =>
    h ? [...h.matchAll(/href\s*=\s*["']?(https?:\/\/[^"'\s>]+)/gi)].map((m) => m[1]!) : [],
  );
  return found.length ? [...new Set(found)] : undefined;
}

function clip(s: string | undefined, max = maxText): string | undefined {
  return s !== undefined && s.length > max ? `${s.slice(0, max)}…` : s;
}

function nonEmpty<T>(list: T[] | undefined): T[] | undefined {
  return list && list.length > 0 ? list : undefined;
}
