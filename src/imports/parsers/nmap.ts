/**
 * Nmap's XML output (`nmap -oX`), and masscan's, which writes the same shape.
 *
 * One finding per open port of each host (kind "host", rule "open-port/<service>"): these are the exposure
 * observations that change control compares between scans, so the service nmap identified (name, product,
 * version, CPEs, tunnel) is kept exactly. Only state "open" counts: "open|filtered" means no answer came back —
 * for UDP that is most closed ports behind a firewall — and "filtered", "closed" and "unfiltered" are not
 * exposure. A port is info unless its service is risky to expose: cleartext logins (FTP, Telnet, r-services),
 * databases, and VNC that nmap saw accept connections without authentication are medium.
 * Vulnerabilities that NSE scripts report also become findings on the same host and port: the CVEs of the
 * `vulners` script (its exploit entries are attached to the CVE they name, the rest listed on the port), and
 * every entry the `vulns` library marks VULNERABLE (smb-vuln-*, ssl-heartbleed, …), host scripts included.
 */
import { badInput } from '../../errors.ts';
import type {
  Component,
  Location,
  ParseContext,
  ParsedFinding,
  ReportInput,
  ReportParser,
  Severity,
} from '../types.ts';
import { aliasesFrom, compact, cwesFrom, lookup, normaliseSeverity, num, severityFromScore } from './common.ts';
import { attr, child, children, select, streamXml, xmlRootName, type XmlElement } from './xml.ts';

interface Host {
  address: string;
  location: Location;
  detail: Record<string, unknown>;
}
interface Port {
  location: Location;
  label: string;
  service: XmlElement | undefined;
  component: Component | undefined;
  scripts: XmlElement[];
}
interface Run {
  tool: string;
  version: string | undefined;
  seen: Set<string>;
}

const maxScript = 2000;
const maxList = 50;
const cleartext = new Set(['ftp', 'tftp', 'telnet', 'login', 'shell', 'exec', 'rlogin', 'rsh', 'rexec']);
const databases = new Set([
  'mysql',
  'postgresql',
  'mongodb',
  'mongod',
  'redis',
  'elasticsearch',
  'ms-sql-s',
  'oracle-tns',
  'couchdb',
  'memcached',
  'cassandra',
]);
const databaseProducts = /\b(mysql|mariadb|postgresql|mongodb|redis|elasticsearch|couchdb|memcached)\b/i;
const names: Record<string, string> = {
  ftp: 'FTP',
  tftp: 'TFTP',
  ssh: 'SSH',
  telnet: 'Telnet',
  smtp: 'SMTP',
  domain: 'DNS',
  http: 'HTTP',
  https: 'HTTPS',
  pop3: 'POP3',
  imap: 'IMAP',
  snmp: 'SNMP',
  ldap: 'LDAP',
  mysql: 'MySQL',
  postgresql: 'PostgreSQL',
  mongodb: 'MongoDB',
  redis: 'Redis',
  vnc: 'VNC',
  'ms-sql-s': 'MS SQL',
  'ms-wbt-server': 'RDP',
  'microsoft-ds': 'SMB',
  'netbios-ssn': 'NetBIOS',
  login: 'rlogin',
  shell: 'rsh',
  exec: 'rexec',
};

/** Nmap's XML report (`<nmaprun scanner="nmap" …><host>…<ports><port …>`). */
export const nmapParser: ReportParser = {
  format: 'nmap',
  label: 'Nmap XML',
  tool: 'Nmap',
  detect: detectNmap,
  parse: parseNmap,
};

// The root is found past the stylesheet, comment and DOCTYPE nmap writes; a head cut before it is matched by the tag.
function detectNmap(head: string): boolean {
  const root = xmlRootName(head);
  return root !== undefined ? root === 'nmaprun' : /^\uFEFF?\s*</.test(head) && /<nmaprun[\s>]/.test(head);
}

async function* parseNmap(input: ReportInput, context?: ParseContext): AsyncGenerator<ParsedFinding> {
  const file = input.name;
  const run: Run = { tool: 'Nmap', version: undefined, seen: new Set() };
  const onRoot = (root: XmlElement): void => {
    if (root.name !== 'nmaprun')
      throw badInput(
        `${file}: not an Nmap XML report: the root element is <${root.name}>, expected <nmaprun> (run nmap -oX)`,
        { file },
      );
    if (attr(root, 'scanner') === 'masscan') run.tool = 'masscan';
    run.version = attr(root, 'version');
    context?.tool(run.tool, run.version);
  };
  for await (const { element, ancestors } of streamXml(input.stream(), { name: file, collect: ['host'], onRoot })) {
    if (ancestors.length !== 1) continue;
    for (const f of hostFindings(element, file, run)) {
      const key = [f.location.host, f.location.protocol, f.location.port, f.ruleId, f.aliases[0], f.title].join('|');
      if (run.seen.has(key)) continue; // a host listed twice (two names for one address) is one exposure
      run.seen.add(key);
      yield f;
    }
  }
}

function* hostFindings(el: XmlElement, file: string, run: Run): Generator<ParsedFinding> {
  const host = hostOf(el, file);
  for (const p of children(child(el, 'ports'), 'port')) {
    if (attr(child(p, 'state'), 'state') !== 'open') continue;
    const port = portOf(p, host, file);
    yield openPort(port, p, host, run);
    yield* vulnersFindings(port, host, run);
    for (const s of port.scripts) yield* vulnsLibFindings(s, port.location, port.label, run);
  }
  for (const s of select(el, 'hostscript/script')) yield* vulnsLibFindings(s, host.location, host.address, run);
}

function hostOf(el: XmlElement, file: string): Host {
  const addresses = children(el, 'address');
  const ip = ['ipv4', 'ipv6'].map((t) => addresses.find((a) => attr(a, 'addrtype') === t)).find(Boolean);
  const hostnames = select(el, 'hostnames/hostname').map((h) =>
    compact({ name: attr(h, 'name'), type: attr(h, 'type') }),
  );
  const address = attr(ip, 'addr') ?? hostnames[0]?.name;
  if (!address)
    throw badInput(`${file}: the <host> at line ${el.line} has no IP address or host name`, { file, line: el.line });
  const mac = addresses.find((a) => attr(a, 'addrtype') === 'mac');
  const os = select(el, 'os/osmatch')[0];
  return {
    address: address.includes(':') ? `[${address}]` : address,
    location: { host: address },
    detail: compact({
      hostnames: nonEmpty(hostnames),
      mac: attr(mac, 'addr'),
      macVendor: attr(mac, 'vendor'),
      hostStatus: attr(child(el, 'status'), 'state'),
      os: os ? compact({ name: attr(os, 'name'), accuracy: num(attr(os, 'accuracy')) }) : undefined,
    }),
  };
}

function portOf(p: XmlElement, host: Host, file: string): Port {
  const portid = attr(p, 'portid');
  const port = num(portid);
  if (port === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw badInput(`${file}: the <port> at line ${p.line} has portid="${portid ?? ''}", expected a port number`, {
      file,
      line: p.line,
    });
  }
  const protocol = attr(p, 'protocol')?.toLowerCase() ?? 'tcp';
  const service = child(p, 'service');
  const product = attr(service, 'product');
  return {
    location: { ...host.location, port, protocol },
    label: `${host.address}:${port}${protocol === 'tcp' ? '' : `/${protocol}`}`,
    service,
    component: product ? compact({ name: product, version: attr(service, 'version') }) : undefined,
    scripts: children(p, 'script'),
  };
}

function openPort(port: Port, p: XmlElement, host: Host, run: Run): ParsedFinding {
  const s = port.service;
  const name = serviceName(s);
  const risk = riskOf(s, port.scripts);
  const product = productLabel(s);
  const display = lookup(names, attr(s, 'name')) ?? attr(s, 'name') ?? 'unknown service';
  const title = `${display}${attr(s, 'tunnel') === 'ssl' ? ' over TLS' : ''}${product ? ` (${product})` : ''} open on ${port.label}`;
  return compact<ParsedFinding>({
    tool: run.tool,
    toolVersion: run.version,
    ruleId: `open-port/${name}`,
    kind: 'host',
    title,
    description: `${run.tool} found port ${port.location.port}/${port.location.protocol} open on ${host.address}${product ? `, running ${product}` : ''}.${risk ? ` ${risk.reason}` : ''}`,
    severity: risk?.severity ?? 'info',
    aliases: [],
    cwes: risk?.cwes ?? [],
    component: port.component,
    location: port.location,
    detail: compact({
      ...host.detail,
      service: s ? serviceDetail(s) : undefined,
      reason: attr(child(p, 'state'), 'reason'),
      risk: risk?.reason,
      scripts:
        port.scripts.length > 0
          ? Object.fromEntries(
              port.scripts.map((x) => [attr(x, 'id') ?? 'script', clip(redact(attr(x, 'output') ?? ''))]),
            )
          : undefined,
      exploits: nonEmpty(
        vulnersEntries(port)
          .filter((e) => e.cves.length === 0)
          .slice(0, maxList)
          .map((e) => compact({ id: e.id, type: e.type, cvss: e.cvss })),
      ),
    }),
  });
}

/** The service as nmap names it, with "ssl/" before it when nmap found it inside TLS (its own notation). */
function serviceName(s: XmlElement | undefined): string {
  const name = attr(s, 'name') ?? 'unknown';
  return attr(s, 'tunnel') === 'ssl' ? `ssl/${name}` : name;
}

function productLabel(s: XmlElement | undefined): string | undefined {
  const main = [attr(s, 'product'), attr(s, 'version')].filter(Boolean).join(' ');
  const extra = attr(s, 'extrainfo');
  return [main, extra].filter(Boolean).join(', ') || undefined;
}

function serviceDetail(s: XmlElement): Record<string, unknown> {
  const keys = [
    'name',
    'product',
    'version',
    'extrainfo',
    'ostype',
    'devicetype',
    'hostname',
    'tunnel',
    'proto',
    'rpcnum',
    'lowver',
    'highver',
    'method',
  ];
  const cpes = children(s, 'cpe')
    .map((c) => c.text.trim())
    .filter(Boolean);
  return compact({
    ...Object.fromEntries(keys.map((k) => [k, attr(s, k)])),
    conf: num(attr(s, 'conf')),
    cpe: cpes.length > 0 ? cpes : undefined,
  });
}

// Why an open port is worth more than a note: the protocol sends credentials in clear, a database answers
// the network, or VNC lets anyone in (vnc-info says so, or lists security type "None").
function riskOf(
  s: XmlElement | undefined,
  scripts: XmlElement[],
): { severity: Severity; reason: string; cwes: number[] } | undefined {
  const name = attr(s, 'name')?.toLowerCase() ?? '';
  const ssl = attr(s, 'tunnel') === 'ssl';
  if (cleartext.has(name) && !ssl)
    return { severity: 'medium', reason: 'The protocol sends credentials and data in cleartext.', cwes: [319] };
  if (databases.has(name) || databaseProducts.test(attr(s, 'product') ?? '')) {
    return { severity: 'medium', reason: 'A database service is reachable over the network.', cwes: [] };
  }
  if (name === 'vnc' || /vnc/i.test(attr(s, 'product') ?? '')) {
    const out = scripts
      .filter((x) => /^(vnc-info|realvnc-auth-bypass)$/.test(attr(x, 'id') ?? ''))
      .map((x) => attr(x, 'output') ?? '')
      .join('\n');
    if (/does not require authentication|\bNone \(1\)|VULNERABLE/i.test(out)) {
      return { severity: 'medium', reason: 'The VNC server accepts connections without authentication.', cwes: [306] };
    }
  }
  return undefined;
}

interface VulnersEntry {
  id: string;
  type: string | undefined;
  cvss: number | undefined;
  exploit: boolean;
  cpe: string | undefined;
  cves: string[];
}

function vulnersEntries(port: Port): VulnersEntry[] {
  const script = port.scripts.find((s) => attr(s, 'id') === 'vulners');
  return children(script, 'table').flatMap((cpe) =>
    children(cpe, 'table').flatMap((t) => {
      const elem = (k: string): string | undefined =>
        children(t, 'elem')
          .find((e) => attr(e, 'key') === k)
          ?.text.trim() || undefined;
      const id = elem('id');
      if (!id) return [];
      return [
        {
          id,
          type: elem('type'),
          cvss: num(elem('cvss')),
          exploit: elem('is_exploit') === 'true',
          cpe: attr(cpe, 'key'),
          cves: aliasesFrom(id).filter((a) => a.startsWith('CVE-')),
        },
      ];
    }),
  );
}

function* vulnersFindings(port: Port, host: Host, run: Run): Generator<ParsedFinding> {
  const byCve = new Map<string, VulnersEntry[]>();
  for (const e of vulnersEntries(port)) for (const cve of e.cves) byCve.set(cve, [...(byCve.get(cve) ?? []), e]);
  for (const [cve, entries] of byCve) {
    const own = entries.find((e) => e.type === 'cve' && e.id.toUpperCase() === cve);
    const scores = entries.map((e) => e.cvss).filter((n): n is number => n !== undefined && n >= 0 && n <= 10);
    const score = own?.cvss ?? (scores.length > 0 ? Math.max(...scores) : undefined);
    const on = port.component
      ? [port.component.name, port.component.version].filter(Boolean).join(' ')
      : (entries[0]?.cpe ?? serviceName(port.service));
    const exploits = entries.filter((e) => e.exploit).map((e) => e.id);
    yield compact<ParsedFinding>({
      tool: run.tool,
      toolVersion: run.version,
      ruleId: cve,
      kind: 'host',
      title: `${cve} in ${on} on ${port.label}`,
      description: `The vulners script matched ${cve} to ${on}${exploits.length > 0 ? `; public exploits: ${exploits.slice(0, 5).join(', ')}` : ''}.`,
      severity: score !== undefined ? severityFromScore(score) : 'medium',
      cvss: score !== undefined ? { score } : undefined,
      aliases: [cve],
      cwes: [],
      component: port.component,
      location: port.location,
      references: [`https://vulners.com/cve/${cve}`],
      detail: compact({
        ...host.detail,
        source: 'vulners',
        cpe: entries[0]?.cpe,
        exploits: nonEmpty(exploits.slice(0, maxList)),
      }),
    });
  }
}

// The vulns library (smb-vuln-*, ssl-heartbleed, http-vuln-*, …) writes one table per vulnerability it checked.
function* vulnsLibFindings(script: XmlElement, location: Location, where: string, run: Run): Generator<ParsedFinding> {
  const id = attr(script, 'id') ?? 'script';
  for (const t of children(script, 'table')) {
    const elem = (k: string): string | undefined =>
      children(t, 'elem')
        .find((e) => attr(e, 'key') === k)
        ?.text.trim() || undefined;
    const list = (k: string): string[] =>
      children(
        children(t, 'table').find((x) => attr(x, 'key') === k),
        'elem',
      )
        .map((e) => e.text.trim())
        .filter(Boolean);
    const state = elem('state') ?? '';
    if (!/^(LIKELY )?VULNERABLE/.test(state)) continue;
    const title = elem('title') ?? attr(t, 'key') ?? id;
    const ids = list('ids');
    const scores = children(
      children(t, 'table').find((x) => attr(x, 'key') === 'scores'),
      'elem',
    )
      .map((e) => num(e.text))
      .filter((n): n is number => n !== undefined);
    const score = scores.length > 0 ? Math.max(...scores) : undefined;
    const risk = elem('risk_factor');
    yield compact<ParsedFinding>({
      tool: run.tool,
      toolVersion: run.version,
      ruleId: id,
      kind: 'host',
      title: `${title} on ${where}`,
      description: list('description').join('\n') || undefined,
      severity: risk ? normaliseSeverity(risk, 'medium') : score !== undefined ? severityFromScore(score) : 'high',
      cvss: score !== undefined ? { score } : undefined,
      aliases: aliasesFrom(ids, attr(t, 'key')),
      cwes: cwesFrom(ids.filter((x) => /^cwe/i.test(x))),
      location,
      references: nonEmpty(
        list('refs')
          .filter((r) => /^https?:\/\//.test(r))
          .slice(0, maxList),
      ),
      detail: compact({
        script: id,
        state,
        ids: nonEmpty(ids),
        disclosure: elem('disclosure'),
        extraInfo: list('extra_info').join('\n') || undefined,
      }),
    });
  }
}

// NSE brute-force scripts print the passwords they found; a findings store keeps the account, never the password.
function redact(output: string): string {
  return output
    .replace(/^(\s*[^\s:]+):\S+(\s+-\s+Valid credentials)/gim, '$1:[redacted]$2')
    .replace(/\b(password|passwd|pass|secret|token)(\s*[:=]\s*)\S+/gi, '$1$2[redacted]');
}

function clip(s: string): string {
  const t = s.trim();
  return t.length > maxScript ? `${t.slice(0, maxScript)}…` : t;
}

function nonEmpty<T>(list: T[]): T[] | undefined {
  return list.length > 0 ? list : undefined;
}
