/**
 * The gate worker thread's code (started by gate-worker.ts): one `GateWork` per gate in progress, each step asked for
 * by message. Bundled as dist/gate-worker.js (scripts/cli-bundle.mjs); run from the sources under tsx.
 */
import { parentPort } from 'node:worker_threads';
import { GateWork } from './gate-work.ts';

const steps = new Set(['decide', 'commitments', 'commitmentsAudit', 'auditTexts']);
const sessions = new Map<number, GateWork>();

parentPort!.on('message', (m: { id: number; session: number; op: string; args: unknown[] }) => {
  if (m.op === 'end') {
    sessions.delete(m.session);
    return;
  }
  try {
    if (!steps.has(m.op)) throw new Error(`the gate worker has no step ${m.op}`);
    let work = sessions.get(m.session);
    if (!work) sessions.set(m.session, (work = new GateWork()));
    const result = (work[m.op as 'decide'] as (...a: unknown[]) => unknown).apply(work, m.args);
    parentPort!.postMessage({ id: m.id, result });
  } catch (e) {
    const err = e as Error & { code?: string; details?: unknown };
    parentPort!.postMessage({
      id: m.id,
      error: { name: err.name, message: err.message, code: err.code, details: err.details, stack: err.stack },
    });
  }
});
