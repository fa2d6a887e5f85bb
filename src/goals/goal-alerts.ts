/**
 * A daily job: when a goal's forecast turns at risk or off track (from met or on track, or first seen so), its owner
 * teams hear of it once; goal_alerts keeps the last state seen, so the same state does not notify again, and a goal
 * that recovers and slips again does.
 */
import type { GoalsDeps } from './goals-service.ts';
import { listGoals } from './goals-service.ts';
import { notifyTeams } from '../notifications/work-events.ts';

const worrying = new Set(['at_risk', 'off_track']);

/** Notices goals whose forecast turned worrying since the last run; returns their ids. */
export async function alertGoalsAtRisk(deps: GoalsDeps): Promise<{ alerted: number[] }> {
  const now = deps.now();
  const goals = await listGoals(deps);
  const alerted: number[] = [];
  await deps.db.transaction().execute(async (trx) => {
    const seen = new Map(
      (await trx.selectFrom('goal_alerts').select(['goal_id', 'state']).forUpdate().execute()).map((r) => [
        r.goal_id,
        r.state,
      ]),
    );
    for (const g of goals) {
      const before = seen.get(g.id);
      if (before === g.status) continue;
      await trx
        .insertInto('goal_alerts')
        .values({ goal_id: g.id, state: g.status, changed_at: now })
        .onConflict((oc) => oc.column('goal_id').doUpdateSet({ state: g.status, changed_at: now }))
        .execute();
      if (!worrying.has(g.status) || (before !== undefined && worrying.has(before))) continue;
      const owners = await trx
        .selectFrom('teams')
        .select(['id', 'name'])
        .where('name', 'in', g.owners.length ? g.owners : [''])
        .orderBy('id')
        .execute();
      await notifyTeams(
        trx,
        {
          kind: 'goal.at_risk',
          id: g.id,
          title: g.summary,
          when: g.status === 'at_risk' ? 'at risk' : 'off track',
          key: `goal:${g.id}:${g.status}:${now.toISOString()}`,
          team: g.owners.join(', ') || (g.scope.name ?? 'the organisation'),
          now,
        },
        owners.map((o) => o.id),
      );
      alerted.push(g.id);
    }
  });
  return { alerted };
}
