import { test } from 'node:test';
import assert from 'node:assert/strict';
import { templateSets } from '../message-catalogue.ts';
import { checkTone } from './check-tone.ts';
import { rulesFor } from './voice-config.ts';
import { template, withVariants, type Template, type TemplateSet } from './template.ts';

const rules = rulesFor(undefined);
const sets: [string, TemplateSet][] = await Promise.all(
  Object.entries(templateSets).map(async ([area, load]) => [area, await load()] as [string, TemplateSet]),
);
const templates = sets.flatMap(([area, set]) =>
  Object.entries(set).map(([name, t]) => ({ where: `${area}.${name}`, t })),
);

/** What is wrong with one template's examples: broken renders and words that read as something other than a partner's. */
function problemsOf(where: string, t: Template<unknown>): string[] {
  const problems: string[] = [];
  t.examples.forEach((example, i) => {
    let text: unknown;
    try {
      text = t.render(example);
    } catch (e) {
      problems.push(`${where} example ${i + 1} throws: ${(e as Error).message}`);
      return;
    }
    if (typeof text !== 'string' || text.trim() === '')
      return void problems.push(`${where} example ${i + 1} renders no text`);
    const broken = /\bundefined\b|\bNaN\b|\[object Object\]|Invalid Date/.exec(text);
    if (broken) problems.push(`${where} example ${i + 1} shows "${broken[0]}": ${text}`);
    const tone = checkTone(text, rules);
    for (const f of tone.flags)
      problems.push(`${where} example ${i + 1}: "${f.text}" reads as ${f.category} (${f.ruleId}) in: ${text}`);
  });
  return problems;
}

/** Variants a template names that none of its examples shows. */
function missingVariants(t: Template<unknown>): string[] {
  const variants = (t as { variants?: Record<string, (p: unknown) => boolean> }).variants ?? {};
  return Object.entries(variants)
    .filter(([, is]) => !t.examples.some((e) => is(e)))
    .map(([name]) => name);
}

test('the catalogue has the import, finding, exception and tone sets, and no set is empty', () => {
  const areas = sets.map(([area]) => area);
  for (const area of ['imports', 'findings', 'exceptions', 'tone'])
    assert.ok(areas.includes(area), `no "${area}" set in message-catalogue.ts`);
  for (const [area, set] of sets) {
    assert.ok(Object.keys(set).length > 0, `the ${area} set has no templates`);
    for (const [name, t] of Object.entries(set)) {
      assert.equal(typeof t.render, 'function', `${area}.${name} has no render`);
      assert.ok(Array.isArray(t.examples) && t.examples.length > 0, `${area}.${name} has no examples`);
    }
  }
});

test("every example of every registered template renders a text that reads as a partner's", () => {
  const problems = templates.flatMap(({ where, t }) => problemsOf(where, t));
  assert.deepEqual(problems, []);
});

test('every variant a template names has an example', () => {
  const missing = templates.flatMap(({ where, t }) => missingVariants(t).map((v) => `${where}: no example for "${v}"`));
  assert.deepEqual(missing, []);
  assert.ok(
    templates.some(({ t }) => 'variants' in t),
    'at least one template names its variants',
  );
});

test('urgent words appear only in messages about act-priority findings', () => {
  const urgent = /\b(urgent|urgently|immediately|asap|right away|at once)\b/i;
  const offending: string[] = [];
  for (const { where, t } of templates) {
    t.examples.forEach((e, i) => {
      const priority = (e as { priority?: unknown } | null)?.priority;
      if (typeof priority === 'string' && priority !== 'act' && urgent.test(t.render(e)))
        offending.push(`${where} example ${i + 1} (priority ${priority})`);
    });
  }
  assert.deepEqual(offending, []);
  const act = templates.find(({ where }) => where === 'findings.overdue')!;
  assert.match(act.t.render(act.t.examples.find((e) => (e as { priority: string }).priority === 'act')), urgent);
});

test('the check fails a template that blames, shouts, breaks or leaves a variant without an example', () => {
  const blaming = template<{ team: string }>(
    (p) => `${p.team}, you failed to patch the server!!`,
    [{ team: 'payments' }],
  );
  assert.ok(problemsOf('test.blaming', blaming).some((p) => p.includes('blame')));
  assert.ok(problemsOf('test.blaming', blaming).some((p) => p.includes('urgency')));
  const broken = template<{ due?: string }>((p) => `We'd like it fixed by ${p.due}.`, [{}]);
  assert.match(problemsOf('test.broken', broken).join(), /shows "undefined"/);
  const half = withVariants(
    template<{ n: number }>((p) => (p.n === 1 ? 'We found one.' : `We found ${p.n}.`), [{ n: 2 }]),
    { one: (p) => p.n === 1, many: (p) => p.n > 1 },
  );
  assert.deepEqual(missingVariants(half as Template<unknown>), ['one']);
});

test('every message speaks for us: each set has a template that says "we"', () => {
  for (const [area, set] of sets) {
    const saysWe = Object.values(set).some((t) =>
      t.examples.some((e) => /\b(we|we'd|we'll|us|let's|our)\b/i.test(t.render(e))),
    );
    assert.ok(saysWe, `no template of the ${area} set says "we"`);
  }
});
