/** The tone check: recall and false alarms on the labelled sentences, time for a long text, comments per second. */
import { checkTone } from '../src/voice/check-tone.ts';
import { rulesFor } from '../src/voice/voice-config.ts';
import { labelledSet, type Labelled } from '../test/support/voice/labelled-set.ts';
import { heldOutSet } from '../test/support/voice/held-out-set.ts';
import { heldOutSet2 } from '../test/support/voice/held-out-set-2.ts';
import { figure } from './support.ts';

const rules = rulesFor(undefined);

/** Share of sentences to flag that were flagged, and of partner and neutral ones that were (wrongly). */
function score(set: readonly Labelled[]): { recall: number; falseAlarms: number } {
  let toFlag = 0,
    flagged = 0,
    toLeave = 0,
    alarms = 0;
  for (const l of set) {
    const ok = checkTone(l.text, rules).ok;
    if (l.label === 'partner' || l.label === 'neutral') {
      toLeave++;
      if (!ok) alarms++;
    } else {
      toFlag++;
      if (!ok) flagged++;
    }
  }
  return { recall: (100 * flagged) / toFlag, falseAlarms: (100 * alarms) / toLeave };
}

const tuned = score(labelledSet);
figure(`tone recall on blame [labelled set, ${labelledSet.length} sentences]`, tuned.recall, '%', '>= 90');
figure('tone false alarms on partner and neutral [labelled set]', tuned.falseAlarms, '%', '<= 5');
const held = score(heldOutSet);
figure(
  `tone recall on blame [held-out set, ${heldOutSet.length} sentences never tuned against]`,
  held.recall,
  '%',
  '>= 90',
);
figure('tone false alarms on partner and neutral [held-out set]', held.falseAlarms, '%', '<= 5');
const held2 = score(heldOutSet2);
figure(
  `tone recall on blame [held-out set 2, ${heldOutSet2.length} sentences written before the rules were widened]`,
  held2.recall,
  '%',
  '>= 90',
);
figure('tone false alarms on partner and neutral [held-out set 2]', held2.falseAlarms, '%', '<= 5');

// A 2,000-word text made of the labelled sentences, so about half of it is flagged.
const sentences = labelledSet.map((l) => l.text);
const parts: string[] = [];
for (let words = 0, i = 0; words < 2000; i++) {
  const s = sentences[i % sentences.length]!;
  parts.push(s);
  words += s.split(/\s+/).length;
}
const long = parts.join(' ');
// The limit beside both speeds: splitting the same text into lower-case words, the least a check of words costs here.
const words = (text: string): number => text.toLowerCase().split(/\W+/).length;
for (let i = 0; i < 100; i++) words(long);
const split: number[] = [];
for (let i = 0; i < 100; i++) {
  const t = performance.now();
  words(long);
  split.push(performance.now() - t);
}
split.sort((a, b) => a - b);
for (let i = 0; i < 100; i++) checkTone(long, rules);
const times: number[] = [];
for (let i = 0; i < 100; i++) {
  const t = performance.now();
  checkTone(long, rules);
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
figure('tone check of a 2,000-word text, warm (median of 100)', times[50]!, 'ms', '<= 20', {
  name: 'splitting it into lower-case words',
  value: split[50]!,
  unit: 'ms',
});

for (let i = 0; i < 2000; i++) checkTone(sentences[i % sentences.length]!, rules);
let n = 0;
const start = performance.now();
while (performance.now() - start < 1000) {
  for (let i = 0; i < 100; i++) checkTone(sentences[n++ % sentences.length]!, rules);
}
const checked = (n * 1000) / (performance.now() - start);
let m = 0;
const from = performance.now();
while (performance.now() - from < 500) {
  for (let i = 0; i < 100; i++) words(sentences[m++ % sentences.length]!);
}
const splitRate = (m * 1000) / (performance.now() - from);
figure('tone check of one-sentence comments', checked, 'comments/s', '>= 5,000', {
  name: 'splitting them into lower-case words',
  value: splitRate,
  unit: 'comments/s',
});
