/** Change requests as the CLI makes, decides and reads them: locally (as the data folder's administrator) or on a server. */
import type { z } from '@hono/zod-openapi';
import type { InferRequestType } from 'hono/client';
import {
  approveChange,
  declineChange,
  extendChange,
  getChange,
  implementChange,
  keepProtocol,
  listChanges,
  recertifyChange,
  removeChange,
  requestChange,
  submitChange,
} from '../../changes/changes-service.ts';
import type { changeSchema, changesRoutes } from '../../http/changes-routes.ts';
import { localAdmin } from '../../people/tokens.ts';
import type { Area } from './area.ts';
import { clientOf } from './remote.ts';

/** A change as the API gives it (its OpenAPI schema). */
export type Change = z.infer<typeof changeSchema>;

/** The steps that take nothing but the change's id. */
export type ChangeStep = 'submit' | 'approve' | 'implement' | 'recertify';

export interface ChangesApi {
  /** Requests a change from the fields as typed; the service checks them (type, service, title and the type's own). */
  request(fields: Record<string, unknown>): Promise<Change>;
  step(step: ChangeStep, id: number): Promise<Change>;
  decline(id: number, reason: string): Promise<Change>;
  keepProtocol(id: number, reason: string): Promise<Change>;
  extend(id: number, body: { end: string; reason: string }): Promise<Change>;
  remove(id: number, note: string | undefined): Promise<Change>;
  list(filter: {
    service: string | undefined;
    team: string | undefined;
    status: string[] | undefined;
    limit: number;
  }): Promise<Change[]>;
  get(id: number): Promise<Change>;
}

type Routes = ReturnType<typeof changesRoutes>;
type RequestBody = InferRequestType<ReturnType<typeof clientOf<Routes>>['api']['changes']['$post']>['json'];

const steps = {
  submit: submitChange,
  approve: approveChange,
  implement: implementChange,
  recertify: recertifyChange,
} as const;

export const changesApi: Area<ChangesApi> = {
  local: (ctx) => {
    const deps = { db: ctx.database.db, now: ctx.now, policy: ctx.policy };
    return {
      request: (fields) => requestChange(deps, localAdmin, fields),
      step: (step, id) => steps[step](deps, localAdmin, id),
      decline: (id, reason) => declineChange(deps, localAdmin, id, reason),
      keepProtocol: (id, reason) => keepProtocol(deps, localAdmin, id, reason),
      extend: (id, body) => extendChange(deps, localAdmin, id, body),
      remove: (id, note) => removeChange(deps, localAdmin, id, note),
      list: (filter) => listChanges(deps, filter),
      get: (id) => getChange(deps, id),
    };
  },
  remote: (remote) => {
    const api = clientOf<Routes>(remote).api.changes;
    const one = api[':id'];
    const param = (id: number) => ({ param: { id: String(id) } });
    return {
      // The fields go as typed, as they do to requestChange locally: the server checks them and says what is wrong.
      request: async (fields) => (await api.$post({ json: fields as RequestBody })).json(),
      step: async (step, id) => (await one[step].$post(param(id))).json(),
      decline: async (id, reason) => (await one.decline.$post({ ...param(id), json: { reason } })).json(),
      keepProtocol: async (id, reason) => (await one['keep-protocol'].$post({ ...param(id), json: { reason } })).json(),
      extend: async (id, json) => (await one.extend.$post({ ...param(id), json })).json(),
      remove: async (id, note) => (await one.remove.$post({ ...param(id), json: note ? { note } : {} })).json(),
      async list({ service, team, status, limit }) {
        const query = {
          limit: String(limit),
          ...(status?.length ? { status: status.join(',') } : {}),
          ...(team ? { team } : {}),
          ...(service ? { service } : {}),
        };
        return (await (await api.$get({ query })).json()).items;
      },
      get: async (id) => (await one.$get(param(id))).json(),
    };
  },
};
