/**
 * CSV exports of Nessus results: Nessus's own ("Plugin ID,CVE,CVSS,Risk,Host,…", with the optional columns of newer
 * versions such as "CVSS v3.0 Base Score"), Tenable.sc's ("Plugin","Plugin Name","Family","Severity","IP Address",…)
 * and Tenable WAS's ("Plugin ID,CVE,CVSS,CVSSv3,Risk,Host,Protocol,Port,…", where Protocol is http or https).
 *
 * Nessus writes one row per CVE of a plugin; rows of one plugin on one host, port and protocol are one finding, as
 * in the .nessus parser. Columns Entente does not model are kept in `detail.columns`.
 */
import { badInput } from '../../errors.ts';
import type { Location, ParsedFinding, ParseContext, ReportInput, ReportParser } from '../types.ts';
import { aliasesFrom, compact, cwesFrom, num } from './common.ts';
import {
  clip,
  componentFromCpe,
  csvHeader,
  cvssOf,
  FindingGroups,
  prose,
  readCsv,
  severityFromNumber,
  severityFromWord,
  type CsvRow,
} from './host-scan.ts';
import { nessusTool, urlsIn, versionIn, wasTool } from './nessus.ts';

/** The columns read into the finding's own fields (lower case); every other column goes to `detail.columns`. */
const col = {
  plugin: ['Plugin ID', 'Plugin'],
  name: ['Name', 'Plugin Name'],
  severity: ['Risk', 'Severity', 'Risk Factor'],
  host: ['Host', 'IP Address', 'DNS Name'],
  protocol: ['Protocol'],
  port: ['Port'],
  cve: ['CVE'],
  v3vector: ['CVSS V3 Vector', 'CVSS v3.0 Vector'],
  v3score: ['CVSS V3 Base Score', 'CVSS v3.0 Base Score', 'CVSS v3.1 Base Score', 'CVSSv3'],
  v4vector: ['CVSS V4 Vector', 'CVSS v4.0 Vector'],
  v4score: ['CVSS V4 Base Score', 'CVSS v4.0 Base Score'],
  v2vector: ['CVSS V2 Vector', 'CVSS v2.0 Vector'],
  v2score: ['CVSS V2 Base Score', 'CVSS v2.0 Base Score', 'CVSS'],
  synopsis: ['Synopsis'],
  description: ['Description'],
  solution: ['Solution', 'Steps to Remediate'],
  seeAlso: ['See Also'],
  output: ['Plugin Output', 'Plugin Text'],
  cpe: ['CPE'],
  family: ['Family'],
  cwe: ['CWE'],
  xref: ['XREF', 'Cross References'],
} satisfies Record<string, string[]>;
const mapped: ReadonlySet<string> = new Set(
  Object.values(col)
    .flat()
    .map((c) => c.toLowerCase()),
);

/** Nessus and Tenable.sc CSV exports: host findings. */
export const nessusCsvParser: ReportParser = {
  format: 'nessus-csv',
  label: 'Tenable Nessus / Tenable.sc CSV',
  tool: nessusTool,
  detect: (head) => {
    const h = headerSet(head);
    return isNessusCsv(h) && !h.has('cvssv3');
  },
  parse: (input, context) => parseCsvReport(input, context, false),
};

/** Tenable WAS CSV exports: web findings located at the scanned site. */
export const nessusWasCsvParser: ReportParser = {
  format: 'nessus-was-csv',
  label: 'Tenable WAS CSV',
  tool: wasTool,
  detect: (head) => {
    const h = headerSet(head);
    return isNessusCsv(h) && h.has('cvssv3');
  },
  parse: (input, context) => parseCsvReport(input, context, true),
};

function headerSet(head: string): Set<string> {
  return new Set(csvHeader(head).map((c) => c.toLowerCase()));
}

function isNessusCsv(h: Set<string>): boolean {
  const any = (names: string[]): boolean => names.some((n) => h.has(n.toLowerCase()));
  return (
    any(col.plugin)
    && any(col.name)
    && any(col.host.slice(0, 2))
    && any(col.severity.slice(0, 2))
    && h.has('port')
    && h.has('protocol')
  );
}

async function* parseCsvReport(
  input: ReportInput,
  context: ParseContext | undefined,
  web: boolean,
): AsyncIterable<ParsedFinding> {
  const file = input.name;
  const { header, rows } = readCsv(await input.text(), file);
  const h = new Set(header.map((c) => c.toLowerCase()));
  if (!isNessusCsv(h)) {
    throw badInput(
      `${file}: not a ${web ? 'Tenable WAS' : 'Nessus'} CSV export: the header row lacks Plugin ID, Name, Host, Risk, Port or Protocol`,
      { file, line: 1 },
    );
  }
  const tool = web ? wasTool : nessusTool;
  context?.tool(tool);
  const groups = new FindingGroups('pluginOutput');
  for (const row of rows) {
    const f = toFinding(row, tool, web, file);
    if (f) groups.add(f, row.get(...col.output)?.replace(/^Plugin Output:\s*/i, ''));
  }
  yield* groups.drain();
}

function toFinding(row: CsvRow, tool: string, web: boolean, file: string): ParsedFinding | undefined {
  const pluginId = row.get(...col.plugin);
  const title = row.get(...col.name);
  if (!pluginId && !title) return undefined; // a row of filler: Tenable.sc pads exports with empty rows
  if (!pluginId || !title)
    throw badInput(`${file}: the row at line ${row.line} has no ${pluginId ? 'Name' : 'Plugin ID'}`, {
      file,
      line: row.line,
    });
  const host = row.get(...col.host);
  if (!host) throw badInput(`${file}: the row at line ${row.line} has no Host`, { file, line: row.line });
  const output = row.get(...col.output);
  const v2 = cvssOf(row.get(...col.v2vector), row.get(...col.v2score), '2.0');
  const cvss =
    cvssOf(row.get(...col.v3vector), row.get(...col.v3score), '3.0')
    ?? cvssOf(row.get(...col.v4vector), row.get(...col.v4score), '4.0')
    ?? v2;
  const rawSeverity = row.get(...col.severity);
  const columns = row.rest(mapped);
  return compact<ParsedFinding>({
    tool,
    ruleId: pluginId,
    kind: web ? 'web' : 'host',
    title,
    description: prose(row.get(...col.description)),
    severity: severityFromNumber(rawSeverity) ?? severityFromWord(rawSeverity),
    cvss,
    aliases: aliasesFrom(row.get(...col.cve)),
    cwes: cwesFrom(
      row.get(...col.cwe)?.split(/[\s,;]+/),
      [...(row.get(...col.xref) ?? '').matchAll(/\bCWE\s*[:#]\s*(\d+)/gi)].map((m) => m[1]),
    ),
    component: componentFromCpe(row.get(...col.cpe), versionIn(output, 'Installed version')),
    fixedVersion: versionIn(output, 'Fixed version'),
    location: web ? webLocation(row, host) : hostLocation(row, host),
    references: urlsIn([row.get(...col.seeAlso)]),
    detail: compact({
      pluginFamily: row.get(...col.family),
      synopsis: prose(row.get(...col.synopsis)),
      solution: clip(prose(row.get(...col.solution))),
      cvssV2: cvss === v2 ? undefined : v2,
      cpe: row.get(...col.cpe),
      xref: row.get(...col.xref),
      columns: Object.keys(columns).length > 0 ? clipAll(columns) : undefined,
    }),
  });
}

function hostLocation(row: CsvRow, host: string): Location {
  const port = num(row.get(...col.port));
  return compact<Location>({
    host,
    port: port !== undefined && port > 0 ? port : undefined,
    protocol: row.get(...col.protocol)?.toLowerCase(),
  });
}

/** WAS rows name the site by host and scheme ("google.com", "http"); the port is given only when not the default. */
function webLocation(row: CsvRow, host: string): Location {
  const scheme = row.get(...col.protocol)?.toLowerCase();
  const port = num(row.get(...col.port));
  const withPort =
    port !== undefined && port > 0 && !((scheme === 'http' && port === 80) || (scheme === 'https' && port === 443))
      ? `:${port}`
      : '';
  const url = /^https?:\/\//i.test(host) ? host : `${scheme === 'https' ? 'https' : 'http'}://${host}${withPort}/`;
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  const given = num(parsed?.port) ?? (port !== undefined && port > 0 ? port : undefined);
  return compact<Location>({
    url,
    host: parsed?.hostname || host,
    port: given ?? (parsed?.protocol === 'https:' ? 443 : 80),
  });
}

function clipAll(o: Record<string, string>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, clip(v)]));
}
