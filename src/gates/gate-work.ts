/**
 * The pure part of a gate: reading the facts, deciding, and writing the facts, their digest, the stored decision, the
 * commitments' rows and the audit entries' texts. On a service with tens of thousands of findings each step is a
 * stretch of hundreds of milliseconds with no I/O in it; `runGate` (gate-service.ts) runs this in a worker thread then
 * (gate-worker.ts), so that the thread answering every other request only waits on the database, and in line for a
 * small service, where starting a thread would cost more than the work. The same code either way.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Policy } from '../policy/policy.ts';
import type { GateOutcome } from './vocabulary.ts';
import { decideGate } from './gate-decide.ts';
import { factsOf, type FactsText, type GateDecision, type StoredDecision } from './gate-facts.ts';
import { pgJson } from '../db/pg-json.ts';
import { entryTexts, type EntryTexts } from '../audit/entry-texts.ts';
import {
  createdAuditTexts,
  prepareCommitments,
  type PreparedCommitments,
  type Row,
} from '../commitments/commitment-rows.ts';

/** What the thread that talks to the database needs of a decision. */
export interface Decided {
  outcome: GateOutcome;
  summary: string;
  relied: { exceptions: number[]; commitments: number[] };
  /** The SHA-256 (first 32 hex digits) of the facts' JSON. */
  inputDigest: string;
  /** The facts' JSON, gzip-compressed, as stored (migration 002). */
  packed: Uint8Array;
  /** The stored decision's JSON (`StoredDecision`). */
  decision: string;
}

/** One gate's pure work, step by step; it keeps the decision between the steps (the commitments' ids come from the
 * database in between). */
export class GateWork {
  #policy: Policy | undefined;
  #decision: GateDecision | undefined;
  #rows: Row[] | undefined;

  decide(policy: Policy, text: FactsText): Decided {
    const facts = factsOf(text);
    const decision = decideGate(policy, facts);
    this.#policy = policy;
    this.#decision = decision;
    const factsJson = JSON.stringify(facts);
    return {
      outcome: decision.outcome,
      summary: decision.summary,
      relied: decision.relied,
      inputDigest: digestOfJson(factsJson),
      packed: gzipSync(factsJson, { level: 3 }),
      decision: pgJson({
        ...decision,
        commitments: decision.commitments.map((c) => ({
          kind: c.kind,
          controlId: c.controlId,
          findingId: c.findingId,
          dueAt: c.dueAt,
          ruleId: c.ruleId,
        })),
      } satisfies StoredDecision),
    };
  }

  /** The commitments a go with controls creates, as rows of gate `gateId` (decided by `decide`). */
  commitments(gateId: number, service: { id: number; ownerTeamId: number }): PreparedCommitments {
    const decision = this.#decision!;
    const { prepared, rows } = prepareCommitments(
      decision.commitments.map((c) => ({
        kind: c.kind,
        controlId: c.controlId,
        title: c.title,
        ownerTeamId: service.ownerTeamId,
        serviceId: service.id,
        findingId: c.findingId,
        dueAt: new Date(c.dueAt),
        verification: c.verification,
        source: { type: 'gate' as const, id: gateId },
      })),
      this.#policy!.controls,
    );
    this.#rows = rows;
    return prepared;
  }

  /** The audit entry's texts of the commitments `commitments` prepared, once inserted with these ids. */
  commitmentsAudit(ids: number[]): EntryTexts {
    return createdAuditTexts(ids, this.#rows!);
  }

  /** Any audit entry's texts (the decision's own, which lists every commitment it created). */
  auditTexts(before: unknown, after: unknown): EntryTexts {
    return entryTexts(before, after);
  }
}

/** A short, stable digest of the facts a decision used (their JSON). */
function digestOfJson(json: string): string {
  return createHash('sha256').update(json).digest('hex').slice(0, 32);
}
