/**
 * `entente change`: request a change (risk-checked at once), approve, decline, implement, extend, remove, recertify,
 * list and show. Each works on the local data folder (acting as its administrator) or on a server with a person's own
 * token (--server, --token): approvals need two people other than the requester, so they usually go through a server.
 */
import { defineCommand } from 'citty';
import type { Context } from '../context.ts';
import {
  approveChange, declineChange, extendChange, getChange, implementChange, keepProtocol, listChanges, recertifyChange, removeChange, requestChange, submitChange,
  type ChangesDeps,
} from '../changes/changes-service.ts';
import type { ChangeView } from '../changes/change-view.ts';
import { changeTypes } from '../changes/change-policy.ts';
import { localAdmin, type Principal } from '../people/tokens.ts';
import { badInput } from '../errors.ts';
import { callServer, idArg, out, remoteArgs, withLocalContext, routed } from './shared.ts';

const json = { type: 'boolean', description: 'print JSON' } as const;
const id = { type: 'positional', required: true, description: 'the change\'s id' } as const;

type Remote = { server?: string | undefined; token?: string | undefined };

/** Runs a step locally (as the data folder's administrator) or on the server. */
async function act(args: Remote, local: (deps: ChangesDeps, who: Principal) => Promise<ChangeView>, path: string, body?: unknown): Promise<ChangeView> {
  if (args.server) {
    const init = body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
    return (await callServer(args.server, args.token, path, init)) as ChangeView;
  }
  return withLocalContext((ctx: Context) => local({ db: ctx.database.db, now: ctx.now, policy: ctx.policy }, localAdmin));
}

// citty keeps only the last of a repeated option, so list options are read from the raw arguments (repeat or comma list).
function repeated(rawArgs: string[], name: string): string[] | undefined {
  const values: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!;
    if (a === `--${name}` && i + 1 < rawArgs.length) values.push(rawArgs[++i]!);
    else if (a.startsWith(`--${name}=`)) values.push(a.slice(name.length + 3));
  }
  const all = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return all.length > 0 ? all : undefined;
}

function show(v: ChangeView, asJson: boolean | undefined): void {
  if (asJson) return out(JSON.stringify(v));
  const lease = v.endsAt ? `until ${v.endsAt.slice(0, 10)}` : 'no end date';
  out(`Change #${v.id} (${v.status}) ${v.type} for ${v.service} (${v.team}): ${v.title}`);
  out(`  risk ${v.risk}, ${lease}${v.emergency ? ', emergency' : ''}`);
  out(`  ${v.summary}`);
  if (v.status !== 'submitted') out(`  ${v.riskCheck.message}`);
}

const strings = ['type', 'service', 'title', 'description', 'protocol', 'transport', 'authentication', 'start', 'end', 'account', 'client', 'vendor', 'resource', 'provider', 'system'] as const;

const request = defineCommand({
  meta: { name: 'request', description: `Request a change: --type ${changeTypes.join('|')} --service S --title "what for" [fields]` },
  args: {
    type: { type: 'string', required: true, description: changeTypes.join(' | ') },
    service: { type: 'string', required: true, description: 'the service it belongs to (its owner team approves)' },
    title: { type: 'string', required: true, description: 'what it is for, in a sentence' },
    description: { type: 'string' },
    protocol: { type: 'string', description: 'ftp, sftp, ssh, rdp, https, mysql, … (`entente policy show` lists them)' },
    port: { type: 'string', description: 'a port or range (repeat, or a comma list): 21, 30000-30010' },
    transport: { type: 'string', description: 'tcp (default) or udp' },
    source: { type: 'string', description: 'who connects: an IP or CIDR range (repeat), or "any"' },
    destination: { type: 'string', description: 'a host it opens (repeat)' },
    'internet-facing': { type: 'boolean', description: 'reachable from the internet' },
    authentication: { type: 'string', description: 'none | shared-password | password | key | mfa | sso' },
    data: { type: 'string', description: 'public | internal | confidential | restricted (default: the service\'s)' },
    start: { type: 'string', description: 'when it starts (default now), e.g. 2026-03-09' },
    end: { type: 'string', description: 'when the access ends, e.g. 2026-03-16' },
    emergency: { type: 'boolean', description: 'goes ahead now; reviewed within 24 hours' },
    'keep-protocol': { type: 'string', description: 'why it stays as asked rather than the safer alternative the risk check offers, e.g. "the client\'s system only speaks FTP"' },
    draft: { type: 'boolean', description: 'keep it as a draft; submit it later' },
    account: { type: 'string' }, client: { type: 'string' }, vendor: { type: 'string' }, resource: { type: 'string' },
    provider: { type: 'string' }, system: { type: 'string' }, 'data-shared': { type: 'string' },
    json, ...remoteArgs,
  },
  async run({ args, rawArgs }) {
    const body: Record<string, unknown> = {};
    for (const k of strings) if (typeof args[k] === 'string') body[k] = args[k];
    const ports = repeated(rawArgs, 'port');
    if (ports) body.ports = ports.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    for (const [opt, field] of [['source', 'source'], ['destination', 'destination']] as const) {
      const v = repeated(rawArgs, opt);
      if (v) body[field] = v;
    }
    if (args['internet-facing'] !== undefined) body.internetFacing = args['internet-facing'];
    if (args.data) body.dataClass = args.data;
    if (args['data-shared']) body.dataShared = args['data-shared'];
    if (args['keep-protocol'] !== undefined) body.keepProtocol = args['keep-protocol'];
    if (args.emergency) body.emergency = true;
    if (args.draft) body.draft = true;
    show(await act(args, (deps, who) => requestChange(deps, who, body), 'api/changes', body), args.json);
  },
});

const simple = (name: 'submit' | 'approve' | 'implement' | 'recertify', description: string, fn: (deps: ChangesDeps, who: Principal, id: number) => Promise<ChangeView>) => defineCommand({
  meta: { name, description },
  args: { id, json, ...remoteArgs },
  async run({ args }) {
    const n = idArg(args.id, 'a change', 'entente change list');
    show(await act(args, (deps, who) => fn(deps, who, n), `api/changes/${n}/${name}`, {}), args.json);
  },
});

const decline = defineCommand({
  meta: { name: 'decline', description: 'Decline a request, saying why (--reason); the requester sees the safer alternative' },
  args: { id, reason: { type: 'string', required: true }, json, ...remoteArgs },
  async run({ args }) {
    const n = idArg(args.id, 'a change', 'entente change list');
    show(await act(args, (deps, who) => declineChange(deps, who, n, args.reason), `api/changes/${n}/decline`, { reason: args.reason }), args.json);
  },
});

const keep = defineCommand({
  meta: { name: 'keep-protocol', description: 'Keep your request as asked instead of the safer alternative, saying why (--reason); the approvals can then start' },
  args: { id, reason: { type: 'string', required: true }, json, ...remoteArgs },
  async run({ args }) {
    const n = idArg(args.id, 'a change', 'entente change list');
    show(await act(args, (deps, who) => keepProtocol(deps, who, n, args.reason), `api/changes/${n}/keep-protocol`, { reason: args.reason }), args.json);
  },
});

const extend = defineCommand({
  meta: { name: 'extend', description: 'Extend a lease once, before it ends: --end DATE --reason …' },
  args: { id, end: { type: 'string', required: true }, reason: { type: 'string', required: true }, json, ...remoteArgs },
  async run({ args }) {
    const n = idArg(args.id, 'a change', 'entente change list');
    const body = { end: args.end, reason: args.reason };
    show(await act(args, (deps, who) => extendChange(deps, who, n, body), `api/changes/${n}/extend`, body), args.json);
  },
});

const remove = defineCommand({
  meta: { name: 'remove', description: 'Confirm the access is taken down [--note …]' },
  args: { id, note: { type: 'string' }, json, ...remoteArgs },
  async run({ args }) {
    const n = idArg(args.id, 'a change', 'entente change list');
    show(await act(args, (deps, who) => removeChange(deps, who, n, args.note), `api/changes/${n}/remove`, args.note ? { note: args.note } : {}), args.json);
  },
});

const list = defineCommand({
  meta: { name: 'list', description: 'List changes, newest first' },
  args: { service: { type: 'string' }, team: { type: 'string' }, status: { type: 'string', description: 'comma list of states, or "all" (default)' }, limit: { type: 'string', default: '100' }, json, ...remoteArgs },
  async run({ args }) {
    const limit = Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw badInput('--limit takes a whole number from 1 to 500');
    let items: ChangeView[];
    if (args.server) {
      const q = new URLSearchParams({ limit: String(limit), ...(args.status ? { status: args.status } : {}), ...(args.team ? { team: args.team } : {}), ...(args.service ? { service: args.service } : {}) });
      items = ((await callServer(args.server, args.token, `api/changes?${q}`)) as { items: ChangeView[] }).items;
    } else {
      const status = args.status?.split(',').map((s) => s.trim()).filter(Boolean);
      items = await withLocalContext((ctx) => listChanges({ db: ctx.database.db, now: ctx.now, policy: ctx.policy }, { service: args.service, team: args.team, status, limit }));
    }
    if (args.json) return void items.forEach((v) => out(JSON.stringify(v)));
    if (items.length === 0) return out('No changes match.');
    for (const v of items) {
      const flags = [v.removal?.overdue ? 'removal overdue' : '', v.review?.overdue ? 'review overdue' : '', v.recertification?.overdue ? 'recertification due' : ''].filter(Boolean).join(', ');
      out(`#${v.id}  ${v.status.padEnd(24)} ${v.risk.padEnd(8)} ${v.service}  ${v.type}  ${v.endsAt ? `until ${v.endsAt.slice(0, 10)}` : 'no end date'}  ${v.title}${flags ? `  (${flags})` : ''}`);
    }
  },
});

const showCommand = defineCommand({
  meta: { name: 'show', description: 'One change with its risk check, approvals and lease' },
  args: { id, json, ...remoteArgs },
  async run({ args }) {
    const n = idArg(args.id, 'a change', 'entente change list');
    show(await act(args, (deps) => getChange(deps, n), `api/changes/${n}`), args.json);
  },
});

export default routed(defineCommand({
  meta: { name: 'change', description: 'Change requests: request, keep-protocol, approve, decline, implement, extend, remove, recertify, list, show' },
  subCommands: {
    request, submit: simple('submit', 'Submit a draft for approval', submitChange),
    approve: simple('approve', 'Approve as the owner team or Security (never your own); reviews an emergency change', approveChange),
    'keep-protocol': keep, decline, implement: simple('implement', 'Record that the approved change is in place', implementChange), extend, remove,
    recertify: simple('recertify', 'Recertify long-lived access', recertifyChange), list, show: showCommand,
  },
}));
