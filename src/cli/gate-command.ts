/**
 * `entente gate --service NAME --env prod`: the release gate for CI. Exit codes: 0 go, 10 go with controls, 1 no-go,
 * 2 usage or input error, 3 internal error. `entente gate replay ID` and `entente gate changes ID` look back.
 */
import { defineCommand } from 'citty';
import { badInput } from '../errors.ts';
import { localAdmin } from '../people/tokens.ts';
import { gateFormats, formatGate, type GateFormat } from '../gates/gate-formats.ts';
import type { GateRecord } from '../gates/gate-service.ts';
import type { ChangesResult, ReplayResult } from '../gates/gate-history.ts';
import { callServer, idArg, out, remoteArgs, withLocalContext, routed } from './shared.ts';

/** Exit codes of `entente gate` (README, "Release gates"). */
export const gateExitCodes = { go: 0, go_with_controls: 10, no_go: 1 } as const;

const json = { type: 'boolean', description: 'print JSON' } as const;
const id = { type: 'positional', required: true, description: 'the gate decision\'s id (each run prints it)' } as const;

const replay = defineCommand({
  meta: { name: 'replay', description: 'Re-decide a stored decision from its facts and policy revision; exit 0 when it matches, 1 when it does not' },
  args: { id, json, ...remoteArgs },
  async run({ args }) {
    const n = idArg(args.id, 'a gate decision', 'entente gate');
    const r = args.server
      ? (await callServer(args.server, args.token, `api/gates/${n}/replay`)) as ReplayResult
      : await withLocalContext(async (ctx) => (await import('../gates/gate-history.ts')).replayGate({ db: ctx.database.db, policy: ctx.policy }, n));
    out(args.json ? JSON.stringify(r) : r.text);
    process.exitCode = r.matches ? 0 : 1;
  },
});

const changes = defineCommand({
  meta: { name: 'changes', description: 'What changed since the service\'s last go in the same environment' },
  args: { id, json, ...remoteArgs },
  async run({ args }) {
    const n = idArg(args.id, 'a gate decision', 'entente gate');
    const r = args.server
      ? (await callServer(args.server, args.token, `api/gates/${n}/changes`)) as ChangesResult
      : await withLocalContext(async (ctx) => (await import('../gates/gate-history.ts')).changesSinceLastGo({ db: ctx.database.db, policy: ctx.policy }, n));
    if (args.json) return out(JSON.stringify(r));
    out(r.text);
    for (const c of r.changes) out(`  - ${c}`);
  },
});

export default routed(defineCommand({
  meta: { name: 'gate', description: 'Decide a release: exit 0 go, 10 go with controls, 1 no-go, 2 usage or input error, 3 internal error' },
  args: {
    service: { type: 'string', description: 'the service to release (required)' },
    env: { type: 'string', description: 'the environment, e.g. prod (required)' },
    version: { type: 'string', description: 'the version being released' },
    commit: { type: 'string', description: 'the commit being released' },
    format: { type: 'string', default: 'text', description: gateFormats.join(' | ') },
    ...remoteArgs,
  },
  subCommands: { replay, changes },
  async run({ args }) {
    if ((args._ as string[]).length > 0) return; // a subcommand ran
    if (!gateFormats.includes(args.format as GateFormat)) throw badInput(`--format: "${args.format}" is not a format; use ${gateFormats.join(', ')}`);
    if (!args.service) throw badInput('--service: name the service to release, e.g. --service checkout-api');
    if (!args.env) throw badInput('--env: name the environment, e.g. --env prod');
    const req = { service: args.service, env: args.env, version: args.version, commit: args.commit };
    const record = args.server
      ? (await callServer(args.server, args.token, 'api/gates', { method: 'POST', body: JSON.stringify(req), headers: { 'content-type': 'application/json' } })) as GateRecord
      : await withLocalContext(async (ctx) => (await import('../gates/gate-service.ts')).runGate({ db: ctx.database.db, policy: ctx.policy, now: ctx.now }, localAdmin, req));
    out(formatGate(record, args.format as GateFormat));
    process.exitCode = gateExitCodes[record.outcome];
  },
}));
