/**
 * Tenable Vulnerability Management (formerly Tenable.io) CSV exports of vulnerability findings: dotted column keys
 * (`asset.name`, `asset.display_ipv4_address`, `definition.id`, `definition.name`, `definition.cve`, `severity`,
 * `port`, `protocol`, `state`, `output`, …), comma- or semicolon-separated, in whatever order and subset the export
 * chose.
 *
 * A finding is a Nessus plugin (`definition.id`) on an asset, port and protocol, so the findings are Nessus's, as
 * those of Nessus's and Tenable.sc's own exports are: the same plugin on the same host and port is one finding
 * whichever of them reported it. The host is the asset's IPv4 address as Nessus names it (else its IPv6 address,
 * name or scan target). A fixed finding (`state` FIXED) is closed by the report as fixed, an accepted one
 * (`risk_modified` ACCEPTED) as accepted; active, new and resurfaced ones are open. Columns Entente does not model
 * are kept in `detail.columns`.
 */
import { badInput } from '../../errors.ts';
import type { Location, ParsedFinding, ParseContext, ReportInput, ReportParser, ReportState } from '../types.ts';
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
import { nessusTool, urlsIn, versionIn } from './nessus.ts';

/** The columns read into the finding's own fields; every other column goes to `detail.columns`. */
const col = {
  plugin: ['definition.id'],
  name: ['definition.name'],
  host: [
    'asset.display_ipv4_address',
    'asset.ipv4_addresses',
    'asset.display_ipv6_address',
    'asset.ipv6_addresses',
    'asset.display_fqdn',
    'asset.host_name',
    'asset.name',
    'scan.target',
  ],
  assetName: ['asset.name'],
  fqdn: ['asset.display_fqdn', 'asset.host_name'],
  assetId: ['asset.id'],
  findingId: ['id'],
  severity: ['severity', 'definition.severity'],
  port: ['port'],
  protocol: ['protocol'],
  cve: ['definition.cve'],
  cwe: ['definition.cwe'],
  xref: ['definition.xrefs', 'definition.references'],
  v3vector: ['definition.cvss3.base_vector'],
  v3score: ['definition.cvss3.base_score'],
  v4vector: ['definition.cvss4.base_vector'],
  v4score: ['definition.cvss4.base_score'],
  v2vector: ['definition.cvss2.base_vector'],
  v2score: ['definition.cvss2.base_score'],
  synopsis: ['definition.synopsis'],
  description: ['definition.description'],
  solution: ['definition.solution'],
  seeAlso: ['definition.see_also'],
  output: ['output'],
  cpe: ['definition.cpe'],
  family: ['definition.family'],
  state: ['state'],
  riskModified: ['risk_modified'],
  recastReason: ['recast_reason'],
  vpr: ['definition.vpr.score'],
  epss: ['definition.epss.score'],
  firstSeen: ['first_observed', 'first_found'],
  lastSeen: ['last_seen', 'last_found'],
  source: ['source'],
} satisfies Record<string, string[]>;
const mapped: ReadonlySet<string> = new Set(Object.values(col).flat());

/** Tenable Vulnerability Management's CSV export of vulnerability findings. */
export const tenableVmCsvParser: ReportParser = {
  format: 'tenable-vm-csv',
  label: 'Tenable Vulnerability Management CSV (findings export)',
  tool: nessusTool,
  detect: (head) => isTenableVm(new Set(csvHeader(head).map((c) => c.toLowerCase()))),
  parse: parseTenableVm,
};

// The plugin's id and name, and an asset column: what every vulnerability findings export has.
function isTenableVm(h: Set<string>): boolean {
  return h.has('definition.id') && h.has('definition.name') && col.host.some((c) => h.has(c));
}

async function* parseTenableVm(input: ReportInput, context?: ParseContext): AsyncIterable<ParsedFinding> {
  const file = input.name;
  const { header, rows } = readCsv(await input.text(), file);
  if (!isTenableVm(new Set(header.map((c) => c.toLowerCase())))) {
    throw badInput(
      `${file}: not a Tenable Vulnerability Management CSV export: the header row lacks definition.id, definition.name or an asset column (asset.display_ipv4_address, asset.name, …)`,
      { file, line: 1 },
    );
  }
  context?.tool(nessusTool);
  const groups = new FindingGroups('pluginOutput');
  for (const row of rows) {
    const f = toFinding(row, file);
    if (f) groups.add(f, row.get(...col.output));
  }
  yield* groups.drain();
}

function toFinding(row: CsvRow, file: string): ParsedFinding | undefined {
  const pluginId = row.get(...col.plugin);
  const title = row.get(...col.name);
  if (!pluginId && !title) return undefined; // a row of empty values
  if (!pluginId || !title)
    throw badInput(`${file}: the row at line ${row.line} has no ${pluginId ? 'definition.name' : 'definition.id'}`, {
      file,
      line: row.line,
    });
  const host = firstOf(row.get(...col.host));
  if (!host)
    throw badInput(`${file}: the row at line ${row.line} names no asset (asset.display_ipv4_address, asset.name, …)`, {
      file,
      line: row.line,
    });
  const output = row.get(...col.output);
  const v2 = cvssOf(row.get(...col.v2vector), row.get(...col.v2score), '2.0');
  const cvss =
    cvssOf(row.get(...col.v3vector), row.get(...col.v3score), '3.0')
    ?? cvssOf(row.get(...col.v4vector), row.get(...col.v4score), '4.0')
    ?? v2;
  const rawSeverity = row.get(...col.severity);
  const columns = row.rest(mapped);
  const state = stateOf(row);
  return compact<ParsedFinding>({
    tool: nessusTool,
    ruleId: pluginId,
    kind: 'host',
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
    location: locationOf(row, host),
    references: urlsIn([row.get(...col.seeAlso)?.replace(/,/g, ' ')]),
    state,
    detail: compact({
      asset: row.get(...col.assetName),
      fqdn: row.get(...col.fqdn),
      assetId: row.get(...col.assetId),
      findingId: row.get(...col.findingId),
      state: row.get(...col.state),
      pluginFamily: row.get(...col.family),
      synopsis: prose(row.get(...col.synopsis)),
      solution: clip(prose(row.get(...col.solution))),
      vpr: num(row.get(...col.vpr)),
      epss: num(row.get(...col.epss)),
      firstSeen: row.get(...col.firstSeen),
      lastSeen: row.get(...col.lastSeen),
      source: row.get(...col.source),
      cvssV2: cvss === v2 ? undefined : v2,
      cpe: row.get(...col.cpe),
      columns:
        Object.keys(columns).length > 0
          ? Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, clip(v)]))
          : undefined,
    }),
  });
}

// Address lists ("10.0.0.5, 10.0.0.6", or JSON-like ["10.0.0.5"]) name the asset by their first address.
function firstOf(value: string | undefined): string | undefined {
  const first = value
    ?.replace(/^\[|\]$/g, '')
    .split(/[,;\s]+/)
    .map((v) => v.replace(/^["']|["']$/g, ''))
    .find((v) => v !== '');
  return first || undefined;
}

function locationOf(row: CsvRow, host: string): Location {
  const port = num(row.get(...col.port));
  return compact<Location>({
    host,
    port: port !== undefined && Number.isInteger(port) && port > 0 ? port : undefined,
    protocol: row.get(...col.protocol)?.toLowerCase(),
  });
}

/** Fixed findings and accepted risks are closed by the report; what Tenable calls active, new or resurfaced is open. */
function stateOf(row: CsvRow): ReportState | undefined {
  const why = row.get(...col.recastReason);
  if (row.get(...col.riskModified)?.toUpperCase() === 'ACCEPTED') {
    return { status: 'accepted', reason: `risk accepted in Tenable Vulnerability Management${why ? `: ${why}` : ''}` };
  }
  if (row.get(...col.state)?.toUpperCase() === 'FIXED')
    return { status: 'fixed', reason: 'fixed in Tenable Vulnerability Management' };
  return undefined;
}
