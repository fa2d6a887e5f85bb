/** Tone rules compiled once into matchers, indexed by the words a match can start with. */
import nlp from 'compromise';
import { compilePattern, firstWords, inflections, type Node } from './pattern.ts';
import type { ToneRule } from './tone-rules.ts';
import { wordClasses } from './word-classes.ts';
import { tokenize, type Token } from './tokens.ts';

export type Detector = 'shouting' | 'stacked-exclamations';

/** A rule with its patterns compiled. */
export interface CompiledRule {
  rule: ToneRule;
  order: number;
  patterns: Node[][];
  unless: Node[][];
  detectors: Detector[];
}

/** A compiled rule set, ready for `checkTone`; `rules` is the data it was built from, for listing. */
export interface ToneRules {
  rules: readonly ToneRule[];
  compiled: readonly CompiledRule[];
  /** word → the patterns that can start with it */
  index: ReadonlyMap<string, readonly [CompiledRule, Node[]][]>;
  /** patterns that can start with any word */
  anywhere: readonly [CompiledRule, Node[]][];
}

const detectorNames = new Map<string, Detector>([
  ['<shouting>', 'shouting'],
  ['<stacked-exclamations>', 'stacked-exclamations'],
]);

/** Compiles rules (built-in or from a policy); a broken pattern throws with the rule's id. */
export function compileRules(rules: readonly ToneRule[]): ToneRules {
  const classes = classResolver();
  const index = new Map<string, [CompiledRule, Node[]][]>();
  const anywhere: [CompiledRule, Node[]][] = [];
  const compiled = rules.map((rule, order): CompiledRule => {
    const c: CompiledRule = { rule, order, patterns: [], unless: [], detectors: [] };
    try {
      for (const p of rule.patterns) {
        const detector = detectorNames.get(p);
        if (detector && !rule.plain) c.detectors.push(detector);
        else c.patterns.push(rule.plain ? compilePhrase(p) : compilePattern(p, classes));
      }
      c.unless = (rule.unless ?? []).map((p) => compilePattern(p, classes));
    } catch (e) {
      throw new Error(`tone rule ${rule.id}: ${(e as Error).message}`);
    }
    for (const seq of c.patterns) {
      const first = firstWords(seq);
      if (!first) anywhere.push([c, seq]);
      else for (const w of first) index.set(w, [...(index.get(w) ?? []), [c, seq]]); // built once; a rule set is small
    }
    return c;
  });
  return { rules, compiled, index, anywhere };
}

// Classes are compiled on first use and shared by every rule; a class naming itself is a mistake.
function classResolver(): (name: string) => Node[][] {
  const done = new Map<string, Node[][]>();
  const busy = new Set<string>();
  const resolve = (name: string): Node[][] => {
    const hit = done.get(name);
    if (hit) return hit;
    const entries = wordClasses[name];
    if (!entries) throw new Error(`unknown class @${name}; classes: ${Object.keys(wordClasses).join(', ')}`);
    if (busy.has(name)) throw new Error(`class @${name} refers to itself`);
    busy.add(name);
    const options = entries.map((e) => compilePattern(e, resolve));
    busy.delete(name);
    done.set(name, options);
    return options;
  };
  return resolve;
}

/**
 * A plain phrase from a policy file: tokenized like the text it will meet (so "can't" matches
 * "cannot"), and each verb or noun, as compromise's tagger reads the phrase, matches in every inflection.
 */
function compilePhrase(phrase: string): Node[] {
  const doc = nlp(phrase);
  doc.compute('root');
  const lemmas = new Map<string, string>();
  for (const s of doc.json() as {
    terms: { normal: string; machine?: string; implicit?: string; root?: string; tags: string[] }[];
  }[]) {
    for (const t of s.terms) {
      const open = (t.tags.includes('Verb') || t.tags.includes('Noun')) && !t.tags.includes('Pronoun');
      if (open)
        lemmas.set(
          (t.implicit ?? t.machine ?? t.normal).toLowerCase(),
          (t.root && !t.root.includes(' ') ? t.root : t.normal).toLowerCase(),
        );
    }
  }
  const seq: Node[] = tokenize(phrase)
    .flatMap((s) => s.tokens)
    .map((t): Node => {
      const lemma = lemmas.get(t.word);
      return { k: 'words', set: new Set(lemma ? [t.word, ...inflections(lemma)] : [t.word]) };
    });
  if (seq.length === 0) throw new Error(`the phrase "${phrase}" has no words`);
  return seq;
}

// What to match after the current sequence ends: the rest of the enclosing sequence, and so on up.
interface Frame {
  seq: readonly Node[];
  ni: number;
  up: Frame | null;
}

let mark = -1;

/** Where a match of `seq` starting at token `pos` ends (exclusive), or -1; `text` is for case-exact words. */
export function matchAt(seq: readonly Node[], tokens: readonly Token[], text: string, pos: number): number {
  mark = -1;
  return run(seq, 0, pos, tokens, text, null);
}

/** The token where the last successful `matchAt` passed a `>` mark, or -1. */
export function lastMark(): number {
  return mark;
}

// A backtracking matcher without closures (they cost more than the matching in a hot loop).
function run(
  seq: readonly Node[],
  ni: number,
  pos: number,
  t: readonly Token[],
  text: string,
  up: Frame | null,
): number {
  for (;;) {
    if (ni === seq.length) {
      if (!up) return pos;
      ({ seq, ni, up } = up);
      continue;
    }
    const n = seq[ni]!;
    switch (n.k) {
      case 'words':
        if (pos >= t.length || !n.set.has(t[pos]!.word)) return -1;
        pos++;
        break;
      case 'exact':
        if (pos >= t.length || text.slice(t[pos]!.start, t[pos]!.end) !== n.text) return -1;
        pos++;
        break;
      case 'any':
        if (pos >= t.length) return -1;
        pos++;
        break;
      case 'start':
        if (pos !== 0) return -1;
        break;
      case 'end':
        if (pos !== t.length) return -1;
        break;
      case 'not':
        if (pos < t.length && n.set.has(t[pos]!.word)) return -1;
        break;
      case 'mark': {
        // set on the way back from a successful match, so a path that failed later leaves no mark
        const r = run(seq, ni + 1, pos, t, text, up);
        if (r >= 0 && mark < 0) mark = pos;
        return r;
      }
      case 'gap':
        for (let g = 0; g <= n.max && pos + g <= t.length; g++) {
          const r = run(seq, ni + 1, pos + g, t, text, up);
          if (r >= 0) return r;
        }
        return -1;
      case 'alt': {
        const after: Frame = { seq, ni: ni + 1, up };
        for (const option of n.options) {
          const r = run(option, 0, pos, t, text, after);
          if (r >= 0) return r;
        }
        return -1;
      }
      case 'opt': {
        const r = run(n.seq, 0, pos, t, text, { seq, ni: ni + 1, up });
        return r >= 0 ? r : run(seq, ni + 1, pos, t, text, up);
      }
    }
    ni++;
  }
}
