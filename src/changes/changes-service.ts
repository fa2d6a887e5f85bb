/**
 * Change requests: written with an automatic risk check, approved by the people the risk calls for (never the
 * requester), put in place, extended once, removed or recertified. Safeguards become commitments on approval; every
 * step is audited in the transaction that makes it.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { ChangeStatus } from './vocabulary.ts';
import { policyDigest, type Policy } from '../policy/policy.ts';
import { EntenteError, badInput } from '../errors.ts';
import { recordAudit } from '../audit/audit.ts';
import { requireRole, writers, type Principal } from '../people/tokens.ts';
import { mayWrite, requireApprover, requireWrite } from '../people/access.ts';
import { serviceOwner } from '../people/owners.ts';
import { findService } from '../people/services.ts';
import { createCommitments, releaseCommitments, verifyCommitment } from '../commitments/commitments-service.ts';
import { normaliseFields, parseChangeRequest, type ChangeFields } from './change-request.ts';
import { changeMessages } from './change-messages.ts';
import { checkRisk, type RiskCheck } from './risk-check.ts';
import {
  allowedFrom,
  checkExtension,
  chooseSlot,
  decideLease,
  safeguardDueAt,
  slotsOf,
  whereItStands,
} from './change-rules.ts';
import { changeViews, type ChangeView } from './change-view.ts';
import { approvalRefused } from './approvers.ts';
import { pgJson } from '../db/pg-json.ts';
import { policyCalendar } from '../policy/calendar.ts';
import { approversOf, notifyApprovers } from '../notifications/work-events.ts';

export interface ChangesDeps {
  db: Kysely<DB>;
  now: () => Date;
  policy: Policy;
}

export interface ChangeFilter {
  service?: string | undefined;
  team?: string | undefined;
  status?: string[] | undefined;
  limit: number;
  teamIds?: number[] | undefined; // only these teams' changes (what the caller may read; never from request input)
}

const hourMs = 3_600_000;
const dayMs = 86_400_000;

/** Writes a request with its risk check; submitted at once unless `draft` (standard and emergency changes approve themselves). */
export async function requestChange(deps: ChangesDeps, who: Principal, body: unknown): Promise<ChangeView> {
  const now = deps.now();
  const { req, service, fields, check, lease } = await assess(deps, who, body, now);
  const id = await deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('change_requests')
      .values({
        type: fields.type,
        status: 'draft',
        service_id: service.id,
        team_id: service.owner_team_id,
        title: fields.title,
        fields: pgJson(fields),
        hosts: fields.destination,
        emergency: req.emergency ?? false,
        risk: check.risk,
        risk_check: pgJson(check),
        policy_digest: policyDigest(deps.policy),
        approval_path: check.approval,
        requested_by: who.actor,
        starts_at: lease.startsAt,
        ends_at: lease.endsAt,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor: who.actor,
      action: 'change.request',
      entity: 'change',
      entityId: row.id,
      after: {
        status: 'draft',
        service: service.name,
        fields,
        risk: check.risk,
        rules: check.rules,
        approval: check.approval,
        startsAt: lease.startsAt,
        endsAt: lease.endsAt,
        emergency: req.emergency ?? false,
      },
      at: now,
    });
    if (!req.draft) await submit(trx, deps, who, row.id, now);
    return row.id;
  });
  return viewOf(deps, id);
}

// What a request would be, checked as a real request is: who may ask, the service, the fields, the risk check, the lease.
async function assess(deps: ChangesDeps, who: Principal, body: unknown, now: Date) {
  requireRole(who, writers, 'request changes');
  const req = parseChangeRequest(body);
  const owner = await serviceOwner(deps.db, req.service);
  if (owner) requireWrite(who, owner, `service ${req.service}`, 'request changes');
  const service = await findService(deps.db, req.service);
  const fields = normaliseFields(req, service.data_class, deps.policy.changes);
  const check = checkRisk(deps.policy.changes, {
    fields,
    longLived: req.end === undefined,
    service: { hosts: service.hosts, exposure: service.exposure },
  });
  if (fields.keepProtocol && !check.alternativeFirst) {
    throw badInput(
      `keepProtocol: the risk check offers no safer alternative to ${check.protocolLabel} here, so there is nothing to set aside; leave keepProtocol out`,
      { field: 'keepProtocol' },
    );
  }
  const lease = decideLease(check, now, req.start, req.end, policyCalendar(deps.policy));
  return { req, service, fields, check, lease };
}

/** What a request would get, stored nowhere: the same checks and risk check as requestChange, for a form that updates as people type. */
export interface ChangePreview {
  service: string;
  team: string;
  risk: string;
  riskCheck: RiskCheck & { message: string };
  approvals: { path: string; awaiting: string[] };
  startsAt: string;
  endsAt: string | null;
  longestLeaseDays: number;
}

/** Previews a request: nothing is written, nothing is audited. */
export async function previewChange(deps: ChangesDeps, who: Principal, body: unknown): Promise<ChangePreview> {
  const { service, fields, check, lease } = await assess(deps, who, body, deps.now());
  const team = await deps.db
    .selectFrom('teams')
    .select('name')
    .where('id', '=', service.owner_team_id)
    .executeTakeFirstOrThrow();
  return {
    service: service.name,
    team: team.name,
    risk: check.risk,
    riskCheck: {
      ...check,
      message: changeMessages.riskCheck.render({
        ...check,
        safeguards: check.safeguards.map((s) => s.title),
        kept: fields.keepProtocol,
      }),
    },
    approvals: {
      path: check.approval,
      awaiting: slotsOf(check.approval).map((s) => (s === 'owner' ? team.name : 'Security')),
    },
    startsAt: lease.startsAt.toISOString(),
    endsAt: lease.endsAt?.toISOString() ?? null,
    longestLeaseDays: check.maxLeaseDays,
  };
}

/** Submits a draft: standard changes are approved at once, emergency changes go ahead with a review due. */
export async function submitChange(deps: ChangesDeps, who: Principal, id: number): Promise<ChangeView> {
  requireRole(who, writers, 'submit changes');
  await deps.db.transaction().execute(async (trx) => {
    const c = await lockChange(trx, id, 'submit');
    requireWrite(who, { teamId: c.team_id, team: c.team_name }, `change ${id}`, 'submit changes');
    if (c.requested_by !== who.actor && who.role !== 'admin')
      throw new EntenteError('forbidden', `change ${id} is submitted by the person who wrote it (${c.requested_by})`, {
        id,
      });
    await submit(trx, deps, who, id, deps.now());
  });
  return viewOf(deps, id);
}

async function submit(trx: Kysely<DB>, deps: ChangesDeps, who: Principal, id: number, now: Date): Promise<void> {
  const c = await lockChange(trx, id, 'submit');
  const check = c.risk_check as unknown as RiskCheck;
  await setStatus(trx, who.actor, c, 'submitted', now, 'change.submit');
  if (c.emergency && check.approval !== 'standard') {
    await approveNow(trx, deps, { ...c, status: 'submitted' }, who.actor, now, {
      review_due_at: new Date(now.getTime() + deps.policy.changes.emergency_review_hours * hourMs),
    });
  } else if (check.approval === 'standard') {
    await approveNow(trx, deps, { ...c, status: 'submitted' }, who.actor, now, {
      owner_approved_by: `standard:${check.standard}`,
    });
  } else {
    // It waits for people: those who can fill its places hear of it with the submission, or not at all.
    const slots = slotsOf(check.approval);
    const approvers = await approversOf(trx, {
      ...(slots.includes('owner') ? { membersOf: c.team_id } : {}),
      security: slots.includes('security'),
      except: c.requested_by,
    });
    await notifyApprovers(
      trx,
      { kind: 'change.waiting', id, title: c.title, when: '', key: `change:${id}:submitted`, team: c.team_name, now },
      approvers,
    );
  }
}

/** Adds the caller's approval (the owner team's or Security's place); once every place is filled the change is approved. */
export async function approveChange(deps: ChangesDeps, who: Principal, id: number): Promise<ChangeView> {
  requireRole(who, writers, 'approve changes');
  const now = deps.now();
  await deps.db.transaction().execute(async (trx) => {
    const c = await lockChange(trx, id, 'approve');
    if (c.status !== 'submitted' && !(c.emergency && c.reviewed_at === null)) {
      throw new EntenteError('conflict', `change ${id} ${whereItStands[c.status]}, so there is no approval to add`, {
        id,
        status: c.status,
      });
    }
    const inOwnerTeam =
      who.teamIds.includes(c.team_id)
      || (c.lead_email !== null && c.lead_email.toLowerCase() === who.actor.toLowerCase());
    const choice = chooseSlot({ actor: who.actor, role: who.role, inOwnerTeam }, c.approval_path, {
      requestedBy: c.requested_by,
      owner: c.owner_approved_by,
      security: c.security_approved_by,
    });
    if (!choice.ok) throw await approvalRefused(trx, c, who.actor, choice.why);
    requireApprover(who, `change ${id}`);
    const check = c.risk_check as unknown as RiskCheck;
    if (c.status === 'submitted' && check.alternativeFirst && !(c.fields as unknown as ChangeFields).keepProtocol) {
      throw new EntenteError(
        'conflict',
        changeMessages.waitsForChoice.render({
          id,
          requester: c.requested_by,
          alternative: check.alternative ?? '',
          protocol: check.protocolLabel,
        }),
        { id },
      );
    }
    const approvals = { owner: c.owner_approved_by, security: c.security_approved_by, [choice.slot]: who.actor };
    const complete = slotsOf(c.approval_path).every((s) => approvals[s] !== null);
    await trx
      .updateTable('change_requests')
      .set({ owner_approved_by: approvals.owner, security_approved_by: approvals.security, updated_at: now })
      .where('id', '=', id)
      .execute();
    await recordAudit(trx, {
      actor: who.actor,
      action: 'change.approve',
      entity: 'change',
      entityId: id,
      before: { status: c.status },
      after: { as: choice.slot, complete },
      at: now,
    });
    if (!complete) return;
    if (c.status === 'submitted') await approveNow(trx, deps, c, who.actor, now, {});
    else await trx.updateTable('change_requests').set({ reviewed_at: now }).where('id', '=', id).execute(); // an emergency's review is done
  });
  return viewOf(deps, id);
}

// Approved (with safeguards when the check asked for any): safeguards become commitments; long-lived access gets its recertification date.
async function approveNow(
  trx: Kysely<DB>,
  deps: ChangesDeps,
  c: Locked,
  actor: string,
  now: Date,
  extra: Record<string, unknown>,
): Promise<void> {
  const check = c.risk_check as unknown as RiskCheck;
  const status: ChangeStatus = check.safeguards.length > 0 ? 'approved_with_safeguards' : 'approved';
  const lease = { startsAt: new Date(c.starts_at), endsAt: c.ends_at === null ? null : new Date(c.ends_at) };
  // The lease itself enforces the end-date safeguard; the others are owed by the owner team, each by the date its catalogue entry sets.
  const owed = check.safeguards.filter((s) => s.id !== 'short-lease');
  const commitments = await createCommitments(
    { db: trx, now: () => now, policy: deps.policy },
    actor,
    owed.map((s) => ({
      kind: 'safeguard',
      title: s.title,
      ownerTeamId: c.team_id,
      serviceId: c.service_id,
      dueAt: safeguardDueAt(s.due, lease, now, deps.policy.changes.safeguard_min_days, policyCalendar(deps.policy)),
      verification: { method: 'evidence' as const, detail: s.verify },
      source: { type: 'change' as const, id: c.id },
    })),
  );
  const recertify = c.ends_at === null ? new Date(now.getTime() + deps.policy.changes.recertify_days * dayMs) : null;
  await trx
    .updateTable('change_requests')
    .set({
      status,
      decided_at: now,
      recertify_due_at: recertify,
      commitment_ids: [...c.commitment_ids, ...commitments.map((x) => x.id)],
      updated_at: now,
      ...extra,
    })
    .where('id', '=', c.id)
    .execute();
  await recordAudit(trx, {
    actor,
    action: 'change.approved',
    entity: 'change',
    entityId: c.id,
    before: { status: c.status },
    after: { status, commitments: commitments.map((x) => x.id), recertifyDueAt: recertify, ...extra },
    at: now,
  });
}

/** Keeps the request as asked instead of the alternative its risk check offers, with the requester's reason; the approvals can then start. */
export async function keepProtocol(deps: ChangesDeps, who: Principal, id: number, reason: string): Promise<ChangeView> {
  requireRole(who, writers, "answer a change's alternative");
  const why = (reason ?? '').trim();
  if (!why)
    throw badInput(
      'reason: say why it has to stay as asked (e.g. "the client\'s system only speaks FTP"), so the approvers can weigh it',
      { field: 'reason' },
    );
  if (why.length > 1_000) throw badInput('reason: keep it under 1,000 characters', { field: 'reason' });
  const now = deps.now();
  await deps.db.transaction().execute(async (trx) => {
    const c = await lockChange(trx, id, 'keep-protocol');
    requireWrite(who, { teamId: c.team_id, team: c.team_name }, `change ${id}`, "answer a change's alternative");
    if (c.requested_by !== who.actor && who.role !== 'admin') {
      throw new EntenteError(
        'forbidden',
        `change ${id} was asked for by ${c.requested_by}, who chooses between the safer way and keeping it as asked; add your thoughts to the request's discussion`,
        { id },
      );
    }
    const check = c.risk_check as unknown as RiskCheck;
    if (!check.alternativeFirst)
      throw new EntenteError(
        'conflict',
        `change ${id} has no safer alternative to set aside, so there is nothing to keep; its approvals go ahead as they are`,
        { id },
      );
    const fields = c.fields as unknown as ChangeFields;
    await trx
      .updateTable('change_requests')
      .set({ fields: pgJson({ ...fields, keepProtocol: why }), updated_at: now })
      .where('id', '=', id)
      .execute();
    await recordAudit(trx, {
      actor: who.actor,
      action: 'change.keep_protocol',
      entity: 'change',
      entityId: id,
      before: { keepProtocol: fields.keepProtocol ?? null },
      after: { keepProtocol: why },
      at: now,
    });
  });
  return viewOf(deps, id);
}

/** Declines a request, saying why; the view shows the safer alternative the risk check knows. */
export async function declineChange(
  deps: ChangesDeps,
  who: Principal,
  id: number,
  reason: string,
): Promise<ChangeView> {
  requireRole(who, writers, 'decline changes');
  const why = reason.trim();
  if (!why) throw badInput('reason: say why, so the requester knows what would work instead', { field: 'reason' });
  const now = deps.now();
  await deps.db.transaction().execute(async (trx) => {
    const c = await lockChange(trx, id, 'decline', (c2) => c2.emergency && c2.reviewed_at === null);
    if (!mayWrite(who, { teamId: c.team_id })) {
      throw new EntenteError(
        'forbidden',
        `change ${id} is decided by ${c.team_name} and Security; add your thoughts to the request's discussion instead`,
        { id },
      );
    }
    await trx
      .updateTable('change_requests')
      .set({ status: 'declined', decided_at: now, decline_reason: why, updated_at: now })
      .where('id', '=', id)
      .execute();
    await recordAudit(trx, {
      actor: who.actor,
      action: 'change.decline',
      entity: 'change',
      entityId: id,
      before: { status: c.status },
      after: { status: 'declined', reason: why },
      at: now,
    });
  });
  return viewOf(deps, id);
}

/** Records that an approved change is in place. */
export async function implementChange(deps: ChangesDeps, who: Principal, id: number): Promise<ChangeView> {
  return step(deps, who, id, 'implement', async (trx, c, now) => {
    await trx
      .updateTable('change_requests')
      .set({ status: 'implemented', implemented_at: now, updated_at: now })
      .where('id', '=', id)
      .execute();
    await recordAudit(trx, {
      actor: who.actor,
      action: 'change.implement',
      entity: 'change',
      entityId: id,
      before: { status: c.status },
      after: { status: 'implemented' },
      at: now,
    });
  });
}

/** Extends a lease once, before it ends, with a reason; at most the risk's longest lease past the current end. */
export async function extendChange(
  deps: ChangesDeps,
  who: Principal,
  id: number,
  body: { end: string; reason: string },
): Promise<ChangeView> {
  const why = body.reason?.trim() ?? '';
  if (!why) throw badInput('reason: say why it is still needed, so the approvers can see it', { field: 'reason' });
  const asked = new Date(body.end);
  if (Number.isNaN(asked.getTime()))
    throw badInput('end: write a date as 2026-03-09 or 2026-03-09T17:00:00Z', { field: 'end' });
  return step(deps, who, id, 'extend', async (trx, c, now) => {
    if (c.ends_at === null)
      throw new EntenteError(
        'conflict',
        `change ${id} has no end date, so there is nothing to extend; it is recertified instead`,
        { id },
      );
    const end = new Date(c.ends_at);
    if (end <= now)
      throw new EntenteError(
        'conflict',
        `change ${id} ended on ${policyCalendar(deps.policy).dayOf(end)}; request a new change if it is still needed`,
        { id },
      );
    if (c.extended_at !== null)
      throw new EntenteError(
        'conflict',
        `change ${id} was extended once already (${c.extend_reason}); request a new change if it is needed past ${policyCalendar(deps.policy).dayOf(end)}`,
        { id },
      );
    checkExtension((c.risk_check as unknown as RiskCheck).maxLeaseDays, end, asked, policyCalendar(deps.policy));
    await trx
      .updateTable('change_requests')
      .set({ ends_at: asked, extended_at: now, extend_reason: why, lease_reminded_at: null, updated_at: now })
      .where('id', '=', id)
      .execute();
    await recordAudit(trx, {
      actor: who.actor,
      action: 'change.extend',
      entity: 'change',
      entityId: id,
      before: { endsAt: end },
      after: { endsAt: asked, reason: why },
      at: now,
    });
  });
}

/** Confirms the access is taken down; the removal commitment, if the lease ended, is verified with it. */
export async function removeChange(deps: ChangesDeps, who: Principal, id: number, note?: string): Promise<ChangeView> {
  return step(deps, who, id, 'remove', async (trx, c, now) => {
    await trx
      .updateTable('change_requests')
      .set({ status: 'removed', removed_at: now, removed_by: who.actor, updated_at: now })
      .where('id', '=', id)
      .execute();
    const open = await trx
      .selectFrom('commitments')
      .select('id')
      .where('source_type', '=', 'change')
      .where('source_id', '=', id)
      .where('kind', '=', 'removal')
      .where('state', '!=', 'verified')
      .execute();
    for (const r of open)
      await verifyCommitment(
        { db: trx, now: () => now, policy: deps.policy },
        who,
        r.id,
        note?.trim() || `removal confirmed with change ${id}`,
      );
    // The access is gone, so the safeguards that guarded it are no longer owed.
    await releaseCommitments(
      { db: trx, now: () => now },
      who.actor,
      'change',
      new Map([[id, `change ${id} was removed`]]),
    );
    await recordAudit(trx, {
      actor: who.actor,
      action: 'change.remove',
      entity: 'change',
      entityId: id,
      before: { status: c.status },
      after: { status: 'removed', note: note ?? null },
      at: now,
    });
  });
}

/** Recertifies long-lived access: still needed, still safe; the next date follows the policy's schedule. */
export async function recertifyChange(deps: ChangesDeps, who: Principal, id: number): Promise<ChangeView> {
  return step(deps, who, id, 'recertify', async (trx, c, now) => {
    if (c.ends_at !== null)
      throw new EntenteError(
        'conflict',
        `change ${id} ends on ${policyCalendar(deps.policy).dayOf(c.ends_at)}, so it needs no recertification; extend it instead if needed`,
        { id },
      );
    const next = new Date(now.getTime() + deps.policy.changes.recertify_days * dayMs);
    await trx
      .updateTable('change_requests')
      .set({ status: 'recertified', recertified_at: now, recertify_due_at: next, updated_at: now })
      .where('id', '=', id)
      .execute();
    await recordAudit(trx, {
      actor: who.actor,
      action: 'change.recertify',
      entity: 'change',
      entityId: id,
      before: { status: c.status },
      after: { status: 'recertified', nextDueAt: next },
      at: now,
    });
  });
}

// A step the owner team, Security or an admin may take.
async function step(
  deps: ChangesDeps,
  who: Principal,
  id: number,
  action: string,
  fn: (trx: Kysely<DB>, c: Locked, now: Date) => Promise<void>,
): Promise<ChangeView> {
  requireRole(who, writers, `${action} changes`);
  const now = deps.now();
  await deps.db.transaction().execute(async (trx) => {
    const c = await lockChange(trx, id, action);
    requireWrite(who, { teamId: c.team_id, team: c.team_name }, `change ${id}`, `${action} changes`);
    await fn(trx, c, now);
  });
  return viewOf(deps, id);
}

/** Changes that match, newest first. */
export async function listChanges(deps: ChangesDeps, filter: ChangeFilter): Promise<ChangeView[]> {
  let q = deps.db
    .selectFrom('change_requests as c')
    .innerJoin('services as s', 's.id', 'c.service_id')
    .innerJoin('teams as t', 't.id', 'c.team_id')
    .select('c.id')
    .orderBy('c.id', 'desc')
    .limit(filter.limit);
  if (filter.service) q = q.where('s.name', '=', filter.service);
  if (filter.team) q = q.where('t.name', '=', filter.team);
  if (filter.teamIds) q = q.where('c.team_id', 'in', filter.teamIds.length ? filter.teamIds : [-1]);
  if (filter.status?.length && !filter.status.includes('all'))
    q = q.where('c.status', 'in', filter.status as ChangeStatus[]);
  const ids = (await q.execute()).map((r) => r.id);
  const views = await changeViews(deps.db, ids, deps.now(), deps.policy.changes, policyCalendar(deps.policy));
  return ids.map((id) => views.get(id)).filter((v): v is ChangeView => v !== undefined);
}

/** One change, or not_found. */
export async function getChange(deps: ChangesDeps, id: number): Promise<ChangeView> {
  return viewOf(deps, id);
}

async function viewOf(deps: ChangesDeps, id: number): Promise<ChangeView> {
  const v = (await changeViews(deps.db, [id], deps.now(), deps.policy.changes, policyCalendar(deps.policy))).get(id);
  if (!v)
    throw new EntenteError('not_found', `change ${id} does not exist; \`entente change list\` shows the changes`, {
      id,
    });
  return v;
}

type Locked = Awaited<ReturnType<typeof lockRow>>;

async function lockRow(trx: Kysely<DB>, id: number) {
  const { rows } = await sql<
    import('kysely').Selectable<DB['change_requests']> & { team_name: string; lead_email: string | null }
  >`
    select c.*, t.name as team_name, t.lead_email from change_requests c join teams t on t.id = c.team_id where c.id = ${id} for update of c`.execute(
    trx,
  );
  const c = rows[0];
  if (!c)
    throw new EntenteError('not_found', `change ${id} does not exist; \`entente change list\` shows the changes`, {
      id,
    });
  return c;
}

async function lockChange(
  trx: Kysely<DB>,
  id: number,
  action: string,
  alsoIf?: (c: Locked) => boolean,
): Promise<Locked> {
  const c = await lockRow(trx, id);
  const allowed = allowedFrom[action];
  if (allowed && !allowed.includes(c.status) && !alsoIf?.(c)) {
    throw new EntenteError(
      'conflict',
      `change ${id} ${whereItStands[c.status]}, so it cannot be given the ${action} step now`,
      { id, status: c.status },
    );
  }
  return c;
}

async function setStatus(
  trx: Kysely<DB>,
  actor: string,
  c: Locked,
  status: ChangeStatus,
  now: Date,
  action: string,
): Promise<void> {
  await trx.updateTable('change_requests').set({ status, updated_at: now }).where('id', '=', c.id).execute();
  await recordAudit(trx, {
    actor,
    action,
    entity: 'change',
    entityId: c.id,
    before: { status: c.status },
    after: { status },
    at: now,
  });
}
