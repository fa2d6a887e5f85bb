/**
 * The pure rules of change requests: the lease a request may have for its risk, whose approval fills which place,
 * and which step is possible from which state.
 */
import type { ChangeStatus } from './vocabulary.ts';
import type { Role } from '../people/vocabulary.ts';
import { badInput } from '../errors.ts';
import { changeMessages } from './change-messages.ts';
import { calendarOf, type Calendar } from '../policy/calendar.ts';
import type { ApprovalPath, RiskCheck } from './risk-check.ts';

const dayMs = 86_400_000;

/** The lease dates of a request: start (default now) and end, checked against the risk's longest lease. */
export function decideLease(
  check: Pick<RiskCheck, 'risk' | 'maxLeaseDays' | 'needsEnd'>,
  now: Date,
  start: string | undefined,
  end: string | undefined,
  cal: Calendar = calendarOf('UTC'),
): { startsAt: Date; endsAt: Date | null } {
  const startsAt = start ? new Date(start) : now;
  const endsAt = end ? new Date(end) : null;
  const latest = new Date(startsAt.getTime() + check.maxLeaseDays * dayMs);
  if (!endsAt) {
    if (check.needsEnd)
      throw badInput(
        changeMessages.leaseTooLong.render({
          risk: check.risk,
          maxDays: check.maxLeaseDays,
          latest: cal.dayOf(latest),
          missing: true,
        }),
        { field: 'end', maxDays: check.maxLeaseDays },
      );
    return { startsAt, endsAt: null };
  }
  if (endsAt <= startsAt)
    throw badInput(
      `end: the end (${endsAt.toISOString()}) comes before the start (${startsAt.toISOString()}); give an end after the start`,
      { field: 'end' },
    );
  if (endsAt <= now)
    throw badInput(`end: ${endsAt.toISOString()} has passed already; give an end date in the future`, { field: 'end' });
  if (endsAt > latest)
    throw badInput(
      changeMessages.leaseTooLong.render({
        risk: check.risk,
        maxDays: check.maxLeaseDays,
        latest: cal.dayOf(latest),
        missing: false,
      }),
      { field: 'end', maxDays: check.maxLeaseDays },
    );
  return { startsAt, endsAt };
}

/**
 * When a safeguard's commitment falls due, as the end of a day in the organisation's calendar (a date people read as
 * "due D" includes all of D): the day the access starts ("start") or some days after it opens (the later of its start
 * and the approval), within the lease when it ends sooner — but never sooner than `minDays` after the approval, so
 * that an approval never turns into a missed commitment (and a no-go) the day it is given.
 */
export function safeguardDueAt(
  due: 'start' | number | undefined,
  lease: { startsAt: Date; endsAt: Date | null },
  approvedAt: Date,
  minDays: number,
  cal: Calendar = calendarOf('UTC'),
): Date {
  const opensAt = new Date(Math.max(lease.startsAt.getTime(), approvedAt.getTime()));
  const wanted = due === undefined || due === 'start' ? cal.endOf(cal.dayOf(lease.startsAt)) : cal.dueIn(opensAt, due);
  const withinLease = lease.endsAt && lease.endsAt < wanted ? lease.endsAt : wanted;
  const earliest = cal.dueIn(approvedAt, minDays);
  return withinLease < earliest ? earliest : withinLease;
}

/** When an extension may end: after the current end, and at most the risk's longest lease past it. */
export function checkExtension(
  maxLeaseDays: number,
  currentEnd: Date,
  asked: Date,
  cal: Calendar = calendarOf('UTC'),
): void {
  if (asked <= currentEnd)
    throw badInput(`end: an extension ends after the current end (${cal.dayOf(currentEnd)})`, { field: 'end' });
  const latest = new Date(currentEnd.getTime() + maxLeaseDays * dayMs);
  if (asked > latest)
    throw badInput(
      `end: at this risk we extend by up to ${maxLeaseDays} days, so the latest end is ${cal.dayOf(latest)}`,
      { field: 'end', maxDays: maxLeaseDays },
    );
}

export type Slot = 'owner' | 'security';

/** The places a path needs filled. */
export function slotsOf(path: ApprovalPath): Slot[] {
  return path === 'owner_and_security' ? ['owner', 'security'] : path === 'owner' ? ['owner'] : [];
}

export interface ChangeApprover {
  actor: string;
  role: Role;
  inOwnerTeam: boolean;
}

export type SlotChoice =
  | { ok: true; slot: Slot }
  | { ok: false; why: 'own_request' | 'not_an_approver' | 'approved_already' | 'nothing_open' };

/** The place this approval fills: the owner team's members fill the owner's, Security the security place, an admin either. */
export function chooseSlot(
  who: ChangeApprover,
  path: ApprovalPath,
  state: { requestedBy: string; owner: string | null; security: string | null },
): SlotChoice {
  if (who.actor === state.requestedBy) return { ok: false, why: 'own_request' };
  if (state.owner === who.actor || state.security === who.actor) return { ok: false, why: 'approved_already' };
  const needed = slotsOf(path);
  const mine: Slot[] = [];
  if (who.inOwnerTeam) mine.push('owner');
  if (who.role === 'security') mine.push('security');
  if (who.role === 'admin') mine.push('owner', 'security');
  const candidates = mine.filter((s) => needed.includes(s));
  if (candidates.length === 0) return { ok: false, why: 'not_an_approver' };
  const open = candidates.find((s) => state[s] === null);
  return open ? { ok: true, slot: open } : { ok: false, why: 'nothing_open' };
}

/** States from which each step is possible. */
export const allowedFrom: Record<string, readonly ChangeStatus[]> = {
  submit: ['draft'],
  'keep-protocol': ['draft', 'submitted'],
  approve: ['submitted', 'approved', 'approved_with_safeguards', 'implemented'], // after submitted: an emergency's review
  decline: ['submitted', 'draft'],
  implement: ['approved', 'approved_with_safeguards'],
  extend: ['approved', 'approved_with_safeguards', 'implemented'],
  remove: ['approved', 'approved_with_safeguards', 'implemented', 'expired', 'recertified'],
  recertify: ['approved', 'approved_with_safeguards', 'implemented', 'recertified'],
};

/** Where a change stands, for "cannot do X now" messages. */
export const whereItStands: Record<ChangeStatus, string> = {
  draft: 'is a draft; submit it first',
  submitted: 'is waiting for its approvals',
  approved: 'is approved',
  approved_with_safeguards: 'is approved with safeguards',
  declined: 'was declined; request a new change with what has changed',
  implemented: 'is in place',
  expired: 'has reached the end of its lease; confirm its removal, or request a new change if it is still needed',
  removed: 'has been removed; request a new change if it is needed again',
  recertified: 'has been recertified',
};
