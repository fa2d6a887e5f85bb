/**
 * OWASP ZAP reports: the traditional XML report (and its "XML plus" variant) and the traditional JSON report.
 *
 * One finding per alert and site — ZAP's own unit in these reports (an `alertitem` groups every instance of
 * one rule on one site). Instances are not findings of their own: some ZAP versions list only the first ones
 * (`count` may exceed what is listed), and which instances a scan meets varies with crawling, so per-instance
 * findings would come and go between scans of an unchanged site. The location is therefore the site, and the
 * instances (URL, method, parameter, attack, evidence) are kept in `detail.instances`. The exception is the
 * old unmerged form, where each `alertitem` carries one instance's uri/param itself: there the location is
 * that instance.
 * Alerts a ZAP user marked as false positives (confidence 0) are not imported.
 */
import { badInput } from '../../errors.ts';
import type { Location, ParsedFinding, ReportInput, ReportParser, Severity } from '../types.ts';
import {
  aliasesFrom,
  asArray,
  asObject,
  compact,
  cwesFrom,
  lookup,
  normaliseSeverity,
  num,
  parseJson,
  str,
  stripHtml,
} from './common.ts';
import { attr, child, select, streamXml, textOf, xmlRootName, type XmlElement } from './xml.ts';

interface ZapSite {
  name?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
}
type ZapInstance = Partial<Record<(typeof instanceFields)[number], string>>;
type ZapFields = Partial<Record<(typeof alertFields)[number], string>>;
interface ZapAlert extends ZapFields {
  instances: ZapInstance[];
  /** True for the old unmerged form: the alert itself is one instance. */
  flat: boolean;
  tags: { tag?: string | undefined; link?: string | undefined }[];
  where: string;
}

const tool = 'OWASP ZAP';
const instanceFields = ['uri', 'method', 'param', 'attack', 'evidence', 'otherinfo'] as const;
const alertFields = [
  'pluginid',
  'alertRef',
  'alert',
  'name',
  'riskcode',
  'confidence',
  'riskdesc',
  'desc',
  'count',
  'solution',
  'otherinfo',
  'reference',
  'cweid',
  'wascid',
  'sourceid',
  'systemic',
] as const;
const risks: Record<string, Severity> = { '0': 'info', '1': 'low', '2': 'medium', '3': 'high' };
const confidences: Record<string, string> = {
  '0': 'False Positive',
  '1': 'Low',
  '2': 'Medium',
  '3': 'High',
  '4': 'Confirmed',
};
/** The "plus" reports' raw HTTP messages: large, and they hold session cookies; never read. */
const httpMessageParts = ['requestheader', 'requestbody', 'responseheader', 'responsebody'];
const maxInstances = 100;
const maxText = 4000;

/** ZAP's traditional XML report (`<OWASPZAPReport>`), the XML plus variant and the older unmerged form. */
export const zapXmlParser: ReportParser = {
  format: 'zap-xml',
  label: 'OWASP ZAP XML',
  tool: 'OWASP ZAP',
  detect: (head) =>
    xmlRootName(head) === 'OWASPZAPReport' || (/^\uFEFF?\s*</.test(head) && /<OWASPZAPReport[\s>]/.test(head)),
  parse: parseXmlReport,
};

/** ZAP's traditional JSON report (`{"@version", "site": [{"alerts": [...]}]}`), plain or plus. */
export const zapJsonParser: ReportParser = {
  format: 'zap-json',
  label: 'OWASP ZAP JSON',
  tool: 'OWASP ZAP',
  detect: (head) => {
    const s = head.replace(/^\uFEFF/, '').trimStart();
    if (!s.startsWith('{')) return false;
    return /"@programName"\s*:\s*"[^"]*ZAP/.test(s) || (/"@version"\s*:/.test(s) && /"site"\s*:/.test(s));
  },
  parse: parseJsonReport,
};

async function* parseXmlReport(input: ReportInput): AsyncIterable<ParsedFinding> {
  const file = input.name;
  let version: string | undefined;
  const onRoot = (root: XmlElement): void => {
    if (root.name !== 'OWASPZAPReport') {
      throw badInput(`${file}: not a ZAP XML report: the root element is <${root.name}>, expected <OWASPZAPReport>`, {
        file,
      });
    }
    version = attr(root, 'version');
  };
  const matches = streamXml(input.stream(), { name: file, collect: ['alertitem'], skip: httpMessageParts, onRoot });
  for await (const { element, ancestors } of matches) {
    const site = siteFromXml(ancestors.findLast((a) => a.name === 'site'));
    const finding = toFinding(alertFromXml(element), site, version, file);
    if (finding) yield finding;
  }
}

function siteFromXml(el: XmlElement | undefined): ZapSite {
  return { name: attr(el, 'name'), host: attr(el, 'host'), port: num(attr(el, 'port')) };
}

function alertFromXml(el: XmlElement): ZapAlert {
  const fields: ZapFields = {};
  for (const f of alertFields) fields[f] = textOf(el, f);
  fields.confidence ??= textOf(el, 'reliability'); // older ZAP called confidence "reliability"
  const instances = select(el, 'instances/instance').map(instanceFromXml);
  const flat = instances.length === 0 && child(el, 'uri') !== undefined;
  if (flat) instances.push(instanceFromXml(el));
  const tags = select(el, 'tags/tag').map((t) => ({ tag: textOf(t, 'tag'), link: textOf(t, 'link') }));
  return { ...fields, instances, flat, tags, where: `the <alertitem> at line ${el.line}` };
}

function instanceFromXml(el: XmlElement): ZapInstance {
  const out: ZapInstance = {};
  for (const f of instanceFields) out[f] = textOf(el, f);
  return out;
}

async function* parseJsonReport(input: ReportInput): AsyncIterable<ParsedFinding> {
  const file = input.name;
  const root = asObject(parseJson(await input.text(), file), file, 'the top level');
  const version = str(root['@version']);
  const sites = listOf(root['site'], file, 'site');
  for (const [i, s] of sites.entries()) {
    const siteObj = asObject(s, file, `site[${i}]`);
    const site = { name: str(siteObj['@name']), host: str(siteObj['@host']), port: num(siteObj['@port']) };
    const alerts = listOf(siteObj['alerts'], file, `site[${i}].alerts`);
    for (const [j, a] of alerts.entries()) {
      const finding = toFinding(alertFromJson(a, file, `site[${i}].alerts[${j}]`), site, version, file);
      if (finding) yield finding;
    }
  }
}

/** An array, or one object standing for a one-element list: ZAP up to 2.7 wrote a lone site that way (zaproxy#5162). */
function listOf(v: unknown, file: string, path: string): unknown[] {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return [v];
  return asArray(v, file, path);
}

function alertFromJson(v: unknown, file: string, path: string): ZapAlert {
  const o = asObject(v, file, path);
  const fields: ZapFields = {};
  for (const f of alertFields) fields[f] = str(o[f]);
  fields.confidence ??= str(o['reliability']);
  if (typeof o['systemic'] === 'boolean') fields.systemic = String(o['systemic']);
  const instances = listOf(o['instances'], file, `${path}.instances`).map((x, k) => {
    const io = asObject(x, file, `${path}.instances[${k}]`);
    const out: ZapInstance = {};
    for (const f of instanceFields) out[f] = str(io[f]);
    return out;
  });
  const flat = instances.length === 0 && str(o['uri']) !== undefined;
  if (flat) instances.push(Object.fromEntries(instanceFields.map((f) => [f, str(o[f])])));
  const tags = asArray(o['tags'], file, `${path}.tags`).map((t) => {
    const to = t !== null && typeof t === 'object' ? (t as Record<string, unknown>) : {};
    return { tag: str(to['tag']), link: str(to['link']) };
  });
  return { ...fields, instances, flat, tags, where: path };
}

/** Maps one ZAP alert on one site to a finding; undefined for alerts marked false positive in ZAP. */
function toFinding(a: ZapAlert, site: ZapSite, version: string | undefined, file: string): ParsedFinding | undefined {
  if (a.confidence?.trim() === '0') return undefined;
  const title = a.alert ?? a.name;
  const ruleId = a.alertRef ?? a.pluginid ?? title;
  if (!ruleId || !title)
    throw badInput(`${file}: ${a.where} has no alert name and no pluginid or alertRef`, { file, path: a.where });
  const tagNames = a.tags.map((t) => t.tag);
  return compact<ParsedFinding>({
    tool,
    toolVersion: version,
    ruleId,
    kind: 'web',
    title,
    description: stripHtml(a.desc),
    severity: severityOf(a),
    aliases: aliasesFrom(
      title,
      a.reference,
      a.otherinfo,
      a.instances.map((i) => i.otherinfo),
      tagNames,
    ),
    cwes: cwesFrom(
      a.cweid,
      tagNames.filter((t) => /^cwe-/i.test(t ?? '')),
    ),
    location: locationOf(a, site),
    references: referencesOf(a),
    detail: detailOf(a, site),
  });
}

function severityOf(a: ZapAlert): Severity {
  const byCode = a.riskcode === undefined ? undefined : lookup(risks, a.riskcode.trim());
  return byCode ?? normaliseSeverity(a.riskdesc?.split(/[\s(]/)[0]);
}

function locationOf(a: ZapAlert, site: ZapSite): Location {
  const first = a.instances[0];
  const url = a.flat ? first?.uri : (site.name ?? originOf(first?.uri));
  return compact<Location>({
    url,
    method: a.flat ? first?.method : undefined,
    parameter: a.flat ? first?.param : undefined,
    host: site.host ?? hostOf(url),
    port: site.port,
  });
}

function originOf(uri: string | undefined): string | undefined {
  if (!uri || !URL.canParse(uri)) return uri;
  const origin = new URL(uri).origin;
  return origin === 'null' ? uri : origin;
}

function hostOf(url: string | undefined): string | undefined {
  return url && URL.canParse(url) ? new URL(url).hostname || undefined : undefined;
}

/** URLs from ZAP's reference field: HTML paragraphs, lines, or (old reports) URLs run together. */
function referencesOf(a: ZapAlert): string[] | undefined {
  const words = (stripHtml(a.reference) ?? '').split(/\s+/);
  const urls = words
    .flatMap((w) => w.split(/(?<!=)(?=https?:\/\/)/))
    .map((u) => u.replace(/[.,;]+$/, ''))
    .filter((u) => /^https?:\/\/\S/.test(u));
  for (const t of a.tags) if (t.link && /^https?:\/\//.test(t.link)) urls.push(t.link);
  const unique = [...new Set(urls)];
  return unique.length > 0 ? unique : undefined;
}

function detailOf(a: ZapAlert, site: ZapSite): Record<string, unknown> {
  const instances = a.instances
    .slice(0, maxInstances)
    .map((i) => compact(clipAll({ ...i, otherinfo: stripHtml(i.otherinfo) })));
  const tags = a.tags.filter((t) => t.tag).map((t) => t.tag);
  return compact({
    pluginId: a.pluginid,
    alertRef: a.alertRef,
    confidence: a.confidence === undefined ? undefined : (lookup(confidences, a.confidence.trim()) ?? a.confidence),
    riskdesc: a.riskdesc,
    wascid: a.wascid === '0' || a.wascid === '-1' ? undefined : a.wascid,
    solution: clip(stripHtml(a.solution)),
    otherinfo: clip(stripHtml(a.otherinfo)),
    site: site.name,
    systemic: a.systemic === undefined ? undefined : a.systemic === 'true',
    sourceid: a.sourceid,
    tags: tags.length > 0 ? tags : undefined,
    instanceCount: num(a.count) ?? a.instances.length,
    instances: instances.length > 0 ? instances : undefined,
    instancesOmitted: a.instances.length > maxInstances ? a.instances.length - maxInstances : undefined,
  });
}

function clip(s: string | undefined): string | undefined {
  return s !== undefined && s.length > maxText ? `${s.slice(0, maxText)}…` : s;
}

function clipAll(o: ZapInstance): ZapInstance {
  const out: ZapInstance = {};
  for (const f of instanceFields) out[f] = clip(o[f]);
  return out;
}
