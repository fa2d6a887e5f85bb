/** The findings the CLI lists, locally or from a server. */
import type { z } from '@hono/zod-openapi';
import { listFindings } from '../../findings/findings-service.ts';
import type { findingSchema } from '../../findings/finding-schema.ts';
import { checkFindingFilter } from '../../findings/filter-check.ts';
import type { FindingFilter, Sort } from '../../findings/query.ts';
import type { findingsRoutes } from '../../http/findings-routes.ts';
import { policyCalendar } from '../../policy/calendar.ts';
import type { Area } from './area.ts';
import { clientOf } from './remote.ts';

/** The filters `entente findings` takes (the API's, with lists as arrays). */
export type FindingsFilter = Omit<FindingFilter, 'teamIds'>;

/** A finding as the API gives it (its OpenAPI schema). */
export type Finding = z.infer<typeof findingSchema>;

export interface FindingsApi {
  /** The first `limit` findings matching `filter`, in `sort` order. */
  list(filter: FindingsFilter, sort: Sort, limit: number): Promise<Finding[]>;
}

export const findingsApi: Area<FindingsApi> = {
  local: (ctx) => ({
    async list(filter, sort, limit) {
      await checkFindingFilter(ctx.database.db, filter);
      const deps = {
        db: ctx.database.db,
        now: ctx.now,
        epssHigh: ctx.policy.epss.high,
        calendar: policyCalendar(ctx.policy),
      };
      return (await listFindings(deps, filter, sort, limit, undefined)).items;
    },
  }),
  remote: (remote) => {
    const api = clientOf<ReturnType<typeof findingsRoutes>>(remote).api;
    return {
      async list(filter, sort, limit) {
        const query: Record<string, string> = { sort, limit: String(limit) };
        for (const [k, v] of Object.entries(filter))
          if (v !== undefined) query[k] = Array.isArray(v) ? v.join(',') : String(v);
        return (await (await api.findings.$get({ query })).json()).items;
      },
    };
  },
};
