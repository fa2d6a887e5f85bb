/**
 * The tone rules' pattern language, compiled to token matchers with compromise's morphology.
 *
 * A pattern is a sequence over the words of one sentence, as tokens.ts gives them (lower case,
 * contractions expanded by compromise's table: "can't", "cannot" and "can not" are all `can not`,
 * "won't" is `will not`, "let's" is `let us`, "that's" is `that is`; "team's" is `team 's`):
 *   word         that word                      {lemma}  every inflection of it (fail, fails, failed, failing;
 *   (a|b c)      one of the alternatives                   finding, findings), from compromise's conjugator
 *   x?           optional                       @class   a named class of alternatives (see word-classes.ts)
 *   .            any one word                   *N       up to N words (N defaults to 3)
 *   ^  $         start, end of the sentence     !word    the next word is not this one (matches nothing)
 *   =IT          this word in exactly this case (so the department IT is not the pronoun it)
 *   >            where a rule's rewrite takes the rest of the sentence from (matches nothing)
 *
 * Why compromise: one maintained, pure-JavaScript package (MIT, three small dependencies, no native
 * build) that carries what the rules need — a conjugator and pluraliser for `{lemma}`, a contraction
 * table, a sentence splitter, a lexicon to tell words from acronyms, and a tagger for policy phrases.
 * The retext/nlcst family tokenizes well but has no conjugator, so inflections would again be lists.
 */
import nlp from 'compromise';

export type Node =
  | { k: 'words'; set: ReadonlySet<string> }
  | { k: 'exact'; text: string }
  | { k: 'any' }
  | { k: 'gap'; max: number }
  | { k: 'start' }
  | { k: 'end' }
  | { k: 'mark' }
  | { k: 'not'; set: ReadonlySet<string> }
  | { k: 'alt'; options: Node[][] }
  | { k: 'opt'; seq: Node[] };

type Conjugator = {
  two: {
    transform: {
      verb: { conjugate: (w: string, m: unknown) => Record<string, string> };
      noun: { toPlural: (w: string, m: unknown) => string };
    };
  };
};

const methods = nlp.methods() as Conjugator;
const model = nlp.model();

/** Every inflection compromise knows for a word: its verb forms and its plural (future "will x" is left out). */
export function inflections(lemma: string): string[] {
  const forms = new Set([lemma]);
  for (const form of Object.values(methods.two.transform.verb.conjugate(lemma, model))) {
    if (!form.includes(' ')) forms.add(form);
  }
  forms.add(methods.two.transform.noun.toPlural(lemma, model));
  return [...forms];
}

/** Compiles a pattern, resolving `@class` names through `classes`; a mistake names the pattern and the place. */
export function compilePattern(source: string, classes: (name: string) => Node[][]): Node[] {
  const tokens = source.match(/\(|\)|\||\?|\{[^}]*\}|[^\s()|?{}]+/g) ?? [];
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`tone pattern "${source}": ${what} at token ${i + 1}`);
  };
  const sequence = (): Node[] => {
    const seq: Node[] = [];
    while (i < tokens.length && tokens[i] !== ')' && tokens[i] !== '|') {
      const node = atom();
      if (tokens[i] === '?') {
        i++;
        seq.push({ k: 'opt', seq: [node] });
      } else {
        seq.push(node);
      }
    }
    return seq;
  };
  const atom = (): Node => {
    const t = tokens[i++] ?? fail('unexpected end');
    if (t === '(') {
      const options = [sequence()];
      while (tokens[i] === '|') {
        i++;
        options.push(sequence());
      }
      if (tokens[i++] !== ')') fail('missing )');
      return simplify(options);
    }
    if (t === '?' || t === ')' || t === '|') return fail(`unexpected ${t}`);
    if (t.startsWith('{')) return { k: 'words', set: new Set(inflections(t.slice(1, -1).trim().toLowerCase())) };
    if (t.startsWith('@')) return simplify(classes(t.slice(1)));
    if (t.startsWith('*')) return { k: 'gap', max: t.length > 1 ? Number(t.slice(1)) : 3 };
    if (t.startsWith('=')) return { k: 'exact', text: t.slice(1) };
    if (t.startsWith('!')) return { k: 'not', set: new Set([t.slice(1).toLowerCase()]) };
    if (t === '.') return { k: 'any' };
    if (t === '^') return { k: 'start' };
    if (t === '$') return { k: 'end' };
    if (t === '>') return { k: 'mark' };
    return { k: 'words', set: new Set([t.toLowerCase()]) };
  };
  const seq = sequence();
  if (i < tokens.length) fail(`unexpected ${tokens[i]}`);
  if (seq.length === 0) fail('empty pattern');
  return seq;
}

// Alternatives that are each one plain word become one set, so matching them is one lookup.
function simplify(options: Node[][]): Node {
  if (options.length === 1 && options[0]!.length === 1) return options[0]![0]!;
  if (options.every((o) => o.length === 1 && o[0]!.k === 'words')) {
    const set = new Set<string>();
    for (const o of options) for (const w of (o[0] as { set: ReadonlySet<string> }).set) set.add(w);
    return { k: 'words', set };
  }
  return { k: 'alt', options };
}

/** The words a match of `seq` can start with, or null when it can start with any word. */
export function firstWords(seq: readonly Node[], from = 0): Set<string> | null {
  const n = seq[from];
  if (!n) return null;
  switch (n.k) {
    case 'words':
      return new Set(n.set);
    case 'exact':
      return new Set([n.text.toLowerCase()]);
    case 'start':
    case 'not':
    case 'mark':
      return firstWords(seq, from + 1);
    case 'opt':
      return union(firstWords(n.seq), firstWords(seq, from + 1));
    case 'alt':
      return n.options.reduce<Set<string> | null>(
        (acc, o) => union(acc, o.length ? firstWords(o) : firstWords(seq, from + 1)),
        new Set(),
      );
    default:
      return null;
  }
}

function union(a: Set<string> | null, b: Set<string> | null): Set<string> | null {
  if (!a || !b) return null;
  for (const w of b) a.add(w);
  return a;
}
