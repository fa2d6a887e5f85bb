/** Reports and feeds the CLI loads, locally (as `local-cli`) or into a server (as its token). */
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import type { InferResponseType } from 'hono/client';
import type { Context } from '../../context.ts';
import { badInput } from '../../errors.ts';
import { importFeed } from '../../feeds/feed-service.ts';
import { importReport } from '../../scans/import-service.ts';
import type { scansRoutes } from '../../http/scans-routes.ts';
import { reportFileSize, reportFromFile } from '../../imports/report-input.ts';
import type { Area } from './area.ts';
import { clientOf, rawBody, type Remote } from './remote.ts';

const client = (remote: Remote) => clientOf<ReturnType<typeof scansRoutes>>(remote).api;

/** What an import and a feed changed, as the API gives it (their OpenAPI schemas). */
export type ImportSummary = InferResponseType<ReturnType<typeof client>['scans']['$post']>;
export type FeedSummary = InferResponseType<ReturnType<typeof client>['feeds']['$post']>;

/** A report file to import for a service, as `entente import` names it. */
export interface ReportUpload {
  report: string;
  service: string;
  format?: string | undefined;
  commit?: string | undefined;
  branch?: string | undefined;
}

export interface UploadsApi {
  importReport(upload: ReportUpload): Promise<ImportSummary>;
  importFeed(file: string, bytes: Buffer): Promise<FeedSummary>;
}

export const uploadsApi: Area<UploadsApi> = {
  local: (ctx) => ({
    async importReport(u) {
      const s = await importReport(
        { db: ctx.database.db, policy: ctx.policy, now: ctx.now, rows: ctx.importRows },
        {
          service: u.service,
          input: await reportFromFile(u.report),
          format: u.format,
          commit: u.commit,
          branch: u.branch,
          actor: 'local-cli',
        },
      );
      await sendNow(ctx);
      return s;
    },
    importFeed: (file, bytes) =>
      importFeed({ db: ctx.database.db, policy: ctx.policy, now: ctx.now }, file, bytes, 'local-cli'),
  }),
  remote: (remote) => {
    const api = client(remote);
    return {
      async importReport(u) {
        // A file-backed Blob: fetch streams it, so a 500 MB report is never held in memory here.
        await reportFileSize(u.report);
        let body: Blob;
        try {
          body = await openAsBlob(u.report);
        } catch (e) {
          throw badInput(`cannot read ${u.report}: ${(e as Error).message}`, { file: u.report });
        }
        const query: Record<string, string> = { service: u.service, name: basename(u.report) };
        for (const k of ['format', 'commit', 'branch'] as const) if (u[k]) query[k] = u[k];
        return (
          await api.scans.$post({ query: { ...query, service: u.service } }, rawBody(body, 'application/octet-stream'))
        ).json();
      },
      importFeed: async (_file, bytes) =>
        (await api.feeds.$post({}, rawBody(new Uint8Array(bytes), 'application/octet-stream'))).json(),
    };
  },
};

// What the import wrote to the outbox leaves now, by e-mail (when set up) and the teams' own channels (a failed send
// is retried by `entente serve`).
async function sendNow(ctx: Context): Promise<void> {
  const { loadConfig } = await import('../../config.ts');
  const config = loadConfig(process.env);
  const { deliverDue } = await import('../../notifications/delivery.ts');
  const { channelsOf } = await import('../../notifications/delivery-job.ts');
  await deliverDue({
    db: ctx.database.db,
    now: ctx.now,
    channels: channelsOf(config, ctx.database.db),
    claimSeconds: config.notifyClaimSeconds,
    publicUrl: config.publicUrl,
    timeZone: ctx.policy.time_zone,
  });
}
