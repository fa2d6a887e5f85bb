/**
 * Release gates: decide a release of a service from the policy and the current facts, store the decision as a receipt
 * (policy revision, input digest, the exceptions and commitments relied on, the facts to replay it), and turn the
 * controls of a go-with-controls into commitments — once per control per finding, not again while still open.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { exitCodeOf, type GateOutcome } from './vocabulary.ts';
import type { Policy } from '../policy/policy.ts';
import { EntenteError, badInput } from '../errors.ts';
import { recordAudit } from '../audit/audit.ts';
import { requireRole, writers, type Principal } from '../people/tokens.ts';
import { requireWrite } from '../people/access.ts';
import { serviceOwner } from '../people/owners.ts';
import { findService } from '../people/services.ts';
import { insertCommitments, listCommitments, type CommitmentView } from '../commitments/commitments-service.ts';
import { commitmentCounts, type CommitmentCount } from '../commitments/commitment-view.ts';
import { sweepMissedCommitments } from '../commitments/sweep.ts';
import { readFacts } from './gate-facts-loader.ts';
import { gateWorkFor, type GateWorkLike } from './gate-worker.ts';
import type { GateDecision, GateFacts, StoredDecision } from './gate-facts.ts';
import { canonicalJson } from '../canonical-json.ts';
import { notifyTeams } from '../notifications/work-events.ts';

export interface GateDeps {
  db: Kysely<DB>;
  policy: Policy;
  now: () => Date;
}
export interface GateRequest {
  service: string;
  env: string;
  version?: string | undefined;
  commit?: string | undefined;
}

export interface GateRecord extends Omit<GateDecision, 'commitments'> {
  id: number;
  service: string;
  environment: string;
  version: string | null;
  commit: string | null;
  /** What `entente gate` exits with: 0 go, 10 go with controls, 1 no-go. */
  exitCode: number;
  decidedAt: string;
  actor: string;
  policy: { revision: number; digest: string };
  inputDigest: string;
  /** The first of the commitments this decision created and relied on, soonest due first (at most `shownCommitments`;
   * `GET /api/commitments?gate=ID` pages through all of them). */
  commitments: CommitmentView[];
  /** How many commitments the decision created and relied on in all. */
  commitmentCount: number;
  /** Those commitments counted per control, by where each stands now. */
  commitmentsByControl: (CommitmentCount & { title: string })[];
  createdCommitments: number[];
}

/** How many commitments a decision shows in full: a gate on a big service creates tens of thousands, which nobody reads
 * one by one in a receipt (and which took most of its time to build and send). */
export const shownCommitments = 100;

/** Decides a release now, stores the receipt and creates the commitments a go with controls asks for. */
export async function runGate(deps: GateDeps, who: Principal, req: GateRequest): Promise<GateRecord> {
  requireRole(who, writers, 'run a release gate (it records commitments)');
  const input = checkRequest(req);
  const owner = await serviceOwner(deps.db, input.service);
  if (owner) requireWrite(who, owner, `service ${input.service}`, 'run release gates');
  const now = deps.now();
  // The pure work (reading the facts, deciding, writing them out) runs in a worker thread for a big service: see
  // gate-worker.ts. The transaction only waits for it.
  let work: GateWorkLike | undefined;
  const id = await deps.db
    .transaction()
    .execute(async (trx) => {
      const service = await findService(trx, input.service);
      await sweepMissedCommitments(trx, now, service.id, deps.policy);
      const facts = await readFacts(trx, service, {
        environment: input.env,
        version: input.version,
        commit: input.commit,
        at: now,
      });
      work = gateWorkFor(facts.findings.length + facts.commitments.length);
      const decision = await work.decide(deps.policy, facts);
      const policy = await policyRevision(trx, deps.policy, now);
      const row = await trx
        .insertInto('gate_decisions')
        .values({
          service_id: service.id,
          environment: input.env,
          version: input.version,
          commit_sha: input.commit,
          outcome: decision.outcome,
          policy_revision_id: policy.id,
          policy_digest: policy.digest,
          input_digest: decision.inputDigest,
          facts: decision.packed,
          decision: decision.decision,
          relied_exceptions: decision.relied.exceptions,
          relied_commitments: decision.relied.commitments,
          actor: who.actor,
          created_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const createdIds =
        decision.outcome === 'go_with_controls'
          ? await insertCommitments({ db: trx, now: () => now }, who.actor, {
              ...(await work.commitments(row.id, { id: service.id, ownerTeamId: service.owner_team_id })),
              auditTexts: (ids) => work!.commitmentsAudit(ids),
            })
          : [];
      if (createdIds.length)
        await trx
          .updateTable('gate_decisions')
          .set({ created_commitments: createdIds })
          .where('id', '=', row.id)
          .execute();
      // A held release, or one that owes controls, is news for the owning team (a plain go is not).
      if (decision.outcome !== 'go') {
        const team = await trx
          .selectFrom('teams')
          .select('name')
          .where('id', '=', service.owner_team_id)
          .executeTakeFirstOrThrow();
        await notifyTeams(
          trx,
          {
            kind: 'gate.decision',
            id: row.id,
            title: `${decision.outcome === 'no_go' ? 'no-go' : 'go with controls'} for ${service.name} to ${input.env}`,
            when: decision.summary,
            key: `gate:${row.id}`,
            team: team.name,
            now,
          },
          [service.owner_team_id],
        );
      }
      const after = {
        service: service.name,
        environment: input.env,
        version: input.version,
        commit: input.commit,
        outcome: decision.outcome,
        policyDigest: policy.digest,
        inputDigest: decision.inputDigest,
        reliedExceptions: decision.relied.exceptions,
        reliedCommitments: decision.relied.commitments,
        createdCommitments: createdIds,
      };
      await recordAudit(
        trx,
        { actor: who.actor, action: 'gate.decide', entity: 'gate_decision', entityId: row.id, at: now },
        await work.auditTexts(null, after),
      );
      return row.id;
    })
    .finally(() => work?.end());
  return getGate(deps, id);
}

/** A stored decision with its commitments as they stand now, or not_found. */
export async function getGate(deps: Pick<GateDeps, 'db' | 'now'>, id: number): Promise<GateRecord> {
  const row = await deps.db
    .selectFrom('gate_decisions as g')
    .innerJoin('services as s', 's.id', 'g.service_id')
    .select([
      'g.id',
      'g.environment',
      'g.version',
      'g.commit_sha',
      'g.outcome',
      'g.policy_revision_id',
      'g.policy_digest',
      'g.input_digest',
      // Without its planned commitments (tens of thousands for a big service, not part of the answer): parsing them
      // was the longest stretch of answering a big gate.
      sql<Omit<StoredDecision, 'commitments'>>`g.decision - 'commitments'`.as('decision'),
      'g.relied_commitments',
      'g.created_commitments',
      'g.actor',
      'g.created_at',
      's.name as service',
    ])
    .where('g.id', '=', id)
    .executeTakeFirst();
  if (!row)
    throw new EntenteError('not_found', `gate decision ${id} does not exist; each \`entente gate\` run prints its id`, {
      id,
    });
  const decision = row.decision;
  const count = row.created_commitments.length + row.relied_commitments.length;
  const commitments = count ? await listCommitments(deps, { gate: id, limit: shownCommitments }) : [];
  const titles = new Map(decision.controls.map((c) => [c.id, c.title]));
  const byControl = count
    ? (await commitmentCounts(deps.db, id, deps.now())).map((c) => ({
        ...c,
        title: (c.controlId && titles.get(c.controlId)) || c.controlId || c.kind,
      }))
    : [];
  return {
    ...decision,
    id: row.id,
    service: row.service,
    environment: row.environment,
    version: row.version,
    commit: row.commit_sha,
    exitCode: exitCodeOf[row.outcome],
    decidedAt: new Date(row.created_at).toISOString(),
    actor: row.actor,
    policy: { revision: row.policy_revision_id, digest: row.policy_digest },
    inputDigest: row.input_digest,
    commitments,
    commitmentCount: count,
    commitmentsByControl: byControl,
    createdCommitments: row.created_commitments,
  };
}

/** A decision as a list shows it: where, what, when and the sentence that says why. */
export interface GateListItem {
  id: number;
  service: string;
  team: string;
  environment: string;
  version: string | null;
  commit: string | null;
  outcome: GateOutcome;
  summary: string;
  decidedAt: string;
  actor: string;
}

/** Stored decisions, newest first, optionally for one service and environment, only of the teams given (when given). */
export async function listGates(
  db: Kysely<DB>,
  filter: { service?: string | undefined; env?: string | undefined; limit: number; teamIds?: number[] | undefined },
): Promise<GateListItem[]> {
  let q = db
    .selectFrom('gate_decisions as g')
    .innerJoin('services as s', 's.id', 'g.service_id')
    .innerJoin('teams as t', 't.id', 's.owner_team_id')
    .select([
      'g.id',
      'g.environment',
      'g.version',
      'g.commit_sha',
      'g.outcome',
      'g.decision',
      'g.actor',
      'g.created_at',
      's.name as service',
      't.name as team',
    ])
    .orderBy('g.id', 'desc')
    .limit(filter.limit);
  if (filter.service) q = q.where('s.name', '=', filter.service);
  if (filter.env) q = q.where('g.environment', '=', filter.env);
  if (filter.teamIds) q = q.where('s.owner_team_id', 'in', filter.teamIds.length ? filter.teamIds : [-1]);
  return (await q.execute()).map((r) => ({
    id: r.id,
    service: r.service,
    team: r.team,
    environment: r.environment,
    version: r.version,
    commit: r.commit_sha,
    outcome: r.outcome,
    summary: (r.decision as GateDecision).summary,
    decidedAt: new Date(r.created_at).toISOString(),
    actor: r.actor,
  }));
}

/** The stored facts and the policy a decision used (for replay and backtests). */
export async function storedInputs(
  db: Kysely<DB>,
  id: number,
): Promise<{
  facts: GateFacts;
  policyBody: unknown;
  decision: StoredDecision;
  serviceId: number;
  environment: string;
  createdAt: Date;
}> {
  const row = await db
    .selectFrom('gate_decisions as g')
    .innerJoin('policy_revisions as p', 'p.id', 'g.policy_revision_id')
    .select(['g.facts', 'g.decision', 'p.body', 'g.service_id', 'g.environment', 'g.created_at'])
    .where('g.id', '=', id)
    .executeTakeFirst();
  if (!row)
    throw new EntenteError('not_found', `gate decision ${id} does not exist; each \`entente gate\` run prints its id`, {
      id,
    });
  return {
    facts: unpackFacts(row.facts),
    policyBody: row.body,
    decision: row.decision as StoredDecision,
    serviceId: row.service_id,
    environment: row.environment,
    createdAt: new Date(row.created_at),
  };
}

/** The stored form of a decision's facts is gzip-compressed JSON (see migration 002). */
export function unpackFacts(stored: Uint8Array): GateFacts {
  return JSON.parse(gunzipSync(stored).toString('utf8')) as GateFacts;
}

const digests = new WeakMap<object, { digest: string; body: string }>();

/** The policy's content and its digest, computed once per policy object. */
export function policyIdentity(policy: Policy): { digest: string; body: string } {
  let known = digests.get(policy);
  if (!known) {
    // Keys sorted: a policy read back from its stored body names the same content as the one loaded from YAML.
    const body = canonicalJson(policy);
    known = { body, digest: createHash('sha256').update(body).digest('hex').slice(0, 16) };
    digests.set(policy, known);
  }
  return known;
}

async function policyRevision(trx: Kysely<DB>, policy: Policy, now: Date): Promise<{ id: number; digest: string }> {
  const { digest, body } = policyIdentity(policy);
  const found = await trx.selectFrom('policy_revisions').select('id').where('digest', '=', digest).executeTakeFirst();
  if (found) return { id: found.id, digest };
  await trx
    .insertInto('policy_revisions')
    .values({ body, source: 'gate', digest, created_at: now })
    .onConflict((oc) => oc.column('digest').doNothing())
    .execute();
  const row = await trx
    .selectFrom('policy_revisions')
    .select('id')
    .where('digest', '=', digest)
    .executeTakeFirstOrThrow();
  return { id: row.id, digest };
}

function checkRequest(req: GateRequest): {
  service: string;
  env: string;
  version: string | null;
  commit: string | null;
} {
  const service = (req.service ?? '').trim();
  if (!service)
    throw badInput('service: name the service to release (as in the organisation file)', { field: 'service' });
  const env = (req.env ?? '').trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/.test(env))
    throw badInput(
      `env: "${req.env ?? ''}" is not an environment name; use letters, digits, dots, dashes, e.g. prod or staging`,
      { field: 'env' },
    );
  const version = req.version?.trim() || null;
  if (version && version.length > 100) throw badInput('version: keep it under 100 characters', { field: 'version' });
  const commit = req.commit?.trim() || null;
  if (commit && !/^[0-9a-fA-F]{4,64}$/.test(commit))
    throw badInput(`commit: "${commit}" is not a commit hash (4 to 64 hexadecimal characters)`, { field: 'commit' });
  return { service, env, version, commit };
}
