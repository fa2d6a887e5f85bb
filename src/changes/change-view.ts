/** The view of a change request people read: its fields, risk check, approvals, lease and one sentence on where it stands. */
import type { Kysely, Selectable } from 'kysely';
import type { ChangeRequestsTable, DB } from '../db/schema.ts';
import type { ChangeStatus } from './vocabulary.ts';
import type { ChangesPolicy } from './change-policy.ts';
import type { ChangeFields } from './change-request.ts';
import type { RiskCheck } from './risk-check.ts';
import { slotsOf } from './change-rules.ts';
import { changeMessages } from './change-messages.ts';
import { calendarOf, type Calendar, type Day } from '../policy/calendar.ts';

export interface ChangeView {
  id: number;
  type: string;
  status: ChangeStatus;
  service: string;
  team: string;
  title: string;
  fields: ChangeFields;
  emergency: boolean;
  risk: string;
  riskCheck: RiskCheck & { message: string };
  approvals: { path: string; owner: string | null; security: string | null; awaiting: string[] };
  requestedBy: string;
  requestedAt: string;
  decidedAt: string | null;
  declineReason: string | null;
  startsAt: string;
  endsAt: string | null;
  extended: { at: string; reason: string } | null;
  implementedAt: string | null;
  review: { dueAt: string; reviewedAt: string | null; overdue: boolean } | null;
  recertification: { dueAt: string; lastAt: string | null; overdue: boolean } | null;
  removal: { dueAt: string; overdue: boolean; confirmedAt: string | null; by: string | null } | null;
  commitmentIds: number[];
  policyDigest: string;
  summary: string;
}

type Row = Selectable<ChangeRequestsTable> & { service_name: string; team_name: string };

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/** Views of these changes by id (missing ids are left out). */
export async function changeViews(
  db: Kysely<DB>,
  ids: number[],
  now: Date,
  policy: ChangesPolicy,
  calendar: Calendar = calendarOf('UTC'),
): Promise<Map<number, ChangeView>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('change_requests as c')
    .innerJoin('services as s', 's.id', 'c.service_id')
    .innerJoin('teams as t', 't.id', 'c.team_id')
    .selectAll('c')
    .select(['s.name as service_name', 't.name as team_name'])
    .where('c.id', 'in', ids)
    .execute();
  const owed = rows.flatMap((r) => r.commitment_ids);
  const safeguards =
    owed.length === 0
      ? []
      : await db
          .selectFrom('commitments')
          .select(['source_id', 'title', 'due_at'])
          .where('id', 'in', owed)
          .where('kind', '=', 'safeguard')
          .orderBy('id')
          .execute();
  return new Map(
    rows.map((r) => [
      r.id,
      viewOf(
        r as Row,
        now,
        policy,
        calendar,
        safeguards.filter((c) => c.source_id === r.id),
      ),
    ]),
  );
}

type Owed = { title: string; due_at: Date | string };

function viewOf(r: Row, now: Date, policy: ChangesPolicy, cal: Calendar, owed: Owed[]): ChangeView {
  const check = r.risk_check as unknown as RiskCheck;
  const awaiting = slotsOf(r.approval_path)
    .filter((s) => (s === 'owner' ? r.owner_approved_by : r.security_approved_by) === null)
    .map((s) => (s === 'owner' ? r.team_name : 'Security'));
  const endsAt = iso(r.ends_at);
  const ended = r.ends_at !== null && new Date(r.ends_at) <= now;
  const removal =
    r.ends_at !== null
    && (ended || r.removed_at !== null)
    && r.status !== 'declined'
    && r.status !== 'draft'
    && r.status !== 'submitted'
      ? { dueAt: endsAt!, overdue: ended && r.removed_at === null, confirmedAt: iso(r.removed_at), by: r.removed_by }
      : null;
  const view: ChangeView = {
    id: r.id,
    type: r.type,
    status: r.status,
    service: r.service_name,
    team: r.team_name,
    title: r.title,
    fields: r.fields as unknown as ChangeFields,
    emergency: r.emergency,
    risk: r.risk,
    riskCheck: {
      ...check,
      message: changeMessages.riskCheck.render({
        ...check,
        safeguards: check.safeguards.map((s) => s.title),
        kept: (r.fields as unknown as ChangeFields).keepProtocol,
      }),
    },
    approvals: { path: r.approval_path, owner: r.owner_approved_by, security: r.security_approved_by, awaiting },
    requestedBy: r.requested_by,
    requestedAt: iso(r.created_at)!,
    decidedAt: iso(r.decided_at),
    declineReason: r.decline_reason,
    startsAt: iso(r.starts_at)!,
    endsAt,
    extended: r.extended_at ? { at: iso(r.extended_at)!, reason: r.extend_reason ?? '' } : null,
    implementedAt: iso(r.implemented_at),
    review: r.review_due_at
      ? {
          dueAt: iso(r.review_due_at)!,
          reviewedAt: iso(r.reviewed_at),
          overdue: r.reviewed_at === null && new Date(r.review_due_at) < now,
        }
      : null,
    recertification: r.recertify_due_at
      ? {
          dueAt: iso(r.recertify_due_at)!,
          lastAt: iso(r.recertified_at),
          overdue: new Date(r.recertify_due_at) < now && r.removed_at === null,
        }
      : null,
    removal,
    commitmentIds: r.commitment_ids,
    policyDigest: r.policy_digest,
    summary: '',
  };
  view.summary = summaryOf(view, ended, policy, cal, owed);
  return view;
}

function summaryOf(v: ChangeView, ended: boolean, policy: ChangesPolicy, cal: Calendar, owed: Owed[]): string {
  const parts: string[] = [];
  const d = (at: string): Day => cal.dayOf(at);
  const maybe = (at: string | null): Day | null => (at === null ? null : cal.dayOf(at));
  if (v.emergency && v.review)
    parts.push(
      changeMessages.emergency.render({
        reviewBy: d(v.review.dueAt),
        reviewers: v.approvals.awaiting.length ? v.approvals.awaiting : [v.team, 'Security'],
        reviewed: v.review.reviewedAt !== null,
      }),
    );
  switch (v.status) {
    case 'draft':
      parts.push(changeMessages.draft.render({ id: v.id }));
      break;
    case 'submitted':
      parts.push(
        v.riskCheck.message,
        v.riskCheck.alternativeFirst && !v.fields.keepProtocol
          ? changeMessages.alternativeFirst.render({
              id: v.id,
              requester: v.requestedBy,
              protocol: v.riskCheck.protocolLabel,
              approvers: v.approvals.awaiting,
            })
          : changeMessages.awaiting.render({ id: v.id, awaiting: v.approvals.awaiting }),
      );
      break;
    case 'declined':
      parts.push(
        changeMessages.declined.render({
          reason: v.declineReason ?? 'it needs a safer setup',
          alternative: v.riskCheck.alternative,
        }),
      );
      break;
    case 'removed':
      parts.push(
        changeMessages.removed.render({
          at: d(v.removal?.confirmedAt ?? v.decidedAt ?? v.requestedAt),
          by: v.removal?.by ?? v.requestedBy,
        }),
      );
      break;
    case 'recertified':
      parts.push(
        changeMessages.recertified.render({
          at: d(v.recertification?.lastAt ?? v.requestedAt),
          next: d(v.recertification?.dueAt ?? v.requestedAt),
        }),
      );
      break;
    case 'implemented':
      if (!ended)
        parts.push(
          changeMessages.implemented.render({
            since: d(v.implementedAt ?? v.requestedAt),
            endsAt: maybe(v.endsAt),
            reminderDays: policy.reminder_days,
          }),
        );
      break;
    default:
      if (!ended) {
        if (v.approvals.owner?.startsWith('standard:'))
          parts.push(changeMessages.standard.render({ template: v.riskCheck.standard ?? 'standard' }));
        parts.push(
          changeMessages.approved.render({
            safeguards: safeguardsOf(v, owed, cal),
            endsAt: maybe(v.endsAt),
            recertifyBy: maybe(v.recertification?.dueAt ?? null),
          }),
        );
      }
  }
  if (ended && v.removal && v.removal.confirmedAt === null)
    parts.push(changeMessages.leaseEnded.render({ id: v.id, endedAt: d(v.endsAt!) }));
  if (v.recertification?.overdue && v.status !== 'removed')
    parts.push(changeMessages.recertifyDue.render({ id: v.id, title: v.title, dueAt: d(v.recertification.dueAt) }));
  return parts.join(' ');
}

// Each safeguard with the due date of the commitment it became (none for the end date, which the lease enforces).
function safeguardsOf(v: ChangeView, owed: Owed[], cal: Calendar): { title: string; due: Day | null }[] {
  const dueOf = new Map(owed.map((c) => [c.title, cal.dayOf(new Date(c.due_at))]));
  return v.riskCheck.safeguards.map((s) => ({ title: s.title, due: dueOf.get(s.title) ?? null }));
}
