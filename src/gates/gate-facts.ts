/** What a gate decision looks at (a snapshot stored with each decision so it can be replayed) and what it returns. */
import type { GateOutcome } from './vocabulary.ts';
import type { Priority } from '../findings/vocabulary.ts';

export interface FindingFact {
  id: number;
  title: string;
  priority: Priority;
  kind: string;
  severity: string;
  kev: boolean;
  dueAt: string;
  /** Covered by an approved exception (the finding is `accepted`). */
  covered: boolean;
  exceptionId: number | null;
  /** An open port no approved change covers (Entente's exposure finding, kind host): controls that fit a port answer it. */
  openPort?: boolean;
}

export interface CommitmentFact {
  id: number;
  kind: string;
  controlId: string | null;
  title: string;
  findingId: number | null;
  state: 'open' | 'missed' | 'verified';
  dueAt: string;
  ownerTeam: string;
}

export interface GateFacts {
  /** When the decision is taken: "overdue" is measured against it. */
  at: string;
  service: {
    id: number;
    name: string;
    criticality: number;
    exposure: 'internet' | 'internal' | 'isolated';
    data: 'public' | 'internal' | 'confidential' | 'restricted';
    ownerTeamId: number;
    ownerTeam: string;
  };
  environment: string;
  version: string | null;
  commit: string | null;
  /** Open, in-progress and accepted findings of the service. */
  findings: FindingFact[];
  /** Open, missed and verified commitments of the service (verified ones tied to findings still open). */
  commitments: CommitmentFact[];
}

export interface GateReason {
  ruleId: string;
  outcome: 'no_go' | 'go_with_controls';
  mode: 'enforce' | 'warn';
  text: string;
  findingIds: number[];
  commitmentIds: number[];
}

export interface RequiredControl {
  id: string;
  title: string;
  kind: string;
  verification: { method: 'evidence' | 'check'; detail: string };
  requirements: string[];
  /** The findings it is asked for (empty: once for the service). */
  findingIds: number[];
}

export interface PlannedCommitment {
  kind: string;
  controlId: string;
  title: string;
  findingId: number | null;
  dueAt: string;
  verification: { method: 'evidence' | 'check'; detail: string };
  ruleId: string;
}

export interface PathStep {
  action: 'fix' | 'exception' | 'verify' | 'policy';
  findingId?: number;
  commitmentId?: number;
  ruleId?: string;
  text: string;
}

export interface PathOption {
  rank: number;
  /** The outcome once these steps are done. */
  outcome: GateOutcome;
  steps: PathStep[];
  text: string;
}

export interface GateDecision {
  outcome: GateOutcome;
  summary: string;
  reasons: GateReason[];
  /** Rules in warn mode that matched: reported, never changing the outcome. */
  warnings: GateReason[];
  controls: RequiredControl[];
  /** Commitments this decision asks for that are not already agreed (created when the outcome is go_with_controls). */
  commitments: PlannedCommitment[];
  /** Exceptions and open commitments the decision relied on. */
  relied: { exceptions: number[]; commitments: number[] };
  /** Compliance requirements the required controls serve. */
  requirements: string[];
  /** For a no-go: the smallest sets of steps that would turn it into go or go with controls, best first. */
  pathToGo: PathOption[];
}

/** A decision as its receipt stores it: the commitments it asked for by kind, control, finding, date and rule only (their
 * titles and how each is verified follow from the findings and the policy revision stored beside it). A gate on a big
 * service asks for tens of thousands, and writing each one's title and verification out as JSON was the longest stretch
 * of the decision during which the server answered nobody. */
export type StoredDecision = Omit<GateDecision, 'commitments'> & {
  commitments: Pick<PlannedCommitment, 'kind' | 'controlId' | 'findingId' | 'dueAt' | 'ruleId'>[];
};

/** The facts as read from the database (src/gates/gate-facts-loader.ts): findings and commitments as JSON arrays of
 * arrays, in id order. */
export type FactsText = Omit<GateFacts, 'findings' | 'commitments'> & { findings: string; commitments: string };

/** The facts from their text: dates as ISO 8601 with milliseconds, whatever form the database wrote them in. */
export function factsOf(text: FactsText): GateFacts {
  const findings = JSON.parse(text.findings) as [
    number,
    string,
    Priority,
    string,
    string,
    boolean,
    string,
    string,
    number | null,
    boolean,
  ][];
  const commitments = JSON.parse(text.commitments) as [
    number,
    string,
    string | null,
    string,
    number | null,
    CommitmentFact['state'],
    string,
    string,
  ][];
  return {
    ...text,
    findings: findings.map(
      ([id, title, priority, kind, severity, kev, dueAt, status, exceptionId, openPort]): FindingFact => ({
        id,
        title,
        priority,
        kind,
        severity,
        kev,
        dueAt: new Date(dueAt).toISOString(),
        covered: status === 'accepted',
        exceptionId,
        ...(openPort ? { openPort } : {}),
      }),
    ),
    commitments: commitments.map(
      ([id, kind, controlId, title, findingId, state, dueAt, ownerTeam]): CommitmentFact => ({
        id,
        kind,
        controlId,
        title,
        findingId,
        state,
        dueAt: new Date(dueAt).toISOString(),
        ownerTeam,
      }),
    ),
  };
}
