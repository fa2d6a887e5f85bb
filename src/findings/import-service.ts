/** Imports one scanner report for one service as one transaction: stage, merge, fix what is absent, audit. */
import { sql, type Kysely } from 'kysely';
import type { DB, Priority, Service } from '../db/schema.ts';
import { EntenteError, badInput } from '../errors.ts';
import type { Policy } from '../policy/policy.ts';
import { recordAudit } from '../audit/audit.ts';
import type { ParseContext, ParsedFinding, ReportInput, ReportParser } from './types.ts';
import { detectParser, parserByFormat } from './parsers/index.ts';
import type { ImportRow } from './normalise.ts';
import { ReportRows } from './report-rows.ts';
import { decidePriority } from './priority.ts';
import { insertNewFindings, type DecidedRow } from './insert-new.ts';
import { fixAbsent, loadStored, syncSources, updateSeenAgain, type SeenAgain } from './merge-existing.ts';
import { lookupFeeds } from '../feeds/lookup.ts';
import { lapseExceptionsOnRisingPriority } from '../exceptions/lapse.ts';

export interface ImportRequest {
  service: string;
  input: ReportInput;
  format?: string | undefined;
  commit?: string | undefined;
  branch?: string | undefined;
  actor: string;
}

export interface ImportSummary {
  scanId: number;
  service: string;
  format: string;
  tools: string[];
  findings: number;     // distinct findings in the report
  created: number;
  /** Of `created`, those the report itself closed (VEX not_affected, suppressed, dismissed): created with its status. */
  closedInReport: number;
  unchanged: number;
  fixed: number;
  reopened: number;
  act: number;
  attend: number;
}

export interface ImportDeps {
  db: Kysely<DB>;
  policy: Policy;
  now: () => Date;
}

/** Reads the whole report, then writes it in one transaction: it lands whole or not at all. A big report is read into
 * temporary files by fingerprint (report-rows.ts) and written a file at a time, still in that one transaction. */
export async function importReport(deps: ImportDeps, req: ImportRequest): Promise<ImportSummary> {
  const service = await findService(deps.db, req.service);
  const parser = req.format ? parserByFormat(req.format) : detectParser(req.input);
  const { rows, tools } = await readReport(parser, req.input);
  try {
    return await importRows(deps, service, { format: parser.format, fileName: req.input.name, rows, tools, commit: req.commit, branch: req.branch, actor: req.actor });
  } finally {
    rows.dispose();
  }
}

/** Findings Entente produced itself (e.g. exposure observations), imported with the same lifecycle as a report:
 * one run of `tool` for `service`; what the tool reported before and not now becomes fixed. */
export interface ParsedImport {
  service: string;
  format: string;
  fileName: string;
  tools: string[];
  findings: ParsedFinding[];
  actor: string;
}

export async function importParsed(deps: ImportDeps, req: ParsedImport): Promise<ImportSummary> {
  const service = await findService(deps.db, req.service);
  const rows = new ReportRows();
  try {
    for (const f of req.findings) rows.add(f);
    return await importRows(deps, service, { format: req.format, fileName: req.fileName, rows, tools: [...new Set(req.tools)].sort(), actor: req.actor });
  } finally {
    rows.dispose();
  }
}

interface RowsToImport { format: string; fileName: string; rows: ReportRows; tools: string[]; commit?: string | undefined; branch?: string | undefined; actor: string }

async function importRows(deps: ImportDeps, service: Service, req: RowsToImport): Promise<ImportSummary> {
  const { rows, tools } = req;
  const now = deps.now();
  return deps.db.transaction().execute(async (trx) => {
    // One import per service at a time: the second waits, then sees what the first stored.
    await sql`select pg_advisory_xact_lock(${serviceLock}, ${service.id})`.execute(trx);
    const scan = await trx.insertInto('scans').values({
      service_id: service.id, format: req.format, tools, tool_version: rows.toolVersion ?? null, file_name: req.fileName,
      commit_sha: req.commit ?? null, branch: req.branch ?? null, actor: req.actor, summary: '{}', created_at: now,
    }).returning('id').executeTakeFirstOrThrow();
    const scope: MergeScope = { serviceId: service.id, ownerTeamId: service.owner_team_id, scanId: scan.id, tools, now, policy: deps.policy };
    const counts = { findings: 0, created: 0, closedInReport: 0, unchanged: 0, reopened: 0, act: 0, attend: 0 };
    const reportedIds: number[] = [];
    for await (const group of rows.groups()) {
      const part = await merge(trx, await decide(trx, deps.policy, service, group), scope);
      for (const id of part.ids) reportedIds.push(id);
      counts.findings += group.length;
      for (const k of ['created', 'closedInReport', 'unchanged', 'reopened', 'act', 'attend'] as const) counts[k] += part[k];
    }
    const fixed = await fixAbsent(trx, { serviceId: service.id, tools, reportedIds, scanId: scan.id, now });
    const summary: ImportSummary = {
      scanId: scan.id, service: service.name, format: req.format, tools, findings: counts.findings, created: counts.created,
      closedInReport: counts.closedInReport, unchanged: counts.unchanged, fixed, reopened: counts.reopened, act: counts.act, attend: counts.attend,
    };
    await trx.updateTable('scans').set({ summary: JSON.stringify(summary) }).where('id', '=', scan.id).execute();
    await lapseExceptionsOnRisingPriority(trx, { now, policy: deps.policy, actor: req.actor });
    await recordAudit(trx, { actor: req.actor, action: 'scan.import', entity: 'scan', entityId: scan.id, after: summary, at: now });
    return summary;
  });
}

const serviceLock = 7_314_002; // advisory lock class for "an import of this service is running"

/** The service a report belongs to, or an error that names it and says how to add it. */
export async function findService(db: Kysely<DB>, name: string): Promise<Service> {
  const service = await db.selectFrom('services').selectAll().where('name', '=', name).where('archived_at', 'is', null).executeTakeFirst();
  if (!service) {
    throw new EntenteError('not_found', `unknown service "${name}": add it to your organisation file and run \`entente org apply\`, or create it with POST /api/services`, { service: name });
  }
  return service;
}

async function readReport(parser: ReportParser, input: ReportInput): Promise<{ rows: ReportRows; tools: string[] }> {
  const rows = new ReportRows({ reportBytes: input.size });
  const tools = new Set<string>();
  const context: ParseContext = { tool: (name) => void tools.add(name) };
  try {
    for await (const f of parser.parse(input, context)) {
      rows.add(f);
      tools.add(f.tool);
    }
    if (parser.tool) tools.add(parser.tool);
    if (tools.size === 0) throw badInput(`${input.name}: the report names no tool, so Entente cannot tell whose findings it replaces`, { file: input.name });
  } catch (e) {
    rows.dispose();
    if (e instanceof EntenteError) throw e;
    throw badInput(`${input.name}: could not be read as ${parser.label}: ${(e as Error).message}`, { file: input.name, format: parser.format });
  }
  return { rows, tools: [...tools].sort() };
}

async function decide(db: Kysely<DB>, policy: Policy, service: Service, rows: ImportRow[]): Promise<DecidedRow[]> {
  const cves = [...new Set(rows.flatMap((r) => r.finding.aliases.filter((a) => a.startsWith('CVE-'))))];
  const feeds = await lookupFeeds(db, cves);
  return rows.map((row) => {
    const f = row.finding;
    const kev = f.aliases.some((a) => feeds.kev.has(a));
    const epss = maxEpss(f.aliases, feeds.epss);
    // Only the facts a priority is decided on (copying the whole finding per row cost a tenth of an import).
    const facts = { severity: f.severity, kind: f.kind, ruleId: f.ruleId, cvssVector: f.cvss?.vector, aliases: f.aliases, kev, epss, service };
    const decision = decidePriority(facts, policy.epss.high, false);
    return { row, decision, kev, epss };
  });
}

function maxEpss(aliases: string[], epss: Map<string, number>): number | null {
  let best: number | null = null;
  for (const a of aliases) {
    const s = epss.get(a);
    if (s !== undefined && (best === null || s > best)) best = s;
  }
  return best;
}

interface MergeScope { serviceId: number; ownerTeamId: number; scanId: number; tools: string[]; now: Date; policy: Policy }

// New findings are written once, straight from the report; stored ones are compared in memory and written only when
// they change. One group of distinct fingerprints at a time; what is absent is fixed after the last group.
async function merge(trx: Kysely<DB>, decided: DecidedRow[], s: MergeScope): Promise<Omit<ImportSummary, 'scanId' | 'service' | 'format' | 'tools' | 'findings' | 'fixed'> & { ids: number[] }> {
  const dueDays = (p: Priority): number => s.policy.sla[p];
  const stored = await loadStored(trx, s.serviceId, decided.map((d) => d.row.fingerprint));
  const fresh: DecidedRow[] = [];
  const seen: SeenAgain[] = [];
  for (const d of decided) {
    const st = stored.get(d.row.fingerprint);
    if (st) seen.push({ row: d, stored: st });
    else fresh.push(d);
  }
  const created = await insertNewFindings(trx, fresh, { serviceId: s.serviceId, ownerTeamId: s.ownerTeamId, scanId: s.scanId, now: s.now, dueDays });
  const { unchanged, reopened } = await updateSeenAgain(trx, seen, s.now, dueDays);
  await syncSources(trx, seen, s.scanId);
  // What a report closes itself interrupts no one.
  const count = (p: Priority): number => decided.filter((d) => d.decision.priority === p && !d.row.finding.state).length;
  const closedInReport = fresh.filter((d) => d.row.finding.state).length;
  return { ids: [...seen.map((x) => x.stored.id), ...created], created: created.length, closedInReport, unchanged, reopened, act: count('act'), attend: count('attend') };
}
