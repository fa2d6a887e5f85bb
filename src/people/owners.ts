/** Which team owns a record, looked up for the access decisions in `access.ts` (one query each). */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Owner } from './access.ts';

export type OwnedKind = 'finding' | 'exception' | 'change' | 'gate' | 'commitment';

/** The team owning a record, or undefined when there is no such record (the caller's own look-up then says not found). */
export async function ownerOf(db: Kysely<DB>, kind: OwnedKind, id: number): Promise<Owner | undefined> {
  const row = await ownerQuery(db, kind, id).executeTakeFirst();
  return row ? { teamId: row.teamId, team: row.team } : undefined;
}

function ownerQuery(db: Kysely<DB>, kind: OwnedKind, id: number) {
  switch (kind) {
    case 'finding':
      return db
        .selectFrom('findings as x')
        .innerJoin('teams as t', 't.id', 'x.owner_team_id')
        .select(['t.id as teamId', 't.name as team'])
        .where('x.id', '=', id);
    case 'exception':
      return db
        .selectFrom('exceptions as x')
        .innerJoin('teams as t', 't.id', 'x.team_id')
        .select(['t.id as teamId', 't.name as team'])
        .where('x.id', '=', id);
    case 'change':
      return db
        .selectFrom('change_requests as x')
        .innerJoin('teams as t', 't.id', 'x.team_id')
        .select(['t.id as teamId', 't.name as team'])
        .where('x.id', '=', id);
    case 'commitment':
      return db
        .selectFrom('commitments as x')
        .innerJoin('teams as t', 't.id', 'x.owner_team_id')
        .select(['t.id as teamId', 't.name as team'])
        .where('x.id', '=', id);
    case 'gate':
      // A decision belongs to its service's team as it is now: who reads it follows the service.
      return db
        .selectFrom('gate_decisions as x')
        .innerJoin('services as s', 's.id', 'x.service_id')
        .innerJoin('teams as t', 't.id', 's.owner_team_id')
        .select(['t.id as teamId', 't.name as team'])
        .where('x.id', '=', id);
  }
}

/** The team owning a service (not archived), or undefined when there is none by that name. */
export async function serviceOwner(db: Kysely<DB>, name: string): Promise<Owner | undefined> {
  const row = await db
    .selectFrom('services as s')
    .innerJoin('teams as t', 't.id', 's.owner_team_id')
    .select(['t.id as teamId', 't.name as team'])
    .where('s.name', '=', name)
    .where('s.archived_at', 'is', null)
    .executeTakeFirst();
  return row ?? undefined;
}
