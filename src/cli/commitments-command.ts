/** `entente commitments`: what each team owes by when, and `entente commitments verify ID --evidence TEXT`. */
import { defineCommand } from 'citty';
import { badInput } from '../errors.ts';
import { parseStates } from '../http/commitments-routes.ts';
import { idArg, out, withLocalContext } from './shared.ts';
import { args as A } from './commands.ts';
import { withApi } from './api/area.ts';
import { commitmentsApi, type Commitment } from './api/commitments-api.ts';

function line(c: Commitment): string {
  return `#${c.id}  ${c.state.padEnd(9)} due ${c.dueDate}  ${c.ownerTeam}  ${c.service ?? '-'}  ${c.title}${c.findingId ? ` (finding #${c.findingId})` : ''}  [${c.source.type} ${c.source.id}]`;
}

export const list = defineCommand({
  args: A['commitments list'],
  async run({ args }) {
    const limit = Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw badInput('--limit: a whole number from 1 to 500');
    const offset = Number(args.offset);
    if (!Number.isInteger(offset) || offset < 0)
      throw badInput('--offset: a whole number, 0 or more (how many to skip)');
    const gate = args.gate === undefined ? undefined : idArg(args.gate, 'a gate decision', 'entente gate');
    const state = parseStates(args.state);
    const items = await withApi(args, commitmentsApi, (api) =>
      api.list({ service: args.service, team: args.team, state, gate, limit, offset }),
    );
    if (args.json) return void items.forEach((c) => out(JSON.stringify(c)));
    if (items.length === 0) return out('No commitments match: nothing is owed here.');
    for (const c of items) out(line(c));
  },
});

export const verify = defineCommand({
  args: A['commitments verify'],
  async run({ args }) {
    const id = idArg(args.id, 'a commitment', 'entente commitments');
    const view = await withApi(args, commitmentsApi, (api) => api.verify(id, args.evidence));
    out(args.json ? JSON.stringify(view) : view.summary);
  },
});

export const sweep = defineCommand({
  args: A['commitments sweep'],
  async run({ args }) {
    const { sweepMissedCommitments } = await import('../commitments/sweep.ts');
    const s = await withLocalContext((ctx) =>
      sweepMissedCommitments(ctx.database.db, ctx.now(), undefined, ctx.policy),
    );
    out(
      args.json
        ? JSON.stringify(s)
        : `Checked commitments: ${s.verified.length} verified by their checks, ${s.missed.length} now past their date (missed).`,
    );
  },
});
