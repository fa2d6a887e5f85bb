/** Small administrative commands: tokens, exploitation feeds, the policy and the audit log. */
import { readFile } from 'node:fs/promises';
import { defineCommand } from 'citty';
import { createToken, roles } from '../people/tokens.ts';
import { importFeed, type FeedImportSummary } from '../feeds/feed-service.ts';
import { formatPolicy } from '../policy/policy.ts';
import { badInput } from '../errors.ts';
import { callServer, out, remoteArgs, withLocalContext } from './shared.ts';

export const token = defineCommand({
  meta: { name: 'token', description: 'API tokens' },
  subCommands: {
    create: defineCommand({
      meta: { name: 'create', description: 'Create an API token (shown once)' },
      args: {
        role: { type: 'string', required: true, description: roles.join(' | ') },
        name: { type: 'string', required: true, description: 'who or what uses it, e.g. "ci-checkout"' },
        person: { type: 'string', description: 'the person\'s e-mail (engineers act for their teams)' },
      },
      async run({ args }) {
        const t = await withLocalContext((ctx) => createToken(ctx.database.db, { name: args.name, role: args.role, person: args.person }));
        out(t.token);
      },
    }),
  },
});

export const feeds = defineCommand({
  meta: { name: 'feeds', description: 'Exploitation feeds (CISA KEV, EPSS), loaded from files' },
  subCommands: {
    import: defineCommand({
      meta: { name: 'import', description: 'Load a KEV JSON catalogue or an EPSS CSV(.gz) and re-prioritise open findings' },
      args: { file: { type: 'positional', required: true }, json: { type: 'boolean' }, ...remoteArgs },
      async run({ args }) {
        const bytes = await readFile(args.file).catch((e: Error) => { throw badInput(`cannot read ${args.file}: ${e.message}`); });
        const s = args.server
          ? (await callServer(args.server, args.token, 'api/feeds', { method: 'POST', body: new Uint8Array(bytes), headers: { 'content-type': 'application/octet-stream' } })) as FeedImportSummary
          : await withLocalContext((ctx) => importFeed({ db: ctx.database.db, policy: ctx.policy, now: ctx.now }, args.file, bytes, 'local-cli'));
        out(args.json ? JSON.stringify(s) : `Loaded ${s.entries} ${s.feed.toUpperCase()} entries; checked ${s.findingsChecked} open findings with a CVE, ${s.findingsReprioritised} changed priority${s.exceptionsLapsed ? `, ${s.exceptionsLapsed} exception(s) lapsed because a finding became more urgent` : ''}.`);
      },
    }),
  },
});

export const policy = defineCommand({
  meta: { name: 'policy', description: 'The policy (SLA days, exploitation bands, exception limits, gate rules, controls)' },
  subCommands: {
    check: () => import('./policy-commands.ts').then((m) => m.check),
    test: () => import('./policy-commands.ts').then((m) => m.test),
    backtest: () => import('./policy-commands.ts').then((m) => m.backtest),
    show: defineCommand({
      meta: { name: 'show', description: 'Print the policy in force (defaults merged with ENTENTE_POLICY or data/policy.yaml)' },
      async run() {
        const { loadConfig, policyFileOf } = await import('../config.ts');
        const { loadPolicy } = await import('../policy/policy.ts');
        const file = policyFileOf(loadConfig(process.env));
        const policy = loadPolicy(file);
        const { rulesFor, voiceOf } = await import('../voice/voice-config.ts');
        rulesFor(voiceOf(policy), file ?? 'policy'); // a mistake in the voice section is reported here too
        process.stdout.write(formatPolicy(policy));
      },
    }),
  },
});

export const audit = defineCommand({
  meta: { name: 'audit', description: 'The audit log: verify it, export it for auditors' },
  subCommands: {
    verify: () => import('./audit-commands.ts').then((m) => m.verify),
    export: () => import('./audit-commands.ts').then((m) => m.exportLog),
  },
});
