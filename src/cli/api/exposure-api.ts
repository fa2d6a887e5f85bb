/** Host scans the CLI records and the ports it lists, locally (as `local-cli`, the data folder's administrator) or on a server. */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { InferResponseType } from 'hono/client';
import { badInput } from '../../errors.ts';
import { importExposure, listExposure } from '../../exposure/exposure-service.ts';
import type { exposureRoutes } from '../../http/exposure-routes.ts';
import { reportFromFile } from '../../imports/report-input.ts';
import type { Area } from './area.ts';
import { clientOf, okBody, rawBody, type Remote } from './remote.ts';

const client = (remote: Remote) => clientOf<ReturnType<typeof exposureRoutes>>(remote).api.exposure;

/** What a scan showed and changed, and one observed port, as the API gives them (their OpenAPI schemas). */
export type ExposureSummary = InferResponseType<ReturnType<typeof client>['$post'], 201>;
export type ExposureView = InferResponseType<ReturnType<typeof client>['$get'], 200>['items'][number];

/** A scan file to record, as `entente exposure import` names it. */
export interface ScanUpload {
  scan: string;
  format?: string | undefined;
}

/** Which observations `entente exposure list` asks for. */
export interface ExposureQuery {
  host?: string | undefined;
  state: 'open' | 'closed' | 'all';
  limit: number;
}

export interface ExposureApi {
  importScan(upload: ScanUpload): Promise<ExposureSummary>;
  list(query: ExposureQuery): Promise<ExposureView[]>;
}

export const exposureApi: Area<ExposureApi> = {
  local: (ctx) => {
    const deps = { db: ctx.database.db, policy: ctx.policy, now: ctx.now };
    return {
      importScan: async (u) =>
        importExposure(deps, { input: await reportFromFile(u.scan), format: u.format, actor: 'local-cli' }),
      list: (q) => listExposure(deps, q),
    };
  },
  remote: (remote) => {
    const api = client(remote);
    return {
      async importScan(u) {
        // Read whole, as before: a scan is small next to a scanner's report (which `entente import` streams).
        let bytes: Buffer;
        try {
          bytes = await readFile(u.scan);
        } catch (e) {
          throw badInput(`cannot read ${u.scan}: ${(e as Error).message}`, { file: u.scan });
        }
        const query = { name: basename(u.scan), ...(u.format ? { format: u.format } : {}) };
        return okBody(api.$post({ query }, rawBody(new Uint8Array(bytes), 'application/octet-stream')));
      },
      list: async ({ host, state, limit }) =>
        (await okBody(api.$get({ query: { state, limit: String(limit), ...(host ? { host } : {}) } }))).items,
    };
  },
};
