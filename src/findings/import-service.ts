/** Imports one scanner report for one service as one transaction: stage, merge, fix what is absent, audit. */
import { sql, type Kysely } from 'kysely';
import type { DB, Service } from '../db/schema.ts';
import type { Priority } from './vocabulary.ts';
import { EntenteError, badInput } from '../errors.ts';
import { dueAtOf, type Policy } from '../policy/policy.ts';
import { recordAudit } from '../audit/audit.ts';
import { pgJson } from '../db/pg-json.ts';
import type { ParseContext, ParsedFinding, ReportInput, ReportParser } from '../imports/types.ts';
import { detectParser, parserByFormat } from '../imports/parsers/index.ts';
import { toolName, type ImportRow } from '../imports/normalise.ts';
import { ReportRows } from '../imports/report-rows.ts';
import { decidePriority } from './priority.ts';
import { insertNewFindings, insertPreparedFindings, prepareNewFindings, rewriteCreated, type Created, type DecidedRow, type NewFindingsDocuments } from './insert-new.ts';
import { fixAbsent, loadStored, syncSources, updateSeenAgain, type SeenAgain, type Stored } from './merge-existing.ts';
import { lookupFeeds } from '../feeds/lookup.ts';
import { lapseExceptionsOnRisingPriority } from '../exceptions/lapse.ts';
import { analyzeAfterImport } from './analyze.ts';
import { notifyNewFindings } from '../notifications/finding-events.ts';
import { findService } from '../people/services.ts';
import type { ImportRowLimits } from '../config.ts';

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
    const summary = await importRows(deps, service, { format: parser.format, fileName: req.input.name, rows, commit: req.commit, branch: req.branch, actor: req.actor },
      (early) => readReport(parser, req.input, rows, early, deps.rows?.early ?? 10_000));
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
    const summary = await importRows(deps, service, { format: req.format, fileName: req.fileName, rows, actor: req.actor }, async () => [...new Set(req.tools.map(toolName))].sort());
    await analyzeAfterImport(deps.db, summary);
    return summary;
  } finally {
    rows.dispose();
  }
}

interface RowsToImport { format: string; fileName: string; rows: ReportRows; commit?: string | undefined; branch?: string | undefined; actor: string }

/** Fills `rows` (writing new ones early through `early`) and returns the report's tools. */
type Reader = (early: EarlyWrites) => Promise<string[]>;

async function importRows(deps: ImportDeps, service: Service, req: RowsToImport, read: Reader): Promise<ImportSummary> {
  const { rows } = req;
  const now = deps.now();
  return deps.db.transaction().execute(async (trx) => {
    // One import per service at a time: the second waits, then sees what the first stored.
    await sql`select pg_advisory_xact_lock(${serviceLock}, ${service.id})`.execute(trx);
    const scan = await trx.insertInto('scans').values({
      service_id: service.id, format: req.format, tools: [], tool_version: null, file_name: req.fileName,
      commit_sha: req.commit ?? null, branch: req.branch ?? null, actor: req.actor, summary: '{}', created_at: now,
    }).returning('id').executeTakeFirstOrThrow();
    const scope: MergeScope = { serviceId: service.id, ownerTeamId: service.owner_team_id, scanId: scan.id, now, policy: deps.policy };
    // A service with no findings yet (its first import) has nothing stored to look up while the report is read.
    const noneStored = !(await trx.selectFrom('findings').select('id').where('service_id', '=', service.id).limit(1).executeTakeFirst());
    const early = new EarlyWrites(trx, deps.policy, service, scope, noneStored);
    const tools = await read(early);
    const counts = { findings: 0, created: 0, closedInReport: 0, unchanged: 0, reopened: 0, act: 0, attend: 0 };
    const reportedIds: number[] = [];
    const add = (part: MergeCounts): void => {
      for (const id of part.ids) reportedIds.push(id);
      for (const k of ['created', 'closedInReport', 'unchanged', 'reopened', 'act', 'attend'] as const) counts[k] += part[k];
    };
    for await (const group of rows.groups()) {
      // What was written early is done with; the rest (rows read since, stored findings seen again) merges now.
      add(await merge(trx, await decide(trx, deps.policy, service, group.filter((r) => !early.wrote(r))), scope, early.stored));
      counts.findings += group.length;
    }
    add(await early.conclude(rows.changedAfterTaken()));
    // Nothing stored before this import, nothing it can find absent.
    const fixed = noneStored ? 0 : await fixAbsent(trx, { serviceId: service.id, tools, reportedIds, scanId: scan.id, now });
    const summary: ImportSummary = {
      scanId: scan.id, service: service.name, format: req.format, tools, findings: counts.findings, created: counts.created,
      closedInReport: counts.closedInReport, unchanged: counts.unchanged, fixed, reopened: counts.reopened, act: counts.act, attend: counts.attend,
    };
    await trx.updateTable('scans').set({ tools, tool_version: rows.toolVersion ?? null, summary: pgJson(summary) }).where('id', '=', scan.id).execute();
    await lapseExceptionsOnRisingPriority(trx, { now, policy: deps.policy, actor: req.actor });
    // The owning team hears of each new act or attend finding: its rows are written with the import, or not at all.
    await notifyNewFindings(trx, { serviceId: service.id, now, policy: deps.policy });
    await recordAudit(trx, { actor: req.actor, action: 'scan.import', entity: 'scan', entityId: scan.id, after: summary, at: now });
    return summary;
  });
}

const serviceLock = 7_314_002; // advisory lock class for "an import of this service is running"

// New rows are handed to `early` in batches of at most `maxBatchRows` (10,000 unless ENTENTE_EARLY_ROWS says) while
// the report is read.
async function readReport(parser: ReportParser, input: ReportInput, rows: ReportRows, early: EarlyWrites, maxBatchRows: number): Promise<string[]> {
  const tools = new Set<string>();
  const context: ParseContext = { tool: (name) => void tools.add(toolName(name)) };
  // The first batch is a quarter of the rest and they double up to it, so the database starts writing soon after the
  // report is opened.
  let batchRows = Math.max(1, Math.floor(maxBatchRows / 4));
  const listings = parser.parse(input, context)[Symbol.asyncIterator]();
  let read = 0;
  try {
    for (;;) {
      try {
        const next = await listings.next();
        if (next.done) break;
        rows.add(next.value);
        tools.add(toolName(next.value.tool));
      } catch (e) {
        if (e instanceof EntenteError) throw e;
        throw badInput(`${input.name}: could not be read as ${parser.label}: ${(e as Error).message}`, { file: input.name, format: parser.format });
      }
      // While a batch is written, the reading gives the event loop a turn now and then, so each of the batch's
      // queries is sent as soon as the previous one is answered, not when the reader next waits for the file.
      if (++read % 256 === 0 && early.busy) await new Promise(setImmediate);
      // A report that outgrows memory starts over from its temporary files: what was written early is undone.
      if (rows.spilled) {
        if (early.wroteAny) await early.undo();
      } else {
        const batch = rows.takeFresh(batchRows);
        if (batch) {
          batchRows = Math.min(maxBatchRows, batchRows * 2);
          await early.write(batch);
        }
      }
    }
    // Once writing early has begun, what is left when the report is read goes the same way, whatever its size: on a
    // first import it is made ready while the last batch is still written. (A report too small to start writing
    // early is written at the end, as before.)
    const rest = early.wroteAny ? rows.takeFresh(1) : undefined;
    if (rest) await early.write(rest);
    await early.settled();
  } catch (e) {
    await early.settled().catch(() => {}); // nothing of this import still runs on the connection when it rolls back
    throw e;
  }
  if (parser.tool) tools.add(parser.tool);
  if (tools.size === 0) throw badInput(`${input.name}: the report names no tool, so Entente cannot tell whose findings it replaces`, { file: input.name });
  return [...tools].sort();
}

async function decide(db: Kysely<DB>, policy: Policy, service: Service, rows: ImportRow[]): Promise<DecidedRow[]> {
  const cves = [...new Set(rows.flatMap((r) => r.finding.aliases.filter((a) => a.startsWith('CVE-'))))];
  const feeds = await lookupFeeds(db, cves);
  return rows.map((row) => {
    const f = row.finding;
    const kev = f.aliases.some((a) => feeds.kev.has(a));
    const epss = maxEpss(f.aliases, feeds.epss);
    // Only the facts a priority is decided on (copying the whole finding per row cost a tenth of an import).
    const facts = { severity: f.severity, kind: f.kind, ruleId: f.ruleId, cvssVector: f.cvss?.vector, aliases: f.aliases, cwes: f.cwes, kev, epss, service };
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

interface MergeScope { serviceId: number; ownerTeamId: number; scanId: number; now: Date; policy: Policy }

type MergeCounts = Omit<ImportSummary, 'scanId' | 'service' | 'format' | 'tools' | 'findings' | 'fixed'> & { ids: number[] };



// New findings are written once, straight from the report; stored ones are compared in memory and written only when
// they change. One group of distinct fingerprints at a time; what is absent is fixed after the last group.
// `known` holds stored findings already looked up (while the report was read), so they are not looked up twice.
async function merge(trx: Kysely<DB>, decided: DecidedRow[], s: MergeScope, known?: Map<string, Stored>): Promise<MergeCounts> {
  const dueAt = dueAtOf(s.policy, s.now);
  const stored = await loadStored(trx, s.serviceId, decided.map((d) => d.row.fingerprint).filter((fp) => !known?.has(fp)));
  const fresh: DecidedRow[] = [];
  const seen: SeenAgain[] = [];
  for (const d of decided) {
    const st = known?.get(d.row.fingerprint) ?? stored.get(d.row.fingerprint);
    if (st) seen.push({ row: d, stored: st });
    else fresh.push(d);
  }
  const created = await insertNewFindings(trx, fresh, { serviceId: s.serviceId, ownerTeamId: s.ownerTeamId, scanId: s.scanId, now: s.now, dueAt });
  const { unchanged, reopened } = await updateSeenAgain(trx, seen, s.now, dueAt);
  await syncSources(trx, seen, s.scanId);
  return { ids: [...seen.map((x) => x.stored.id), ...created.map((c) => c.id)], ...createdCounts(fresh), unchanged, reopened, act: count(decided, 'act'), attend: count(decided, 'attend') };
}

// What a report closes itself interrupts no one.
const count = (decided: DecidedRow[], p: Priority): number => decided.filter((d) => d.decision.priority === p && !d.row.finding.state).length;
const createdCounts = (fresh: DecidedRow[]) => ({ created: fresh.length, closedInReport: fresh.filter((d) => d.row.finding.state).length });

/** A batch of new rows with their priorities decided and their insert documents built. */
interface ReadyBatch { fresh: DecidedRow[]; documents: NewFindingsDocuments }

/**
 * Writes a report's new findings while the rest of it is still read: the report's reading (Entente's work) and the
 * database's writing (PostgreSQL's, in its own process) overlap instead of following each other. Only findings whose
 * fingerprint is not stored are written early; stored ones wait for the end, when every listing of them is known.
 * A listing read later can still merge into a row written early (same fingerprint): `conclude` writes those rows
 * again, whole, so the outcome is the one a single write at the end would give. A report that spills to disk undoes
 * the early writes (a savepoint) and is written from its files as before.
 */
class EarlyWrites {
  private readonly created = new Map<ImportRow, DecidedRow & { id: number }>();
  /** Stored findings among the rows looked up early: they merge at the end, without a second look-up (nothing else
   * changes them meanwhile; the service's lock is held and early writes only insert). */
  readonly stored = new Map<string, Stored>();
  private running: Promise<void> = Promise.resolve();
  /** True from the first early write until they are undone (a savepoint marks where they start). */
  wroteAny = false;

  /** `noneStored`: the service held no findings when the import began (its lock keeps it so), so a batch needs no
   * look-up and can be made ready while the previous one is written. */
  constructor(private readonly trx: Kysely<DB>, private readonly policy: Policy, private readonly service: Service, private readonly scope: MergeScope,
    private readonly noneStored: boolean) {}

  /** True while a batch is being written. */
  busy = false;

  /** True when the row was created early. */
  wrote(row: ImportRow): boolean {
    return this.created.has(row);
  }

  /** Starts writing a batch once the previous one is written (so at most one runs while the report is read). */
  async write(batch: ImportRow[]): Promise<void> {
    // Priorities decided and documents built now, while the database still writes the previous batch. A feed look-up
    // that fails because that batch failed (and aborted the transaction) reports the batch's error, not its own.
    let ready: ReadyBatch | undefined;
    try {
      if (this.noneStored) ready = await this.prepare(batch);
    } catch (e) {
      await this.running;
      throw e;
    }
    await this.running;
    if (!this.wroteAny) {
      await sql`savepoint entente_early_writes`.execute(this.trx);
      this.wroteAny = true;
    }
    this.busy = true;
    this.running = (ready ? this.insertReady(ready) : this.insert(batch)).finally(() => {
      this.busy = false;
    });
    this.running.catch(() => {}); // awaited by the next write or by settled(); this only keeps it from being reported early
  }

  /** Waits for the batch being written; rethrows its failure. */
  async settled(): Promise<void> {
    await this.running;
  }

  /** Undoes every early write (the report spilled to disk and will be written from its files). */
  async undo(): Promise<void> {
    await this.running;
    if (this.wroteAny) await sql`rollback to savepoint entente_early_writes`.execute(this.trx);
    this.wroteAny = false;
    this.created.clear();
    this.stored.clear();
  }

  /** Writes again the early rows a later listing changed, and counts every early row as the final merge would. */
  async conclude(changed: ImportRow[]): Promise<MergeCounts> {
    const again = changed.filter((r) => this.created.has(r));
    if (again.length) {
      const decided = await decide(this.trx, this.policy, this.service, again);
      const rows = decided.map((d) => ({ ...d, id: this.created.get(d.row)!.id }));
      await rewriteCreated(this.trx, rows, this.newScope());
      for (const r of rows) this.created.set(r.row, r);
    }
    const all = [...this.created.values()];
    return { ids: all.map((c) => c.id), ...createdCounts(all), unchanged: 0, reopened: 0, act: count(all, 'act'), attend: count(all, 'attend') };
  }

  private async insert(batch: ImportRow[]): Promise<void> {
    const stored = await loadStored(this.trx, this.scope.serviceId, batch.map((r) => r.fingerprint));
    for (const [fp, st] of stored) this.stored.set(fp, st);
    const fresh = await decide(this.trx, this.policy, this.service, batch.filter((r) => !stored.has(r.fingerprint)));
    this.remember(fresh, await insertNewFindings(this.trx, fresh, this.newScope()));
  }

  private async prepare(batch: ImportRow[]): Promise<ReadyBatch> {
    const fresh = await decide(this.trx, this.policy, this.service, batch);
    return { fresh, documents: prepareNewFindings(fresh, this.newScope()) };
  }

  private async insertReady(ready: ReadyBatch): Promise<void> {
    this.remember(ready.fresh, await insertPreparedFindings(this.trx, ready.documents, this.newScope()));
  }

  private remember(fresh: DecidedRow[], created: Created[]): void {
    const byFingerprint = new Map(fresh.map((d) => [d.row.fingerprint, d]));
    for (const c of created) {
      const d = byFingerprint.get(c.fingerprint)!;
      this.created.set(d.row, { ...d, id: c.id });
    }
  }

  private newScope() {
    const s = this.scope;
    return { serviceId: s.serviceId, ownerTeamId: s.ownerTeamId, scanId: s.scanId, now: s.now, dueAt: dueAtOf(s.policy, s.now) };
  }
}
