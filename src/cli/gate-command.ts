/**
 * `entente gate --service NAME --env prod`: the release gate for CI. Exit codes: 0 go, 10 go with controls, 1 no-go,
 * 2 usage or input error, 3 internal error. `entente gate replay ID` and `entente gate changes ID` look back.
 */
import { defineCommand } from 'citty';
import { badInput } from '../errors.ts';
import { gateFormats, formatGate, type GateFormat } from '../gates/gate-formats.ts';
import { idArg, out } from './shared.ts';
import { args as A } from './commands.ts';
import { withApi } from './api/area.ts';
import { gatesApi } from './api/gates-api.ts';
import { exitCodeOf } from '../gates/vocabulary.ts';

export const replay = defineCommand({
  args: A['gate replay'],
  async run({ args }) {
    const n = idArg(args.id, 'a gate decision', 'entente gate');
    const r = await withApi(args, gatesApi, (api) => api.replay(n));
    out(args.json ? JSON.stringify(r) : r.text);
    process.exitCode = r.matches ? 0 : 1;
  },
});

export const changes = defineCommand({
  args: A['gate changes'],
  async run({ args }) {
    const n = idArg(args.id, 'a gate decision', 'entente gate');
    const r = await withApi(args, gatesApi, (api) => api.changes(n));
    if (args.json) return out(JSON.stringify(r));
    out(r.text);
    for (const c of r.changes) out(`  - ${c}`);
  },
});

export const gate = defineCommand({
  args: A['gate'],
  async run({ args }) {
    if ((args._ as string[]).length > 0) return; // a subcommand ran
    if (!gateFormats.includes(args.format as GateFormat))
      throw badInput(`--format: "${args.format}" is not a format; use ${gateFormats.join(', ')}`);
    if (!args.service) throw badInput('--service: name the service to release, e.g. --service checkout-api');
    if (!args.env) throw badInput('--env: name the environment, e.g. --env prod');
    const req = { service: args.service, env: args.env, version: args.version, commit: args.commit };
    const record = await withApi(args, gatesApi, (api) => api.decide(req));
    out(formatGate(record, args.format as GateFormat));
    process.exitCode = exitCodeOf[record.outcome];
  },
});
