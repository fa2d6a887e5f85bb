/** `entente scorecard` (the shared card) and `entente goal set|list|show` (joint goals). */
import { defineCommand } from 'citty';
import { badInput } from '../errors.ts';
import { idArg, out } from './shared.ts';
import { args as A } from './commands.ts';
import { withApi } from './api/area.ts';
import { goalsApi, type Scorecard } from './api/goals-api.ts';

const pct = (r: number | null): string => (r === null ? '-' : `${Math.round(r * 100)} %`);
const num = (n: number | null): string => (n === null ? '-' : String(n));

function printCard(c: Scorecard): void {
  for (const line of c.summary) out(line);
  out('');
  out(
    `Open now: act ${c.open.act}, attend ${c.open.attend}, track* ${c.open['track*']}, track ${c.open.track} (overdue ${c.overdueNow})`,
  );
  out(
    `Arrived ${c.flow.arrivals}, closed ${c.flow.closures} (fixed ${c.flow.fixed}); SLA compliance ${pct(c.slaCompliance.ratio)} of ${c.slaCompliance.closed}; reopen rate ${pct(c.reopenRate.ratio)}`,
  );
  out(
    `Days to fix (mean / p80): ${(['act', 'attend', 'track*', 'track'] as const).map((p) => `${p} ${num(c.timeToFix[p].mttrDays)} / ${num(c.timeToFix[p].p80Days)}`).join(', ')}`,
  );
  out(
    `Exceptions in force ${c.exceptions.open} (${c.exceptions.expiring} ending within ${c.exceptions.expiringDays} days); open ports without an approved change ${c.exposureUnapproved}`,
  );
  out(
    `Scan coverage ${c.scanCoverage.scanned} of ${c.scanCoverage.services} services in ${c.scanCoverage.days} days; commitments kept ${c.commitments.kept}, missed ${c.commitments.missed}; crying wolf ${pct(c.cryingWolf.ratio)} of ${c.cryingWolf.raised}`,
  );
}

export const scorecard = defineCommand({
  args: A.scorecard,
  async run({ args }) {
    if (args.org && (args.team || args.service))
      throw badInput('--org is the whole organisation: give it without --team or --service', { field: 'org' });
    const card = await withApi(args, goalsApi, (api) =>
      api.scorecard({ team: args.team, service: args.service, from: args.from, to: args.to }),
    );
    if (args.json) return out(JSON.stringify(card));
    printCard(card);
  },
});

export const set = defineCommand({
  args: A['goal set'],
  async run({ args }) {
    const body = {
      metric: args.metric,
      team: args.team,
      org: args.org || undefined,
      owners: args.owners
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
      target: args.target,
      deadline: args.deadline,
    };
    const goal = await withApi(args, goalsApi, (api) => api.set(body));
    if (args.json) return out(JSON.stringify(goal));
    const { scorecardMessages } = await import('../goals/goal-messages.ts');
    out(
      scorecardMessages.goalSet.render({
        id: goal.id,
        label: goal.label,
        baseline: goal.baseline,
        target: goal.target.value,
        deadline: goal.deadline as `${number}-${number}-${number}`,
        owners: goal.owners,
      }),
    );
  },
});

export const list = defineCommand({
  args: A['goal list'],
  async run({ args }) {
    const goals = await withApi(args, goalsApi, (api) => api.list(args.team));
    if (args.json) return void goals.forEach((g) => out(JSON.stringify(g)));
    if (goals.length === 0)
      return out((await import('../goals/goal-messages.ts')).scorecardMessages.noGoals.render({}));
    for (const g of goals) out(g.summary);
  },
});

export const show = defineCommand({
  args: A['goal show'],
  async run({ args }) {
    const id = idArg(args.id, 'a goal', 'entente goal list');
    const goal = await withApi(args, goalsApi, (api) => api.get(id));
    if (args.json) return out(JSON.stringify(goal));
    out(goal.summary);
    out(
      `  progress ${Math.round(goal.progress * 100)} %, expected at the deadline ${goal.projected ?? '- (too early to say)'}`,
    );
    if (goal.guardrail)
      out(
        `  guardrail ${goal.guardrail.metric}: ${num(goal.guardrail.baseline)} when set, ${num(goal.guardrail.current)} now (${goal.guardrail.holds ? 'holds' : 'does not hold'})`,
      );
  },
});
