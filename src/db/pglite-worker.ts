/**
 * Embedded PGlite in a worker thread of its own. PGlite is PostgreSQL compiled to WebAssembly: in the main thread its
 * work (an import's inserts, a list's query) and Entente's own (reading and fingerprinting a report, answering HTTP)
 * take turns on one core. In a worker they run side by side, as they do with a PostgreSQL server in its own process:
 * an import reads the next rows while the database writes the last ones, and the server answers requests while a
 * query runs.
 */
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
    const out = { message: String(e && e.message !== undefined ? e.message : e) };
    for (const k of fields) if (e && e[k] !== undefined) out[k] = e[k];
    return out;
  };
  let db;
  try {
    const { PGlite } = await import(workerData.pglite);
    db = workerData.dataDir ? await PGlite.create(workerData.dataDir) : await PGlite.create();
  } catch (e) {
    parentPort.postMessage({ id: 0, error: serialise(e) });
    return;
  }
  parentPort.on('message', async (m) => {
    try {
      if (m.op === 'close') {
        await db.close();
        parentPort.postMessage({ id: m.id });
        parentPort.close();
        return;
      }
      const r = await db.query(m.sql, m.params);
      parentPort.postMessage({ id: m.id, rows: r.rows, affectedRows: r.affectedRows });
    } catch (e) {
      parentPort.postMessage({ id: m.id, error: serialise(e) });
    }
  });
  parentPort.postMessage({ id: 0 });
})();`;

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

/** Starts PGlite in a worker thread on `dataDir` (in memory when undefined); resolves once it is open. */
export async function openPgliteWorker(dataDir: string | undefined): Promise<PgliteLike> {
  const client = new PgliteWorkerClient(dataDir);
  await client.opened;
  return client;
}

class PgliteWorkerClient implements PgliteLike {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #stopped: Error | null = null;
  readonly opened: Promise<void>;

  constructor(dataDir: string | undefined) {
    // execArgv: [] so that the worker does not load the parent's loaders (tsx) or flags: its code needs none.
    this.#worker = new Worker(workerSource, {
      eval: true,
      execArgv: [],
      workerData: { pglite: import.meta.resolve('@electric-sql/pglite'), dataDir },
    });
    this.opened = new Promise<void>((resolve, reject) => this.#pending.set(0, { resolve: () => resolve(), reject }));
    this.opened.catch(() => {}); // awaited by openPgliteWorker
    this.#worker.on('message', (reply: Reply) => this.#settle(reply));
    this.#worker.on('error', (e: Error) => this.#stop(new Error(`the embedded database stopped: ${e.message}`)));
    this.#worker.on('exit', (code) => this.#stop(new Error(`the embedded database stopped (exit ${code})`)));
    // Like PGlite in the main thread, an idle database does not keep the process alive; one answering a query does.
    this.#worker.ref();
  }

  query<R>(sql: string, params: unknown[] = []): Promise<PgliteResult<R>> {
    return this.#send({ op: 'query', sql, params }).then((r) => ({ rows: (r.rows ?? []) as R[], affectedRows: r.affectedRows }));
  }

  async close(): Promise<void> {
    if (this.#stopped) return;
    await this.#send({ op: 'close' });
    this.#stopped = new Error('the embedded database is closed');
    await this.#worker.terminate();
  }

  #send(message: { op: 'query'; sql: string; params: unknown[] } | { op: 'close' }): Promise<Reply> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    const id = this.#nextId++;
    const reply = new Promise<Reply>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    if (this.#pending.size === 1) this.#worker.ref();
    this.#worker.postMessage({ id, ...message });
    return reply;
  }

  #settle(reply: Reply): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
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
