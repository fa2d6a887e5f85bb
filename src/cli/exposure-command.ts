/** `entente exposure import SCAN` and `entente exposure list`: what is open on which host, and what no change covers. */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { defineCommand } from 'citty';
import { importExposure, listExposure, type ExposureSummary, type ExposureView } from '../exposure/exposure-service.ts';
import { reportFromFile } from '../findings/report-input.ts';
import { badInput } from '../errors.ts';
import { callServer, out, remoteArgs, withLocalContext, routed } from './shared.ts';

const importCommand = defineCommand({
  meta: { name: 'import', description: 'Record a host scan (nmap -oX, masscan, Nessus, OpenVAS); open ports no change covers become findings' },
  args: {
    scan: { type: 'positional', required: true, description: 'the scan report file' },
    format: { type: 'string', description: 'force a format: nmap, nessus, nessus-csv, openvas, openvas-csv' },
    json: { type: 'boolean', description: 'print the summary as JSON' },
    ...remoteArgs,
  },
  async run({ args }) {
    const summary = args.server ? await remote(args) : await withLocalContext(async (ctx) =>
      importExposure({ db: ctx.database.db, policy: ctx.policy, now: ctx.now }, { input: await reportFromFile(args.scan), format: args.format, actor: 'local-cli' }));
    out(args.json ? JSON.stringify(summary) : describe(summary));
  },
});

async function remote(args: { scan: string; format?: string; server?: string; token?: string }): Promise<ExposureSummary> {
  let bytes: Buffer;
  try {
    bytes = await readFile(args.scan);
  } catch (e) {
    throw badInput(`cannot read ${args.scan}: ${(e as Error).message}`, { file: args.scan });
  }
  const q = new URLSearchParams({ name: basename(args.scan), ...(args.format ? { format: args.format } : {}) });
  return (await callServer(args.server!, args.token, `api/exposure?${q}`, { method: 'POST', body: new Uint8Array(bytes), headers: { 'content-type': 'application/octet-stream' } })) as ExposureSummary;
}

function describe(s: ExposureSummary): string {
  const lines = [`${s.message} (${s.tools.join(', ') || s.format}, import ${s.importId})`];
  for (const r of s.services) {
    lines.push(`  ${r.service} (${r.team}): ${r.open} open, ${r.covered} covered, ${r.unapproved} with no approved change; findings created ${r.import.created}, fixed ${r.import.fixed}, reopened ${r.import.reopened}`);
  }
  for (const u of s.undeclared) lines.push(`  ${u.advice}`);
  return lines.join('\n');
}

const list = defineCommand({
  meta: { name: 'list', description: 'What is open on which host, who owns it and which change covers it' },
  args: {
    host: { type: 'string' }, state: { type: 'string', default: 'open', description: 'open | closed | all' },
    limit: { type: 'string', default: '200' }, json: { type: 'boolean', description: 'one JSON object per line' }, ...remoteArgs,
  },
  async run({ args }) {
    const limit = Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badInput('--limit takes a whole number from 1 to 1000');
    if (!['open', 'closed', 'all'].includes(args.state)) throw badInput('--state takes open, closed or all');
    const state = args.state as 'open' | 'closed' | 'all';
    let items: ExposureView[];
    if (args.server) {
      const q = new URLSearchParams({ state, limit: String(limit), ...(args.host ? { host: args.host } : {}) });
      items = ((await callServer(args.server, args.token, `api/exposure?${q}`)) as { items: ExposureView[] }).items;
    } else {
      items = await withLocalContext((ctx) => listExposure({ db: ctx.database.db, policy: ctx.policy, now: ctx.now }, { host: args.host, state, limit }));
    }
    if (args.json) return void items.forEach((v) => out(JSON.stringify(v)));
    if (items.length === 0) return out('No ports match.');
    for (const v of items) {
      const cover = v.coveredBy ? `covered by change #${v.coveredBy}` : v.owner ? 'no approved change' : 'no service lists this host';
      out(`${v.host}:${v.port}/${v.protocol}  ${v.service}${v.product ? ` (${v.product})` : ''}  ${v.state}  ${v.owner ?? '-'}  ${cover}  last seen ${v.lastSeenAt.slice(0, 10)}`);
    }
  },
});

export default routed(defineCommand({
  meta: { name: 'exposure', description: 'Network exposure: import host scans, list what is open' },
  subCommands: { import: importCommand, list },
}));
