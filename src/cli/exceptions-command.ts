/**
 * `entente exceptions`: risk acceptance in the terminal. Asking, approving, declining and revoking go to a server with
 * the person's own token (--server, --token): an exception needs two people other than the requester, and the local
 * data folder only knows one administrator. Listing works on either; `expire` runs on the local data folder or DATABASE_URL.
 */
import { defineCommand } from 'citty';
import { expireExceptionsNow } from '../exceptions/exceptions-service.ts';
import { localAdmin } from '../people/tokens.ts';
import { badInput } from '../errors.ts';
import { exceptionMessages } from '../voice/messages/exceptions.ts';
import { idArg, out, withLocalContext } from './shared.ts';
import { args as A } from './commands.ts';
import { withApi } from './api/area.ts';
import { exceptionDecisions, exceptionsApi, type Exception, type ExceptionDecisions } from './api/exceptions-api.ts';

// citty keeps only the last of a repeated option, so --finding and --control are read from the raw arguments.
function repeated(rawArgs: string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!;
    if (a === `--${name}` && i + 1 < rawArgs.length) values.push(rawArgs[++i]!);
    else if (a.startsWith(`--${name}=`)) values.push(a.slice(name.length + 3));
  }
  return values;
}

function decisions(
  args: { server?: string | undefined; token?: string | undefined },
  what: string,
): ExceptionDecisions {
  if (args.server) return exceptionDecisions({ server: args.server, token: args.token });
  throw badInput(
    `${what} needs to know who is acting: run it against the Entente server with your own token (--server URL --token T, or ENTENTE_TOKEN). `
      + 'The local data folder acts as a single administrator, and an exception needs the approval of two people other than the one who asked.',
  );
}

function show(view: Exception, asJson: boolean | undefined): void {
  if (asJson) return out(JSON.stringify(view));
  out(`Exception ${view.id} (${view.status}) for ${view.team}: ${view.summary}`);
  for (const f of view.findings)
    out(`  #${f.id}  ${f.priority.padEnd(6)} ${f.status.padEnd(11)} ${f.service}  ${f.title}`);
  for (const c of view.commitments)
    out(`  commitment #${c.id} (${c.state === 'open' && c.overdue ? 'open, past its date' : c.state}): ${c.summary}`);
}

export const request = defineCommand({
  args: A['exceptions request'],
  async run({ args, rawArgs }) {
    const findingIds = repeated(rawArgs, 'finding')
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter(Boolean)
      .map((v) => {
        const n = Number(v.replace(/^#/, ''));
        if (!Number.isInteger(n) || n < 1)
          throw badInput(`--finding "${v}" is not a finding id (a whole number, as \`entente findings\` shows)`);
        return n;
      });
    const days = args.days === undefined ? undefined : Number(args.days);
    if (days !== undefined && (!Number.isInteger(days) || days < 1))
      throw badInput('--days must be a whole number of days, 1 or more');
    const body = { findingIds, reason: args.reason, controls: repeated(rawArgs, 'control'), ...(days ? { days } : {}) };
    show(await decisions(args, 'asking for an exception').request(body), args.json);
  },
});

export const list = defineCommand({
  args: A['exceptions list'],
  async run({ args }) {
    const limit = Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      throw badInput('--limit must be a whole number from 1 to 500');
    const status = args.status
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const items = await withApi(args, exceptionsApi, (api) => api.list({ status, team: args.team, limit }));
    if (args.json) return void items.forEach((v) => out(JSON.stringify(v)));
    if (items.length === 0) return out(exceptionMessages.noneMatch.render({}));
    for (const v of items)
      out(
        `#${v.id}  ${v.status.padEnd(9)} ${v.team}  until ${v.validUntil}  findings ${v.findings.map((f) => `#${f.id}`).join(',')}  ${v.summary}`,
      );
  },
});

export const showCommand = defineCommand({
  args: A['exceptions show'],
  async run({ args }) {
    const n = idArg(args.id, 'an exception', 'entente exceptions list');
    show(await withApi(args, exceptionsApi, (api) => api.get(n)), args.json);
  },
});

export const approve = defineCommand({
  args: A['exceptions approve'],
  async run({ args }) {
    const n = idArg(args.id, 'an exception', 'entente exceptions list');
    show(await decisions(args, 'approving an exception').approve(n), args.json);
  },
});

export const decline = defineCommand({
  args: A['exceptions decline'],
  async run({ args }) {
    const n = idArg(args.id, 'an exception', 'entente exceptions list');
    show(await decisions(args, 'declining an exception').decline(n, args.reason), args.json);
  },
});

export const revoke = defineCommand({
  args: A['exceptions revoke'],
  async run({ args }) {
    const n = idArg(args.id, 'an exception', 'entente exceptions list');
    show(await decisions(args, 'revoking an exception').revoke(n, args.reason), args.json);
  },
});

export const expire = defineCommand({
  args: A['exceptions expire'],
  async run({ args }) {
    const r = await withLocalContext((ctx) =>
      expireExceptionsNow({ db: ctx.database.db, now: ctx.now, policy: ctx.policy }, localAdmin.actor),
    );
    if (args.json) return out(JSON.stringify(r));
    out(exceptionMessages.expiryRun.render(r));
  },
});
