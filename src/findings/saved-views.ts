/**
 * Saved views of the Findings list, per team: a name and the list's filter (the query string the page keeps in its
 * address). Any reader of the team sees them; the team's engineers, Security and admins save and delete them, audited.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Principal } from '../people/tokens.ts';
import { readableTeams, requireRead, requireWrite } from '../people/access.ts';
import { EntenteError, badInput } from '../errors.ts';
import { recordAudit } from '../audit/audit.ts';

export interface SavedView {
  id: number;
  team: string;
  name: string;
  query: string;
  createdBy: string;
  updatedAt: string;
}

// The Findings list's filter parameters a view may hold (never its cursor: a view starts on the first page).
const viewKeys = [
  'service',
  'team',
  'priority',
  'severity',
  'status',
  'kind',
  'tool',
  'cve',
  'cwe',
  'overdue',
  'q',
  'sort',
] as const;

/** The views of the teams the caller may read, by team then name. */
export async function listViews(db: Kysely<DB>, who: Principal): Promise<SavedView[]> {
  const teams = readableTeams(who);
  let q = db
    .selectFrom('saved_views as v')
    .innerJoin('teams as t', 't.id', 'v.team_id')
    .select(['v.id', 'v.name', 'v.query', 'v.created_by', 'v.updated_at', 't.name as team'])
    .orderBy('t.name')
    .orderBy('v.name');
  if (teams) q = q.where('v.team_id', 'in', teams.length ? teams : [-1]);
  return (await q.execute()).map((r) => ({
    id: r.id,
    team: r.team,
    name: r.name,
    query: r.query,
    createdBy: r.created_by,
    updatedAt: new Date(r.updated_at).toISOString(),
  }));
}

/** The filter in its normal form: known keys only, in a fixed order, no cursor; anything else is refused by name. */
function normaliseQuery(query: string): string {
  const given = new URLSearchParams(query.replace(/^\?/, ''));
  const out = new URLSearchParams();
  for (const [k] of given) {
    if (k !== 'cursor' && !(viewKeys as readonly string[]).includes(k)) {
      throw badInput(
        `query: a saved view holds the Findings list's filters (${viewKeys.join(', ')}); "${k}" is not one of them`,
        { field: 'query', key: k },
      );
    }
  }
  for (const k of viewKeys) {
    const v = given.get(k);
    if (v) out.set(k, v);
  }
  return out.toString();
}

/** Saves a view for a team (a view of the same name is replaced), audited in the same transaction. */
export async function saveView(
  db: Kysely<DB>,
  who: Principal,
  body: { team: string; name: string; query: string },
  now: Date,
): Promise<SavedView> {
  const name = body.name.trim();
  if (!name)
    throw badInput('name: give the view a name the team will recognise, e.g. "Criticals on checkout"', {
      field: 'name',
    });
  const query = normaliseQuery(body.query);
  const team = await db.selectFrom('teams').select(['id', 'name']).where('name', '=', body.team).executeTakeFirst();
  if (!team) throw badInput(`team: there is no team named ${body.team}; GET /api/teams lists them`, { field: 'team' });
  requireWrite(who, { teamId: team.id, team: team.name }, `team ${team.name}`, 'save views');
  const id = await db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('saved_views')
      .select(['id', 'query'])
      .where('team_id', '=', team.id)
      .where('name', '=', name)
      .executeTakeFirst();
    const row = before
      ? await trx
          .updateTable('saved_views')
          .set({ query, created_by: who.actor, updated_at: now })
          .where('id', '=', before.id)
          .returning('id')
          .executeTakeFirstOrThrow()
      : await trx
          .insertInto('saved_views')
          .values({ team_id: team.id, name, query, created_by: who.actor, created_at: now, updated_at: now })
          .returning('id')
          .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor: who.actor,
      action: 'view.save',
      entity: 'saved_view',
      entityId: row.id,
      at: now,
      before: before ? { query: before.query } : null,
      after: { team: team.name, name, query },
    });
    return row.id;
  });
  return { id, team: team.name, name, query, createdBy: who.actor, updatedAt: now.toISOString() };
}

/** Deletes a view, audited. */
export async function deleteView(db: Kysely<DB>, who: Principal, id: number, now: Date): Promise<void> {
  const row = await db
    .selectFrom('saved_views as v')
    .innerJoin('teams as t', 't.id', 'v.team_id')
    .select(['v.id', 'v.name', 'v.query', 'v.team_id', 't.name as team'])
    .where('v.id', '=', id)
    .executeTakeFirst();
  if (!row)
    throw new EntenteError(
      'not_found',
      `saved view ${id} does not exist; the Findings page lists the views you can see`,
      { id },
    );
  requireRead(who, { teamId: row.team_id, team: row.team }, `saved view ${id}`);
  requireWrite(who, { teamId: row.team_id, team: row.team }, `saved view ${id}`, 'delete views');
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('saved_views').where('id', '=', id).execute();
    await recordAudit(trx, {
      actor: who.actor,
      action: 'view.delete',
      entity: 'saved_view',
      entityId: id,
      at: now,
      before: { team: row.team, name: row.name, query: row.query },
    });
  });
}
