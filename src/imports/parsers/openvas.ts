/**
 * OpenVAS / Greenbone (GVM) reports: the XML report (`<report><report><results><result>…`, as the web interface
 * downloads it or `get_reports` returns it) and the CSV export ("IP,Hostname,Port,Port Protocol,CVSS,Severity,…").
 *
 * One finding per NVT (check) per host, port and protocol: an NVT listing many CVEs is one weakness to fix. Results
 * of the "Log" level (severity 0: service and OS detection) are imported as `info`, as the peer does. Results an
 * override marks as false positive (severity -1) and debug or error results (-2, -3) are not findings.
 * The severity is the result's score in the CVSS bands (GVM's "High" spans 7.0–10.0; 9.0 and above is critical here).
 * The specific result (what the check saw) is kept in `detail.specificResult`, clipped, with credentials redacted.
 */
import { badInput } from '../../errors.ts';
import type { Cvss, Location, ParsedFinding, ParseContext, ReportInput, ReportParser } from '../types.ts';
import { aliasesFrom, compact, cwesFrom, num, severityFromScore } from './common.ts';
import {
  clip,
  componentFromCpe,
  csvHeader,
  cvssOf,
  FindingGroups,
  prose,
  readCsv,
  severityFromWord,
  text,
  type CsvRow,
} from './host-scan.ts';
import { attr, child, select, streamXml, textOf, xmlRootName, type XmlElement } from './xml.ts';

const tool = 'OpenVAS';

/** The fields of one result, however the report wrote it (XML or CSV). */
interface OpenvasResult {
  where: string;
  oid?: string | undefined;
  name?: string | undefined;
  host?: string | undefined;
  hostname?: string | undefined;
  port?: string | undefined;
  protocol?: string | undefined;
  score?: number | undefined;
  threat?: string | undefined;
  cvss?: Cvss | undefined;
  cves: string[];
  refs: string[];
  cwes: number[];
  cpe?: string | undefined;
  summary?: string | undefined;
  specific?: string | undefined;
  detail: Record<string, unknown>;
}

/** Greenbone / OpenVAS XML reports. */
export const openvasParser: ReportParser = {
  format: 'openvas',
  label: 'OpenVAS / Greenbone XML',
  tool,
  detect: (head) => {
    const root = xmlRootName(head);
    if (root === 'get_reports_response') return /<report[\s>]/.test(head);
    // <report> alone is too common a root: require what only GVM writes near the top.
    return (
      root === 'report'
      && /<report\b[^>]*\b(format_id|content_type)=|<(gmp|omp)>|<scan_run_status>|<nvt oid=/.test(head)
    );
  },
  parse: parseXmlReport,
};

/** Greenbone / OpenVAS CSV exports. */
export const openvasCsvParser: ReportParser = {
  format: 'openvas-csv',
  label: 'OpenVAS / Greenbone CSV',
  tool,
  detect: (head) => isOpenvasHeader(csvHeader(head)),
  parse: parseCsvReport,
};

function isOpenvasHeader(header: string[]): boolean {
  const h = new Set(header.map((c) => c.toLowerCase()));
  return ['ip', 'port', 'port protocol', 'cvss', 'severity', 'nvt name', 'nvt oid'].every((c) => h.has(c));
}

async function* parseXmlReport(input: ReportInput, context?: ParseContext): AsyncIterable<ParsedFinding> {
  const file = input.name;
  const onRoot = (root: XmlElement): void => {
    if (root.name !== 'report' && root.name !== 'get_reports_response') {
      throw badInput(`${file}: not an OpenVAS report: the root element is <${root.name}>, expected <report>`, { file });
    }
  };
  context?.tool(tool);
  const groups = new FindingGroups('specificResult');
  // A result may hold results of its own (<detection>, <delta>); only those directly in <results> are the report's.
  for await (const { element, ancestors } of streamXml(input.stream(), { name: file, collect: ['result'], onRoot })) {
    if (ancestors[ancestors.length - 1]?.name !== 'results') continue;
    const r = resultFromXml(element);
    const f = toFinding(r, file);
    if (f) groups.add(f, r.specific);
  }
  yield* groups.drain();
}

function resultFromXml(el: XmlElement): OpenvasResult {
  const nvt = child(el, 'nvt');
  const tags = tagsOf(textOf(nvt, 'tags'));
  const refs = select(nvt, 'refs/ref').map((r) => ({ type: attr(r, 'type')?.toLowerCase(), id: attr(r, 'id') }));
  const ofType = (...types: string[]): string[] =>
    refs.filter((r) => r.id && types.includes(r.type ?? '')).map((r) => r.id ?? '');
  const v3 = select(nvt, 'severities/severity').find((s) => /cvss_base_v[34]/.test(attr(s, 'type') ?? ''));
  const port = portOf(textOf(el, 'port'));
  const qod = child(el, 'qod');
  const detection = select(el, 'detection/result/details/detail').map(
    (d) => [textOf(d, 'name'), textOf(d, 'value')] as const,
  );
  return {
    where: `the <result> at line ${el.line}`,
    oid: attr(nvt, 'oid'),
    name: textOf(nvt, 'name') ?? textOf(el, 'name'),
    host: text(child(el, 'host')?.text),
    hostname: textOf(child(el, 'host'), 'hostname'),
    ...port,
    score: num(textOf(el, 'severity')),
    threat: textOf(el, 'threat'),
    cvss:
      cvssOf(textOf(v3, 'value'), textOf(v3, 'score'), '3.1')
      ?? cvssOf(tags.get('cvss_base_vector') ?? tags.get('severity_vector'), textOf(nvt, 'cvss_base')),
    cves: [...ofType('cve'), ...splitList(textOf(nvt, 'cve'))],
    refs: [...ofType('url'), ...splitList(textOf(nvt, 'xref')).map((x) => x.replace(/^URL:/i, ''))],
    cwes: cwesFrom(ofType('cwe'), ofType('url').flatMap(cweOfUrl)),
    cpe: detection.find(([n]) => n === 'product')?.[1],
    summary: tags.get('summary'),
    specific: textOf(el, 'description'),
    detail: compact({
      family: textOf(nvt, 'family'),
      insight: prose(tags.get('insight')),
      impact: prose(tags.get('impact')),
      affected: prose(tags.get('affected')),
      vuldetect: prose(tags.get('vuldetect')),
      solution: clip(prose(textOf(nvt, 'solution') ?? tags.get('solution'))),
      solutionType: attr(child(nvt, 'solution'), 'type') ?? tags.get('solution_type'),
      qod: num(textOf(qod, 'value')),
      qodType: textOf(qod, 'type') ?? tags.get('qod_type'),
      originalThreat:
        textOf(el, 'original_threat') === textOf(el, 'threat') ? undefined : textOf(el, 'original_threat'),
      certs: listOrUndefined(ofType('cert-bund', 'dfn-cert', 'cisa', 'wid-sec')),
      bids: listOrUndefined([...ofType('bid'), ...splitList(textOf(nvt, 'bid'))]),
      resultId: attr(el, 'id'),
      scanNvtVersion: textOf(el, 'scan_nvt_version'),
    }),
  };
}

/** GVM's `tags` text: "key=value|key=value", values running over lines. */
function tagsOf(tags: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (tags ?? '').split(/\|(?=[a-z_A-Z]+=)/)) {
    const eq = part.indexOf('=');
    const v = eq > 0 ? text(part.slice(eq + 1)) : undefined;
    if (v !== undefined && v !== 'N/A') out.set(part.slice(0, eq).trim(), v);
  }
  return out;
}

/** "80/tcp", "general/tcp", "general/CPE-T", older "http (80/tcp)", or empty. */
function portOf(port: string | undefined): { port?: string; protocol?: string } {
  const m = /(?:^|\()(\d+|general)\/([a-z]+)\)?$/i.exec(port ?? '');
  if (!m) return {};
  const protocol = m[2]?.toLowerCase();
  return compact({
    port: m[1] === 'general' ? undefined : m[1],
    protocol: protocol && ['tcp', 'udp', 'icmp', 'sctp'].includes(protocol) ? protocol : undefined,
  });
}

async function* parseCsvReport(input: ReportInput, context?: ParseContext): AsyncIterable<ParsedFinding> {
  const file = input.name;
  const { header, rows } = readCsv(await input.text(), file);
  if (!isOpenvasHeader(header)) {
    throw badInput(
      `${file}: not an OpenVAS CSV export: the header row lacks IP, Port, Port Protocol, CVSS, Severity, NVT Name or NVT OID`,
      { file, line: 1 },
    );
  }
  context?.tool(tool);
  const groups = new FindingGroups('specificResult');
  for (const row of rows) {
    const r = resultFromCsv(row);
    const f = toFinding(r, file);
    if (f) groups.add(f, r.specific);
  }
  yield* groups.drain();
}

const csvMapped = new Set([
  'ip',
  'hostname',
  'port',
  'port protocol',
  'cvss',
  'severity',
  'nvt name',
  'nvt oid',
  'cves',
  'summary',
  'specific result',
  'qod',
  'solution type',
  'solution',
  'impact',
  'affected software/os',
  'vulnerability insight',
  'vulnerability detection method',
  'product detection result',
  'bids',
  'certs',
  'other references',
  'result id',
  'task name',
  'timestamp',
]);

function resultFromCsv(row: CsvRow): OpenvasResult {
  const refs = splitList(row.get('Other References')).map((x) => x.replace(/^URL:/i, ''));
  const rest = row.rest(csvMapped);
  return {
    where: `the row at line ${row.line}`,
    oid: row.get('NVT OID'),
    name: row.get('NVT Name'),
    host: row.get('IP'),
    hostname: row.get('Hostname'),
    port: row.get('Port'),
    protocol: row.get('Port Protocol')?.toLowerCase(),
    score: num(row.get('CVSS')),
    threat: row.get('Severity'),
    cves: splitList(row.get('CVEs')),
    refs,
    cwes: cwesFrom(refs.flatMap(cweOfUrl)),
    cpe: /\bcpe:\/\S+/.exec(row.get('Product Detection Result') ?? '')?.[0],
    summary: row.get('Summary'),
    specific: row.get('Specific Result'),
    detail: compact({
      insight: prose(row.get('Vulnerability Insight')),
      impact: prose(row.get('Impact')),
      affected: prose(row.get('Affected Software/OS')),
      vuldetect: prose(row.get('Vulnerability Detection Method')),
      solution: clip(prose(row.get('Solution'))),
      solutionType: row.get('Solution Type'),
      qod: num(row.get('QoD')),
      certs: listOrUndefined(splitList(row.get('CERTs'))),
      bids: listOrUndefined(splitList(row.get('BIDs'))),
      resultId: row.get('Result ID'),
      task: row.get('Task Name'),
      timestamp: row.get('Timestamp'),
      columns: Object.keys(rest).length > 0 ? rest : undefined,
    }),
  };
}

/** Maps one result to a finding; undefined for results GVM does not count as findings (false positives, debug, errors). */
function toFinding(r: OpenvasResult, file: string): ParsedFinding | undefined {
  if ((r.score !== undefined && r.score < 0) || /^(false positive|debug|error)$/i.test(r.threat ?? ''))
    return undefined;
  const ruleId = r.oid ?? r.name;
  if (!ruleId || !r.name)
    throw badInput(`${file}: ${r.where} has no ${r.oid ? 'NVT name' : 'NVT OID or name'}`, { file, where: r.where });
  if (!r.host) throw badInput(`${file}: ${r.where} has no host`, { file, where: r.where });
  // GVM's CVE scanner leaves the port empty and names it in the result: "The product was found at: 80/tcp."
  const foundAt = r.port ? undefined : /The product was found at: (\d+)\/(tcp|udp)\b/.exec(r.specific ?? '');
  const port = num(r.port ?? foundAt?.[1]);
  return compact<ParsedFinding>({
    tool,
    ruleId,
    kind: 'host',
    title: r.name,
    description: prose(r.summary),
    severity: r.score !== undefined ? severityFromScore(Math.min(r.score, 10)) : severityFromWord(r.threat),
    cvss: r.cvss ?? (r.score !== undefined && r.score > 0 ? { score: Math.min(r.score, 10) } : undefined),
    aliases: aliasesFrom(r.cves, /^CVE-/i.test(ruleId) ? ruleId : undefined),
    cwes: r.cwes,
    component: componentFromCpe(r.cpe),
    location: compact<Location>({
      host: r.host,
      port: port !== undefined && port > 0 ? port : undefined,
      protocol: r.protocol ?? foundAt?.[2],
    }),
    references: r.refs.length > 0 ? [...new Set(r.refs.filter((u) => /^https?:\/\/\S/i.test(u)))] : undefined,
    detail: compact({ ...r.detail, hostname: r.hostname, threat: r.threat, severityScore: r.score }),
  });
}

function splitList(s: string | undefined): string[] {
  return (s ?? '').split(/[\s,]+/).filter((x) => x !== '' && x !== 'NOCVE' && x !== 'NOBID' && x !== 'NOXREF');
}

function listOrUndefined(list: string[]): string[] | undefined {
  return list.length > 0 ? [...new Set(list)] : undefined;
}

/** A CWE named by a reference to its definition page (GVM lists these among the URLs). */
function cweOfUrl(url: string): number[] {
  const m = /cwe\.mitre\.org\/data\/definitions\/(\d+)\.html/i.exec(url);
  return m ? [Number(m[1])] : [];
}
