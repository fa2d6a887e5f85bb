/** What a scorecard or a goal is about: the whole organisation, one team, or one service — resolved from names. */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { badInput } from '../errors.ts';

/** A resolved scope: names as people typed them, ids as the tables hold them. */
export type Scope =
  | { kind: 'org' }
  | { kind: 'team'; teamId: number; name: string }
  | { kind: 'service'; serviceId: number; teamId: number; name: string };

/** The scope named by at most one of team and service (neither: the organisation); an unknown name is bad input naming the field. */
export async function resolveScope(
  db: Kysely<DB>,
  opts: { team?: string | undefined; service?: string | undefined },
): Promise<Scope> {
  if (opts.team && opts.service)
    throw badInput(
      'give --team or --service, not both: a scorecard is about one team, one service or the whole organisation',
      { field: 'team' },
    );
  if (opts.team) {
    const t = await db
      .selectFrom('teams')
      .select(['id', 'name'])
      .where('name', '=', opts.team)
      .where('archived_at', 'is', null)
      .executeTakeFirst();
    if (!t)
      throw badInput(
        `team: no team is named "${opts.team}"; the organisation file lists the teams (\`entente org apply\`)`,
        { field: 'team' },
      );
    return { kind: 'team', teamId: t.id, name: t.name };
  }
  if (opts.service) {
    const s = await db
      .selectFrom('services')
      .select(['id', 'name', 'owner_team_id'])
      .where('name', '=', opts.service)
      .where('archived_at', 'is', null)
      .executeTakeFirst();
    if (!s)
      throw badInput(
        `service: no service is named "${opts.service}"; the organisation file lists the services (\`entente org apply\`)`,
        { field: 'service' },
      );
    return { kind: 'service', serviceId: s.id, teamId: s.owner_team_id, name: s.name };
  }
  return { kind: 'org' };
}

/** How a scope reads in JSON: `{ kind, name }` (no name for the organisation). */
export function scopeView(scope: Scope): { kind: Scope['kind']; name: string | null } {
  return { kind: scope.kind, name: scope.kind === 'org' ? null : scope.name };
}
