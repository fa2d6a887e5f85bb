/** Imports one scanner report for one service as one transaction: stage, merge, fix what is absent, audit. */
import { sql, type Kysely } from 'kysely';
import type { DB, Service } from '../db/schema.ts';
import { EntenteError, badInput } from '../errors.ts';
import type { Policy } from '../policy/policy.ts';
import { recordAudit } from '../audit/audit.ts';
import type { ParseContext, ReportInput, ReportParser } from './types.ts';
import { detectParser, parserByFormat } from './parsers/index.ts';
import { addToRows, type ImportRow } from './normalise.ts';
import { decidePriority } from './priority.ts';
import { stageRows, type StagedRow } from './stage.ts';
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

/** Reads the whole report, then writes it in one transaction: it lands whole or not at all. */
export async function importReport(deps: ImportDeps, req: ImportRequest): Promise<ImportSummary> {
  const service = await findService(deps.db, req.service);
  const parser = req.format ? parserByFormat(req.format) : detectParser(req.input);
  const { rows, tools } = await readReport(parser, req.input);
  const now = deps.now();
  const staged = await decide(deps, service, rows);
  return deps.db.transaction().execute(async (trx) => {
    const scan = await trx.insertInto('scans').values({
      service_id: service.id, format: parser.format, tools, tool_version: firstToolVersion(rows), file_name: req.input.name,
      commit_sha: req.commit ?? null, branch: req.branch ?? null, actor: req.actor, summary: '{}', created_at: now,
    }).returning('id').executeTakeFirstOrThrow();
    await stageRows(trx, staged);
    const counts = await merge(trx, { serviceId: service.id, ownerTeamId: service.owner_team_id, scanId: scan.id, tools, now, policy: deps.policy });
    const summary: ImportSummary = { scanId: scan.id, service: service.name, format: parser.format, tools, findings: rows.length, ...counts };
    await trx.updateTable('scans').set({ summary: JSON.stringify(summary) }).where('id', '=', scan.id).execute();
    await lapseExceptionsOnRisingPriority(trx, { now, policy: deps.policy, actor: req.actor });
    await recordAudit(trx, { actor: req.actor, action: 'scan.import', entity: 'scan', entityId: scan.id, after: summary, at: now });
    return summary;
  });
}

/** The service a report belongs to, or an error that names it and says how to add it. */
export async function findService(db: Kysely<DB>, name: string): Promise<Service> {
  const service = await db.selectFrom('services').selectAll().where('name', '=', name).where('archived_at', 'is', null).executeTakeFirst();
  if (!service) {
    throw new EntenteError('not_found', `unknown service "${name}": add it to your organisation file and run \`entente org apply\`, or create it with POST /api/services`, { service: name });
  }
  return service;
}

async function readReport(parser: ReportParser, input: ReportInput): Promise<{ rows: ImportRow[]; tools: string[] }> {
  const rows = new Map<string, ImportRow>();
  const tools = new Set<string>();
  const context: ParseContext = { tool: (name) => void tools.add(name) };
  try {
    for await (const f of parser.parse(input, context)) {
      addToRows(rows, f);
      tools.add(f.tool);
    }
  } catch (e) {
    if (e instanceof EntenteError) throw e;
    throw badInput(`${input.name}: could not be read as ${parser.label}: ${(e as Error).message}`, { file: input.name, format: parser.format });
  }
  if (parser.tool) tools.add(parser.tool);
  if (tools.size === 0) throw badInput(`${input.name}: the report names no tool, so Entente cannot tell whose findings it replaces`, { file: input.name });
  return { rows: [...rows.values()], tools: [...tools].sort() };
}

async function decide(deps: ImportDeps, service: Service, rows: ImportRow[]): Promise<StagedRow[]> {
  const cves = [...new Set(rows.flatMap((r) => r.finding.aliases.filter((a) => a.startsWith('CVE-'))))];
  const feeds = await lookupFeeds(deps.db, cves);
  return rows.map((row) => {
    const f = row.finding;
    const kev = f.aliases.some((a) => feeds.kev.has(a));
    const epss = maxEpss(f.aliases, feeds.epss);
    const decision = decidePriority({ ...f, cvssVector: f.cvss?.vector, kev, epss, service }, deps.policy.epss.high);
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

function firstToolVersion(rows: ImportRow[]): string | null {
  return rows.find((r) => r.finding.toolVersion)?.finding.toolVersion ?? null;
}

interface MergeScope { serviceId: number; ownerTeamId: number; scanId: number; tools: string[]; now: Date; policy: Policy }

// Each step is one statement over the staged rows; the order matters: count the unchanged before reopening.
async function merge(trx: Kysely<DB>, s: MergeScope): Promise<Omit<ImportSummary, 'scanId' | 'service' | 'format' | 'tools' | 'findings'>> {
  const now = s.now.toISOString();
  const sla = s.policy.sla;
  const dueDays = sql`(case st.priority when 'act' then ${sla.act}::int when 'attend' then ${sla.attend}::int when 'track*' then ${sla['track*']}::int else ${sla.track}::int end)`;
  const unchanged = await sql`update findings f set last_seen_at = ${now}, last_scan_id = ${s.scanId},
      priority = st.priority, priority_rank = st.priority_rank, priority_reasons = st.priority_reasons, kev = st.kev, epss = st.epss,
      due_at = case when st.priority_rank < f.priority_rank then least(f.due_at, ${now}::timestamptz + make_interval(days => ${dueDays})) else f.due_at end
    from import_stage st where f.service_id = ${s.serviceId} and f.fingerprint = st.fingerprint and f.status <> 'fixed'`.execute(trx);
  const reopened = await sql`update findings f set status = 'open', reopened_count = f.reopened_count + 1, fixed_at = null,
      status_changed_at = ${now}, last_seen_at = ${now}, last_scan_id = ${s.scanId},
      priority = st.priority, priority_rank = st.priority_rank, priority_reasons = st.priority_reasons, kev = st.kev, epss = st.epss,
      due_at = ${now}::timestamptz + make_interval(days => ${dueDays})
    from import_stage st where f.service_id = ${s.serviceId} and f.fingerprint = st.fingerprint and f.status = 'fixed'`.execute(trx);
  const created = await sql`insert into findings (service_id, fingerprint, recipe, kind, tool, rule_id, title, description,
      severity, severity_rank, cvss_score, cvss_vector, aliases, cwes, component_name, component_version, purl, fixed_version,
      file_path, line, url, parameter, host, port, status, priority, priority_rank, priority_reasons, kev, epss, due_at,
      owner_team_id, first_seen_at, last_seen_at, status_changed_at, last_scan_id, detail)
    select ${s.serviceId}, st.fingerprint, st.recipe, st.kind, st.tool, st.rule_id, st.title, st.description, st.severity,
      st.severity_rank, st.cvss_score, st.cvss_vector, st.aliases, st.cwes, st.component_name, st.component_version, st.purl,
      st.fixed_version, st.file_path, st.line, st.url, st.parameter, st.host, st.port, 'open', st.priority, st.priority_rank,
      st.priority_reasons, st.kev, st.epss, ${now}::timestamptz + make_interval(days => ${dueDays}), ${s.ownerTeamId},
      ${now}, ${now}, ${now}, ${s.scanId}, st.detail
    from import_stage st
    where not exists (select 1 from findings f where f.service_id = ${s.serviceId} and f.fingerprint = st.fingerprint)`.execute(trx);
  await sql`insert into finding_sources (finding_id, tool, rule_id, present, first_scan_id, last_scan_id)
    select f.id, ss.tool, ss.rule_id, true, ${s.scanId}, ${s.scanId}
    from import_stage_sources ss join findings f on f.service_id = ${s.serviceId} and f.fingerprint = ss.fingerprint
    on conflict (finding_id, tool) do update set present = true, last_scan_id = excluded.last_scan_id, rule_id = excluded.rule_id`.execute(trx);
  // What this report's tools found before and do not report now is absent; a finding no tool still reports is fixed.
  await sql`update finding_sources fs set present = false from findings f
    where fs.finding_id = f.id and f.service_id = ${s.serviceId} and fs.tool = any(${s.tools}::text[])
      and fs.present and fs.last_scan_id <> ${s.scanId}`.execute(trx);
  const fixed = await sql`update findings f set status = 'fixed', fixed_at = ${now}, status_changed_at = ${now}
    where f.service_id = ${s.serviceId} and f.status in ('open', 'in_progress') and f.last_scan_id is distinct from ${s.scanId}
      and exists (select 1 from finding_sources fs where fs.finding_id = f.id and fs.tool = any(${s.tools}::text[]))
      and not exists (select 1 from finding_sources fs where fs.finding_id = f.id and fs.present)`.execute(trx);
  const urgent = await sql<{ priority: string; n: number }>`select priority, count(*)::int as n from import_stage group by priority`.execute(trx);
  const count = (p: string): number => urgent.rows.find((r) => r.priority === p)?.n ?? 0;
  return {
    created: affected(created), unchanged: affected(unchanged), fixed: affected(fixed), reopened: affected(reopened),
    act: count('act'), attend: count('attend'),
  };
}

function affected(r: { numAffectedRows?: bigint }): number {
  return Number(r.numAffectedRows ?? 0n);
}
