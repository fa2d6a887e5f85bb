/**
 * Commitments: a control, fix or removal someone owes by a date — created by gates, change requests, exceptions and
 * reviews — that ends verified (evidence, or a check Entente runs) or missed. Every write is audited with the change.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { CommitmentSourceType, CommitmentState } from './vocabulary.ts';
import type { Control } from '../gates/gate-policy.ts';
import { EntenteError, badInput } from '../errors.ts';
import { recordAudit } from '../audit/audit.ts';
import { pgJson } from '../db/pg-json.ts';
import { requireRole, writers, type Principal } from '../people/tokens.ts';
import { requireWrite } from '../people/access.ts';
import { commitmentViews, type CommitmentFilter, type CommitmentView, type Verification } from './commitment-view.ts';
import { calendarOf, type Calendar } from '../policy/calendar.ts';

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

/** What a caller asks for; `verification` defaults to the control's from the catalogue, `title` to the control's title. */
export interface CommitmentInput {
  kind: 'control' | 'fix' | 'removal' | (string & {});
  controlId?: string | null | undefined;
  title?: string | undefined;
  ownerTeamId: number;
  serviceId?: number | null | undefined;
  findingId?: number | null | undefined;
  dueAt: Date;
  verification?: Verification | undefined;
  source: { type: CommitmentSourceType; id: number };
}

const sourceTypes: readonly CommitmentSourceType[] = ['gate', 'change', 'exception', 'review'];

/** Creates one commitment (inside the caller's transaction when `deps.db` is one) and returns it. */
export async function createCommitment(
  deps: CommitmentsDeps,
  actor: string,
  input: CommitmentInput,
): Promise<CommitmentView> {
  const [view] = await createCommitments(deps, actor, [input]);
  return view!;
}

const insertBatch = 2_000;

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
  const controls = new Map(deps.policy.controls.map((c) => [c.id, c]));
  const rows = inputs.map((input, i) => rowOf(input, controls, inputs.length > 1 ? `commitments[${i}]` : 'commitment'));
  const big = rows.length > insertBatch;
  const now = deps.now();
  const ids = await inTransaction(deps.db, async (trx) => {
    if (big) await breather();
    await checkReferences(trx, inputs);
    // A gate on a big service asks for one commitment per finding and control (tens of thousands): each batch is one JSON
    // document the database unpacks, not 12 parameters per row, which Kysely and pg spent most of such a gate's time
    // compiling and encoding on the thread that answers every other request. Batches leave room for those in between.
    // The ids come back in the document's order, as they did from a multi-row VALUES (a function scan keeps its order).
    const ids: number[] = [];
    for (let i = 0; i < rows.length; i += insertBatch) {
      const { rows: created } = await sql<{ id: number }>`insert into commitments
          (kind, control_id, title, owner_team_id, service_id, finding_id, due_at, verification, source_type, source_id, state, created_by, created_at)
        select r.kind, r.control_id, r.title, r.owner_team_id, r.service_id, r.finding_id, r.due_at, r.verification, r.source_type, r.source_id, r.state, ${actor}, ${now}
        from json_to_recordset(${pgJson(rows.slice(i, i + insertBatch))}::json) as r(kind text, control_id text, title text, owner_team_id int,
          service_id int, finding_id int, due_at timestamptz, verification jsonb, source_type text, source_id int, state text)
        returning id`.execute(trx);
      for (const c of created) ids.push(c.id);
    }
    const after = auditOf(ids, rows);
    if (big) await breather();
    await recordAudit(trx, {
      actor,
      action: 'commitment.create',
      entity: 'commitment',
      entityId: ids.length === 1 ? ids[0] : null,
      after,
      at: now,
    });
    return ids;
  });
  return ids;
}

/**
 * What the audit log records of created commitments: grouped by what they share (kind, control, team, service, source),
 * with each one's id, finding and due date in lists. One object per commitment made the entry of a big gate's tens of
 * thousands a long stretch of key sorting (the chain hashes canonical JSON) during which the server answered nobody.
 */
function auditOf(ids: number[], rows: Row[]) {
  const groups = new Map<
    string,
    {
      kind: string;
      controlId: string | null;
      ownerTeamId: number;
      serviceId: number | null;
      source: string;
      ids: number[];
      findingIds: (number | null)[];
      dueAt: string[];
    }
  >();
  rows.forEach((r, i) => {
    const source = `${r.source_type}:${r.source_id}`;
    const key = [r.kind, r.control_id, r.owner_team_id, r.service_id, source].join('|');
    let g = groups.get(key);
    if (!g)
      groups.set(
        key,
        (g = {
          kind: r.kind,
          controlId: r.control_id,
          ownerTeamId: r.owner_team_id,
          serviceId: r.service_id,
          source,
          ids: [],
          findingIds: [],
          dueAt: [],
        }),
      );
    g.ids.push(ids[i]!);
    g.findingIds.push(r.finding_id);
    g.dueAt.push(r.due_at.toISOString());
  });
  return { ids, groups: [...groups.values()] };
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

type Row = {
  kind: string;
  control_id: string | null;
  title: string;
  owner_team_id: number;
  service_id: number | null;
  finding_id: number | null;
  due_at: Date;
  verification: Verification;
  source_type: CommitmentSourceType;
  source_id: number;
  state: CommitmentState;
};

function rowOf(input: CommitmentInput, controls: Map<string, Control>, where: string): Row {
  if (!/^[a-z][a-z0-9-]*$/.test(input.kind ?? ''))
    throw badInput(
      `${where}.kind: "${input.kind}" is not a kind; use control, fix, removal or another lower-case word`,
      { field: 'kind' },
    );
  const control = input.controlId ? controls.get(input.controlId) : undefined;
  if (input.controlId && !control) {
    throw badInput(
      `${where}.controlId: no control "${input.controlId}" in the catalogue; the controls are ${[...controls.keys()].join(', ')}`,
      { field: 'controlId' },
    );
  }
  if (input.kind === 'control' && !control)
    throw badInput(
      `${where}.controlId: a control commitment names its control from the catalogue (${[...controls.keys()].join(', ')})`,
      { field: 'controlId' },
    );
  const title = (input.title ?? control?.title ?? '').trim();
  if (!title) throw badInput(`${where}.title: say what is committed to, in a few words`, { field: 'title' });
  if (!(input.dueAt instanceof Date) || Number.isNaN(input.dueAt.getTime()))
    throw badInput(`${where}.dueAt: give the date it is due`, { field: 'dueAt' });
  if (!sourceTypes.includes(input.source?.type))
    throw badInput(`${where}.source.type: one of ${sourceTypes.join(', ')}`, { field: 'source.type' });
  if (!isId(input.source.id))
    throw badInput(`${where}.source.id: the id of the ${input.source.type} it comes from`, { field: 'source.id' });
  if (!isId(input.ownerTeamId)) throw badInput(`${where}.ownerTeamId: the team that owes it`, { field: 'ownerTeamId' });
  const verification = input.verification ?? (control ? verificationOf(control) : undefined);
  if (!verification || !['evidence', 'check'].includes(verification.method) || !verification.detail?.trim()) {
    throw badInput(
      `${where}.verification: say how it is verified ({ method: "evidence", detail: what to show } or { method: "check", detail: "finding-fixed" })`,
      { field: 'verification' },
    );
  }
  if (verification.method === 'check' && (verification.detail !== 'finding-fixed' || !input.findingId)) {
    throw badInput(
      `${where}.verification: the check Entente runs is "finding-fixed", and it needs the finding (findingId)`,
      { field: 'verification' },
    );
  }
  return {
    kind: input.kind,
    control_id: control?.id ?? null,
    title,
    owner_team_id: input.ownerTeamId,
    service_id: input.serviceId ?? null,
    finding_id: input.findingId ?? null,
    due_at: input.dueAt,
    verification,
    source_type: input.source.type,
    source_id: input.source.id,
    state: 'open',
  };
}

/** How a catalogue control is verified, as a commitment records it. */
function verificationOf(control: Control): Verification {
  return 'check' in control.verify
    ? { method: 'check', detail: control.verify.check }
    : { method: 'evidence', detail: control.verify.evidence };
}

async function checkReferences(trx: Kysely<DB>, inputs: CommitmentInput[]): Promise<void> {
  const missing = async (table: 'teams' | 'services' | 'findings', ids: number[], field: string, what: string) => {
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) return;
    // One array parameter, not one per id: a gate on a big service asks for tens of thousands.
    const found = new Set(
      (await trx.selectFrom(table).select('id').where(sql<boolean>`id = any(${wanted}::int[])`).execute()).map(
        (r) => r.id,
      ),
    );
    const absent = wanted.filter((id) => !found.has(id));
    if (absent.length) throw badInput(`${field}: no ${what} ${absent.join(', ')} exists`, { field, missing: absent });
  };
  await missing(
    'teams',
    inputs.map((i) => i.ownerTeamId),
    'ownerTeamId',
    'team',
  );
  await missing(
    'services',
    inputs.flatMap((i) => (i.serviceId ? [i.serviceId] : [])),
    'serviceId',
    'service',
  );
  await missing(
    'findings',
    inputs.flatMap((i) => (i.findingId ? [i.findingId] : [])),
    'findingId',
    'finding',
  );
}

function isId(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n > 0 && n < 2 ** 31;
}
