/** Commitments as the CLI lists and verifies them, locally (as the data folder's administrator) or on a server. */
import type { z } from '@hono/zod-openapi';
import type { CommitmentState } from '../../commitments/vocabulary.ts';
import type { commitmentSchema, commitmentsRoutes } from '../../http/commitments-routes.ts';
import { localAdmin } from '../../people/tokens.ts';
import type { Area } from './area.ts';
import { clientOf } from './remote.ts';

/** A commitment as the API gives it (its OpenAPI schema). */
export type Commitment = z.infer<typeof commitmentSchema>;

export interface CommitmentsApi {
  list(filter: {
    service: string | undefined;
    team: string | undefined;
    state: CommitmentState[] | undefined;
    gate: number | undefined;
    limit: number;
    offset: number;
  }): Promise<Commitment[]>;
  verify(id: number, evidence: string): Promise<Commitment>;
}

// The service is loaded on use, as before: the remote path never loads it.
const service = () => import('../../commitments/commitments-service.ts');

export const commitmentsApi: Area<CommitmentsApi> = {
  local: (ctx) => {
    const deps = { db: ctx.database.db, now: ctx.now, policy: ctx.policy };
    return {
      list: async (filter) => (await service()).listCommitments(deps, filter),
      verify: async (id, evidence) => (await service()).verifyCommitment(deps, localAdmin, id, evidence),
    };
  },
  remote: (remote) => {
    const api = clientOf<ReturnType<typeof commitmentsRoutes>>(remote).api.commitments;
    return {
      async list({ service, team, state, gate, limit, offset }) {
        const query = {
          limit: String(limit),
          ...(service ? { service } : {}),
          ...(team ? { team } : {}),
          ...(state ? { state: state.join(',') } : {}),
          ...(gate !== undefined ? { gate: String(gate) } : {}),
          ...(offset ? { offset: String(offset) } : {}),
        };
        return (await (await api.$get({ query })).json()).items;
      },
      verify: async (id, evidence) =>
        (await api[':id'].verify.$post({ param: { id: String(id) }, json: { evidence } })).json(),
    };
  },
};
