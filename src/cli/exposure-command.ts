/** `entente exposure import SCAN` and `entente exposure list`: what is open on which host, and what no change covers. */
import { defineCommand } from 'citty';
import { badInput } from '../errors.ts';
import { withApi } from './api/area.ts';
import { exposureApi, type ExposureSummary } from './api/exposure-api.ts';
import { out } from './shared.ts';
import { args as A } from './commands.ts';

export const importCommand = defineCommand({
  args: A['exposure import'],
  async run({ args }) {
    const summary = await withApi(args, exposureApi, (api) => api.importScan(args));
    out(args.json ? JSON.stringify(summary) : describe(summary));
  },
});

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
    const items = await withApi(args, exposureApi, (api) => api.list({ host: args.host, state, limit }));
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
