import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EntenteError } from '../errors.ts';
import { checkTone } from './check-tone.ts';
import { builtInRules } from './tone-rules.ts';
import { rulesFor } from './voice-config.ts';

const phrase = {
  id: 'no-ticket',
  category: 'gatekeeping',
  pattern: "can't take your ticket",
  why: 'It turns the person away.',
  suggestion: 'Say when you can take it.',
};

test('without a voice section the built-in rules are in force', () => {
  assert.deepEqual(
    rulesFor(undefined).rules.map((r) => r.id),
    builtInRules.map((r) => r.id),
  );
  assert.deepEqual(
    rulesFor({}).rules.map((r) => r.id),
    builtInRules.map((r) => r.id),
  );
});

test('a policy can switch a built-in rule off', () => {
  const rules = rulesFor({ disable: ['obviously', 'shouting'] });
  assert.equal(
    rules.rules.some((r) => r.id === 'obviously'),
    false,
  );
  assert.equal(checkTone('Obviously, PATCH IT.', rules).ok, true);
  assert.equal(checkTone('Obviously, PATCH IT.', rulesFor(undefined)).ok, false);
});

test('a policy phrase matches contractions and the other forms of its verbs and nouns', () => {
  const rules = rulesFor({
    phrases: [phrase, { ...phrase, id: 'fire-drill', category: 'urgency', pattern: 'fire drill' }],
  });
  const hit = (text: string) => checkTone(text, rules).flags.map((f) => f.ruleId);
  assert.deepEqual(hit("We can't take your ticket this week."), ['no-ticket']);
  assert.deepEqual(hit('We cannot take your tickets this week.'), ['no-ticket']);
  assert.deepEqual(hit('We could not be taking your ticket.'), []);
  assert.deepEqual(hit('Another fire drill from the platform team.'), ['fire-drill']);
  assert.deepEqual(hit('These fire drills again.'), ['fire-drill']);
  const listed = rules.rules.find((r) => r.id === 'no-ticket');
  assert.equal(listed?.plain, true);
});

test('a phrase is plain text: pattern syntax in it is not interpreted', () => {
  const rules = rulesFor({ phrases: [{ ...phrase, pattern: 'blocked @org' }] });
  assert.equal(checkTone('Blocked IT.', rules).ok, true, '@org is not a class here');
  assert.equal(checkTone('The blocked org chart.', rules).ok, false);
});

test('mistakes are bad_input errors naming the path in the policy', () => {
  const cases: [unknown, RegExp][] = [
    [{ disable: 'obviously' }, /^ops\.yaml: voice\.disable: /],
    [{ disable: ['obviosly'] }, /^ops\.yaml: voice\.disable\.0: no built-in rule "obviosly"; the rules are refusal, /],
    [{ phrases: [{ ...phrase, category: 'rudeness' }] }, /^ops\.yaml: voice\.phrases\.0\.category: /],
    [{ phrases: [{ ...phrase, why: '' }] }, /^ops\.yaml: voice\.phrases\.0\.why: /],
    [
      { phrases: [{ ...phrase, id: 'refusal' }] },
      /^ops\.yaml: voice\.phrases\.0\.id: "refusal" is already a rule's id/,
    ],
    [{ phrases: [phrase, phrase] }, /^ops\.yaml: voice\.phrases\.1\.id: /],
    [
      { phrases: [{ ...phrase, pattern: '!!!' }] },
      /^ops\.yaml: voice\.phrases\.0\.pattern: the phrase "!!!" has no words/,
    ],
    [{ phrase: [] }, /^ops\.yaml: voice: .*phrase/],
  ];
  for (const [config, message] of cases) {
    assert.throws(
      () => rulesFor(config, 'ops.yaml'),
      (e: unknown) => e instanceof EntenteError && e.code === 'bad_input' && message.test(e.message),
      JSON.stringify(config),
    );
  }
});
