/** `entente policy check [FILE]`, `policy test FILE` and `policy backtest --days N [--policy FILE]`: the gate policy's own tooling. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { defineCommand } from 'citty';
import { badInput } from '../errors.ts';
import type { Policy } from '../policy/policy.ts';
import { gateMessages as m } from '../gates/gate-messages.ts';
import { out, withLocalContext } from './shared.ts';
import { args as A } from './commands.ts';
import { policyCalendar } from '../policy/calendar.ts';

// The file named, else the policy in force (ENTENTE_POLICY, data/policy.yaml, or the defaults).
async function policyFrom(file: string | undefined): Promise<{ policy: Policy; source: string }> {
  const { loadPolicy } = await import('../policy/policy.ts');
  if (file) return { policy: loadPolicy(file), source: file };
  const { loadConfig, policyFileOf } = await import('../config.ts');
  const inForce = policyFileOf(loadConfig(process.env));
  return { policy: loadPolicy(inForce), source: inForce ?? 'the default policy' };
}

export const check = defineCommand({
  args: A['policy check'],
  async run({ args }) {
    const { policy, source } = await policyFrom(args.file);
    const { rulesFor, voiceOf } = await import('../voice/voice-config.ts');
    const { checkTone } = await import('../voice/check-tone.ts');
    const tone = rulesFor(voiceOf(policy), source);
    const texts: [string, string][] = [
      ...policy.gates.rules.map((r, i): [string, string] => [`gates.rules.${i}.description`, r.description]),
      ...policy.controls.map((c, i): [string, string] => [`controls.${i}.title`, c.title]),
    ];
    const notes = texts.flatMap(([where, text]) =>
      checkTone(text, tone).flags.map((f) => ({ where, text: f.text, suggestion: f.suggestion })),
    );
    const summary = {
      source,
      rules: policy.gates.rules.length,
      warn: policy.gates.rules.filter((r) => r.mode === 'warn').length,
      controls: policy.controls.length,
      notes: notes.length,
    };
    if (args.json) return out(JSON.stringify({ ok: true, ...summary, notes }));
    out(m.policyCheckOk.render(summary));
    for (const n of notes) out(`  - ${m.toneNote.render(n)}`);
  },
});

export const test = defineCommand({
  args: A['policy test'],
  async run({ args }) {
    let text: string;
    try {
      text = readFileSync(args.file, 'utf8');
    } catch (e) {
      throw badInput(`cannot read ${args.file}: ${(e as Error).message}`);
    }
    const { parseExamples, runExamples } = await import('../gates/policy-examples.ts');
    const examples = parseExamples(text, args.file);
    const file = args.policy ?? (examples.policy ? resolve(dirname(args.file), examples.policy) : undefined);
    const { policy } = await policyFrom(file);
    const results = runExamples(policy, examples);
    const differ = results.filter((r) => !r.ok).length;
    if (args.json) out(JSON.stringify({ results, differ }));
    else {
      for (const r of results) out(m.exampleResult.render(r));
      out(m.examplesSummary.render({ total: results.length, differ }));
    }
    process.exitCode = differ ? 1 : 0;
  },
});

export const backtest = defineCommand({
  args: A['policy backtest'],
  async run({ args }) {
    const days = Number(args.days);
    if (!Number.isInteger(days) || days < 1 || days > 3650) throw badInput('--days: a whole number from 1 to 3650');
    const { policy } = await policyFrom(args.policy);
    const { backtestPolicy } = await import('../gates/gate-history.ts');
    const r = await withLocalContext((ctx) => backtestPolicy({ db: ctx.database.db, now: ctx.now }, policy, days));
    if (args.json) return out(JSON.stringify(r));
    out(r.text);
    for (const c of r.changed)
      out(
        `  ${m.backtestLine.render({ id: c.id, service: c.service, environment: c.environment, at: policyCalendar(policy).dayOf(c.decidedAt), was: c.was, wouldBe: c.wouldBe })}`,
      );
  },
});
