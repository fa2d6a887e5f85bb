/**
 * Imports one scanner report for one service as one transaction, composing the steps each domain owns: the report
 * read (imports/read-report.ts), its new findings written while it is read (findings/early-writes.ts), the rest
 * written at the end (findings/write-group.ts: insert-new, merge-existing), what is absent fixed, exceptions whose
 * priority rose lapsed, the owning team notified, the audit written.
 */
import { sql, type Kysely } from 'kysely';
import type { DB, Service } from '../db/schema.ts';
import type { Policy } from '../policy/policy.ts';
import { recordAudit } from '../audit/audit.ts';
import { pgJson } from '../db/pg-json.ts';
import type { ParsedFinding, ReportInput } from '../imports/types.ts';
import { detectParser, parserByFormat } from '../imports/parsers/index.ts';
import { toolName, type ImportRow } from '../imports/normalise.ts';
import { ReportRows } from '../imports/report-rows.ts';
import { readReport } from '../imports/read-report.ts';
import { EarlyWrites } from '../findings/early-writes.ts';
import { writeGroup, type WriteCounts, type WriteScope } from '../findings/write-group.ts';
import { fixAbsent } from '../findings/merge-existing.ts';
import { analyzeAfterImport } from '../findings/analyze.ts';
import { lapseExceptionsOnRisingPriority } from '../exceptions/lapse.ts';
import { notifyNewFindings } from '../notifications/finding-events.ts';
import { findService } from '../people/services.ts';
import type { ImportRowLimits } from '../config.ts';
import { prioritiseRows } from './prioritise-rows.ts';

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
  findings: number; // distinct findings in the report
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
  /** ENTENTE_EARLY_ROWS and ENTENTE_SPILL_ROWS from the configuration (unset: the defaults). */
  rows?: ImportRowLimits | undefined;
}

/** Reads the report and writes it in one transaction: it lands whole or not at all. New findings are written while
 * the rest of the report is still being read (EarlyWrites); a big report is read into temporary files by fingerprint
 * (report-rows.ts) and written a file at a time, still in that one transaction. */
export async function importReport(deps: ImportDeps, req: ImportRequest): Promise<ImportSummary> {
  const service = await findService(deps.db, req.service);
  const parser = req.format ? parserByFormat(req.format) : detectParser(req.input);
  const rows = new ReportRows({ reportBytes: req.input.size, spillAt: deps.rows?.spill });
  try {
    const summary = await importRows(
      deps,
      service,
      {
        format: parser.format,
        fileName: req.input.name,
        rows,
        commit: req.commit,
        branch: req.branch,
        actor: req.actor,
      },
      (early) => readReport(parser, req.input, rows, early, deps.rows?.early ?? 10_000),
    );
    await analyzeAfterImport(deps.db, summary);
    return summary;
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
  const rows = new ReportRows({ spillAt: deps.rows?.spill });
  try {
    for (const f of req.findings) rows.add(f);
    const summary = await importRows(
      deps,
      service,
      { format: req.format, fileName: req.fileName, rows, actor: req.actor },
      async () => [...new Set(req.tools.map(toolName))].sort(),
    );
    await analyzeAfterImport(deps.db, summary);
    return summary;
  } finally {
    rows.dispose();
  }
}

interface RowsToImport {
  format: string;
  fileName: string;
  rows: ReportRows;
  commit?: string | undefined;
  branch?: string | undefined;
  actor: string;
}

/** Fills `rows` (writing new ones early through `early`) and returns the report's tools. */
type Reader = (early: EarlyWrites) => Promise<string[]>;

async function importRows(deps: ImportDeps, service: Service, req: RowsToImport, read: Reader): Promise<ImportSummary> {
  const { rows } = req;
  const now = deps.now();
  return deps.db.transaction().execute(async (trx) => {
    // One import per service at a time: the second waits, then sees what the first stored.
    await sql`select pg_advisory_xact_lock(${serviceLock}, ${service.id})`.execute(trx);
    const scan = await trx
      .insertInto('scans')
      .values({
        service_id: service.id,
        format: req.format,
        tools: [],
        tool_version: null,
        file_name: req.fileName,
        commit_sha: req.commit ?? null,
        branch: req.branch ?? null,
        actor: req.actor,
        summary: '{}',
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const scope: WriteScope = {
      serviceId: service.id,
      ownerTeamId: service.owner_team_id,
      scanId: scan.id,
      now,
      policy: deps.policy,
    };
    // A service with no findings yet (its first import) has nothing stored to look up while the report is read.
    const noneStored = !(await trx
      .selectFrom('findings')
      .select('id')
      .where('service_id', '=', service.id)
      .limit(1)
      .executeTakeFirst());
    const decide = (group: ImportRow[]) => prioritiseRows(trx, deps.policy, service, group);
    const early = new EarlyWrites(trx, scope, decide, noneStored);
    const tools = await read(early);
    const counts = { findings: 0, created: 0, closedInReport: 0, unchanged: 0, reopened: 0, act: 0, attend: 0 };
    const reportedIds: number[] = [];
    const add = (part: WriteCounts): void => {
      for (const id of part.ids) reportedIds.push(id);
      for (const k of ['created', 'closedInReport', 'unchanged', 'reopened', 'act', 'attend'] as const)
        counts[k] += part[k];
    };
    for await (const group of rows.groups()) {
      // What was written early is done with; the rest (rows read since, stored findings seen again) is written now.
      add(await writeGroup(trx, await decide(group.filter((r) => !early.wrote(r))), scope, early.stored));
      counts.findings += group.length;
    }
    add(await early.conclude(rows.changedAfterTaken()));
    // Nothing stored before this import, nothing it can find absent.
    const fixed = noneStored
      ? 0
      : await fixAbsent(trx, { serviceId: service.id, tools, reportedIds, scanId: scan.id, now });
    const summary: ImportSummary = {
      scanId: scan.id,
      service: service.name,
      format: req.format,
      tools,
      findings: counts.findings,
      created: counts.created,
      closedInReport: counts.closedInReport,
      unchanged: counts.unchanged,
      fixed,
      reopened: counts.reopened,
      act: counts.act,
      attend: counts.attend,
    };
    await trx
      .updateTable('scans')
      .set({ tools, tool_version: rows.toolVersion ?? null, summary: pgJson(summary) })
      .where('id', '=', scan.id)
      .execute();
    await lapseExceptionsOnRisingPriority(trx, { now, policy: deps.policy, actor: req.actor });
    // The owning team hears of each new act or attend finding: its rows are written with the import, or not at all.
    await notifyNewFindings(trx, { serviceId: service.id, now, policy: deps.policy });
    await recordAudit(trx, {
      actor: req.actor,
      action: 'scan.import',
      entity: 'scan',
      entityId: scan.id,
      after: summary,
      at: now,
    });
    return summary;
  });
}

const serviceLock = 7_314_002; // advisory lock class for "an import of this service is running"
