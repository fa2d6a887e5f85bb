/** The tone check: which words in a text read as blame or gatekeeping rather than a partner's, and what to say instead. */
import type { Category } from './tone-rules.ts';
import { lastMark, matchAt, type CompiledRule, type ToneRules } from './rule-set.ts';
import { findExclamations, findShouting } from './detectors.ts';
import { maskQuoted, tokenize, type Sentence } from './tokens.ts';

/** One flagged stretch of the text (offsets in UTF-16 code units, end exclusive). */
export interface ToneFlag {
  ruleId: string;
  category: Category;
  start: number;
  end: number;
  text: string;
  why: string;
  suggestion: string;
}

/** The verdict: ok when nothing is flagged; `rewrite` is the text with every wholly known sentence rewritten. */
export interface ToneResult {
  ok: boolean;
  flags: ToneFlag[];
  rewrite?: string;
}

interface Hit {
  c: CompiledRule;
  start: number;
  end: number;
  from: number;
  to: number;
  rest: number;
}

/** Checks a text against compiled rules (see `rulesFor`); pure and synchronous. */
export function checkTone(text: string, rules: ToneRules): ToneResult {
  const masked = maskQuoted(text);
  const flags: ToneFlag[] = [];
  const rewrites: { start: number; end: number; text: string }[] = [];
  for (const s of tokenize(masked)) {
    const hits = keep(findHits(rules, s, masked));
    for (const h of hits) {
      const { id, category, why, suggestion } = h.c.rule;
      flags.push({
        ruleId: id,
        category,
        start: h.start,
        end: h.end,
        text: text.slice(h.start, h.end),
        why,
        suggestion,
      });
    }
    const rewritten = rewriteSentence(text, s, hits);
    if (rewritten !== undefined) rewrites.push({ start: s.start, end: s.end, text: rewritten });
  }
  const result: ToneResult = { ok: flags.length === 0, flags };
  if (rewrites.length > 0) {
    let out = text;
    for (const r of rewrites.reverse()) out = out.slice(0, r.start) + r.text + out.slice(r.end);
    result.rewrite = out;
  }
  return result;
}

function findHits(rules: ToneRules, s: Sentence, masked: string): Hit[] {
  const t = s.tokens;
  const hits: Hit[] = [];
  for (let pos = 0; pos < t.length; pos++) {
    for (const list of [rules.index.get(t[pos]!.word), rules.anywhere]) {
      for (const [c, seq] of list ?? []) {
        const to = matchAt(seq, t, masked, pos);
        if (to <= pos) continue;
        let end = t[pos]!.end;
        for (let i = pos; i < to; i++) end = Math.max(end, t[i]!.end);
        const mark = lastMark();
        hits.push({ c, start: t[pos]!.start, end, from: pos, to, rest: mark >= 0 ? mark : to });
      }
    }
  }
  for (const c of rules.compiled) {
    for (const d of c.detectors) {
      const spans = d === 'shouting' ? findShouting(masked, s) : findExclamations(masked, s);
      for (const sp of spans) hits.push({ c, ...sp, from: -1, to: -1, rest: -1 });
    }
  }
  const cancelled = new Map<CompiledRule, boolean>();
  return hits.filter((h) => {
    if (h.c.unless.length === 0) return true;
    if (!cancelled.has(h.c))
      cancelled.set(
        h.c,
        h.c.unless.some((seq) => t.some((_, p) => matchAt(seq, t, masked, p) > p)),
      );
    return !cancelled.get(h.c);
  });
}

// One flag per stretch: a rule matching twice over the same words, or a narrower match of the same
// category inside a wider one ("must fix" inside "must fix this immediately"), is left out. Capitals
// and exclamation marks are another reason, so they stay.
function keep(hits: Hit[]): Hit[] {
  hits.sort((a, b) => a.start - b.start || b.end - a.end || a.c.order - b.c.order);
  const kept: Hit[] = [];
  for (const h of hits) {
    const redundant = kept.some(
      (k) =>
        (k.c === h.c && h.start < k.end && k.start < h.end)
        || (h.from >= 0 && k.c.rule.category === h.c.rule.category && k.start <= h.start && h.end <= k.end),
    );
    if (!redundant) kept.push(h);
  }
  return kept;
}

// A sentence that a rule with a rewrite matches from its first word is rewritten whole, when nothing
// else in it is flagged (closing punctuation aside, which the rewrite replaces).
function rewriteSentence(text: string, s: Sentence, hits: Hit[]): string | undefined {
  const t = s.tokens;
  const lastWordEnd = t[t.length - 1]!.end;
  for (const h of hits) {
    const template = h.c.rule.rewrite;
    if (!template || h.from !== 0) continue;
    const wantsRest = template.includes('{rest}');
    if (wantsRest ? h.rest >= t.length : h.to !== t.length) continue;
    if (hits.some((o) => o !== h && o.start < lastWordEnd && !(h.start <= o.start && o.end <= h.end))) continue;
    const rest = wantsRest ? text.slice(t[h.rest]!.start, lastWordEnd) : '';
    return template.replace('{rest}', rest);
  }
  return undefined;
}
