/** Who can fill a change's open approval places, and what a refused approval says: who approves instead, and how. */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { EntenteError } from '../errors.ts';
import { changeMessages, type NeededPlace } from './change-messages.ts';
import { slotsOf, type Slot } from './change-rules.ts';
import type { ApprovalPath } from './risk-check.ts';

export type Refusal = 'own_request' | 'not_an_approver' | 'approved_already' | 'nothing_open';

export interface ApprovalState {
  id: number;
  team_id: number;
  team_name: string;
  approval_path: ApprovalPath;
  requested_by: string;
  owner_approved_by: string | null;
  security_approved_by: string | null;
}

// A handful of names is enough to know whom to ask; the team's page lists the rest.
const shown = 3;

/** The places still open and who can fill each: the owner team's members (not the requester, not anyone who approved), or Security. */
async function neededPlaces(db: Kysely<DB>, c: ApprovalState, caller: string): Promise<NeededPlace[]> {
  const open = slotsOf(c.approval_path).filter(
    (s: Slot) => (s === 'owner' ? c.owner_approved_by : c.security_approved_by) === null,
  );
  const places: NeededPlace[] = [];
  for (const slot of open) {
    if (slot === 'owner') {
      const taken = new Set(
        [c.requested_by, c.owner_approved_by, c.security_approved_by, caller]
          .filter((x): x is string => x !== null)
          .map((x) => x.toLowerCase()),
      );
      const members = await db
        .selectFrom('team_members as m')
        .innerJoin('people as p', 'p.id', 'm.person_id')
        .select('p.email')
        .where('m.team_id', '=', c.team_id)
        .orderBy('p.email')
        .execute();
      places.push({
        place: 'owner',
        team: c.team_name,
        people: members
          .map((m) => m.email)
          .filter((e) => !taken.has(e.toLowerCase()))
          .slice(0, shown),
      });
    } else {
      const teams = await db
        .selectFrom('teams')
        .select('name')
        .where('kind', '=', 'security')
        .orderBy('name')
        .execute();
      places.push({ place: 'security', teams: teams.map((t) => t.name).slice(0, shown) });
    }
  }
  return places;
}

/** The error for an approval that fills no place, saying who approves instead and how. */
export async function approvalRefused(
  db: Kysely<DB>,
  c: ApprovalState,
  caller: string,
  why: Refusal,
): Promise<EntenteError> {
  const needed = await neededPlaces(db, c, caller);
  const filled = [
    ...(c.owner_approved_by !== null ? [{ who: c.team_name, by: c.owner_approved_by }] : []),
    ...(c.security_approved_by !== null ? [{ who: 'Security', by: c.security_approved_by }] : []),
  ];
  const message = changeMessages.approvalRefused.render({ id: c.id, why, needed, filled });
  return new EntenteError(why === 'approved_already' || why === 'nothing_open' ? 'conflict' : 'forbidden', message, {
    id: c.id,
    needed,
  });
}
