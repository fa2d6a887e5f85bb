/** `entente import REPORT --service NAME`: import a report locally or into a running server, and summarise it. */
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { defineCommand } from 'citty';
import { importReport, type ImportSummary } from '../scans/import-service.ts';
import { reportFileSize, reportFromFile } from '../imports/report-input.ts';
import { badInput } from '../errors.ts';
import { importMessages } from '../voice/messages/imports.ts';
import { callServer, out, withLocalContext } from './shared.ts';
import { args } from './commands.ts';
import { loadConfig } from '../config.ts';
import type { Context } from '../context.ts';

export const importCommand = defineCommand({
  args: args.import,
  async run({ args }) {
    const summary = args.server ? await remote(args) : await withLocalContext(async (ctx) => {
      const s = await importReport({ db: ctx.database.db, policy: ctx.policy, now: ctx.now, rows: ctx.importRows }, {
        service: args.service, input: await reportFromFile(args.report), format: args.format, commit: args.commit, branch: args.branch, actor: 'local-cli',
      });
      await sendNow(ctx);
      return s;
    });
    out(args.json ? JSON.stringify(summary) : importMessages.summary.render(summary));
  },
});

// What the import wrote to the outbox leaves now, by e-mail (when set up) and the teams' own channels (a failed send
// is retried by \`entente serve\`).
async function sendNow(ctx: Context): Promise<void> {
  const config = loadConfig(process.env);
  const { deliverDue } = await import('../notifications/delivery.ts');
  const { channelsOf } = await import('../notifications/delivery-job.ts');
  await deliverDue({ db: ctx.database.db, now: ctx.now, channels: channelsOf(config, ctx.database.db), claimSeconds: config.notifyClaimSeconds, publicUrl: config.publicUrl, timeZone: ctx.policy.time_zone });
}

async function remote(args: { report: string; service: string; format?: string; commit?: string; branch?: string; server?: string; token?: string }): Promise<ImportSummary> {
  // A file-backed Blob: fetch streams it, so a 500 MB report is never held in memory here.
  await reportFileSize(args.report);
  let body: Blob;
  try {
    body = await openAsBlob(args.report);
  } catch (e) {
    throw badInput(`cannot read ${args.report}: ${(e as Error).message}`, { file: args.report });
  }
  const q = new URLSearchParams({ service: args.service, name: basename(args.report) });
  for (const k of ['format', 'commit', 'branch'] as const) if (args[k]) q.set(k, args[k]!);
  return (await callServer(args.server!, args.token, `api/scans?${q}`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } })) as ImportSummary;
}
