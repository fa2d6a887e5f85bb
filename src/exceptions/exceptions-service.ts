/**
 * Risk acceptance: an engineer asks to accept the risk of some of their team's findings for a while, with a reason and
 * compensating controls; the team's lead and Security both approve (never the requester), and the findings are
 * `accepted` until the exception expires, lapses, or is revoked. Every write is audited in its own transaction.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { ExceptionStatus } from './vocabulary.ts';
import type { Priority } from '../findings/vocabulary.ts';
import type { Policy } from '../policy/policy.ts';
import { policyCalendar } from '../policy/calendar.ts';
import { EntenteError, badInput } from '../errors.ts';
import { recordAudit } from '../audit/audit.ts';
import { requireRole, writers, type Principal } from '../people/tokens.ts';
import { mayWrite, requireApprover, requireWrite } from '../people/access.ts';
import { endExceptions } from './lapse.ts';
import { chooseSlot, decideDays, expiryOf, type Slot } from './exception-rules.ts';
import {
  exceptionViews,
  leadLabel,
  listExceptionIds,
  type ExceptionFilter,
  type ExceptionView,
} from './exception-view.ts';
import { endDueExceptions } from './expiry.ts';
import { oweControls } from './exception-controls.ts';
import { approversOf, notifyApprovers } from '../notifications/work-events.ts';

export interface ExceptionsDeps {
  db: Kysely<DB>;
  now: () => Date;
  policy: Policy;
}

export interface ExceptionRequest {
  findingIds: number[];
  reason: string;
  controls: string[];
  days?: number | undefined;
}

/** The actor the audit log names when an exception ends on its own because someone looked at the list. */
const expiryActor = 'entente:expiry';

/** Exceptions that match, newest first; any whose date has passed are ended first, so the list is never stale. */
export async function listExceptions(deps: ExceptionsDeps, filter: ExceptionFilter): Promise<ExceptionView[]> {
  await deps.db
    .transaction()
    .execute((trx) => endDueExceptions(trx, { now: deps.now(), policy: deps.policy, actor: expiryActor }));
  const ids = await listExceptionIds(deps.db, filter);
  const views = await exceptionViews(deps.db, ids, { now: deps.now(), calendar: policyCalendar(deps.policy) });
  return ids.map((id) => views.get(id)).filter((v): v is ExceptionView => v !== undefined);
}

/** One exception with its findings and approvals, or not_found. */
export async function getException(deps: ExceptionsDeps, id: number): Promise<ExceptionView> {
  await deps.db
    .transaction()
    .execute((trx) => endDueExceptions(trx, { now: deps.now(), policy: deps.policy, actor: expiryActor }));
  return viewOf(deps, id);
}

/** Asks to accept the risk of some findings, all of one team, until a date within the policy's limit. */
export async function requestException(
  deps: ExceptionsDeps,
  who: Principal,
  req: ExceptionRequest,
): Promise<ExceptionView> {
  requireRole(who, writers, 'ask for an exception');
  const ids = [...new Set(req.findingIds)].sort((a, b) => a - b);
  if (ids.length === 0) throw badInput('name at least one finding to accept the risk of', { field: 'findingIds' });
  const reason = req.reason.trim();
  if (!reason)
    throw badInput('say why the risk should be accepted for now (reason), so the approvers can decide', {
      field: 'reason',
    });
  const controls = req.controls.map((c) => c.trim()).filter(Boolean);
  if (controls.length === 0)
    throw badInput('name at least one compensating control that keeps the risk down meanwhile (controls)', {
      field: 'controls',
    });
  const now = deps.now();
  const id = await deps.db.transaction().execute(async (trx) => {
    await endDueExceptions(trx, { now, policy: deps.policy, actor: expiryActor });
    const findings = await lockFindings(trx, ids);
    const teamId = checkRequestable(who, findings);
    await checkNotCovered(trx, ids);
    const days = decideDays(
      deps.policy,
      findings.map((f) => f.priority),
      req.days,
    );
    const expiresAt = expiryOf(policyCalendar(deps.policy), now, days);
    const row = await trx
      .insertInto('exceptions')
      .values({
        status: 'requested',
        reason,
        controls,
        requested_by: who.actor,
        team_id: teamId,
        expires_at: expiresAt,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('exception_findings')
      .values(
        findings.map((f) => ({ exception_id: row.id, finding_id: f.id, priority_rank_at_request: f.priority_rank })),
      )
      .execute();
    await recordAudit(trx, {
      actor: who.actor,
      action: 'exception.request',
      entity: 'exception',
      entityId: row.id,
      after: {
        status: 'requested',
        findingIds: ids,
        reason,
        controls,
        days,
        expiresAt: expiresAt.toISOString(),
        teamId,
      },
      at: now,
    });
    // The team's lead and Security hear that it waits for them, with the request or not at all.
    const team = findings[0]!.team_name;
    await notifyApprovers(
      trx,
      {
        kind: 'exception.waiting',
        id: row.id,
        title: `${ids.length === 1 ? '1 finding' : `${ids.length} findings`} of ${team}`,
        when: '',
        key: `exception:${row.id}`,
        team,
        now,
      },
      await approversOf(trx, { leadOf: teamId, security: true, except: who.actor }),
    );
    return row.id;
  });
  return viewOf(deps, id);
}

/** Adds the caller's approval as the team's lead or as Security; with both in, the findings become accepted. */
export async function approveException(deps: ExceptionsDeps, who: Principal, id: number): Promise<ExceptionView> {
  requireRole(who, writers, 'approve exceptions');
  const now = deps.now();
  await deps.db.transaction().execute(async (trx) => {
    await endDueExceptions(trx, { now, policy: deps.policy, actor: expiryActor });
    const ex = await lockException(trx, id);
    expectStatus(ex, ['requested'], 'approved');
    const state = { requestedBy: ex.requested_by, lead: ex.lead_approved_by, security: ex.security_approved_by };
    const choice = chooseSlot({ actor: who.actor, role: who.role, isTeamLead: isTeamLead(who, ex.lead_email) }, state);
    if (!choice.ok) throw approvalProblem(ex, choice.why, choice.slot);
    requireApprover(who, `exception ${id}`);
    await checkNoRise(trx, id);
    const approvals = { ...state, [choice.slot]: who.actor };
    const complete = approvals.lead !== null && approvals.security !== null;
    await trx
      .updateTable('exceptions')
      .set({
        lead_approved_by: approvals.lead,
        security_approved_by: approvals.security,
        ...(complete ? { status: 'approved' as const, decided_at: now } : {}),
      })
      .where('id', '=', id)
      .execute();
    const accepted = complete ? await acceptFindings(trx, id, now) : [];
    await recordAudit(trx, {
      actor: who.actor,
      action: 'exception.approve',
      entity: 'exception',
      entityId: id,
      before: { status: ex.status, leadApprovedBy: ex.lead_approved_by, securityApprovedBy: ex.security_approved_by },
      after: { as: choice.slot, status: complete ? 'approved' : 'requested', acceptedFindingIds: accepted },
      at: now,
    });
    if (complete) {
      await oweControls(
        trx,
        { now, policy: deps.policy, actor: who.actor },
        { id, teamId: ex.team_id, controls: ex.controls, expiresAt: new Date(ex.expires_at) },
      );
    }
  });
  return viewOf(deps, id);
}

/** The team's lead or Security decides not to accept the risk; the findings stay as they are. */
export async function declineException(
  deps: ExceptionsDeps,
  who: Principal,
  id: number,
  reason: string,
): Promise<ExceptionView> {
  requireRole(who, writers, 'decline exceptions');
  const why = reason.trim();
  if (!why)
    throw badInput('say why the risk cannot be accepted (reason), so the requester knows what would help', {
      field: 'reason',
    });
  const now = deps.now();
  await deps.db.transaction().execute(async (trx) => {
    await endDueExceptions(trx, { now, policy: deps.policy, actor: expiryActor });
    const ex = await lockException(trx, id);
    expectStatus(ex, ['requested'], 'declined');
    if (!isTeamLead(who, ex.lead_email) && who.role !== 'security' && who.role !== 'admin') {
      throw new EntenteError(
        'forbidden',
        `Exception ${id} is decided by ${leadLabel(ex.team_name, ex.lead_email)} and Security; if you have concerns, add them to its findings' comments`,
        { id },
      );
    }
    await trx
      .updateTable('exceptions')
      .set({ status: 'declined', decided_at: now, end_reason: why })
      .where('id', '=', id)
      .execute();
    await recordAudit(trx, {
      actor: who.actor,
      action: 'exception.decline',
      entity: 'exception',
      entityId: id,
      before: { status: ex.status },
      after: { status: 'declined', reason: why },
      at: now,
    });
  });
  return viewOf(deps, id);
}

/** Ends an exception early (the requester or Security): approved ones give their findings back, open with a fresh due date. */
export async function revokeException(
  deps: ExceptionsDeps,
  who: Principal,
  id: number,
  reason: string,
): Promise<ExceptionView> {
  requireRole(who, writers, 'revoke exceptions');
  const why = reason.trim();
  if (!why)
    throw badInput('say why the exception ends early (reason), so the team knows what changed', { field: 'reason' });
  const now = deps.now();
  await deps.db.transaction().execute(async (trx) => {
    await endDueExceptions(trx, { now, policy: deps.policy, actor: expiryActor });
    const ex = await lockException(trx, id);
    expectStatus(ex, ['requested', 'approved'], 'revoked');
    const requester = who.actor === ex.requested_by && mayWrite(who, { teamId: ex.team_id });
    if (!requester && who.role !== 'security' && who.role !== 'admin') {
      throw new EntenteError(
        'forbidden',
        `Exception ${id} can be ended early by the person who asked for it (${ex.requested_by}) or by Security; ask one of them`,
        { id },
      );
    }
    if (ex.status === 'approved') {
      await endExceptions(trx, [id], 'revoked', why, { now, policy: deps.policy, actor: who.actor });
      return;
    }
    // A request not yet approved is withdrawn: no finding was accepted, so none changes.
    await trx
      .updateTable('exceptions')
      .set({ status: 'revoked', ended_at: now, end_reason: why })
      .where('id', '=', id)
      .execute();
    await recordAudit(trx, {
      actor: who.actor,
      action: 'exception.revoked',
      entity: 'exception',
      entityId: id,
      before: { status: ex.status },
      after: { status: 'revoked', reason: why },
      at: now,
    });
  });
  return viewOf(deps, id);
}

/** Ends every exception whose date has passed (for `entente exceptions expire` and, later, the job runner). */
export async function expireExceptionsNow(
  deps: ExceptionsDeps,
  actor: string,
): Promise<{ expired: number; requestsClosed: number }> {
  return deps.db.transaction().execute((trx) => endDueExceptions(trx, { now: deps.now(), policy: deps.policy, actor }));
}

async function viewOf(deps: ExceptionsDeps, id: number): Promise<ExceptionView> {
  const view = (await exceptionViews(deps.db, [id], { now: deps.now(), calendar: policyCalendar(deps.policy) })).get(
    id,
  );
  if (!view) throw new EntenteError('not_found', `exception ${id} does not exist`, { id });
  return view;
}

interface LockedFinding {
  id: number;
  status: string;
  priority: Priority;
  priority_rank: number;
  owner_team_id: number;
  team_name: string;
}

async function lockFindings(trx: Kysely<DB>, ids: number[]): Promise<LockedFinding[]> {
  // Locked in id order, so two requests over the same findings queue instead of both passing the coverage check.
  const { rows } =
    await sql<LockedFinding>`select f.id, f.status, f.priority, f.priority_rank, f.owner_team_id, t.name as team_name
    from findings f join teams t on t.id = f.owner_team_id where f.id = any(${ids}::int[]) order by f.id for update of f`.execute(
      trx,
    );
  const missing = ids.filter((id) => !rows.some((r) => r.id === id));
  if (missing.length)
    throw badInput(`no finding ${missing.map((m) => `#${m}`).join(', ')} exists; check the ids in the findings list`, {
      field: 'findingIds',
      missing,
    });
  return rows;
}

// Returns the one team all the findings belong to, or says what stands in the way.
function checkRequestable(who: Principal, findings: LockedFinding[]): number {
  const teams = [...new Map(findings.map((f) => [f.owner_team_id, f.team_name])).entries()];
  if (teams.length > 1) {
    const which = findings.map((f) => `#${f.id} → ${f.team_name}`).join(', ');
    throw badInput(
      `an exception covers the findings of one team, so one lead can decide; these belong to ${teams.length} teams (${which}). Ask once per team.`,
      { field: 'findingIds', teams: teams.map(([, name]) => name) },
    );
  }
  const [teamId, teamName] = teams[0]!;
  requireWrite(who, { teamId, team: teamName }, 'these findings', 'ask for exceptions');
  for (const f of findings) {
    if (f.status === 'fixed')
      throw badInput(`finding #${f.id} is fixed, so there is no risk left to accept; leave it out`, {
        field: 'findingIds',
        id: f.id,
      });
    if (f.status === 'false_positive')
      throw badInput(`finding #${f.id} is marked as a false positive, so there is no risk to accept; leave it out`, {
        field: 'findingIds',
        id: f.id,
      });
  }
  return teamId;
}

async function checkNotCovered(trx: Kysely<DB>, ids: number[]): Promise<void> {
  const covered = await trx
    .selectFrom('exception_findings as ef')
    .innerJoin('exceptions as e', 'e.id', 'ef.exception_id')
    .select(['ef.finding_id', 'e.id', 'e.status'])
    .where('ef.finding_id', 'in', ids)
    .where('e.status', 'in', ['requested', 'approved'])
    .orderBy('ef.finding_id')
    .execute();
  const first = covered[0];
  if (first) {
    const state = first.status === 'approved' ? 'approved' : 'waiting for approval';
    throw new EntenteError(
      'conflict',
      `finding #${first.finding_id} is already covered by exception ${first.id} (${state}); change or end that one instead of asking twice`,
      { findingId: first.finding_id, exceptionId: first.id },
    );
  }
}

interface LockedException {
  id: number;
  status: ExceptionStatus;
  requested_by: string;
  lead_approved_by: string | null;
  security_approved_by: string | null;
  expires_at: Date;
  decided_at: Date | null;
  team_id: number;
  controls: string[];
  team_name: string;
  lead_email: string | null;
}

async function lockException(trx: Kysely<DB>, id: number): Promise<LockedException> {
  const { rows } =
    await sql<LockedException>`select e.id, e.status, e.requested_by, e.lead_approved_by, e.security_approved_by, e.expires_at, e.decided_at,
      e.team_id, e.controls, t.name as team_name, t.lead_email
    from exceptions e join teams t on t.id = e.team_id where e.id = ${id} for update of e`.execute(trx);
  const ex = rows[0];
  if (!ex) throw new EntenteError('not_found', `exception ${id} does not exist`, { id });
  return ex;
}

const whereItStands: Record<ExceptionStatus, string> = {
  requested: 'is still waiting for its approvals',
  approved: 'is approved already; to end it early, revoke it',
  declined: 'was declined; ask again with what has changed',
  expired: 'has ended because its date passed; ask again if it is still needed',
  lapsed: 'has ended because a finding became more urgent; ask again with the current picture',
  revoked: 'has ended early; ask again if it is still needed',
};

function expectStatus(ex: LockedException, allowed: ExceptionStatus[], verb: string): void {
  if (!allowed.includes(ex.status)) {
    throw new EntenteError('conflict', `Exception ${ex.id} cannot be ${verb} now: it ${whereItStands[ex.status]}`, {
      id: ex.id,
      status: ex.status,
    });
  }
}

function isTeamLead(who: Principal, leadEmail: string | null): boolean {
  return who.personId !== null && leadEmail !== null && who.actor.toLowerCase() === leadEmail.toLowerCase();
}

function approvalProblem(
  ex: LockedException,
  why: 'own_request' | 'not_an_approver' | 'approved_already' | 'place_taken',
  slot: Slot | undefined,
): EntenteError {
  const lead = leadLabel(ex.team_name, ex.lead_email, ex.requested_by);
  const label = (s: Slot | undefined): string => (s === 'lead' ? lead : 'Security');
  const needs = [ex.lead_approved_by ? null : lead, ex.security_approved_by ? null : 'Security']
    .filter(Boolean)
    .join(' and ');
  switch (why) {
    case 'own_request':
      return new EntenteError(
        'forbidden',
        `You asked for exception ${ex.id}, so it needs two other people's approval: ${needs}. Your own approval does not count, whatever your role.`,
        { id: ex.id },
      );
    case 'not_an_approver':
      return new EntenteError(
        'forbidden',
        `Exception ${ex.id} is approved by ${lead} and by Security; it is waiting for ${needs}`,
        { id: ex.id },
      );
    case 'approved_already':
      return new EntenteError(
        'conflict',
        `You have approved exception ${ex.id} already (as ${label(slot)}); it is waiting for ${needs}, from someone else`,
        { id: ex.id },
      );
    case 'place_taken':
      return new EntenteError(
        'conflict',
        `Exception ${ex.id} already has the approval of ${label(slot)}; it is waiting for ${needs}`,
        { id: ex.id },
      );
  }
}

// Approving what has become more urgent since the request would lapse at the next import; ask for a fresh request instead.
async function checkNoRise(trx: Kysely<DB>, id: number): Promise<void> {
  const risen = await trx
    .selectFrom('exception_findings as ef')
    .innerJoin('findings as f', 'f.id', 'ef.finding_id')
    .select(['f.id', 'f.priority'])
    .where('ef.exception_id', '=', id)
    .whereRef('f.priority_rank', '<', 'ef.priority_rank_at_request')
    .orderBy('f.id')
    .execute();
  const first = risen[0];
  if (first) {
    throw new EntenteError(
      'conflict',
      `finding #${first.id} has become more urgent (now ${first.priority}) since exception ${id} was asked for; decline it so it can be asked again with the current priority and its limit`,
      { id, findingId: first.id, priority: first.priority },
    );
  }
}

// Each finding's status is kept with the exception first, so it comes back as it was (in progress, say) when it ends.
async function acceptFindings(trx: Kysely<DB>, id: number, now: Date): Promise<number[]> {
  await sql`update exception_findings ef set status_before = f.status from findings f
    where ef.exception_id = ${id} and f.id = ef.finding_id and f.status in ('open', 'in_progress')`.execute(trx);
  const rows = await trx
    .updateTable('findings')
    .set({ status: 'accepted', status_changed_at: now })
    .where('id', 'in', (eb) => eb.selectFrom('exception_findings').select('finding_id').where('exception_id', '=', id))
    .where('status', 'in', ['open', 'in_progress'])
    .returning('id')
    .execute();
  return rows.map((r) => r.id).sort((a, b) => a - b);
}
