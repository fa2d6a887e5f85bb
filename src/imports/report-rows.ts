/**
 * A report's rows, merged by fingerprint, in bounded memory. While a report is small its rows stay in one map; past
 * `spillAt` rows they are written to temporary files, one per slice of the fingerprint space, and read back a file at
 * a time. Every listing of one fingerprint lands in the same file, so a file read back merges exactly as the map would
 * have: the import writes each file's rows as one group and the result is the same as for one big map, whatever the
 * report's size.
 */
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { makeImportTempDir } from './import-temp.ts';
import type { ParsedFinding } from './types.ts';
import { addPart, addToRows, partsOf, type Added, type ImportRow } from './normalise.ts';

/** Rows held in memory before the report spills to disk: 150,000 for a report under 48 MB (its rows are small),
 * 25,000 for a bigger one (a row can weigh 1 kB or 5 kB: descriptions, snippets, dependency paths), and sooner if
 * the heap passes 512 MB. With PGlite's own ~500 MB this keeps an import under 1 GB. */
const smallReportSpillAt = 150_000;
const bigReportSpillAt = 25_000;
const bigReport = 48 << 20;
const heapBudget = 512 << 20;
/** A file's lines are written once they reach this size, so spilling holds little more than the rows themselves. */
const writeAt = 1 << 20;

export interface ReportRowsOptions {
  /** Rows kept in memory before spilling (ENTENTE_SPILL_ROWS in the configuration), else a default by the report's size. */
  spillAt?: number | undefined;
  /** The report's size in bytes, if known: sizes the number of files so each holds about 16 MB of rows. */
  reportBytes?: number;
}

// One tool's part of a row, as `addPart` takes it back (a row of several tools, or a further rule's row, is written as
// its parts, under its place's fingerprint: every listing of one place lands in one file and merges there as in memory).
type SerialPart = [place: string, recipe: string, byClass: 0 | 1, finding: ParsedFinding, rule: string];

export class ReportRows {
  private rows = new Map<string, ImportRow>();
  private dir: string | null = null;
  private files: string[] = [];
  private readonly spillAt: number;
  private readonly reportBytes: number | undefined;
  private listings = 0;
  // Rows handed out early (takeFresh) and what became of them; forgotten on spilling, when the import starts over.
  private fresh: ImportRow[] = [];
  private taken = new Set<ImportRow>();
  private changedAfterTaking = new Set<ImportRow>();
  /** The first tool version a finding named, for the scan record. */
  toolVersion: string | undefined;

  constructor(options: ReportRowsOptions = {}) {
    const byReport = (options.reportBytes ?? 0) > bigReport ? bigReportSpillAt : smallReportSpillAt;
    this.spillAt = options.spillAt ?? byReport;
    this.reportBytes = options.reportBytes;
  }

  /** True once rows have gone to disk. */
  get spilled(): boolean {
    return this.dir !== null;
  }

  add(parsed: ParsedFinding): void {
    if (this.toolVersion === undefined && parsed.toolVersion) this.toolVersion = parsed.toolVersion;
    this.track(addToRows(this.rows, parsed));
    // The heap is looked at every 5,000 listings, not for each one.
    if (this.rows.size >= this.spillAt || (++this.listings % 5000 === 0 && process.memoryUsage().heapUsed > heapBudget))
      this.spill();
  }

  // A row that started is fresh; a row already taken that changed must be written again.
  private track(added: Added): void {
    if (added.fresh) this.fresh.push(added.row);
    else if (this.taken.has(added.row)) this.changedAfterTaking.add(added.row);
    if (added.moved) this.track(added.moved);
  }

  /** The rows that started since the last call, once there are at least `min` of them and nothing has spilled: the
   * import writes them while the rest of the report is read. They count as taken from then on. */
  takeFresh(min: number): ImportRow[] | undefined {
    // A report over 48 MB is all but sure to spill, which would undo what was written early: it is written at the end.
    if (this.dir || this.fresh.length < min || (this.reportBytes ?? 0) > bigReport) return undefined;
    const out = this.fresh;
    this.fresh = [];
    for (const r of out) this.taken.add(r);
    return out;
  }

  /** Taken rows that a later listing of the report merged into: what was written early must be written again. */
  changedAfterTaken(): ImportRow[] {
    return [...this.changedAfterTaking];
  }

  /** The rows in groups of distinct fingerprints: one group while in memory, one per file once spilled. */
  async *groups(): AsyncGenerator<ImportRow[]> {
    if (!this.dir) {
      if (this.rows.size) yield [...this.rows.values()];
      return;
    }
    this.spill();
    for (const file of this.files) {
      if (!existsSync(file)) continue; // no fingerprint fell in this slice
      const rows = new Map<string, ImportRow>();
      const text = readFileSync(file, 'utf8');
      for (let start = 0; start < text.length; ) {
        let end = text.indexOf('\n', start);
        if (end < 0) end = text.length;
        if (end > start) {
          const [place, recipe, byClass, finding, rule] = JSON.parse(text.slice(start, end)) as SerialPart;
          addPart(rows, { place, recipe, byClass: byClass === 1, finding, rule });
        }
        start = end + 1;
      }
      if (rows.size) yield [...rows.values()];
    }
  }

  /** Removes the temporary files. */
  dispose(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
    this.rows.clear();
    this.fresh = [];
    this.taken.clear();
    this.changedAfterTaking.clear();
  }

  private spill(): void {
    this.fresh = [];
    this.taken.clear();
    this.changedAfterTaking.clear();
    if (!this.dir) {
      this.dir = makeImportTempDir();
      const count = Math.min(256, Math.max(8, Math.ceil((this.reportBytes ?? 0) / (16 << 20))));
      this.files = Array.from({ length: count }, (_, i) => join(this.dir!, `rows-${i}.jsonl`));
    }
    const pending: string[] = this.files.map(() => '');
    const write = (i: number): void => {
      const fd = openSync(this.files[i]!, 'a');
      try {
        writeSync(fd, pending[i]!);
      } finally {
        closeSync(fd);
      }
      pending[i] = '';
    };
    for (const r of this.rows.values()) {
      const i = fileOf(r.place ?? r.fingerprint, this.files.length);
      for (const p of partsOf(r)) {
        const serial: SerialPart = [p.place, p.recipe, p.byClass ? 1 : 0, p.finding, p.rule];
        pending[i] += `${JSON.stringify(serial)}\n`;
      }
      if (pending[i]!.length >= writeAt) write(i);
    }
    this.rows.clear();
    pending.forEach((p, i) => p && write(i));
  }
}

// Fingerprints are hex digests: their first characters spread rows evenly over the files.
const fileOf = (fingerprint: string, files: number): number => parseInt(fingerprint.slice(0, 6), 16) % files;
