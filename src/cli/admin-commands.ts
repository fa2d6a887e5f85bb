/** Small administrative commands: tokens, exploitation feeds and the policy in force. */
import { readFile } from 'node:fs/promises';
import { defineCommand } from 'citty';
import { formatPolicy } from '../policy/policy.ts';
import { badInput } from '../errors.ts';
import { idArg, out } from './shared.ts';
import { args as A } from './commands.ts';
import { withApi } from './api/area.ts';
import { tokensApi } from './api/tokens-api.ts';
import { uploadsApi } from './api/uploads-api.ts';

export const tokenCreate = defineCommand({
  args: A['token create'],
  async run({ args }) {
    const body = { name: args.name, role: args.role, person: args.person, expires: args.expires };
    const made = await withApi(args, tokensApi, (api) => api.create(body));
    // Only the token goes to standard output, so `T=$(entente token create …)` keeps working.
    out(args.json ? JSON.stringify(made) : made.token);
    if (!args.json)
      process.stderr.write(
        `Token ${made.id} (${made.role}${made.person ? `, ${made.person}` : ''}) ${made.expiresAt ? `ends on ${made.expiresAt.slice(0, 10)}` : 'never ends'}; it is shown only this once.\n`,
      );
  },
});

export const tokenList = defineCommand({
  args: A['token list'],
  async run({ args }) {
    const items = await withApi(args, tokensApi, (api) => api.list());
    if (args.json) return items.forEach((t) => out(JSON.stringify(t)));
    if (items.length === 0)
      return out('No tokens yet: `entente token create --role admin --name NAME --person EMAIL` makes one.');
    const day = (s: string | null, none: string) => (s ? s.slice(0, 10) : none);
    out(['id', 'name', 'role', 'person', 'created', 'expires', 'last used', 'state'].join('\t'));
    for (const t of items)
      out(
        [
          t.id,
          t.name,
          t.role,
          t.person ?? '-',
          day(t.createdAt, '-'),
          day(t.expiresAt, 'never'),
          day(t.lastUsedAt, 'never'),
          t.state,
        ].join('\t'),
      );
  },
});

export const tokenRevoke = defineCommand({
  args: A['token revoke'],
  async run({ args }) {
    const id = idArg(args.id, 'a token', 'entente token list');
    const t = await withApi(args, tokensApi, (api) => api.revoke(id));
    out(`Token ${t.id} (${t.name}) is revoked; its next request is refused.`);
  },
});

export const feedsImport = defineCommand({
  args: A['feeds import'],
  async run({ args }) {
    const bytes = await readFile(args.file).catch((e: Error) => {
      throw badInput(`cannot read ${args.file}: ${e.message}`);
    });
    const s = await withApi(args, uploadsApi, (api) => api.importFeed(args.file, bytes));
    out(
      args.json
        ? JSON.stringify(s)
        : `Loaded ${s.entries} ${s.feed.toUpperCase()} entries; checked ${s.findingsChecked} open findings with a CVE, ${s.findingsReprioritised} changed priority${s.exceptionsLapsed ? `, ${s.exceptionsLapsed} exception(s) lapsed because a finding became more urgent` : ''}.`,
    );
  },
});

export const policyShow = defineCommand({
  args: A['policy show'],
  async run() {
    const { loadConfig, policyFileOf } = await import('../config.ts');
    const { loadPolicy } = await import('../policy/policy.ts');
    const file = policyFileOf(loadConfig(process.env));
    const policy = loadPolicy(file);
    const { rulesFor, voiceOf } = await import('../voice/voice-config.ts');
    rulesFor(voiceOf(policy), file ?? 'policy'); // a mistake in the voice section is reported here too
    process.stdout.write(formatPolicy(policy));
  },
});
