/**
 * Runs a gate's pure work (gate-work.ts) in a worker thread, so that a decision on a service with tens of thousands of
 * findings never holds the event loop: parsing the facts, deciding, writing the facts and their digest, the stored
 * decision, the commitments' rows and the audit entries' canonical JSON. One thread per process, started at the first big
 * gate and kept (idle, it does not keep the process alive); each gate is a session of its own in it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Policy } from '../policy/policy.ts';
import type { FactsText } from './gate-facts.ts';
import type { PreparedCommitments } from '../commitments/commitment-rows.ts';
import type { EntryTexts } from '../audit/entry-texts.ts';
import { GateWork, type Decided } from './gate-work.ts';
import { EntenteError, type ErrorCode } from '../errors.ts';

/** One gate's pure work, wherever it runs. */
export interface GateWorkLike {
  decide(policy: Policy, facts: FactsText): Promise<Decided>;
  commitments(gateId: number, service: { id: number; ownerTeamId: number }): Promise<PreparedCommitments>;
  commitmentsAudit(ids: number[]): Promise<EntryTexts>;
  auditTexts(before: unknown, after: unknown): Promise<EntryTexts>;
  end(): void;
}

/** Facts past this size (their JSON, ~1,500 findings) are worked on in the worker thread; smaller ones in line, where
 * the work takes less than handing it over. */
export const workerFrom = 256 * 1024;

/** The gate's work for facts of this size: in the worker thread when they are big and the worker's code is there. */
export function gateWorkFor(factsSize: number): GateWorkLike {
  return gateWork(factsSize >= workerFrom);
}

/** The gate's work in the worker thread (when its code is there) or in line. */
export function gateWork(inWorker: boolean): GateWorkLike {
  const entry = inWorker ? workerEntry() : null;
  return entry ? new WorkerSession(sharedWorker(entry)) : inline();
}

function inline(): GateWorkLike {
  const work = new GateWork();
  return {
    decide: async (policy, facts) => work.decide(policy, facts),
    commitments: async (gateId, service) => work.commitments(gateId, service),
    commitmentsAudit: async (ids) => work.commitmentsAudit(ids),
    auditTexts: async (before, after) => work.auditTexts(before, after),
    end: () => {},
  };
}

/**
 * Where the worker's code is: gate-worker-main.ts beside this file under tsx; gate-worker.js in the bundle's folder
 * (scripts/cli-bundle.mjs), which is this file's folder or its parent (shared code goes to chunks/). null when there is
 * none (a bundle of a benchmark that bundles the sources alone): the work then runs in line.
 */
function workerEntry(): string | null {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return new URL('./gate-worker-main.ts', here).href;
  for (const candidate of ['./gate-worker.js', '../gate-worker.js']) {
    const url = new URL(candidate, here);
    if (existsSync(fileURLToPath(url))) return url.href;
  }
  return null;
}

interface Reply {
  id: number;
  result?: unknown;
  error?: { name: string; message: string; code?: ErrorCode; details?: Record<string, unknown>; stack?: string };
}

class GateWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #next = 1;
  #stopped: Error | null = null;

  constructor(entry: string) {
    // Evaluated as a script, as the PGlite worker is (src/db/pglite-worker.ts), with none of the parent's loaders or
    // flags: it imports the bundle's gate-worker.js by URL, or under tsx (the sources: tests) registers tsx first.
    const source = `(async () => {
      const { workerData } = await import('node:worker_threads');
      if (workerData.tsx) (await import(workerData.tsx)).register();
      await import(workerData.entry);
    })();`;
    const tsx = entry.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : undefined;
    this.#worker = new Worker(source, { eval: true, execArgv: [], workerData: { entry, tsx } });
    this.#worker.unref();
    this.#worker.on('message', (r: Reply) => this.#settle(r));
    this.#worker.on('error', (e: Error) => this.#stop(new Error(`the gate worker stopped: ${e.message}`)));
    this.#worker.on('exit', (code) => this.#stop(new Error(`the gate worker stopped (exit ${code})`)));
  }

  get stopped(): boolean {
    return this.#stopped !== null;
  }

  call<T>(session: number, op: string, args: unknown[]): Promise<T> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    const id = this.#next++;
    const reply = new Promise<T>((resolve, reject) =>
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject }),
    );
    if (this.#pending.size === 1) this.#worker.ref();
    this.#worker.postMessage({ id, session, op, args });
    return reply;
  }

  end(session: number): void {
    if (!this.#stopped) this.#worker.postMessage({ id: 0, session, op: 'end', args: [] });
  }

  #settle(r: Reply): void {
    const p = this.#pending.get(r.id);
    if (!p) return;
    this.#pending.delete(r.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (!r.error) return p.resolve(r.result);
    const { name, message, code, details, stack } = r.error;
    const e = code ? new EntenteError(code, message, details) : Object.assign(new Error(message), { name });
    if (stack) e.stack = stack;
    p.reject(e);
  }

  #stop(e: Error): void {
    this.#stopped ??= e;
    for (const p of this.#pending.values()) p.reject(e);
    this.#pending.clear();
  }
}

let shared: GateWorker | undefined;
let sessions = 0;

/** The process's gate worker, started again if it stopped. */
function sharedWorker(entry: string): GateWorker {
  if (!shared || shared.stopped) shared = new GateWorker(entry);
  return shared;
}

class WorkerSession implements GateWorkLike {
  readonly #session = ++sessions;
  constructor(readonly worker: GateWorker) {}
  decide(policy: Policy, facts: FactsText): Promise<Decided> {
    return this.worker.call(this.#session, 'decide', [policy, facts]);
  }
  commitments(gateId: number, service: { id: number; ownerTeamId: number }): Promise<PreparedCommitments> {
    return this.worker.call(this.#session, 'commitments', [gateId, service]);
  }
  commitmentsAudit(ids: number[]): Promise<EntryTexts> {
    return this.worker.call(this.#session, 'commitmentsAudit', [ids]);
  }
  auditTexts(before: unknown, after: unknown): Promise<EntryTexts> {
    return this.worker.call(this.#session, 'auditTexts', [before, after]);
  }
  end(): void {
    this.worker.end(this.#session);
  }
}
