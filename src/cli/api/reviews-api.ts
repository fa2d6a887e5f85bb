/** Review meetings as the CLI starts, reads and closes them, locally (as the data folder's administrator) or on a server. */
import type { z } from '@hono/zod-openapi';
import type { reviewSchema, reviewsRoutes } from '../../http/reviews-routes.ts';
import { EntenteError } from '../../errors.ts';
import { localAdmin } from '../../people/tokens.ts';
import { goalLinesFrom } from '../../reviews/goal-lines.ts';
import type { ReviewExtras } from '../../reviews/reviews-service.ts';
import type { Area } from './area.ts';
import { clientOf } from './remote.ts';

/** A review as the API gives it (its OpenAPI schema). */
export type Review = z.infer<typeof reviewSchema>;

export interface ReviewsApi {
  start(req: { cadence: string; team: string | undefined }): Promise<Review>;
  get(id: number): Promise<Review>;
  list(filter: { team: string | undefined; limit: number }): Promise<Review[]>;
  close(id: number, extras: ReviewExtras): Promise<Review>;
}

// The service is loaded on use: the remote path never loads it.
const service = () => import('../../reviews/reviews-service.ts');

export const reviewsApi: Area<ReviewsApi> = {
  local: (ctx) => {
    const base = { db: ctx.database.db, now: ctx.now, policy: ctx.policy };
    const deps = { ...base, goalsAtRisk: goalLinesFrom(base) };
    return {
      start: async (req) => (await service()).newReview(deps, localAdmin, req),
      get: async (id) => (await service()).getReview(deps, localAdmin, id),
      list: async (filter) => (await service()).listReviews(deps, localAdmin, filter),
      close: async (id, extras) => (await service()).closeReview(deps, localAdmin, id, extras),
    };
  },
  remote: (remote) => {
    const api = clientOf<ReturnType<typeof reviewsRoutes>>(remote).api.reviews;
    const param = (id: number) => ({ param: { id: String(id) } });
    return {
      start: async ({ cadence, team }) =>
        (await api.$post({ json: { cadence, ...(team !== undefined ? { team } : {}) } })).json(),
      async get(id) {
        // The route answers in four formats; JSON is the default, and what the CLI renders from.
        const body = await (await api[':id'].$get({ ...param(id), query: {} })).json();
        if (typeof body !== 'object' || body instanceof Response)
          throw new EntenteError('internal', `${remote.server}: review #${id} did not come back as JSON`);
        return body;
      },
      list: async ({ team, limit }) =>
        (await (await api.$get({ query: { limit: String(limit), ...(team ? { team } : {}) } })).json()).items,
      close: async (id, json) => (await api[':id'].close.$post({ ...param(id), json })).json(),
    };
  },
};
