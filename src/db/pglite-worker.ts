/**
 * Embedded PGlite in a worker thread of its own. PGlite is PostgreSQL compiled to WebAssembly: in the main thread its
 * work (an import's inserts, a list's query) and Entente's own (reading and fingerprinting a report, answering HTTP)
 * take turns on one core. In a worker they run side by side, as they do with a PostgreSQL server in its own process:
 * an import reads the next rows while the database writes the last ones, and the server answers requests while a
 * query runs.
 */
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';

/** What a query returns: its rows, and how many rows an insert, update or delete touched. */
export interface PgliteResult<R> {
  rows: R[];
  affectedRows?: number | undefined;
}

/** The part of PGlite that Entente uses, wherever it runs. */
export interface PgliteLike {
  query<R>(sql: string, params?: unknown[]): Promise<PgliteResult<R>>;
  close(): Promise<void>;
}

// The worker's code is plain JavaScript evaluated as a script (no loader, no bundler), so it runs the same from the
// sources under tsx and from the bundle in dist/. It imports PGlite from the path the main thread resolved.
const workerSource = `(async () => {
  const { parentPort, workerData } = await import('node:worker_threads');
  const fields = ['code', 'detail', 'hint', 'position', 'where', 'schema', 'table', 'column', 'dataType', 'constraint', 'severity', 'routine'];
  const serialise = (e) => {
    // PGlite's file system throws { name: 'ErrnoError', errno } with no message.
    const out = { message: String(e && e.message !== undefined ? e.message : e && e.errno !== undefined ? (e.name || 'file system error') + ' (errno ' + e.errno + ')' : e) };
    for (const k of fields) if (e && e[k] !== undefined) out[k] = e[k];
    return out;
  };
  let db;
  try {
    const { PGlite } = await import(workerData.pglite);
    const options = workerData.startParams ? { startParams: [...PGlite.defaultStartParams, ...workerData.startParams] } : undefined;
    db = workerData.dataDir ? await PGlite.create(workerData.dataDir, options)
      : workerData.template ? await PGlite.create({ loadDataDir: new Blob([workerData.template]) }) : await PGlite.create();
  } catch (e) {
    parentPort.postMessage({ id: 0, error: serialise(e) });
    return;
  }
  // A long text parameter (an import's batch document) arrives as UTF-8 bytes. PGlite would measure and encode a string
  // character by character, twice; bytes go to PostgreSQL as they are, in binary format, which is the text itself for
  // text and json parameters. For a parameter of any other type they are decoded and serialised as before.
  class Utf8 { constructor(bytes) { this.bytes = bytes; } }
  const decoder = new TextDecoder();
  const asBytes = new Set([25, 114, 1043]); // text, json, varchar
  const serializers = new Proxy({}, {
    get: (_, key) => {
      const oid = Number(key);
      const standard = db.serializers[oid];
      return (v) => {
        if (v instanceof Utf8) {
          if (asBytes.has(oid)) return v.bytes;
          v = decoder.decode(v.bytes);
        }
        return standard ? standard(v) : v.toString();
      };
    },
  });
  parentPort.on('message', async (m) => {
    try {
      if (m.op === 'close') {
        await db.close();
        parentPort.postMessage({ id: m.id });
        parentPort.close();
        return;
      }
      let options;
      if (m.utf8) {
        for (const i of m.utf8) m.params[i] = new Utf8(m.params[i]);
        options = { serializers };
      }
      const r = await db.query(m.sql, m.params, options);
      parentPort.postMessage({ id: m.id, rows: r.rows, affectedRows: r.affectedRows });
    } catch (e) {
      parentPort.postMessage({ id: m.id, error: serialise(e) });
    }
  });
  parentPort.postMessage({ id: 0 });
})();`;

const encoder = new TextEncoder();
/** Strings at least this long are sent as bytes. */
const bytesFrom = 64 * 1024;

interface Reply {
  id: number;
  rows?: unknown[];
  affectedRows?: number;
  error?: { message: string } & Record<string, unknown>;
}

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (e: Error) => void;
}

/**
 * Starts PGlite in a worker thread on `dataDir` (in memory when undefined, from `template` if given: a data folder's
 * tar dump); resolves once it is open.
 */
export async function openPgliteWorker(dataDir: string | undefined, template?: Uint8Array): Promise<PgliteLike> {
  const client = new PgliteWorkerClient(dataDir, template);
  await client.opened;
  return client;
}

/**
 * How a command's embedded database starts (see `briefStart`):
 * - `whole`: as the server does (128 MB of shared buffers, V8's optimising tier): the server, imports, exports, feeds,
 *   backups, backtests, the scorecard and a review's agenda, which read or write much;
 * - `short`: 16 MB of shared buffers, for a command that writes or reads a few rows and ends (`org apply`, approving
 *   an exception, `audit verify`…): zeroing 128 MB was about a quarter of such a command's CPU;
 * - `brief`: `short`, and baseline code only, for a command that reads a page or decides one thing.
 */
export type StartMode = 'whole' | 'short' | 'brief';

/**
 * Starts PGlite in a worker thread without waiting: `entente` starts it before loading a command's code, so that the
 * two run side by side (src/db/prestart.ts). Until `adopt` is called the starting worker does not keep the process
 * alive: a command that ends before it opens the database (bad input) ends at once, as a killed process would.
 */
export function startPgliteWorker(
  dataDir: string,
  mode: StartMode = 'whole',
): { adopt(): Promise<PgliteLike>; abandon(): void } {
  if (mode === 'brief') briefStart();
  const client = new PgliteWorkerClient(dataDir, undefined, mode === 'whole' ? undefined : lightStartParams);
  client.unref();
  return {
    adopt: async () => {
      client.ref();
      try {
        await client.opened;
      } finally {
        client.unref(); // idle until the first query, as openPgliteWorker leaves it
      }
      return client;
    },
    abandon: () => client.unref(),
  };
}

/**
 * A process that starts PostgreSQL, reads a page and ends does not need what a long one does, and paid for it in CPU
 * (measured: `docs/DESIGN-NOTES.md`, Speed):
 * - V8 compiles the 9 MB PostgreSQL module with its baseline compiler, then recompiles its hot functions with its
 *   optimising one in background threads: over a second of CPU in those threads for one `entente findings`, more
 *   than the command itself, for code the process then hardly runs. Baseline code only (`--liftoff-only`;
 *   the same semantics, slower code) for such a process. V8's flags are the process's: set once, before the worker
 *   compiles the module, and only in a process that runs nothing long.
 * - PostgreSQL's 128 MB of shared buffers are memory the WebAssembly runtime zeroes at start (~28,000 page faults);
 *   16 MB hold far more than a page of findings reads.
 */
function briefStart(): void {
  setFlagsFromString('--liftoff-only');
}

const lightStartParams = ['-c', 'shared_buffers=16MB'];

class PgliteWorkerClient implements PgliteLike {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #stopped: Error | null = null;
  readonly opened: Promise<void>;

  constructor(dataDir: string | undefined, template?: Uint8Array, startParams?: string[]) {
    // execArgv: [] so that the worker does not load the parent's loaders (tsx) or flags: its code needs none.
    this.#worker = new Worker(workerSource, {
      eval: true,
      execArgv: [],
      // The worker's own objects are short-lived (messages, result rows): a small young generation keeps ~50 MB off
      // an import's peak memory (a 500 MB report's import ran at 988 MiB of its 1 GB budget with the default).
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
      workerData: { pglite: import.meta.resolve('@electric-sql/pglite'), dataDir, template, startParams },
    });
    this.opened = new Promise<void>((resolve, reject) => this.#pending.set(0, { resolve: () => resolve(), reject }));
    this.opened.catch(() => {}); // awaited by openPgliteWorker
    this.#worker.on('message', (reply: Reply) => this.#settle(reply));
    this.#worker.on('error', (e: Error) => this.#stop(new Error(`the embedded database stopped: ${e.message}`)));
    this.#worker.on('exit', (code) => this.#stop(new Error(`the embedded database stopped (exit ${code})`)));
  }

  /** Whether the worker keeps the process alive while it answers (see #settle). */
  ref(): void {
    this.#worker.ref();
  }

  unref(): void {
    this.#worker.unref();
  }

  query<R>(sql: string, params: unknown[] = []): Promise<PgliteResult<R>> {
    // Long strings travel as UTF-8 bytes, moved to the worker rather than copied (see the worker's code).
    const utf8: number[] = [];
    const transfer: ArrayBuffer[] = [];
    const sent = params.map((p, i) => {
      if (typeof p !== 'string' || p.length < bytesFrom) return p;
      const bytes = encoder.encode(p);
      utf8.push(i);
      transfer.push(bytes.buffer as ArrayBuffer);
      return bytes;
    });
    const message = { op: 'query' as const, sql, params: sent, ...(utf8.length ? { utf8 } : {}) };
    return this.#send(message, transfer).then((r) => ({ rows: (r.rows ?? []) as R[], affectedRows: r.affectedRows }));
  }

  async close(): Promise<void> {
    if (this.#stopped) return;
    await this.#send({ op: 'close' });
    this.#stopped = new Error('the embedded database is closed');
    await this.#worker.terminate();
  }

  #send(
    message: { op: 'query'; sql: string; params: unknown[]; utf8?: number[] } | { op: 'close' },
    transfer: ArrayBuffer[] = [],
  ): Promise<Reply> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    const id = this.#nextId++;
    // A failure's stack shows who asked for the query, not the worker's message handling.
    const caller = new Error();
    const reply = new Promise<Reply>((resolve, reject) =>
      this.#pending.set(id, {
        resolve,
        reject: (e) =>
          reject(
            Object.assign(e, {
              stack: `${e.name}: ${e.message}${caller.stack?.slice(caller.stack.indexOf('\n')) ?? ''}`,
            }),
          ),
      }),
    );
    if (this.#pending.size === 1) this.#worker.ref();
    this.#worker.postMessage({ id, ...message }, transfer);
    return reply;
  }

  #settle(reply: Reply): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    // Like PGlite in the main thread, an idle database does not keep the process alive; one answering a query does
    // (#send refs the worker again).
    if (this.#pending.size === 0) this.#worker.unref();
    if (reply.error) {
      const { message, ...fields } = reply.error;
      pending.reject(Object.assign(new Error(message), fields));
    } else {
      pending.resolve(reply);
    }
  }

  #stop(e: Error): void {
    this.#stopped ??= e;
    for (const p of this.#pending.values()) p.reject(e);
    this.#pending.clear();
  }
}
