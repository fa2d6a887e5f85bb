/** The pure rules of risk acceptance: how long an exception may run, and whose approval fills which place. */
import type { Priority } from '../findings/vocabulary.ts';
import type { Role } from '../people/vocabulary.ts';
import type { Policy } from '../policy/policy.ts';
import { badInput } from '../errors.ts';
import { priorityRanks } from '../findings/priority.ts';
import type { Calendar } from '../policy/calendar.ts';

/** The most urgent of these priorities (the one that sets the longest an exception over them may run). */
function mostUrgent(priorities: Priority[]): Priority {
  return priorities.reduce<Priority>((best, p) => (priorityRanks[p] < priorityRanks[best] ? p : best), 'track');
}

/**
 * The days an exception runs: what was asked for, or the policy's default_days cut to the maximum for the most
 * urgent finding. Asking for more than that maximum is bad_input that says the maximum.
 */
export function decideDays(
  policy: Pick<Policy, 'exceptions'>,
  priorities: Priority[],
  asked: number | undefined,
): number {
  const urgent = mostUrgent(priorities);
  const max = policy.exceptions.max_days[urgent];
  if (asked === undefined) return Math.min(policy.exceptions.default_days, max);
  if (!Number.isInteger(asked) || asked < 1)
    throw badInput(`days must be a whole number of at least 1 (you sent ${asked})`, { field: 'days' });
  if (asked > max) {
    throw badInput(
      `We can accept findings of priority ${urgent} for at most ${max} days; ask for ${max} days or fewer and plan the fix within that time`,
      { field: 'days', maxDays: max, priority: urgent, asked },
    );
  }
  return asked;
}

/**
 * When an exception asked for at `requestedAt` for `days` days ends: it covers the day it was asked on and the `days`
 * days after it, so "60 days" asked on 7 December is valid until 5 February and ends as that day does.
 */
export function expiryOf(cal: Calendar, requestedAt: Date, days: number): Date {
  return cal.dueIn(requestedAt, days);
}

export type Slot = 'lead' | 'security';

/** Who is approving, as far as the rules care. */
export interface Approver {
  actor: string;
  role: Role;
  isTeamLead: boolean;
}

/** The state of the approvals of one exception. */
export interface ApprovalState {
  requestedBy: string;
  lead: string | null;
  security: string | null;
}

export type SlotChoice =
  | { ok: true; slot: Slot }
  | { ok: false; why: 'own_request' | 'not_an_approver' | 'approved_already' | 'place_taken'; slot?: Slot };

/**
 * The place this approval fills. The team's lead fills the lead's place, a security token the security place, and an
 * admin whichever is open (lead first). Two different people are always needed, and the requester never counts.
 */
export function chooseSlot(who: Approver, state: ApprovalState): SlotChoice {
  if (who.actor === state.requestedBy) return { ok: false, why: 'own_request' };
  const candidates: Slot[] = [];
  if (who.isTeamLead) candidates.push('lead');
  if (who.role === 'security') candidates.push('security');
  if (who.role === 'admin') candidates.push('lead', 'security');
  if (candidates.length === 0) return { ok: false, why: 'not_an_approver' };
  const mine = state.lead === who.actor ? 'lead' : state.security === who.actor ? 'security' : undefined;
  if (mine) return { ok: false, why: 'approved_already', slot: mine };
  const open = candidates.find((s) => state[s] === null);
  return open ? { ok: true, slot: open } : { ok: false, why: 'place_taken', slot: candidates[0]! };
}
