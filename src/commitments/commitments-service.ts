/**
 * Commitments: a control, fix or removal someone owes by a date — created by gates, change requests, exceptions and
 * reviews — that ends verified (evidence, or a check Entente runs) or missed. Every write is audited with the change.
 */
import type { Kysely, Transaction } from 'kysely';
import type { CommitmentSourceType, CommitmentState, DB } from '../db/schema.ts';
import type { Control } from '../gates/gate-policy.ts';
import { EntenteError, badInput } from '../errors.ts';
import { recordAudit } from '../audit/audit.ts';
import { requireRole, writers, type Principal } from '../people/tokens.ts';
import { requireWrite } from '../people/access.ts';
import { commitmentViews, type CommitmentFilter, type CommitmentView, type Verification } from './commitment-view.ts';

export type { CommitmentFilter, CommitmentView, Verification } from './commitment-view.ts';

export interface CommitmentsDeps { db: Kysely<DB>; now: () => Date; policy: { controls: Control[] } }

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

export const sourceTypes: readonly CommitmentSourceType[] = ['gate', 'change', 'exception', 'review'];

/** Creates one commitment (inside the caller's transaction when `deps.db` is one) and returns it. */
export async function createCommitment(deps: CommitmentsDeps, actor: string, input: CommitmentInput): Promise<CommitmentView> {
  const [view] = await createCommitments(deps, actor, [input]);
  return view!;
}

/** Creates several commitments with one insert and one audit entry (a gate's controls); [] for none. */
export async function createCommitments(deps: CommitmentsDeps, actor: string, inputs: CommitmentInput[]): Promise<CommitmentView[]> {
  if (inputs.length === 0) return [];
  const controls = new Map(deps.policy.controls.map((c) => [c.id, c]));
  const rows = inputs.map((input, i) => rowOf(input, controls, inputs.length > 1 ? `commitments[${i}]` : 'commitment'));
  const now = deps.now();
  const ids = await inTransaction(deps.db, async (trx) => {
    await checkReferences(trx, inputs);
    const created = await trx.insertInto('commitments').values(rows.map((r) => ({ ...r, verification: JSON.stringify(r.verification), created_by: actor, created_at: now })))
      .returning('id').execute();
    const ids = created.map((c) => c.id);
    await recordAudit(trx, { actor, action: 'commitment.create', entity: 'commitment', entityId: ids.length === 1 ? ids[0] : null,
      after: { ids, commitments: rows.map((r) => ({ kind: r.kind, controlId: r.control_id, ownerTeamId: r.owner_team_id, serviceId: r.service_id, findingId: r.finding_id,
        dueAt: r.due_at.toISOString(), source: `${r.source_type}:${r.source_id}` })) }, at: now });
    return ids;
  });
  const views = await commitmentViews(deps.db, { ids, limit: ids.length }, now);
  const byId = new Map(views.map((v) => [v.id, v]));
  return ids.map((id) => byId.get(id)!);
}

/** Commitments matching the filter, soonest due first. */
export async function listCommitments(deps: Pick<CommitmentsDeps, 'db' | 'now'>, filter: CommitmentFilter): Promise<CommitmentView[]> {
  return commitmentViews(deps.db, filter, deps.now());
}

/** One commitment, or not_found. */
export async function getCommitment(deps: Pick<CommitmentsDeps, 'db' | 'now'>, id: number): Promise<CommitmentView> {
  const [view] = await commitmentViews(deps.db, { ids: [id], limit: 1 }, deps.now());
  if (!view) throw new EntenteError('not_found', `commitment ${id} does not exist; \`entente commitments\` lists them`, { id });
  return view;
}

/** Records that a commitment is in place, with the evidence that shows it (a missed one can still be verified, late). */
export async function verifyCommitment(deps: Pick<CommitmentsDeps, 'db' | 'now'>, who: Principal, id: number, evidence: string): Promise<CommitmentView> {
  requireRole(who, writers, 'verify commitments');
  const text = evidence.trim();
  if (!text) throw badInput(`add the evidence that shows commitment ${id} is in place (evidence), so both teams can see it`, { field: 'evidence', id });
  if (text.length > 5_000) throw badInput('evidence: keep it under 5,000 characters and link to the rest', { field: 'evidence', id });
  const now = deps.now();
  await inTransaction(deps.db, async (trx) => {
    const row = await trx.selectFrom('commitments as c').innerJoin('teams as t', 't.id', 'c.owner_team_id')
      .select(['c.id', 'c.state', 'c.owner_team_id', 't.name as team', 'c.verified_by', 'c.verified_at']).where('c.id', '=', id).forUpdate('c').executeTakeFirst();
    if (!row) throw new EntenteError('not_found', `commitment ${id} does not exist; \`entente commitments\` lists them`, { id });
    if (row.state === 'verified') {
      throw new EntenteError('conflict', `commitment ${id} was verified already (by ${row.verified_by} on ${new Date(row.verified_at!).toISOString().slice(0, 10)}); nothing more to do`, { id });
    }
    requireWrite(who, { teamId: row.owner_team_id, team: row.team }, `commitment ${id}`, 'verify commitments');
    await trx.updateTable('commitments').set({ state: 'verified', evidence: text, verified_by: who.actor, verified_at: now }).where('id', '=', id).execute();
    await recordAudit(trx, { actor: who.actor, action: 'commitment.verify', entity: 'commitment', entityId: id,
      before: { state: row.state }, after: { state: 'verified', evidence: text }, at: now });
  });
  return getCommitment(deps, id);
}

/** Runs `fn` in the caller's transaction when there is one, else in a new one. */
export async function inTransaction<T>(db: Kysely<DB>, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute((trx: Transaction<DB>) => fn(trx));
}

type Row = {
  kind: string; control_id: string | null; title: string; owner_team_id: number; service_id: number | null; finding_id: number | null;
  due_at: Date; verification: Verification; source_type: CommitmentSourceType; source_id: number; state: CommitmentState;
};

function rowOf(input: CommitmentInput, controls: Map<string, Control>, where: string): Row {
  if (!/^[a-z][a-z0-9-]*$/.test(input.kind ?? '')) throw badInput(`${where}.kind: "${input.kind}" is not a kind; use control, fix, removal or another lower-case word`, { field: 'kind' });
  const control = input.controlId ? controls.get(input.controlId) : undefined;
  if (input.controlId && !control) {
    throw badInput(`${where}.controlId: no control "${input.controlId}" in the catalogue; the controls are ${[...controls.keys()].join(', ')}`, { field: 'controlId' });
  }
  if (input.kind === 'control' && !control) throw badInput(`${where}.controlId: a control commitment names its control from the catalogue (${[...controls.keys()].join(', ')})`, { field: 'controlId' });
  const title = (input.title ?? control?.title ?? '').trim();
  if (!title) throw badInput(`${where}.title: say what is committed to, in a few words`, { field: 'title' });
  if (!(input.dueAt instanceof Date) || Number.isNaN(input.dueAt.getTime())) throw badInput(`${where}.dueAt: give the date it is due`, { field: 'dueAt' });
  if (!sourceTypes.includes(input.source?.type)) throw badInput(`${where}.source.type: one of ${sourceTypes.join(', ')}`, { field: 'source.type' });
  if (!isId(input.source.id)) throw badInput(`${where}.source.id: the id of the ${input.source.type} it comes from`, { field: 'source.id' });
  if (!isId(input.ownerTeamId)) throw badInput(`${where}.ownerTeamId: the team that owes it`, { field: 'ownerTeamId' });
  const verification = input.verification ?? (control ? verificationOf(control) : undefined);
  if (!verification || !['evidence', 'check'].includes(verification.method) || !verification.detail?.trim()) {
    throw badInput(`${where}.verification: say how it is verified ({ method: "evidence", detail: what to show } or { method: "check", detail: "finding-fixed" })`, { field: 'verification' });
  }
  if (verification.method === 'check' && (verification.detail !== 'finding-fixed' || !input.findingId)) {
    throw badInput(`${where}.verification: the check Entente runs is "finding-fixed", and it needs the finding (findingId)`, { field: 'verification' });
  }
  return {
    kind: input.kind, control_id: control?.id ?? null, title, owner_team_id: input.ownerTeamId, service_id: input.serviceId ?? null,
    finding_id: input.findingId ?? null, due_at: input.dueAt, verification, source_type: input.source.type, source_id: input.source.id, state: 'open',
  };
}

/** How a catalogue control is verified, as a commitment records it. */
export function verificationOf(control: Control): Verification {
  return 'check' in control.verify ? { method: 'check', detail: control.verify.check } : { method: 'evidence', detail: control.verify.evidence };
}

async function checkReferences(trx: Kysely<DB>, inputs: CommitmentInput[]): Promise<void> {
  const missing = async (table: 'teams' | 'services' | 'findings', ids: number[], field: string, what: string) => {
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) return;
    const found = new Set((await trx.selectFrom(table).select('id').where('id', 'in', wanted).execute()).map((r) => r.id));
    const absent = wanted.filter((id) => !found.has(id));
    if (absent.length) throw badInput(`${field}: no ${what} ${absent.join(', ')} exists`, { field, missing: absent });
  };
  await missing('teams', inputs.map((i) => i.ownerTeamId), 'ownerTeamId', 'team');
  await missing('services', inputs.flatMap((i) => (i.serviceId ? [i.serviceId] : [])), 'serviceId', 'service');
  await missing('findings', inputs.flatMap((i) => (i.findingId ? [i.findingId] : [])), 'findingId', 'finding');
}

function isId(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n > 0 && n < 2 ** 31;
}
