import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTone } from './check-tone.ts';
import { categories } from './tone-rules.ts';
import { rulesFor } from './voice-config.ts';
import { labelledSet, type Labelled } from '../../test/support/voice/labelled-set.ts';

const rules = rulesFor(undefined);
const isFlagged = (l: Labelled): boolean => !checkTone(l.text, rules).ok;
const toFlag = labelledSet.filter((l) => l.label !== 'partner' && l.label !== 'neutral');
const toLeave = labelledSet.filter((l) => l.label === 'partner' || l.label === 'neutral');

test('the labelled set has at least 120 sentences of every kind, hard cases included', () => {
  assert.ok(labelledSet.length >= 120, `${labelledSet.length} sentences`);
  for (const label of [...categories, 'partner', 'neutral'] as const) {
    assert.ok(labelledSet.filter((l) => l.label === label).length >= 10, `at least 10 ${label} sentences`);
  }
  for (const hard of ['sarcasm', 'passive-aggressive', 'harmless-trigger', 'quoted'] as const) {
    assert.ok(
      labelledSet.some((l) => l.hard === hard),
      `a ${hard} case`,
    );
  }
  assert.equal(new Set(labelledSet.map((l) => l.text)).size, labelledSet.length, 'no sentence twice');
});

test('recall on blame, gatekeeping, urgency, condescension and compliance-hammer sentences is at least 90 %', () => {
  const missed = toFlag.filter((l) => !isFlagged(l));
  const recall = 1 - missed.length / toFlag.length;
  assert.ok(recall >= 0.9, `recall ${(100 * recall).toFixed(1)} %; missed: ${missed.map((l) => l.text).join(' | ')}`);
});

test('false alarms on partner and neutral sentences are at most 5 %', () => {
  const alarms = toLeave.filter(isFlagged);
  const rate = alarms.length / toLeave.length;
  assert.ok(rate <= 0.05, `false alarms ${(100 * rate).toFixed(1)} %: ${alarms.map((l) => l.text).join(' | ')}`);
});

test('a flagged sentence is flagged in its own category in at least 90 % of cases', () => {
  const right = toFlag.filter((l) => checkTone(l.text, rules).flags.some((f) => f.category === l.label));
  assert.ok(right.length / toFlag.length >= 0.9, `${right.length} of ${toFlag.length}`);
});

test('every built-in rule is exercised by the labelled set', () => {
  const used = new Set(labelledSet.flatMap((l) => checkTone(l.text, rules).flags.map((f) => f.ruleId)));
  const unused = rules.rules.map((r) => r.id).filter((id) => !used.has(id));
  assert.deepEqual(unused, []);
});
