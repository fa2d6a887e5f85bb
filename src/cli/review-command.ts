/** `entente review new|show|list|close`: review meetings whose agenda writes itself. */
import { writeFileSync } from 'node:fs';
import { defineCommand } from 'citty';
import { badInput } from '../errors.ts';
import { renderReview, reviewFormatOf, type ReviewFormat } from '../reviews/review-formats.ts';
import type { ActionInput, ReviewExtras } from '../reviews/reviews-service.ts';
import { idArg, out } from './shared.ts';
import { args as A } from './commands.ts';
import { withApi } from './api/area.ts';
import { reviewsApi, type Review } from './api/reviews-api.ts';

function print(view: Review, format: ReviewFormat, output: string | undefined): void {
  const text = renderReview(view, format);
  if (!output) return void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  try {
    writeFileSync(output, text, { mode: 0o644 });
  } catch (e) {
    throw badInput(`--output: we could not write ${output}: ${(e as Error).message}`);
  }
  out(`We wrote review #${view.id} (${format}) to ${output}.`);
}

export const newCommand = defineCommand({
  args: A['review new'],
  async run({ args }) {
    const format = reviewFormatOf(args.format);
    const view = await withApi(args, reviewsApi, (api) => api.start({ cadence: args.cadence, team: args.team }));
    print(view, format, args.output);
  },
});

export const show = defineCommand({
  args: A['review show'],
  async run({ args }) {
    const format = reviewFormatOf(args.format);
    const id = idArg(args.id, 'a review', 'entente review list');
    const view = await withApi(args, reviewsApi, (api) => api.get(id));
    print(view, format, args.output);
  },
});

export const list = defineCommand({
  args: A['review list'],
  async run({ args }) {
    const limit = Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw badInput('--limit: a whole number from 1 to 100');
    const items = await withApi(args, reviewsApi, (api) => api.list({ team: args.team, limit }));
    if (args.json) return void items.forEach((v) => out(JSON.stringify(v)));
    if (items.length === 0)
      return out('No reviews yet: `entente review new --cadence weekly --team TEAM` starts the first.');
    for (const v of items)
      out(
        `#${v.id}  ${v.cadence.padEnd(7)} ${(v.team ?? '(organisation)').padEnd(16)} ${v.period.to.slice(0, 10)}  ${v.closedAt ? 'closed' : 'open  '}  ${v.summary}`,
      );
  },
});

export const close = defineCommand({
  args: A['review close'],
  async run({ args, rawArgs }) {
    const id = idArg(args.id, 'a review', 'entente review list');
    const extras: ReviewExtras = {
      attendees: repeated(rawArgs, 'attendee'),
      decisions: repeated(rawArgs, 'decision'),
      actions: repeated(rawArgs, 'action').map(actionOf),
    };
    const view = await withApi(args, reviewsApi, (api) => api.close(id, extras));
    if (args.json) return out(JSON.stringify(view));
    const { closedText } = await import('../reviews/reviews-service.ts');
    out(closedText(view));
    for (const a of view.actions) out(`  #${a.commitmentId}  ${a.title}: ${a.ownerTeam}, due ${a.dueDate}`);
  },
});

/** "Upgrade log4j-core @payments by 2026-12-21" → its title, team and due day. */
export function actionOf(text: string): ActionInput {
  const m = /^(.+?)\s+@(\S+)\s+by\s+(\S+)\s*$/.exec(text.trim());
  if (!m)
    throw badInput(
      `--action "${text}": write it as "TITLE @TEAM by YYYY-MM-DD", e.g. "Upgrade log4j-core @payments by 2026-12-21"`,
      { field: 'action' },
    );
  return { title: m[1]!, team: m[2]!, due: m[3]! };
}

// citty keeps only the last of a repeated option, so these are read from the raw arguments.
function repeated(rawArgs: string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!;
    if (a === `--${name}` && i + 1 < rawArgs.length) values.push(rawArgs[++i]!);
    else if (a.startsWith(`--${name}=`)) values.push(a.slice(name.length + 3));
  }
  return values;
}
