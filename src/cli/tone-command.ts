/** `entente tone`: check a text for blame and gatekeeping, and list the rules. Exit 0 reads as a partner's, 1 flagged, 2 usage. */
import { readFile } from 'node:fs/promises';
import { defineCommand } from 'citty';
import { loadConfig, policyFileOf } from '../config.ts';
import { badInput } from '../errors.ts';
import { loadPolicy } from '../policy/policy.ts';
import { checkTone, type ToneResult } from '../voice/check-tone.ts';
import { rulesFor, voiceOf } from '../voice/voice-config.ts';
import type { ToneRules } from '../voice/rule-set.ts';
import { toneMessages } from '../voice/messages/tone.ts';
import { out } from './shared.ts';
import { args as A } from './commands.ts';

export const check = defineCommand({
  args: A['tone check'],
  async run({ args }) {
    const positional = (args._ as string[]).join(' ');
    const text = await readText(positional, args.file);
    const result = checkTone(text, policyRules());
    if (args.json) out(JSON.stringify({ ok: result.ok, flags: result.flags, rewrite: result.rewrite ?? null }));
    else printResult(text, result);
    // main.ts leaves a code set here alone: 1 tells a hook or CI job that something was flagged
    if (!result.ok) process.exitCode = 1;
  },
});

export const rules = defineCommand({
  args: A['tone rules'],
  run({ args }) {
    for (const r of policyRules().rules) {
      if (args.json)
        out(
          JSON.stringify({
            id: r.id,
            category: r.category,
            why: r.why,
            suggestion: r.suggestion,
            patterns: r.patterns,
            source: r.plain ? 'policy' : 'built-in',
          }),
        );
      else out(`${r.id.padEnd(20)} ${r.category.padEnd(18)} ${r.why}\n${' '.repeat(40)}instead: ${r.suggestion}`);
    }
  },
});

// The text comes from exactly one place; none, two, or an empty one is a usage error (exit 2).
async function readText(positional: string, file: string | undefined): Promise<string> {
  if (positional && file) throw badInput('give the text or --file, not both');
  let text = positional;
  if (file) {
    text = await readFile(file, 'utf8').catch((e: Error) => {
      throw badInput(`cannot read ${file}: ${e.message}`, { file });
    });
  } else if (!positional) {
    if (process.stdin.isTTY) throw badInput('no text to check: give it in quotes, with --file F, or on standard input');
    text = await readStdin();
  }
  if (!text.trim())
    throw badInput(
      file
        ? `no text to check: ${file} is empty`
        : 'no text to check: give it in quotes, with --file F, or on standard input',
    );
  return text;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// The policy in force (ENTENTE_POLICY, else data/policy.yaml) can switch rules off and add phrases.
function policyRules(): ToneRules {
  const file = policyFileOf(loadConfig(process.env));
  return rulesFor(voiceOf(loadPolicy(file)), file ?? 'policy');
}

function printResult(text: string, result: ToneResult): void {
  if (result.ok) return out(toneMessages.partnerLike.render({}));
  out(toneMessages.flaggedHeading.render({ flags: result.flags.length }));
  for (const f of result.flags) out(`\n${toneMessages.flag.render({ ...f, where: position(text, f.start) })}`);
  if (result.rewrite !== undefined) out(`\n${toneMessages.rewritten.render({ rewrite: result.rewrite })}`);
}

// "line 2, column 5" counts from 1, as editors do.
function position(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}
