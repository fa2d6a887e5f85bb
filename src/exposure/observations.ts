/**
 * What a network scan says is open, read with the findings parsers (nmap, masscan, Nessus, OpenVAS): one observation
 * per open host, port and protocol, and the scan's scope — which hosts and ports it looked at — so that what it no
 * longer sees open is closed. An nmap report states its scope (<scaninfo services=…> and the hosts it found up); for the
 * other formats the scope is every port of the hosts the report names.
 */
import { badInput } from '../errors.ts';
import type { ParsedFinding, ReportInput, ReportParser } from '../imports/types.ts';
import { detectParser, parserByFormat } from '../imports/parsers/index.ts';
import { attr, children, streamXml } from '../imports/parsers/xml.ts';
import { text, toolName } from '../imports/normalise.ts';
import { parserFailure } from '../imports/read-report.ts';

export interface Observation {
  host: string;
  hostnames: string[];
  port: number;
  protocol: string; // tcp | udp
  serviceName: string; // as the scanner names it ("ftp", "ssl/http"), or "unknown"
  product: string | null;
  tool: string;
}

/** Ranges of ports a scan looked at, per protocol; `all` when the report does not say. */
export type PortScope = { all: true } | { all: false; ranges: Record<string, { from: number; to: number }[]> };

export interface ScanRead {
  format: string;
  tools: string[];
  observations: Observation[];
  /** Every host the scan looked at (addresses and names, lower case), open ports or not. */
  hosts: Set<string>;
  ports: PortScope;
}

/** The formats whose reports say what is open on which host. */
const hostFormats = ['nmap', 'nessus', 'nessus-csv', 'openvas', 'openvas-csv'] as const;

/** Reads a host scan into observations and scope; other report formats are bad_input saying which ones work. */
export async function readScan(input: ReportInput, format?: string): Promise<ScanRead> {
  const parser = format ? parserByFormat(format) : detectParser(input);
  if (!(hostFormats as readonly string[]).includes(parser.format)) {
    throw badInput(
      `${input.name} is a ${parser.label} report, which does not say which ports are open; exposure reads ${hostFormats.join(', ')} (e.g. nmap -oX scan.xml)`,
      { file: input.name, format: parser.format },
    );
  }
  const byKey = new Map<string, Observation>();
  const tools = new Set<string>();
  for (const f of await parseAll(parser, input, tools)) {
    const o = observationOf(f);
    if (o && !byKey.has(keyOf(o))) byKey.set(keyOf(o), o);
  }
  const observations = [...byKey.values()];
  const scope = parser.format === 'nmap' ? await nmapScope(input) : undefined;
  const hosts = new Set<string>(scope?.hosts ?? []);
  for (const o of observations) [o.host, ...o.hostnames].forEach((h) => hosts.add(h));
  return { format: parser.format, tools: [...tools].sort(), observations, hosts, ports: scope?.ports ?? { all: true } };
}

async function parseAll(parser: ReportParser, input: ReportInput, tools: Set<string>): Promise<ParsedFinding[]> {
  const out: ParsedFinding[] = [];
  try {
    for await (const f of parser.parse(input, { tool: (name) => void tools.add(name) })) out.push(f);
  } catch (e) {
    throw parserFailure(e, parser, input);
  }
  if (parser.tool) tools.add(parser.tool);
  return out;
}

const keyOf = (o: Pick<Observation, 'host' | 'port' | 'protocol'>): string => `${o.host}|${o.port}|${o.protocol}`;

// nmap says "open-port/<service>" for each open port; the other scanners' checks on a port show it answers.
function observationOf(f: ParsedFinding): Observation | undefined {
  const l = f.location;
  if (f.kind !== 'host' || !l.host || l.port === undefined || l.port === 0) return undefined;
  const fromNmap = /^open-port\/(.+)$/.exec(f.ruleId)?.[1];
  const service = fromNmap ?? (typeof f.detail?.service === 'string' ? f.detail.service : undefined);
  const names = Array.isArray(f.detail?.hostnames)
    ? (f.detail.hostnames as { name?: unknown }[]).map((h) => h?.name).filter((n): n is string => typeof n === 'string')
    : [];
  // Stored and compared as the database keeps text: without NULs, lone surrogates or unbounded length.
  const product =
    fromNmap && f.component ? text([f.component.name, f.component.version].filter(Boolean).join(' '), 1000) : null;
  return {
    host: text(l.host, 255).toLowerCase(),
    hostnames: [...new Set(names.map((n) => text(n, 255).toLowerCase()))],
    port: l.port,
    protocol: text(l.protocol ?? 'tcp', 20).toLowerCase(),
    serviceName: text(service ?? 'unknown', 200).toLowerCase(),
    product,
    tool: toolName(f.tool),
  };
}

// The hosts nmap found up (open ports or not) and the ports it was asked to scan (<scaninfo protocol services>).
async function nmapScope(input: ReportInput): Promise<{ hosts: string[]; ports: PortScope }> {
  const hosts: string[] = [];
  const ranges: Record<string, { from: number; to: number }[]> = {};
  let stated = false;
  for await (const { element, ancestors } of streamXml(input.stream(), {
    name: input.name,
    collect: ['host', 'scaninfo'],
  })) {
    if (ancestors.length !== 1) continue;
    if (element.name === 'scaninfo') {
      const protocol = (attr(element, 'protocol') ?? 'tcp').toLowerCase();
      const services = attr(element, 'services');
      if (services === undefined) continue;
      stated = true;
      ranges[protocol] = [...(ranges[protocol] ?? []), ...rangesOf(services)];
      continue;
    }
    if (attr(children(element, 'status')[0], 'state') === 'down') continue;
    for (const a of children(element, 'address'))
      if (attr(a, 'addrtype') !== 'mac' && attr(a, 'addr')) hosts.push(attr(a, 'addr')!.toLowerCase());
    for (const h of children(children(element, 'hostnames')[0], 'hostname'))
      if (attr(h, 'name')) hosts.push(attr(h, 'name')!.toLowerCase());
  }
  return { hosts, ports: stated ? { all: false, ranges } : { all: true } };
}

function rangesOf(services: string): { from: number; to: number }[] {
  return services
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .flatMap((s) => {
      const [a, b] = s.split('-').map((x) => Number(x.replace(/^[TU]:/, '')));
      return a !== undefined && Number.isInteger(a)
        ? [{ from: a, to: b !== undefined && Number.isInteger(b) ? b : a }]
        : [];
    });
}

/** True when the scan looked at this port (so not seeing it open means it is closed now). */
export function inScope(scope: PortScope, port: number, protocol: string): boolean {
  if (scope.all) return true;
  return (scope.ranges[protocol] ?? []).some((r) => port >= r.from && port <= r.to);
}
