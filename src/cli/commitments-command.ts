/** `entente commitments`: what each team owes by when, and `entente commitments verify ID --evidence TEXT`. */
import { defineCommand } from 'citty';
import type { CommitmentView } from '../commitments/commitment-view.ts';
import { badInput } from '../errors.ts';
import { parseStates } from '../http/commitments-routes.ts';
import { localAdmin } from '../people/tokens.ts';
import { callServer, idArg, out, remoteArgs, withLocalContext, routed } from './shared.ts';

const json = { type: 'boolean', description: 'print JSON' } as const;

function line(c: CommitmentView): string {
  return `#${c.id}  ${c.state.padEnd(9)} due ${c.dueDate}  ${c.ownerTeam}  ${c.service ?? '-'}  ${c.title}${c.findingId ? ` (finding #${c.findingId})` : ''}  [${c.source.type} ${c.source.id}]`;
}

const list = defineCommand({
  meta: { name: 'list', description: 'List commitments, soonest due first' },
  args: {
    service: { type: 'string' }, team: { type: 'string' },
    state: { type: 'string', description: 'comma list of open, verified, missed, released (default: all)' },
    limit: { type: 'string', default: '100' },
    json, ...remoteArgs,
  },
  async run({ args }) {
    const limit = Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw badInput('--limit: a whole number from 1 to 500');
    const state = parseStates(args.state);
    let items: CommitmentView[];
    if (args.server) {
      const q = new URLSearchParams({ limit: String(limit) });
      if (args.service) q.set('service', args.service);
      if (args.team) q.set('team', args.team);
      if (state) q.set('state', state.join(','));
      items = ((await callServer(args.server, args.token, `api/commitments?${q}`)) as { items: CommitmentView[] }).items;
    } else {
      const { listCommitments } = await import('../commitments/commitments-service.ts');
      items = await withLocalContext((ctx) => listCommitments({ db: ctx.database.db, now: ctx.now, policy: ctx.policy }, { service: args.service, team: args.team, state, limit }));
    }
    if (args.json) return void items.forEach((c) => out(JSON.stringify(c)));
    if (items.length === 0) return out('No commitments match: nothing is owed here.');
    for (const c of items) out(line(c));
  },
});

const verify = defineCommand({
  meta: { name: 'verify', description: 'Record that a commitment is in place: verify ID --evidence TEXT' },
  args: {
    id: { type: 'positional', required: true, description: 'the commitment\'s id' },
    evidence: { type: 'string', required: true, description: 'what shows it is in place (a link, a rule id, a ticket)' },
    json, ...remoteArgs,
  },
  async run({ args }) {
    const id = idArg(args.id, 'a commitment', 'entente commitments');
    const view = args.server
      ? (await callServer(args.server, args.token, `api/commitments/${id}/verify`, { method: 'POST', body: JSON.stringify({ evidence: args.evidence }), headers: { 'content-type': 'application/json' } })) as CommitmentView
      : await withLocalContext(async (ctx) => {
        const { verifyCommitment } = await import('../commitments/commitments-service.ts');
        return verifyCommitment({ db: ctx.database.db, now: ctx.now, policy: ctx.policy }, localAdmin, id, args.evidence);
      });
    out(args.json ? JSON.stringify(view) : view.summary);
  },
});

const sweep = defineCommand({
  meta: { name: 'sweep', description: 'Run the checks and mark open commitments past their date as missed (until the job runner does)' },
  args: { json },
  async run({ args }) {
    const { sweepMissedCommitments } = await import('../commitments/sweep.ts');
    const s = await withLocalContext((ctx) => sweepMissedCommitments(ctx.database.db, ctx.now()));
    out(args.json ? JSON.stringify(s) : `Checked commitments: ${s.verified.length} verified by their checks, ${s.missed.length} now past their date (missed).`);
  },
});

export default routed(defineCommand({
  meta: { name: 'commitments', description: 'Commitments: controls, fixes and removals each team owes by a date' },
  args: list.args,
  subCommands: { list, verify, sweep },
  async run(ctx) {
    // `entente commitments [--service …]` lists; citty runs the parent after a subcommand too, so list only when none was named.
    if ((ctx.args._ as string[]).length > 0) return;
    await list.run!(ctx as never);
  },
}));
