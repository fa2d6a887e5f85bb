/** The two urgency signals that are not words: shouting in capitals and stacked exclamation marks. */
import nlp from 'compromise';
import type { Sentence } from './tokens.ts';
import { technicalCaps } from './word-classes.ts';

/** A stretch of the text, end exclusive. */
export interface Span {
  start: number;
  end: number;
}

// compromise's lexicon tells an English word written in capitals ("HAVE", "NOW") from an acronym ("SQL", "KEV").
const lexicon = (nlp.model() as { one: { lexicon: Record<string, unknown> } }).one.lexicon;
const acronyms = new Set(technicalCaps.acronyms);
const sql = new Set(technicalCaps.sql.flatMap((w) => w.split(' ')));
const specification = new Set(technicalCaps.specification);
const labels = new Set(technicalCaps.labels);

interface Word {
  text: string;
  start: number;
  end: number;
  caps: boolean;
}

/** Runs of capitalised words in a sentence that read as shouting; `masked` is the text with quotes blanked. */
export function findShouting(masked: string, s: Sentence): Span[] {
  if (!/\p{Lu}\p{Lu}/u.test(masked.slice(s.start, s.end))) return [];
  const words = wordsOf(masked, s);
  const addressesYou = s.tokens.some((t) => t.word === 'you' || t.word === 'your');
  const spans: Span[] = [];
  let run: Word[] = [];
  const close = (): void => {
    if (run.length > 0 && isShouting(run, words, masked, addressesYou))
      spans.push({ start: run[0]!.start, end: run[run.length - 1]!.end });
    run = [];
  };
  for (const w of words) {
    if (w.caps) run.push(w);
    else close();
  }
  close();
  return spans;
}

function wordsOf(masked: string, s: Sentence): Word[] {
  const out: Word[] = [];
  const re = /[\p{L}\p{N}][\p{L}\p{N}'’_-]*/gu;
  re.lastIndex = s.start;
  for (let m = re.exec(masked); m && m.index < s.end; m = re.exec(masked)) {
    const text = m[0].replace(/['’]$/, '');
    out.push({ text, start: m.index, end: m.index + text.length, caps: /^\p{Lu}{2,}(['’]\p{Lu}{1,2})?$/u.test(text) });
  }
  return out;
}

function isShouting(run: Word[], words: Word[], masked: string, addressesYou: boolean): boolean {
  if (2 * run.filter((w) => sql.has(w.text)).length >= run.length) return false;
  let strong = 0;
  let weak = 0;
  for (const w of run) {
    if (acronyms.has(w.text) || (specification.has(w.text) && !addressesYou)) continue;
    const isLabel = w === words[0] && labels.has(w.text) && /^\s*:/.test(masked.slice(w.end, w.end + 3));
    if (isLabel) continue;
    const lower = w.text.toLowerCase();
    const english = /['’]/.test(w.text) || Object.hasOwn(lexicon, lower) || w.text.length >= 6;
    if (!english) continue;
    if (w.text.length >= 3) strong++;
    else weak++;
  }
  return strong > 0 || weak + strong >= 2;
}

/** Runs of two or more exclamation marks (with or without question marks between them). */
export function findExclamations(masked: string, s: Sentence): Span[] {
  const spans: Span[] = [];
  const re = /[!?]{2,}/g;
  const slice = masked.slice(s.start, s.end);
  for (const m of slice.matchAll(re)) {
    if (m[0].split('!').length > 2) spans.push({ start: s.start + m.index, end: s.start + m.index + m[0].length });
  }
  return spans;
}
