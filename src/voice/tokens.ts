/** Text to sentences of words with their places: compromise's sentence splitter and contraction table; quoted text and code are left out first. */
import nlp from 'compromise';

/** One word as the rules see it (`word`), and where it stands in the original text. */
export interface Token {
  word: string;
  start: number;
  end: number;
}

/** One sentence: its words, and where it starts and ends (its closing punctuation included). */
export interface Sentence {
  start: number;
  end: number;
  tokens: Token[];
}

// What a person quotes or writes as code is not their own voice: code blocks and spans, double quotes
// (straight and curly), single quotes that open and close at word edges (an apostrophe inside a word,
// as in "can't", neither opens nor closes one), e-mail quotations (lines starting with ">") and URLs.
const quoted: RegExp[] = [
  /```[\s\S]*?(?:```|$)/g,
  /`[^`\n]*`/g,
  /"[^"\n]*"/g,
  /“[^”\n]*”/g,
  /(?<=^|[\s([])'(?:[^'\n]|'(?=\p{L}))*?'(?=$|[\s.,;:!?)\]])/gu,
  /(?<=^|[\s([])‘(?:[^’\n]|’(?=\p{L}))*?’(?=$|[\s.,;:!?)\]])/gu,
  /^[ \t]*>.*$/gm,
  /\b(?:https?|ftp):\/\/[^\s<>"]+/g,
];

/** The text with quoted passages and code blanked out, keeping every other character in its place. */
export function maskQuoted(text: string): string {
  let masked = text;
  for (const re of quoted) masked = masked.replace(re, (m) => m.replace(/[^\n]/g, ' '));
  return masked;
}

/** Splits (masked) text into sentences of tokens; offsets index the text that was passed in. */
export function tokenize(text: string): Sentence[] {
  const sentences: Sentence[] = [];
  let pos = 0;
  for (const piece of splitSentences(text, world)) {
    const at = text.indexOf(piece, pos);
    const start = at < 0 ? pos : at;
    pos = start + piece.length;
    const tokens: Token[] = [];
    words.lastIndex = start;
    for (let m = words.exec(text); m && m.index < pos; m = words.exec(text)) pushWords(tokens, m[0], m.index);
    if (tokens.length > 0) sentences.push({ start: tokens[0]!.start, end: start + piece.trimEnd().length, tokens });
  }
  return sentences;
}

// compromise's full tokenizer (terms, normal forms, contractions) costs about 15 µs a word, which is
// over the budget for long texts; its sentence splitter is cheap, and its contraction table is used
// below, so words are found with one regular expression and expanded the way compromise expands them.
type World = {
  methods: { one: { tokenize: { splitSentences: (text: string, world: World) => string[] } } };
  model: { one: { contractions: { word?: string; after?: string; out?: string[] }[] } };
};
const world = nlp.world() as World;
const { splitSentences } = world.methods.one.tokenize;
const whole = new Map<string, string[]>();
const suffixes = new Map<string, string[]>();
for (const c of world.model.one.contractions) {
  if (c.word && c.out)
    whole.set(
      c.word,
      c.out.map((w) => w.toLowerCase()),
    );
  else if (c.after && c.out && /^[a-z]+$/.test(c.after)) suffixes.set(c.after, c.out);
}
whole.set("shan't", ['shall', 'not']);
whole.set("y'all", ["y'all"]);

// Letters and digits, with inner apostrophes ("can't", "team's"); hyphens split words ("non-compliant"),
// except after one letter ("e-mail").
const words = /(?:\p{L}-)?[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

function pushWords(tokens: Token[], written: string, start: number): void {
  const end = start + written.length;
  const lower = written
    .toLowerCase()
    .replace(/’/g, "'")
    .replace(/^(\p{L})-/u, '$1');
  const expanded = whole.get(lower);
  if (expanded) {
    for (const word of expanded) tokens.push({ word, start, end });
    return;
  }
  const apostrophe = lower.indexOf("'");
  if (apostrophe < 0) {
    tokens.push({ word: lower, start, end });
    return;
  }
  const stem = lower.slice(0, apostrophe);
  const suffix = lower.slice(apostrophe + 1);
  if (suffix === 't' && stem.endsWith('n')) {
    tokens.push({ word: stem.slice(0, -1), start, end }, { word: 'not', start, end });
  } else if (suffixes.has(suffix)) {
    tokens.push({ word: stem, start, end }, ...suffixes.get(suffix)!.map((word) => ({ word, start, end })));
  } else {
    // 's (is, has or possessive) and 'd (would or had) stay clitics: patterns say `that 's` or `you 'd better`
    tokens.push(
      { word: stem, start, end: end - suffix.length - 1 },
      { word: `'${suffix}`, start: end - suffix.length - 1, end },
    );
  }
}
