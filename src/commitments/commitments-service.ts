/**
 * Commitments: a control, fix or removal someone owes by a date — created by gates, change requests, exceptions and
 * reviews — that ends verified (evidence, or a check Entente runs) or missed. Every write is audited with the change.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { CommitmentSourceType } from './vocabulary.ts';
import type { Control } from '../gates/gate-policy.ts';
import { EntenteError, badInput } from '../errors.ts';
import { recordAudit } from '../audit/audit.ts';
import { requireRole, writers, type Principal } from '../people/tokens.ts';
import { requireWrite } from '../people/access.ts';
import { commitmentViews, type CommitmentFilter, type CommitmentView } from './commitment-view.ts';
import { calendarOf, type Calendar } from '../policy/calendar.ts';
import type { EntryTexts } from '../audit/entry-texts.ts';
import {
  createdAuditTexts,
  insertBatch,
  prepareCommitments,
  type CommitmentInput,
  type PreparedCommitments,
} from './commitment-rows.ts';

export type { CommitmentInput, PreparedCommitments } from './commitment-rows.ts';
export type { CommitmentFilter, CommitmentView, Verification } from './commitment-view.ts';

/** What commitments need; the policy's `time_zone` (UTC when absent) says which day a due date falls on. */
export interface CommitmentsDeps {
  db: Kysely<DB>;
  now: () => Date;
  policy: { controls: Control[]; time_zone?: string };
}

/** Reading commitments: the database, the clock, and the time zone their days are read in when the caller has a policy. */
export type ReadDeps = Pick<CommitmentsDeps, 'db' | 'now'> & { policy?: { time_zone?: string } };

const calendarFor = (deps: ReadDeps): Calendar => calendarOf(deps.policy?.time_zone ?? 'UTC');

/** Creates one commitment (inside the caller's transaction when `deps.db` is one) and returns it. */
export async function createCommitment(
  deps: CommitmentsDeps,
  actor: string,
  input: CommitmentInput,
): Promise<CommitmentView> {
  const [view] = await createCommitments(deps, actor, [input]);
  return view!;
}

/** Creates several commitments with one audit entry (a gate's controls); [] for none. */
export async function createCommitments(
  deps: CommitmentsDeps,
  actor: string,
  inputs: CommitmentInput[],
): Promise<CommitmentView[]> {
  const ids = await createCommitmentIds(deps, actor, inputs);
  if (ids.length === 0) return [];
  const views = await commitmentViews(deps.db, { ids, limit: ids.length }, deps.now(), calendarFor(deps));
  const byId = new Map(views.map((v) => [v.id, v]));
  return ids.map((id) => byId.get(id)!);
}

/** Creates commitments as `createCommitments` does and returns only their ids, in order (a gate on a big service
 * creates tens of thousands and shows them once, from its own record). */
export async function createCommitmentIds(
  deps: CommitmentsDeps,
  actor: string,
  inputs: CommitmentInput[],
): Promise<number[]> {
  if (inputs.length === 0) return [];
  const { prepared, rows } = prepareCommitments(inputs, deps.policy.controls);
  return insertCommitments(deps, actor, { ...prepared, auditTexts: (ids) => createdAuditTexts(ids, rows) });
}

/** Prepared commitments (`prepareCommitments`, in line or in a gate's worker) and how to make their audit entry's texts
 * once their ids are known. */
export interface CommitmentsToInsert extends PreparedCommitments {
  auditTexts(ids: number[]): EntryTexts | Promise<EntryTexts>;
}

/** Inserts prepared commitments with one audit entry (in the caller's transaction when `deps.db` is one); their ids. */
export async function insertCommitments(
  deps: Pick<CommitmentsDeps, 'db' | 'now'>,
  actor: string,
  commitments: CommitmentsToInsert,
): Promise<number[]> {
  if (commitments.count === 0) return [];
  const big = commitments.count > insertBatch;
  const now = deps.now();
  return inTransaction(deps.db, async (trx) => {
    if (big) await breather();
    await checkReferences(trx, commitments);
    // A gate on a big service asks for one commitment per finding and control (tens of thousands): each batch is one JSON
    // document the database unpacks, not 12 parameters per row, which Kysely and pg spent most of such a gate's time
    // compiling and encoding on the thread that answers every other request. Batches leave room for those in between.
    // The ids come back in the document's order, as they did from a multi-row VALUES (a function scan keeps its order).
    const ids: number[] = [];
    for (const batch of commitments.batches) {
      const { rows: created } = await sql<{ id: number }>`insert into commitments
          (kind, control_id, title, owner_team_id, service_id, finding_id, due_at, verification, source_type, source_id, state, created_by, created_at)
        select r.kind, r.control_id, r.title, r.owner_team_id, r.service_id, r.finding_id, r.due_at, r.verification, r.source_type, r.source_id, r.state, ${actor}, ${now}
        from json_to_recordset(${batch}::json) as r(kind text, control_id text, title text, owner_team_id int,
          service_id int, finding_id int, due_at timestamptz, verification jsonb, source_type text, source_id int, state text)
        returning id`.execute(trx);
      for (const c of created) ids.push(c.id);
    }
    const texts = await commitments.auditTexts(ids);
    if (big) await breather();
    await recordAudit(
      trx,
      { actor, action: 'commitment.create', entity: 'commitment', entityId: ids.length === 1 ? ids[0] : null, at: now },
      texts,
    );
    return ids;
  });
}

/** Lets requests that arrived meanwhile run before the next long step of a big batch. */
function breather(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Commitments matching the filter, soonest due first. */
export async function listCommitments(deps: ReadDeps, filter: CommitmentFilter): Promise<CommitmentView[]> {
  return commitmentViews(deps.db, filter, deps.now(), calendarFor(deps));
}

/** One commitment, or not_found. */
export async function getCommitment(deps: ReadDeps, id: number): Promise<CommitmentView> {
  const [view] = await commitmentViews(deps.db, { ids: [id], limit: 1 }, deps.now(), calendarFor(deps));
  if (!view)
    throw new EntenteError('not_found', `commitment ${id} does not exist; \`entente commitments\` lists them`, { id });
  return view;
}

/** Records that a commitment is in place, with the evidence that shows it (a missed one can still be verified, late). */
export async function verifyCommitment(
  deps: ReadDeps,
  who: Principal,
  id: number,
  evidence: string,
): Promise<CommitmentView> {
  requireRole(who, writers, 'verify commitments');
  const text = evidence.trim();
  if (!text)
    throw badInput(`add the evidence that shows commitment ${id} is in place (evidence), so both teams can see it`, {
      field: 'evidence',
      id,
    });
  if (text.length > 5_000)
    throw badInput('evidence: keep it under 5,000 characters and link to the rest', { field: 'evidence', id });
  const now = deps.now();
  await inTransaction(deps.db, async (trx) => {
    const row = await trx
      .selectFrom('commitments as c')
      .innerJoin('teams as t', 't.id', 'c.owner_team_id')
      .select([
        'c.id',
        'c.state',
        'c.owner_team_id',
        't.name as team',
        'c.verified_by',
        'c.verified_at',
        'c.release_reason',
      ])
      .where('c.id', '=', id)
      .forUpdate('c')
      .executeTakeFirst();
    if (!row)
      throw new EntenteError('not_found', `commitment ${id} does not exist; \`entente commitments\` lists them`, {
        id,
      });
    if (row.state === 'released') {
      throw new EntenteError(
        'conflict',
        `commitment ${id} is no longer owed (${row.release_reason ?? 'what it supported has ended'}); nothing more to do`,
        { id },
      );
    }
    if (row.state === 'verified') {
      throw new EntenteError(
        'conflict',
        `commitment ${id} was verified already (by ${row.verified_by} on ${calendarFor(deps).dayOf(row.verified_at!)}); nothing more to do`,
        { id },
      );
    }
    requireWrite(who, { teamId: row.owner_team_id, team: row.team }, `commitment ${id}`, 'verify commitments');
    await trx
      .updateTable('commitments')
      .set({ state: 'verified', evidence: text, verified_by: who.actor, verified_at: now })
      .where('id', '=', id)
      .execute();
    await recordAudit(trx, {
      actor: who.actor,
      action: 'commitment.verify',
      entity: 'commitment',
      entityId: id,
      before: { state: row.state },
      after: { state: 'verified', evidence: text },
      at: now,
    });
  });
  return getCommitment(deps, id);
}

/**
 * Releases the open and missed commitments of these sources: what they supported has ended, so they are no longer owed
 * (verified ones stay verified). `reasons` says why, per source id. Joins the caller's transaction; returns the ids released.
 */
export async function releaseCommitments(
  deps: Pick<CommitmentsDeps, 'db' | 'now'>,
  actor: string,
  type: CommitmentSourceType,
  reasons: Map<number, string>,
): Promise<number[]> {
  if (reasons.size === 0) return [];
  const now = deps.now();
  return inTransaction(deps.db, async (trx) => {
    const released: number[] = [];
    for (const [sourceId, reason] of [...reasons].sort(([a], [b]) => a - b)) {
      const owed = await trx
        .selectFrom('commitments')
        .select(['id', 'state'])
        .where('source_type', '=', type)
        .where('source_id', '=', sourceId)
        .where('state', 'in', ['open', 'missed'])
        .orderBy('id')
        .forUpdate()
        .execute();
      if (owed.length === 0) continue;
      const ids = owed.map((r) => r.id);
      await trx
        .updateTable('commitments')
        .set({ state: 'released', released_at: now, release_reason: reason })
        .where('id', 'in', ids)
        .execute();
      released.push(...ids);
      await recordAudit(trx, {
        actor,
        action: 'commitment.release',
        entity: 'commitment',
        entityId: ids.length === 1 ? ids[0] : null,
        before: { states: Object.fromEntries(owed.map((r) => [r.id, r.state])) },
        after: { state: 'released', ids, source: `${type}:${sourceId}`, reason },
        at: now,
      });
    }
    return released;
  });
}

/** Runs `fn` in the caller's transaction when there is one, else in a new one. */
export async function inTransaction<T>(db: Kysely<DB>, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute((trx: Transaction<DB>) => fn(trx));
}

async function checkReferences(trx: Kysely<DB>, named: PreparedCommitments): Promise<void> {
  const missing = async (table: 'teams' | 'services' | 'findings', ids: number[], field: string, what: string) => {
    if (ids.length === 0) return;
    // One array parameter, not one per id (a gate on a big service names tens of thousands), and only the missing ones
    // come back: the rows of those that exist were tens of thousands to read for nothing.
    const { rows } = await sql<{ id: number }>`select x.id from unnest(${ids}::int[]) with ordinality as x(id, n)
      where not exists (select 1 from ${sql.table(table)} t where t.id = x.id) order by x.n`.execute(trx);
    const absent = rows.map((r) => r.id);
    if (absent.length) throw badInput(`${field}: no ${what} ${absent.join(', ')} exists`, { field, missing: absent });
  };
  await missing('teams', named.teams, 'ownerTeamId', 'team');
  await missing('services', named.services, 'serviceId', 'service');
  await missing('findings', named.findings, 'findingId', 'finding');
}
