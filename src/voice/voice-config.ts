/** The policy's `voice` section: switch built-in tone rules off, add an organisation's own phrases. */
import { z } from 'zod';
import { badInput } from '../errors.ts';
import { builtInRules, categories, type ToneRule } from './tone-rules.ts';
import { compileRules, type ToneRules } from './rule-set.ts';
import { tokenize } from './tokens.ts';

/** The shape of `voice:` in a policy file; every field is optional. */
const voiceConfigSchema = z
  .object({
    disable: z
      .array(z.string().min(1))
      .default([])
      .describe('ids of built-in rules to switch off (`entente tone rules` lists them)'),
    phrases: z
      .array(
        z
          .object({
            id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'use lower-case letters, digits, dots and dashes'),
            category: z.enum(categories),
            pattern: z
              .string()
              .trim()
              .min(1)
              .max(200)
              .describe('a plain phrase; its verbs and nouns also match their other forms'),
            why: z.string().trim().min(1).max(500),
            suggestion: z.string().trim().min(1).max(500),
          })
          .strict(),
      )
      .max(500)
      .default([]),
  })
  .strict();

let defaults: ToneRules | undefined;

/**
 * The compiled rules for a policy's `voice` section (undefined: the built-in rules). A mistake is a
 * bad_input error naming the path, e.g. "voice.phrases.0.category: …" or "voice.disable.1: no rule …".
 */
export function rulesFor(config: unknown, source = 'policy'): ToneRules {
  if (config === undefined || config === null) return (defaults ??= compileRules(builtInRules));
  const parsed = voiceConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw problem(source, ['voice', ...issue.path.map(String)], issue.message);
  }
  const { disable, phrases } = parsed.data;
  const known = new Set(builtInRules.map((r) => r.id));
  disable.forEach((id, i) => {
    if (!known.has(id))
      throw problem(
        source,
        ['voice', 'disable', String(i)],
        `no built-in rule "${id}"; the rules are ${[...known].join(', ')}`,
      );
  });
  const seen = new Set(known);
  const added = phrases.map((p, i): ToneRule => {
    if (seen.has(p.id))
      throw problem(source, ['voice', 'phrases', String(i), 'id'], `"${p.id}" is already a rule's id; choose another`);
    seen.add(p.id);
    if (tokenize(p.pattern).length === 0)
      throw problem(source, ['voice', 'phrases', String(i), 'pattern'], `the phrase "${p.pattern}" has no words`);
    return { id: p.id, category: p.category, patterns: [p.pattern], why: p.why, suggestion: p.suggestion, plain: true };
  });
  const off = new Set(disable);
  return compileRules([...builtInRules.filter((r) => !off.has(r.id)), ...added]);
}

/** The `voice` section of a loaded policy, if it has one (read without depending on the policy's type). */
export function voiceOf(policy: object): unknown {
  return (policy as { voice?: unknown }).voice;
}

function problem(source: string, path: string[], message: string) {
  const where = path.join('.');
  return badInput(`${source}: ${where}: ${message}`, { path: where });
}
