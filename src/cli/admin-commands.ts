/** Small administrative commands: tokens, exploitation feeds and the policy in force. */
import { readFile } from 'node:fs/promises';
import { defineCommand } from 'citty';
import { createToken, listTokens, revokeToken, tokenView, type TokenView } from '../people/tokens.ts';
import { importFeed, type FeedImportSummary } from '../feeds/feed-service.ts';
import { formatPolicy } from '../policy/policy.ts';
import { badInput } from '../errors.ts';
import { callServer, idArg, out, withLocalContext } from './shared.ts';
import { args as A } from './commands.ts';

export const tokenCreate = defineCommand({
  args: A['token create'],
  async run({ args }) {
    const body = { name: args.name, role: args.role, person: args.person, expires: args.expires };
    const made = args.server
      ? (await callServer(args.server, args.token, 'api/tokens', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })) as TokenView & { token: string }
      : await withLocalContext(async (ctx) => {
        const t = await createToken(ctx.database.db, { ...body, now: ctx.now() });
        return { ...(await tokenView(ctx.database.db, t.id, ctx.now())), token: t.token };
      });
    // Only the token goes to standard output, so `T=$(entente token create …)` keeps working.
    out(args.json ? JSON.stringify(made) : made.token);
    if (!args.json) process.stderr.write(`Token ${made.id} (${made.role}${made.person ? `, ${made.person}` : ''}) ${made.expiresAt ? `ends on ${made.expiresAt.slice(0, 10)}` : 'never ends'}; it is shown only this once.\n`);
  },
});

export const tokenList = defineCommand({
  args: A['token list'],
  async run({ args }) {
    const items = args.server
      ? ((await callServer(args.server, args.token, 'api/tokens')) as { items: TokenView[] }).items
      : await withLocalContext((ctx) => listTokens(ctx.database.db, ctx.now()));
    if (args.json) return items.forEach((t) => out(JSON.stringify(t)));
    if (items.length === 0) return out('No tokens yet: `entente token create --role admin --name NAME --person EMAIL` makes one.');
    const day = (s: string | null, none: string) => (s ? s.slice(0, 10) : none);
    out(['id', 'name', 'role', 'person', 'created', 'expires', 'last used', 'state'].join('\t'));
    for (const t of items) out([t.id, t.name, t.role, t.person ?? '-', day(t.createdAt, '-'), day(t.expiresAt, 'never'), day(t.lastUsedAt, 'never'), t.state].join('\t'));
  },
});

export const tokenRevoke = defineCommand({
  args: A['token revoke'],
  async run({ args }) {
    const id = idArg(args.id, 'a token', 'entente token list');
    const t = args.server
      ? (await callServer(args.server, args.token, `api/tokens/${id}/revoke`, { method: 'POST' })) as TokenView
      : await withLocalContext((ctx) => revokeToken(ctx.database.db, id, { actor: 'local-cli', now: ctx.now() }));
    out(`Token ${t.id} (${t.name}) is revoked; its next request is refused.`);
  },
});

export const feedsImport = defineCommand({
  args: A['feeds import'],
  async run({ args }) {
    const bytes = await readFile(args.file).catch((e: Error) => { throw badInput(`cannot read ${args.file}: ${e.message}`); });
    const s = args.server
      ? (await callServer(args.server, args.token, 'api/feeds', { method: 'POST', body: new Uint8Array(bytes), headers: { 'content-type': 'application/octet-stream' } })) as FeedImportSummary
      : await withLocalContext((ctx) => importFeed({ db: ctx.database.db, policy: ctx.policy, now: ctx.now }, args.file, bytes, 'local-cli'));
    out(args.json ? JSON.stringify(s) : `Loaded ${s.entries} ${s.feed.toUpperCase()} entries; checked ${s.findingsChecked} open findings with a CVE, ${s.findingsReprioritised} changed priority${s.exceptionsLapsed ? `, ${s.exceptionsLapsed} exception(s) lapsed because a finding became more urgent` : ''}.`);
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

