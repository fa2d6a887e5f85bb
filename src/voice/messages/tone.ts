/** What the tone check says back: the verdict in the terminal, each flagged phrase with why and what to write instead, and the suggestion on a comment. */
import { builtInRules, type Category } from '../tone-rules.ts';
import { count, template, withVariants } from '../template.ts';

/** One flagged phrase as a message shows it (`where` is e.g. "line 2, column 5"). */
export interface FlagLine {
  where: string;
  text: string;
  category: Category;
  ruleId: string;
  why: string;
  suggestion: string;
}

/** A comment's tone, as the suggestion under it shows it. */
export interface CommentTone {
  flags: readonly Pick<FlagLine, 'text' | 'category' | 'suggestion'>[];
  rewrite?: string | undefined;
}

const flagExamples: FlagLine[] = builtInRules.map((r, i) => ({
  where: `line 1, column ${i + 1}`,
  text: 'the words',
  category: r.category,
  ruleId: r.id,
  why: r.why,
  suggestion: r.suggestion,
}));

const quote = (text: string): string => `"${text.replace(/\s+/g, ' ')}"`;

/** Tone messages. */
export const toneMessages = {
  /** Nothing flagged. */
  partnerLike: template<Record<string, never>>(() => "Reads as a partner's: nothing flagged.", [{}]),

  /** The line above the flagged phrases. */
  flaggedHeading: withVariants(
    template<{ flags: number }>(
      (p) => `${count(p.flags, 'phrase')} ${p.flags === 1 ? 'reads' : 'read'} as something other than a partner's:`,
      [{ flags: 1 }, { flags: 3 }],
    ),
    { one: (p) => p.flags === 1, several: (p) => p.flags > 1 },
  ),

  /** One flagged phrase, why it reads badly and what to write instead (every rule's words are an example); the rule's id is code, not prose. */
  flag: template<FlagLine>(
    (f) => `${f.where}  ${quote(f.text)}  ${f.category} (\`${f.ruleId}\`)\n  why: ${f.why}\n  instead: ${f.suggestion}`,
    flagExamples,
  ),

  /** The text with its wholly known sentences rewritten. */
  rewritten: template<{ rewrite: string }>(
    (p) => `Rewritten:\n  ${p.rewrite.replace(/\n/g, '\n  ')}`,
    [
      { rewrite: 'We can deploy this change with these safeguards in place: …' },
      { rewrite: 'Morning.\nWe need to work together to solve these issues to meet our SLA.' },
    ],
  ),

  /** The suggestion shown under a comment whose tone was flagged; the comment itself is always posted as written. */
  commentSuggestion: withVariants(
    template<CommentTone>(
      (c) => {
        const lines = c.flags.map(
          (f) => `${quote(f.text)} may read as ${f.category.replace('-', ' used as a ')}; ${f.suggestion}`,
        );
        const head = `A suggestion, which you are free to ignore: your comment is posted as written. ${count(c.flags.length, 'phrase')} may land differently than meant.`;
        return [head, ...lines.map((l) => `- ${l}`), ...(c.rewrite ? [`A partner's version: ${c.rewrite}`] : [])].join(
          '\n',
        );
      },
      [
        {
          flags: [
            {
              text: 'You failed to',
              category: 'blame',
              suggestion: builtInRules.find((r) => r.id === 'failed-to')!.suggestion,
            },
          ],
        },
        {
          flags: [
            {
              text: 'IT cannot',
              category: 'gatekeeping',
              suggestion: builtInRules.find((r) => r.id === 'refusal')!.suggestion,
            },
            {
              text: '!!',
              category: 'urgency',
              suggestion: builtInRules.find((r) => r.id === 'exclamations')!.suggestion,
            },
            {
              text: 'non-compliant',
              category: 'compliance-hammer',
              suggestion: builtInRules.find((r) => r.id === 'non-compliant')!.suggestion,
            },
          ],
          rewrite: 'We can deploy this change with these safeguards in place: …',
        },
      ],
    ),
    {
      'one flag': (c) => c.flags.length === 1,
      several: (c) => c.flags.length > 1,
      'with a rewrite': (c) => c.rewrite !== undefined,
    },
  ),
};
