/** `entente findings`: the shared list in the terminal, most urgent first. */
import { defineCommand } from 'citty';
import { listFindings, type FindingView } from '../findings/findings-service.ts';
import { sorts, type Sort } from '../findings/query.ts';
import { badInput } from '../errors.ts';
import { findingMessages } from '../voice/messages/findings.ts';
import { callServer, cweArg, out, remoteArgs, withLocalContext, routed } from './shared.ts';
import { policyCalendar } from '../policy/calendar.ts';

export default routed(defineCommand({
  meta: { name: 'findings', description: 'List findings (open and in progress unless --status says otherwise)' },
  args: {
    service: { type: 'string' }, team: { type: 'string' }, status: { type: 'string', description: 'comma list, or "all"' },
    priority: { type: 'string' }, severity: { type: 'string' }, tool: { type: 'string' }, cve: { type: 'string' },
    cwe: { type: 'string' }, q: { type: 'string', description: 'text in title, file, package, URL or rule' },
    sort: { type: 'string', default: 'priority', description: sorts.join(' | ') },
    limit: { type: 'string', default: '50' },
    json: { type: 'boolean', description: 'one JSON object per line' },
    ...remoteArgs,
  },
  async run({ args }) {
    if (!sorts.includes(args.sort as Sort)) throw badInput(`--sort must be one of ${sorts.join(', ')}`);
    const limit = Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw badInput('--limit must be a whole number from 1 to 500');
    const list = (v: string | undefined): string[] | undefined => v?.split(',').map((s) => s.trim()).filter(Boolean);
    const filter = { service: args.service, team: args.team, status: list(args.status), priority: list(args.priority), severity: list(args.severity), tool: args.tool, cve: args.cve, cwe: cweArg(args.cwe), q: args.q };
    let items: FindingView[];
    if (args.server) {
      const q = new URLSearchParams({ sort: args.sort, limit: String(limit) });
      for (const [k, v] of Object.entries(filter)) if (v !== undefined) q.set(k, Array.isArray(v) ? v.join(',') : String(v));
      items = ((await callServer(args.server, args.token, `api/findings?${q}`)) as { items: FindingView[] }).items;
    } else {
      items = (await withLocalContext((ctx) => listFindings({ db: ctx.database.db, now: ctx.now, epssHigh: ctx.policy.epss.high, calendar: policyCalendar(ctx.policy) }, filter, args.sort as Sort, limit, undefined))).items;
    }
    if (args.json) return void items.forEach((f) => out(JSON.stringify(f)));
    if (items.length === 0) return out(findingMessages.noneMatch.render({}));
    for (const f of items) out(line(f));
  },
}));

function line(f: FindingView): string {
  const where = f.location.file ? `${f.location.file}${f.location.line ? `:${f.location.line}` : ''}`
    : (f.location.url ?? (f.location.host ? `${f.location.host}${f.location.port ? `:${f.location.port}` : ''}` : ''))
    || (f.component.name ? `${f.component.name}@${f.component.version ?? '?'}` : '');
  const due = f.dueDate;
  return `#${f.id}  ${f.priority.padEnd(6)} ${f.severity.padEnd(8)} due ${due}${f.overdue ? ' (overdue)' : ''}  ${f.service}  ${f.title}  ${where}  [${f.sources.map((s) => s.tool).join(', ')}] ${f.status}`;
}
