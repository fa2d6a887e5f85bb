/**
 * Tenable Nessus `.nessus` files (`<NessusClientData_v2>`), as Nessus and Tenable Web App Scanning (WAS) write them.
 *
 * One finding per plugin per host, port and protocol: a plugin's result is Nessus's unit, and a plugin that carries
 * many CVEs is one weakness to fix (one update), not one finding per CVE. When Nessus lists a plugin twice on one port
 * (two installs of a product) the two are one finding with both outputs kept. The peer merges a plugin across all
 * hosts instead; Entente keeps hosts apart because each host is fixed (and owned) on its own.
 * Severity 0 results ("None": open ports, service and OS detection, scan information) are imported as `info`, as the
 * peer does; Entente's priority keeps them on `track`, so they never interrupt anyone.
 * WAS reports (`<Report type="was">`, hosts that are URLs) give web findings located at the scanned site, the same
 * unit as ZAP's; the pages and parameters a plugin names stay in its output.
 * The `<Policy>` part is never read: it can hold the scan's credentials. Outputs are clipped and credentials in them redacted.
 * Findings are yielded host by host, so a large file is never held whole.
 */
import { badInput } from '../../errors.ts';
import type { Location, ParsedFinding, ParseContext, ReportInput, ReportParser } from '../types.ts';
import { aliasesFrom, compact, cwesFrom, num } from './common.ts';
import {
  clip,
  componentFromCpe,
  cvssOf,
  FindingGroups,
  prose,
  severityFromNumber,
  severityFromWord,
  text,
} from './host-scan.ts';
import { attr, children, streamXml, textOf, xmlRootName, type XmlElement } from './xml.ts';

export const nessusTool = 'Nessus';
export const wasTool = 'Tenable WAS';
const scanInformationPlugin = '19506';
/** The Policy can hold the scan's credentials; attachments are base64 files (screenshots, logs) of no use here. */
const neverRead = ['Policy', 'attachment'];

/** `.nessus` (v2) files from Nessus, Tenable.sc and Tenable WAS. */
export const nessusParser: ReportParser = {
  format: 'nessus',
  label: 'Tenable Nessus (.nessus v2, also Tenable WAS XML)',
  // No `tool`: the same format holds Nessus and WAS runs; the parser names the one it reads.
  detect: (head) => xmlRootName(head) === 'NessusClientData_v2',
  parse: parseNessus,
};

interface HostScope {
  el: XmlElement;
  report: XmlElement | undefined;
  props: Map<string, string>;
  items: XmlElement[];
}

async function* parseNessus(input: ReportInput, context?: ParseContext): AsyncIterable<ParsedFinding> {
  const file = input.name;
  const onRoot = (root: XmlElement): void => {
    if (root.name === 'NessusClientData_v2') return;
    const hint = root.name === 'NessusClientData' ? ' (a Nessus v1 file: export the scan as ".nessus" v2)' : '';
    throw badInput(
      `${file}: not a .nessus v2 report: the root element is <${root.name}>, expected <NessusClientData_v2>${hint}`,
      { file },
    );
  };
  const runs = new Map<string, string | undefined>();
  let scope: HostScope | undefined;
  const matches = streamXml(input.stream(), {
    name: file,
    collect: ['HostProperties', 'ReportItem'],
    skip: neverRead,
    onRoot,
  });
  for await (const { element, ancestors } of matches) {
    const host = ancestors.findLast((a) => a.name === 'ReportHost');
    if (!host)
      throw badInput(`${file}: the <${element.name}> at line ${element.line} is not inside a <ReportHost>`, {
        file,
        line: element.line,
      });
    if (scope?.el !== host) {
      if (scope) yield* findingsOf(scope, runs, file);
      scope = { el: host, report: ancestors.findLast((a) => a.name === 'Report'), props: new Map(), items: [] };
    }
    if (element.name === 'HostProperties') {
      for (const tag of children(element, 'tag'))
        if (attr(tag, 'name')) scope.props.set(attr(tag, 'name') ?? '', tag.text.trim());
    } else scope.items.push(element);
  }
  if (scope) yield* findingsOf(scope, runs, file);
  if (runs.size === 0)
    runs.set(/<Report\b[^>]*\btype\s*=\s*["']was["']/.test(input.head) ? wasTool : nessusTool, undefined);
  for (const [tool, version] of runs) context?.tool(tool, version);
}

/** The findings of one host, once all its items are read: grouped per plugin and port. */
function findingsOf(scope: HostScope, runs: Map<string, string | undefined>, file: string): Iterable<ParsedFinding> {
  const name = attr(scope.el, 'name');
  if (!name)
    throw badInput(`${file}: the <ReportHost> at line ${scope.el.line} has no name`, { file, line: scope.el.line });
  const web =
    attr(scope.report, 'type') === 'was'
    || scope.props.get('system-type') === 'web_application'
    || /^https?:\/\//i.test(name);
  const tool = web ? wasTool : nessusTool;
  const info = scope.items.find((i) => attr(i, 'pluginID') === scanInformationPlugin);
  const version = web
    ? undefined
    : (/Nessus version\s*:\s*(\d[\w.-]*)/.exec(textOf(info, 'plugin_output') ?? '')?.[1] ?? runs.get(tool));
  runs.set(tool, version);
  const groups = new FindingGroups('pluginOutput');
  for (const item of scope.items)
    groups.add(
      toFinding(item, { name, props: scope.props, web, tool, version }, file),
      item.children.find((c) => c.name === 'plugin_output')?.text,
    );
  return groups.drain();
}

interface HostFacts {
  name: string;
  props: Map<string, string>;
  web: boolean;
  tool: string;
  version: string | undefined;
}

function toFinding(item: XmlElement, host: HostFacts, file: string): ParsedFinding {
  const pluginId = attr(item, 'pluginID');
  const title = attr(item, 'pluginName') ?? textOf(item, 'plugin_name');
  if (!pluginId || !title) {
    throw badInput(`${file}: the <ReportItem> at line ${item.line} has no ${pluginId ? 'pluginName' : 'pluginID'}`, {
      file,
      line: item.line,
    });
  }
  const output = textOf(item, 'plugin_output');
  const xrefs = texts(item, 'xref');
  const v2 = cvssOf(textOf(item, 'cvss_vector'), textOf(item, 'cvss_base_score') ?? textOf(item, 'cvss'), '2.0');
  const cvss =
    cvssOf(textOf(item, 'cvss3_vector'), textOf(item, 'cvss3_base_score') ?? textOf(item, 'cvssv3'), '3.0')
    ?? cvssOf(textOf(item, 'cvss4_vector'), textOf(item, 'cvss4_base_score'), '4.0')
    ?? v2;
  return compact<ParsedFinding>({
    tool: host.tool,
    toolVersion: host.version,
    ruleId: pluginId,
    kind: host.web ? 'web' : 'host',
    title,
    description: prose(textOf(item, 'description')),
    severity: severityFromNumber(attr(item, 'severity')) ?? severityFromWord(textOf(item, 'risk_factor')),
    cvss,
    aliases: aliasesFrom(
      texts(item, 'cve'),
      xrefs.filter((x) => /^CVE:/i.test(x)),
    ),
    cwes: cwesFrom(
      texts(item, 'cwe'),
      xrefs.filter((x) => /^CWE:/i.test(x)),
    ),
    component: componentFromCpe(texts(item, 'cpe')[0], versionIn(output, 'Installed version')),
    fixedVersion: versionIn(output, 'Fixed version'),
    location: host.web ? webLocation(item, host) : hostLocation(item, host),
    references: urlsIn(texts(item, 'see_also')),
    detail: detailOf(item, host, xrefs, cvss === v2 ? undefined : v2),
  });
}

function hostLocation(item: XmlElement, host: HostFacts): Location {
  const port = num(attr(item, 'port'));
  return compact<Location>({
    host: host.props.get('host-ip') ?? host.name,
    port: port !== undefined && port > 0 ? port : undefined,
    protocol: attr(item, 'protocol')?.toLowerCase(),
  });
}

/** The scanned site: the host's name when it is a URL (WAS names hosts so), else one built from the service. */
function webLocation(item: XmlElement, host: HostFacts): Location {
  const fqdn = host.props.get('host-fqdn');
  const port = num(attr(item, 'port'));
  const scheme = attr(item, 'svc_name') === 'https' || port === 443 ? 'https' : 'http';
  const url = [host.name, fqdn].find((u) => u !== undefined && /^https?:\/\//i.test(u)) ?? `${scheme}://${host.name}`;
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  return compact<Location>({
    url,
    host: parsed?.hostname || host.name,
    port: num(parsed?.port) ?? (port !== undefined && port > 0 ? port : undefined),
  });
}

function detailOf(item: XmlElement, host: HostFacts, xrefs: string[], v2: unknown): Record<string, unknown> {
  const t = (name: string): string | undefined => textOf(item, name);
  const list = (...names: string[]): string[] | undefined => {
    const all = names.flatMap((n) => texts(item, n));
    return all.length > 0 ? all : undefined;
  };
  const frameworks = item.children
    .filter((c) => /^exploit_framework_/.test(c.name) && c.text.trim() === 'true')
    .map((c) => c.name.slice(18));
  return compact({
    pluginFamily: attr(item, 'pluginFamily'),
    pluginType: t('plugin_type'),
    service: attr(item, 'svc_name'),
    synopsis: prose(t('synopsis')),
    solution: clip(prose(t('solution'))),
    riskFactor: t('risk_factor'),
    cvssV2: v2,
    cvssTemporalScore: num(t('cvss3_temporal_score') ?? t('cvss_temporal_score')),
    vprScore: num(t('vpr_score')),
    epssScore: num(t('epss_score')),
    exploitAvailable: flag(t('exploit_available')),
    exploitabilityEase: t('exploitability_ease'),
    exploitedByMalware: flag(t('exploited_by_malware')),
    exploitFrameworks: frameworks.length > 0 ? frameworks : undefined,
    metasploitName: t('metasploit_name'),
    stigSeverity: t('stig_severity'),
    cpe: list('cpe'),
    bid: list('bid'),
    xref: xrefs.length > 0 ? xrefs : undefined,
    iava: list('iava', 'iavb', 'iavt'),
    msft: list('msft', 'mskb'),
    vulnPublicationDate: t('vuln_publication_date'),
    patchPublicationDate: t('patch_publication_date'),
    pluginPublicationDate: t('plugin_publication_date'),
    pluginModificationDate: t('plugin_modification_date'),
    hostName: host.name,
    fqdn: host.props.get('host-fqdn'),
    netbiosName: host.props.get('netbios-name'),
    operatingSystem: host.props.get('operating-system'),
  });
}

function texts(el: XmlElement, name: string): string[] {
  return children(el, name)
    .map((c) => c.text.trim())
    .filter((s) => s !== '');
}

function flag(v: string | undefined): boolean | undefined {
  return v === 'true' ? true : v === 'false' ? false : undefined;
}

/** "Installed version : 5.1.6" / "Fixed version : 5.2.1" lines of a plugin output, when they hold a version. */
export function versionIn(output: string | undefined, label: string): string | undefined {
  const m = new RegExp(`^[ \\t]*${label}[ \\t]*:[ \\t]*(\\S[^\\r\\n]{0,80})$`, 'im').exec(output ?? '');
  const v = text(m?.[1]);
  return v !== undefined && /\d/.test(v) && !/\s(no longer|not)\s/i.test(` ${v} `) ? v : undefined;
}

/** The http(s) URLs in whitespace-separated reference lists, unique. */
export function urlsIn(values: (string | undefined)[]): string[] | undefined {
  const urls = values.flatMap((v) => (v ?? '').split(/\s+/)).filter((u) => /^https?:\/\/\S/i.test(u));
  return urls.length > 0 ? [...new Set(urls)] : undefined;
}
