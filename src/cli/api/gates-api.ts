/** Release gates as the CLI runs and looks back at them, locally or on a server. */
import type { z } from '@hono/zod-openapi';
import type { gateSchema, gatesRoutes } from '../../http/gates-routes.ts';
import type { ChangesResult, ReplayResult } from '../../gates/gate-history.ts';
import { localAdmin } from '../../people/tokens.ts';
import type { Area } from './area.ts';
import { clientOf } from './remote.ts';

/** A gate decision as the API gives it (its OpenAPI schema). */
export type GateDecision = z.infer<typeof gateSchema>;

export interface GatesApi {
  /** Decides a release now (as the local administrator, or as the server's token). */
  decide(req: {
    service: string;
    env: string;
    version?: string | undefined;
    commit?: string | undefined;
  }): Promise<GateDecision>;
  replay(id: number): Promise<ReplayResult>;
  changes(id: number): Promise<ChangesResult>;
}

// The gate's modules are loaded on use: `entente gate --server` (CI's path) never loads them.
export const gatesApi: Area<GatesApi> = {
  local: (ctx) => {
    const deps = { db: ctx.database.db, policy: ctx.policy, now: ctx.now };
    return {
      decide: async (req) => (await import('../../gates/gate-service.ts')).runGate(deps, localAdmin, req),
      replay: async (id) => (await import('../../gates/gate-history.ts')).replayGate(deps, id),
      changes: async (id) => (await import('../../gates/gate-history.ts')).changesSinceLastGo(deps, id),
    };
  },
  remote: (remote) => {
    const api = clientOf<ReturnType<typeof gatesRoutes>>(remote).api.gates;
    const param = (id: number) => ({ param: { id: String(id) } });
    return {
      decide: async (json) => (await api.$post({ json })).json(),
      replay: async (id) => (await api[':id'].replay.$get(param(id))).json(),
      changes: async (id) => (await api[':id'].changes.$get(param(id))).json(),
    };
  },
};
