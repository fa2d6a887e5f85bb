/** Exceptions as the CLI reads them (locally or from a server) and decides them (on a server, as a person). */
import type { z } from '@hono/zod-openapi';
import { getException, listExceptions } from '../../exceptions/exceptions-service.ts';
import type { exceptionSchema, exceptionsRoutes } from '../../http/exceptions-routes.ts';
import type { Area } from './area.ts';
import { clientOf, type Remote } from './remote.ts';

/** An exception as the API gives it (its OpenAPI schema). */
export type Exception = z.infer<typeof exceptionSchema>;

export interface ExceptionsApi {
  list(filter: { status: string[] | undefined; team: string | undefined; limit: number }): Promise<Exception[]>;
  get(id: number): Promise<Exception>;
}

/** What only a person can do (an exception needs two people other than the one who asked): on a server, as its token. */
export interface ExceptionDecisions {
  request(body: { findingIds: number[]; reason: string; controls: string[]; days?: number }): Promise<Exception>;
  approve(id: number): Promise<Exception>;
  decline(id: number, reason: string): Promise<Exception>;
  revoke(id: number, reason: string): Promise<Exception>;
}

const client = (remote: Remote) => clientOf<ReturnType<typeof exceptionsRoutes>>(remote).api.exceptions;

export const exceptionsApi: Area<ExceptionsApi> = {
  local: (ctx) => {
    const deps = { db: ctx.database.db, now: ctx.now, policy: ctx.policy };
    return { list: (filter) => listExceptions(deps, filter), get: (id) => getException(deps, id) };
  },
  remote: (remote) => {
    const api = client(remote);
    return {
      async list({ status, team, limit }) {
        const query = {
          limit: String(limit),
          ...(status?.length ? { status: status.join(',') } : {}),
          ...(team ? { team } : {}),
        };
        return (await (await api.$get({ query })).json()).items;
      },
      get: async (id) => (await api[':id'].$get({ param: { id: String(id) } })).json(),
    };
  },
};

/** Asking for and deciding exceptions on a server. */
export function exceptionDecisions(remote: Remote): ExceptionDecisions {
  const api = client(remote);
  const one = api[':id'];
  const param = (id: number) => ({ param: { id: String(id) } });
  return {
    request: async (json) => (await api.$post({ json })).json(),
    approve: async (id) => (await one.approve.$post(param(id))).json(),
    decline: async (id, reason) => (await one.decline.$post({ ...param(id), json: { reason } })).json(),
    revoke: async (id, reason) => (await one.revoke.$post({ ...param(id), json: { reason } })).json(),
  };
}
