/** The agenda's "goals at risk" section, read from the scorecard's goals (at risk, off track or missed) of the review's scope. */
import type { GoalsAtRisk } from './agenda.ts';
import { goalsAtRisk, type GoalsDeps } from '../goals/goals-service.ts';

/** Goals of a team's review are those about that team; an organisation's review sees every goal at risk. The goals are
 * read in the caller's transaction. */
export function goalLinesFrom(deps: GoalsDeps): GoalsAtRisk {
  return async (scope, db) => {
    const goals = await goalsAtRisk(
      { ...deps, db },
      scope.kind === 'team' && scope.teamId !== null
        ? { kind: 'team', teamId: scope.teamId, name: scope.team ?? '' }
        : { kind: 'org' },
    );
    return goals.map((g) => ({
      title: g.label,
      team: g.scope.name,
      progress: `${g.status.replace('_', ' ')}, ${Math.round(g.progress * 100)} % of the way from ${g.baseline} to ${g.target.value} (now ${g.current})`,
      deadline: g.deadline,
    }));
  };
}
