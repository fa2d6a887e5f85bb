/**
 * `entente change`: request a change (risk-checked at once), approve, decline, implement, extend, remove, recertify,
 * list and show. Each works on the local data folder (acting as its administrator) or on a server with a person's own
 * token (--server, --token): approvals need two people other than the requester, so they usually go through a server.
 */
import { defineCommand } from 'citty';
import { badInput } from '../errors.ts';
import { idArg, out } from './shared.ts';
import { args as A } from './commands.ts';
import { withApi } from './api/area.ts';
import { changesApi, type Change, type ChangesApi, type ChangeStep } from './api/changes-api.ts';

type Remote = { server?: string | undefined; token?: string | undefined };

/** Runs a step locally (as the data folder's administrator) or on the server. */
const act = (args: Remote, fn: (api: ChangesApi) => Promise<Change>): Promise<Change> => withApi(args, changesApi, fn);

// citty keeps only the last of a repeated option, so list options are read from the raw arguments (repeat or comma list).
function repeated(rawArgs: string[], name: string): string[] | undefined {
  const values: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!;
    if (a === `--${name}` && i + 1 < rawArgs.length) values.push(rawArgs[++i]!);
    else if (a.startsWith(`--${name}=`)) values.push(a.slice(name.length + 3));
  }
  const all = values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  return all.length > 0 ? all : undefined;
}

function show(v: Change, asJson: boolean | undefined): void {
  if (asJson) return out(JSON.stringify(v));
  const lease = v.endsAt ? `until ${v.endsAt.slice(0, 10)}` : 'no end date';
  out(`Change #${v.id} (${v.status}) ${v.type} for ${v.service} (${v.team}): ${v.title}`);
  out(`  risk ${v.risk}, ${lease}${v.emergency ? ', emergency' : ''}`);
  out(`  ${v.summary}`);
  if (v.status !== 'submitted') out(`  ${v.riskCheck.message}`);
}

const strings = [
  'type',
  'service',
  'title',
  'description',
  'protocol',
  'transport',
  'authentication',
  'start',
  'end',
  'account',
  'client',
  'vendor',
  'resource',
  'provider',
  'system',
] as const;

export const request = defineCommand({
  args: A['change request'],
  async run({ args, rawArgs }) {
    const body: Record<string, unknown> = {};
    for (const k of strings) if (typeof args[k] === 'string') body[k] = args[k];
    const ports = repeated(rawArgs, 'port');
    if (ports) body.ports = ports.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    for (const [opt, field] of [
      ['source', 'source'],
      ['destination', 'destination'],
    ] as const) {
      const v = repeated(rawArgs, opt);
      if (v) body[field] = v;
    }
    if (args['internet-facing'] !== undefined) body.internetFacing = args['internet-facing'];
    if (args.data) body.dataClass = args.data;
    if (args['data-shared']) body.dataShared = args['data-shared'];
    if (args['keep-protocol'] !== undefined) body.keepProtocol = args['keep-protocol'];
    if (args.emergency) body.emergency = true;
    if (args.draft) body.draft = true;
    show(await act(args, (api) => api.request(body)), args.json);
  },
});

const simple = (name: ChangeStep) =>
  defineCommand({
    args: A[`change ${name}`],
    async run({ args }) {
      const n = idArg(args.id, 'a change', 'entente change list');
      show(await act(args, (api) => api.step(name, n)), args.json);
    },
  });

export const submit = simple('submit');
export const approve = simple('approve');
export const implement = simple('implement');
export const recertify = simple('recertify');

export const decline = defineCommand({
  args: A['change decline'],
  async run({ args }) {
    const n = idArg(args.id, 'a change', 'entente change list');
    show(await act(args, (api) => api.decline(n, args.reason)), args.json);
  },
});

export const keepProtocolCommand = defineCommand({
  args: A['change keep-protocol'],
  async run({ args }) {
    const n = idArg(args.id, 'a change', 'entente change list');
    show(await act(args, (api) => api.keepProtocol(n, args.reason)), args.json);
  },
});

export const extend = defineCommand({
  args: A['change extend'],
  async run({ args }) {
    const n = idArg(args.id, 'a change', 'entente change list');
    const body = { end: args.end, reason: args.reason };
    show(await act(args, (api) => api.extend(n, body)), args.json);
  },
});

export const remove = defineCommand({
  args: A['change remove'],
  async run({ args }) {
    const n = idArg(args.id, 'a change', 'entente change list');
    show(await act(args, (api) => api.remove(n, args.note)), args.json);
  },
});

export const list = defineCommand({
  args: A['change list'],
  async run({ args }) {
    const limit = Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      throw badInput('--limit takes a whole number from 1 to 500');
    const status = args.status
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const items = await withApi(args, changesApi, (api) =>
      api.list({ service: args.service, team: args.team, status, limit }),
    );
    if (args.json) return void items.forEach((v) => out(JSON.stringify(v)));
    if (items.length === 0) return out('No changes match.');
    for (const v of items) {
      const flags = [
        v.removal?.overdue ? 'removal overdue' : '',
        v.review?.overdue ? 'review overdue' : '',
        v.recertification?.overdue ? 'recertification due' : '',
      ]
        .filter(Boolean)
        .join(', ');
      out(
        `#${v.id}  ${v.status.padEnd(24)} ${v.risk.padEnd(8)} ${v.service}  ${v.type}  ${v.endsAt ? `until ${v.endsAt.slice(0, 10)}` : 'no end date'}  ${v.title}${flags ? `  (${flags})` : ''}`,
      );
    }
  },
});

export const showCommand = defineCommand({
  args: A['change show'],
  async run({ args }) {
    const n = idArg(args.id, 'a change', 'entente change list');
    show(await act(args, (api) => api.get(n)), args.json);
  },
});
