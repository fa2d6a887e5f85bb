/** The scorecard and joint goals as the CLI reads and sets them, locally (as the data folder's administrator) or on a server. */
import type { z } from '@hono/zod-openapi';
import type { GoalRequest } from '../../goals/goals-service.ts';
import type { goalSchema, goalsRoutes, scorecardSchema } from '../../http/goals-routes.ts';
import { localAdmin } from '../../people/tokens.ts';
import type { Area } from './area.ts';
import { clientOf } from './remote.ts';

/** A goal and the scorecard as the API gives them (their OpenAPI schemas). */
export type Goal = z.infer<typeof goalSchema>;
export type Scorecard = z.infer<typeof scorecardSchema>;

/** Whose card, and over which days (default: the policy's period up to today). */
export interface CardQuery {
  team?: string | undefined;
  service?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export interface GoalsApi {
  scorecard(q: CardQuery): Promise<Scorecard>;
  set(goal: GoalRequest): Promise<Goal>;
  list(team: string | undefined): Promise<Goal[]>;
  get(id: number): Promise<Goal>;
}

// The goals' modules are loaded on use: the remote path never loads them.
export const goalsApi: Area<GoalsApi> = {
  local: (ctx) => {
    const deps = { db: ctx.database.db, policy: ctx.policy, now: ctx.now };
    const goals = () => import('../../goals/goals-service.ts');
    const scope = () => import('../../goals/scope.ts');
    return {
      async scorecard(q) {
        const { periodOf, scorecardFor } = await import('../../goals/scorecard.ts');
        return scorecardFor(deps, await (await scope()).resolveScope(deps.db, q), periodOf(ctx.policy, ctx.now(), q));
      },
      set: async (goal) => (await goals()).setGoal(deps, localAdmin, goal),
      async list(team) {
        const found = team ? await (await scope()).resolveScope(deps.db, { team }) : undefined;
        return (await goals()).listGoals(deps, found?.kind === 'team' ? { teamId: found.teamId } : {});
      },
      get: async (id) => (await goals()).getGoal(deps, id),
    };
  },
  remote: (remote) => {
    const api = clientOf<ReturnType<typeof goalsRoutes>>(remote).api;
    return {
      async scorecard(q) {
        const query: Record<string, string> = {};
        for (const k of ['team', 'service', 'from', 'to'] as const) if (q[k]) query[k] = q[k];
        return (await api.scorecard.$get({ query })).json();
      },
      set: async (json) => (await api.goals.$post({ json })).json(),
      list: async (team) => (await (await api.goals.$get({ query: team ? { team } : {} })).json()).items,
      get: async (id) => (await api.goals[':id'].$get({ param: { id: String(id) } })).json(),
    };
  },
};
