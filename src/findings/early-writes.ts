/** Writes a report's new findings while the rest of it is still read, and squares them with the rest at the end. */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { ImportRow } from '../imports/normalise.ts';
import type { RowWriter } from '../imports/read-report.ts';
import {
  insertNewFindings,
  insertPreparedFindings,
  prepareNewFindings,
  rewriteCreated,
  type Created,
  type DecidedRow,
  type NewFindingsDocuments,
} from './insert-new.ts';
import { loadStored, type Stored } from './merge-existing.ts';
import { createdCounts, newFindingScope, type Decide, type WriteCounts, type WriteScope } from './write-group.ts';

/** A batch of new rows with their priorities decided and their insert documents built. */
interface ReadyBatch {
  fresh: DecidedRow[];
  documents: NewFindingsDocuments;
}

/**
 * The report's reading (Entente's work) and the database's writing (PostgreSQL's, in its own process) overlap instead
 * of following each other. Only findings whose fingerprint is not stored are written early; stored ones wait for the
 * end, when every listing of them is known. A listing read later can still merge into a row written early (same
 * fingerprint): `conclude` writes those rows again, whole, so the outcome is the one a single write at the end would
 * give. A report that spills to disk undoes the early writes (a savepoint) and is written from its files as before.
 */
export class EarlyWrites implements RowWriter {
  private readonly created = new Map<ImportRow, DecidedRow & { id: number }>();
  /** Stored findings among the rows looked up early: they merge at the end, without a second look-up (nothing else
   * changes them meanwhile; the service's lock is held and early writes only insert). */
  readonly stored = new Map<string, Stored>();
  private running: Promise<void> = Promise.resolve();
  /** True from the first early write until they are undone (a savepoint marks where they start). */
  wroteAny = false;
  /** True while a batch is being written. */
  busy = false;

  /** `noneStored`: the service held no findings when the import began (its lock keeps it so), so a batch needs no
   * look-up and can be made ready while the previous one is written. */
  constructor(
    private readonly trx: Kysely<DB>,
    private readonly scope: WriteScope,
    private readonly decide: Decide,
    private readonly noneStored: boolean,
  ) {}

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

  /** Writes again the early rows a later listing changed, and counts every early row as the final write would. */
  async conclude(changed: ImportRow[]): Promise<WriteCounts> {
    const again = changed.filter((r) => this.created.has(r));
    if (again.length) {
      const decided = await this.decide(again);
      const rows = decided.map((d) => ({ ...d, id: this.created.get(d.row)!.id }));
      await rewriteCreated(this.trx, rows, newFindingScope(this.scope));
      for (const r of rows) this.created.set(r.row, r);
    }
    const all = [...this.created.values()];
    return { ids: all.map((c) => c.id), ...createdCounts(all), unchanged: 0, reopened: 0 };
  }

  private async insert(batch: ImportRow[]): Promise<void> {
    const stored = await loadStored(
      this.trx,
      this.scope.serviceId,
      batch.map((r) => r.fingerprint),
    );
    for (const [fp, st] of stored) this.stored.set(fp, st);
    const fresh = await this.decide(batch.filter((r) => !stored.has(r.fingerprint)));
    this.remember(fresh, await insertNewFindings(this.trx, fresh, newFindingScope(this.scope)));
  }

  private async prepare(batch: ImportRow[]): Promise<ReadyBatch> {
    const fresh = await this.decide(batch);
    return { fresh, documents: prepareNewFindings(fresh, newFindingScope(this.scope)) };
  }

  private async insertReady(ready: ReadyBatch): Promise<void> {
    this.remember(ready.fresh, await insertPreparedFindings(this.trx, ready.documents, newFindingScope(this.scope)));
  }

  private remember(fresh: DecidedRow[], created: Created[]): void {
    const byFingerprint = new Map(fresh.map((d) => [d.row.fingerprint, d]));
    for (const c of created) {
      const d = byFingerprint.get(c.fingerprint)!;
      this.created.set(d.row, { ...d, id: c.id });
    }
  }
}
