/** How people see an exception: its findings, approvals, what it still waits for, and one sentence that sums it up. */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { ExceptionStatus } from './vocabulary.ts';
import type { Priority } from '../findings/vocabulary.ts';
import { priorityRanks } from '../findings/priority.ts';
import { badInput } from '../errors.ts';
import { exceptionMessages } from '../voice/messages/exceptions.ts';
import { commitmentViews, type CommitmentView } from '../commitments/commitment-view.ts';
import type { Calendar, Day } from '../policy/calendar.ts';

export interface ExceptionFindingView {
  id: number;
  title: string;
  service: string;
  priority: string;
  priorityAtRequest: string;
  status: string;
}

export interface ExceptionView {
  id: number;
  status: ExceptionStatus;
  team: string;
  reason: string;
  controls: string[];
  requestedBy: string;
  requestedAt: string;
  /** The end of its last day (`validUntil`) in the organisation's time zone: its findings are accepted until then. */
  expiresAt: string;
  /** The last day it covers. */
  validUntil: Day;
  approvals: { lead: string | null; security: string | null };
  /** Whose approval it still needs (empty unless requested). */
  awaiting: string[];
  decidedAt: string | null;
  endedAt: string | null;
  endReason: string | null;
  findings: ExceptionFindingView[];
  /** Its compensating controls as the team's commitments (from approval on): shown in place with evidence, or released when it ends. */
  commitments: CommitmentView[];
  /** One sentence for people: where it stands and what happens next. */
  summary: string;
}

const exceptionStatuses: readonly ExceptionStatus[] = [
  'requested',
  'approved',
  'declined',
  'expired',
  'lapsed',
  'revoked',
];

export interface ExceptionFilter {
  status?: string[] | undefined;
  team?: string | undefined;
  limit?: number | undefined;
  teamIds?: number[] | undefined; // only these teams' exceptions (what the caller may read; never from request input)
}

/** The ids of the exceptions that match, newest first. */
export async function listExceptionIds(db: Kysely<DB>, filter: ExceptionFilter): Promise<number[]> {
  const statuses = filter.status?.includes('all') ? undefined : filter.status;
  const unknown = statuses?.filter((s) => !exceptionStatuses.includes(s as ExceptionStatus)) ?? [];
  if (unknown.length)
    throw badInput(`unknown exception status "${unknown[0]}"; use ${exceptionStatuses.join(', ')} or "all"`, {
      field: 'status',
    });
  let q = db.selectFrom('exceptions as e').innerJoin('teams as t', 't.id', 'e.team_id').select('e.id');
  if (statuses?.length) q = q.where('e.status', 'in', statuses as ExceptionStatus[]);
  if (filter.team) q = q.where('t.name', '=', filter.team);
  if (filter.teamIds) q = q.where('e.team_id', 'in', filter.teamIds.length ? filter.teamIds : [-1]);
  const rows = await q
    .orderBy('e.id', 'desc')
    .limit(filter.limit ?? 100)
    .execute();
  return rows.map((r) => r.id);
}

/** The views of these exceptions at `now`, their dates in the organisation's calendar, by id (missing ids are absent). */
export async function exceptionViews(
  db: Kysely<DB>,
  ids: number[],
  at: { now: Date; calendar: Calendar },
): Promise<Map<number, ExceptionView>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('exceptions as e')
    .innerJoin('teams as t', 't.id', 'e.team_id')
    .selectAll('e')
    .select(['t.name as team_name', 't.lead_email'])
    .where('e.id', 'in', ids)
    .execute();
  const findings = await db
    .selectFrom('exception_findings as ef')
    .innerJoin('findings as f', 'f.id', 'ef.finding_id')
    .innerJoin('services as s', 's.id', 'f.service_id')
    .select([
      'ef.exception_id',
      'ef.priority_rank_at_request',
      'f.id',
      'f.title',
      'f.priority',
      'f.status',
      's.name as service',
    ])
    .where('ef.exception_id', 'in', ids)
    .orderBy('f.priority_rank')
    .orderBy('f.id')
    .execute();
  const owed = await commitmentViews(
    db,
    { source: { type: 'exception', ids }, limit: 50 * ids.length },
    at.now,
    at.calendar,
  );
  const out = new Map<number, ExceptionView>();
  for (const r of rows) {
    const mine = findings
      .filter((f) => f.exception_id === r.id)
      .map((f) => ({
        id: f.id,
        title: f.title,
        service: f.service,
        priority: f.priority,
        priorityAtRequest: priorityOfRank(f.priority_rank_at_request),
        status: f.status,
      }));
    const awaiting =
      r.status !== 'requested'
        ? []
        : [
            ...(r.lead_approved_by ? [] : [leadLabel(r.team_name, r.lead_email, r.requested_by)]),
            ...(r.security_approved_by ? [] : ['Security']),
          ];
    const view: Omit<ExceptionView, 'summary'> = {
      id: r.id,
      status: r.status,
      team: r.team_name,
      reason: r.reason,
      controls: r.controls,
      requestedBy: r.requested_by,
      requestedAt: iso(r.created_at),
      expiresAt: iso(r.expires_at),
      validUntil: at.calendar.dayOf(r.expires_at),
      approvals: { lead: r.lead_approved_by, security: r.security_approved_by },
      awaiting,
      decidedAt: r.decided_at ? iso(r.decided_at) : null,
      endedAt: r.ended_at ? iso(r.ended_at) : null,
      endReason: r.end_reason,
      findings: mine,
      commitments: owed.filter((c) => c.source.id === r.id).sort((a, b) => a.id - b.id),
    };
    out.set(r.id, { ...view, summary: summaryOf(view, at.calendar) });
  }
  return out;
}

/** How the lead's approval is named to people: the lead's address, or an admin acting for a lead who asked or is not set. */
export function leadLabel(team: string, leadEmail: string | null, requestedBy?: string): string {
  if (!leadEmail) return `the lead of ${team} (no lead is set for the team, so an admin acting for them)`;
  if (leadEmail === requestedBy?.toLowerCase())
    return `an admin acting for the lead of ${team} (the lead, ${leadEmail}, asked for it)`;
  return `the lead of ${team} (${leadEmail})`;
}

function summaryOf(v: Omit<ExceptionView, 'summary'>, cal: Calendar): string {
  const m = exceptionMessages;
  const until = v.validUntil;
  // The day it ended early: when it was revoked or lapsed, not the last day it would have covered.
  const ended = cal.dayOf(v.endedAt ?? v.expiresAt);
  const owed = v.commitments.find((c) => c.state === 'open' || c.state === 'missed');
  switch (v.status) {
    case 'requested':
      return m.requested.render({ requestedBy: v.requestedBy, until, awaiting: v.awaiting });
    case 'approved':
      return m.approved.render({ until, controls: v.controls, evidenceBy: owed ? cal.dayOf(owed.dueAt) : null });
    case 'declined':
      return m.declined.render({ reason: v.endReason });
    case 'revoked':
      return v.decidedAt
        ? m.revoked.render({ ended, reason: v.endReason })
        : m.withdrawn.render({ ended, reason: v.endReason });
    case 'expired':
      return v.decidedAt ? m.expired.render({ until }) : m.requestExpired.render({ until });
    case 'lapsed':
      return m.lapsed.render({
        ended,
        risen: v.findings
          .filter((f) => rankOf(f.priority) < rankOf(f.priorityAtRequest))
          .map((f) => ({ id: f.id, from: f.priorityAtRequest, to: f.priority })),
      });
  }
}

const iso = (d: Date | string): string => new Date(d).toISOString();
const rankOf = (p: string): number => priorityRanks[p as Priority] ?? Number.MAX_SAFE_INTEGER;

function priorityOfRank(rank: number): Priority {
  return (Object.entries(priorityRanks).find(([, r]) => r === rank)?.[0] ?? 'track') as Priority;
}
