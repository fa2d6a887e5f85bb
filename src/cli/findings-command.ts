/** `entente findings`: the shared list in the terminal, most urgent first. */
import { defineCommand } from 'citty';
import { sorts, type Sort } from '../findings/query.ts';
import { badInput } from '../errors.ts';
import { findingMessages } from '../voice/messages/findings.ts';
import { cweArg, out } from './shared.ts';
import { args } from './commands.ts';
import { withApi } from './api/area.ts';
import { findingsApi, type Finding } from './api/findings-api.ts';

export const findings = defineCommand({
  args: args.findings,
  async run({ args }) {
    if (!sorts.includes(args.sort as Sort)) throw badInput(`--sort must be one of ${sorts.join(', ')}`);
    const limit = Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      throw badInput('--limit must be a whole number from 1 to 500');
    const list = (v: string | undefined): string[] | undefined =>
      v
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    const filter = {
      service: args.service,
      team: args.team,
      status: list(args.status),
      priority: list(args.priority),
      severity: list(args.severity),
      tool: args.tool,
      kind: args.kind,
      cve: args.cve,
      cwe: cweArg(args.cwe),
      q: args.q,
      overdue: args.overdue === true ? true : undefined,
    };
    const items = await withApi(args, findingsApi, (api) => api.list(filter, args.sort as Sort, limit));
    if (args.json) return void items.forEach((f) => out(JSON.stringify(f)));
    if (items.length === 0) return out(findingMessages.noneMatch.render({}));
    for (const f of items) out(line(f));
  },
});

function line(f: Finding): string {
  const where = f.location.file
    ? `${f.location.file}${f.location.line ? `:${f.location.line}` : ''}`
    : (f.location.url ?? (f.location.host ? `${f.location.host}${f.location.port ? `:${f.location.port}` : ''}` : ''))
      || (f.component.name ? `${f.component.name}@${f.component.version ?? '?'}` : '');
  const due = f.dueDate;
  return `#${f.id}  ${f.priority.padEnd(6)} ${f.severity.padEnd(8)} due ${due}${f.overdue ? ' (overdue)' : ''}  ${f.service}  ${f.title}  ${where}  [${f.sources.map((s) => s.tool).join(', ')}] ${f.status}`;
}
