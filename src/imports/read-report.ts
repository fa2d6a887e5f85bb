/** Reads a report with its parser into report rows, handing new rows to a writer in batches while it reads. */
import { EntenteError, badInput, environmentProblem } from '../errors.ts';
import type { ParseContext, ParsedFinding, ReportInput, ReportParser } from './types.ts';
import { toolName, type ImportRow } from './normalise.ts';
import type { ReportRows } from './report-rows.ts';

/** Where rows go while the report is still read (the import's early writes; `findings/early-writes.ts`). */
export interface RowWriter {
  /** True while a batch is being written. */
  readonly busy: boolean;
  /** True once a batch was handed over and not undone. */
  readonly wroteAny: boolean;
  /** Takes a batch of rows not handed over before; resolves once it may take the next. */
  write(batch: ImportRow[]): Promise<void>;
  /** Undoes every batch written (the report spilled to disk and will be written from its files). */
  undo(): Promise<void>;
  /** Waits for the batch being written; rethrows its failure. */
  settled(): Promise<void>;
}

/**
 * Fills `rows` from the report and returns the tools it names. New rows go to `writer` in batches of at most
 * `maxBatchRows` (the first a quarter of that, doubling up to it, so the database starts writing soon after the report
 * is opened). What the parser throws is sorted by `parserFailure`.
 */
export async function readReport(
  parser: ReportParser,
  input: ReportInput,
  rows: ReportRows,
  writer: RowWriter,
  maxBatchRows: number,
): Promise<string[]> {
  const tools = new Set<string>();
  const context: ParseContext = { tool: (name) => void tools.add(toolName(name)) };
  let batchRows = Math.max(1, Math.floor(maxBatchRows / 4));
  let read = 0;
  try {
    const listings = parser.parse(input, context)[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<ParsedFinding>;
      try {
        next = await listings.next();
      } catch (e) {
        throw parserFailure(e, parser, input);
      }
      if (next.done) break;
      rows.add(next.value);
      tools.add(toolName(next.value.tool));
      // While a batch is written, the reading gives the event loop a turn now and then, so each of the batch's
      // queries is sent as soon as the previous one is answered, not when the reader next waits for the file.
      if (++read % 256 === 0 && writer.busy) await new Promise(setImmediate);
      // A report that outgrows memory starts over from its temporary files: what was written early is undone.
      if (rows.spilled) {
        if (writer.wroteAny) await writer.undo();
      } else {
        const batch = rows.takeFresh(batchRows);
        if (batch) {
          batchRows = Math.min(maxBatchRows, batchRows * 2);
          await writer.write(batch);
        }
      }
    }
    // Once writing early has begun, what is left when the report is read goes the same way, whatever its size: on a
    // first import it is made ready while the last batch is still written. (A report too small to start writing
    // early is written at the end.)
    const rest = writer.wroteAny ? rows.takeFresh(1) : undefined;
    if (rest) await writer.write(rest);
    await writer.settled();
  } catch (e) {
    await writer.settled().catch(() => {}); // nothing of this import still runs on the connection when it rolls back
    throw e;
  }
  if (parser.tool) tools.add(parser.tool);
  if (tools.size === 0)
    throw badInput(`${input.name}: the report names no tool, so Entente cannot tell whose findings it replaces`, {
      file: input.name,
    });
  return [...tools].sort();
}

/**
 * What an error thrown while a parser reads a report means. A parser says the report is broken with an EntenteError
 * (bad_input, naming where), wrapping the refusals of the libraries it reads with (JSON, saxes, csv-parse, zlib); a
 * file or stream that fails under it is the environment's problem (unavailable). Anything else (a TypeError, a
 * RangeError) is a bug in Entente's own code, not in the report: an internal error that keeps the original as its
 * cause, so the stack reaches the server's log (or the CLI's, with ENTENTE_DEBUG=1), and the report's sender is not
 * told to fix a file that is fine.
 */
export function parserFailure(
  e: unknown,
  parser: Pick<ReportParser, 'format' | 'label'>,
  input: Pick<ReportInput, 'name'>,
): EntenteError {
  if (e instanceof EntenteError) return e;
  const environment = environmentProblem(e);
  if (environment) return environment;
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new EntenteError(
    'internal',
    `${input.name}: Entente's ${parser.label} reader failed on this report (${message}); this is a fault in Entente, not in the report`,
    { file: input.name, format: parser.format },
    { cause: e },
  );
}
