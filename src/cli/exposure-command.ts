/** `entente exposure import SCAN` and `entente exposure list`: what is open on which host, and what no change covers. */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { defineCommand } from 'citty';
import { importExposure, listExposure, type ExposureSummary, type ExposureView } from '../exposure/exposure-service.ts';
import { reportFromFile } from '../imports/report-input.ts';
import { badInput } from '../errors.ts';
import { callServer, out, withLocalContext } from './shared.ts';
import { args as A } from './commands.ts';

export const importCommand = defineCommand({
  args: A['exposure import'],
  async run({ args }) {
    const summary = args.server
      ? await remote(args)
      : await withLocalContext(async (ctx) =>
          importExposure(
            { db: ctx.database.db, policy: ctx.policy, now: ctx.now },
            { input: await reportFromFile(args.scan), format: args.format, actor: 'local-cli' },
          ),
        );
    out(args.json ? JSON.stringify(summary) : describe(summary));
  },
});

async function remote(args: {
  scan: string;
  format?: string;
  server?: string;
  token?: string;
}): Promise<ExposureSummary> {
  let bytes: Buffer;
  try {
    bytes = await readFile(args.scan);
  } catch (e) {
    throw badInput(`cannot read ${args.scan}: ${(e as Error).message}`, { file: args.scan });
  }
  const q = new URLSearchParams({ name: basename(args.scan), ...(args.format ? { format: args.format } : {}) });
  return (await callServer(args.server!, args.token, `api/exposure?${q}`, {
    method: 'POST',
    body: new Uint8Array(bytes),
    headers: { 'content-type': 'application/octet-stream' },
  })) as ExposureSummary;
}

function describe(s: ExposureSummary): string {
  const lines = [`${s.message} (${s.tools.join(', ') || s.format}, import ${s.importId})`];
  for (const r of s.services) {
    lines.push(
      `  ${r.service} (${r.team}): ${r.open} open, ${r.covered} covered, ${r.unapproved} with no approved change; findings created ${r.import.created}, fixed ${r.import.fixed}, reopened ${r.import.reopened}`,
    );
  }
  for (const u of s.undeclared) lines.push(`  ${u.advice}`);
  return lines.join('\n');
}

export const list = defineCommand({
  args: A['exposure list'],
  async run({ args }) {
    const limit = Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw badInput('--limit takes a whole number from 1 to 1000');
    if (!['open', 'closed', 'all'].includes(args.state)) throw badInput('--state takes open, closed or all');
    const state = args.state as 'open' | 'closed' | 'all';
    let items: ExposureView[];
    if (args.server) {
      const q = new URLSearchParams({ state, limit: String(limit), ...(args.host ? { host: args.host } : {}) });
      items = ((await callServer(args.server, args.token, `api/exposure?${q}`)) as { items: ExposureView[] }).items;
    } else {
      items = await withLocalContext((ctx) =>
        listExposure({ db: ctx.database.db, policy: ctx.policy, now: ctx.now }, { host: args.host, state, limit }),
      );
    }
    if (args.json) return void items.forEach((v) => out(JSON.stringify(v)));
    if (items.length === 0) return out('No ports match.');
    for (const v of items) {
      const cover = v.coveredBy
        ? `covered by change #${v.coveredBy}`
        : v.owner
          ? 'no approved change'
          : 'no service lists this host';
      out(
        `${v.host}:${v.port}/${v.protocol}  ${v.service}${v.product ? ` (${v.product})` : ''}  ${v.state}  ${v.owner ?? '-'}  ${cover}  last seen ${v.lastSeenAt.slice(0, 10)}`,
      );
    }
  },
});
