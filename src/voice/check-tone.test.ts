import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkTone, type ToneResult } from './check-tone.ts';
import { rulesFor } from './voice-config.ts';

const rules = rulesFor(undefined);
const check = (text: string): ToneResult => checkTone(text, rules);
const ruleIds = (text: string): string[] => check(text).flags.map((f) => f.ruleId);

test("the issue's gatekeeping examples are flagged as gatekeeping", () => {
  for (const text of [
    'IT cannot do this',
    "you can't deploy",
    'this is not allowed',
    'request denied',
    'release blocked',
  ]) {
    const r = check(text);
    assert.equal(r.ok, false, text);
    assert.ok(
      r.flags.some((f) => f.category === 'gatekeeping'),
      `${text}: ${JSON.stringify(r.flags)}`,
    );
  }
});

test("the issue's blame, urgency, condescension and compliance examples are flagged in their category", () => {
  const cases: [string, string][] = [
    ['your application has these findings!', 'blame'],
    ['you failed to patch', 'blame'],
    ['nobody on your team bothered to update it', 'blame'],
    ['this is on you', 'blame'],
    ['you must fix this immediately', 'urgency'],
    ['fix it ASAP!!', 'urgency'],
    ['You HAVE to', 'urgency'],
    ['obviously', 'condescension'],
    ['as I said', 'condescension'],
    ['per my last e-mail', 'condescension'],
    ['simply', 'condescension'],
    ["it's not rocket science", 'condescension'],
    ['you are non-compliant', 'compliance-hammer'],
    ['this is a violation of policy', 'compliance-hammer'],
  ];
  for (const [text, category] of cases) {
    assert.ok(
      check(text).flags.some((f) => f.category === category),
      `${text} should be ${category}: ${JSON.stringify(check(text).flags)}`,
    );
  }
});

test('partnership phrasing and neutral technical writing are left alone', () => {
  for (const text of [
    'We can do this with these controls and safeguards in place.',
    "Let's work through the findings together.",
    'Together we can meet the SLA.',
    'You must restart the service after upgrading.',
    'The build cannot find module x.',
    'Critical: SQL injection in /login.',
  ])
    assert.deepEqual(check(text).flags, [], text);
});

test('"cannot", "can\'t", "can not" and "can’t" are one rule, as are "must" and "have to"', () => {
  for (const modal of ['cannot', "can't", 'can not', 'can’t', 'will not', "won't"]) {
    assert.deepEqual(ruleIds(`IT ${modal} deploy this change.`), ['refusal'], modal);
  }
  for (const modal of ['must', 'have to', 'has to', 'need to', 'had better']) {
    assert.ok(ruleIds(`Your team ${modal} fix this today.`).includes('command-now'), modal);
  }
  assert.deepEqual(check('We can not only patch it but also add a test.').flags, [], '"can not only" is not a refusal');
});

test('"your app" and "your team\'s service" are one rule, and tenses and inflections match', () => {
  assert.deepEqual(ruleIds('Your app has these findings.'), ['your-findings']);
  assert.deepEqual(ruleIds("Your team's service has so many vulnerabilities."), ['your-findings']);
  assert.deepEqual(ruleIds('Your application had all these issues.'), ['your-findings']);
  for (const verb of ['failed', 'fails', 'forgot', 'neglected'])
    assert.deepEqual(ruleIds(`You ${verb} to patch the server.`), ['failed-to'], verb);
  assert.deepEqual(ruleIds("You still haven't patched it."), ['failed-to']);
});

test('whole known sentences are rewritten as a partner would say them, and the rewrite passes', () => {
  const cases: [string, string][] = [
    ['IT cannot deploy this change.', 'We can deploy this change with these safeguards in place: …'],
    ["Security won't approve this release.", 'We can approve this release with these safeguards in place: …'],
    ["You can't deploy on Fridays.", 'You can deploy on Fridays once these safeguards are in place: …'],
    ['This is not allowed.', 'We can do this with these safeguards in place: …'],
    ['Your application has these findings!', 'We need to work together to solve these issues to meet our SLA.'],
  ];
  for (const [text, rewrite] of cases) {
    const r = check(text);
    assert.equal(r.rewrite, rewrite, text);
    assert.equal(check(r.rewrite!).ok, true, `the rewrite of "${text}" passes`);
  }
});

test('a rewrite keeps the other sentences and leaves a sentence with other flags as it was', () => {
  assert.equal(
    check('Hello team. IT cannot deploy this change. Thanks.').rewrite,
    'Hello team. We can deploy this change with these safeguards in place: … Thanks.',
  );
  assert.equal(check('IT cannot deploy this change, obviously.').rewrite, undefined);
  assert.equal(check('You failed to patch it.').rewrite, undefined, 'no rewrite is known for this pattern');
});

test("quoted text, code spans, code blocks and e-mail quotations are not the writer's voice", () => {
  for (const text of [
    'The ticket said "IT cannot deploy this change" and we fixed it.',
    'The ticket said “you failed to patch” and we fixed it.',
    "The old template said 'you must fix this immediately' and we changed it.",
    "The old template said 'IT can't deploy this' and we changed it.",
    'The ticket is at https://tracker.example/YOU-FAILED-TO-PATCH now.',
    'Run `obviously --simply` to see it.',
    '```\nYOU FAILED TO PATCH!!!\n```\nThat was the old banner.',
    '> You are non-compliant.\nThanks, we are on it.',
  ])
    assert.deepEqual(check(text).flags, [], text);
});

test('shouting in capitals is urgency, acronyms and labels are not', () => {
  assert.deepEqual(ruleIds('PATCH THE SERVER NOW.'), ['command-now', 'shouting']);
  assert.deepEqual(ruleIds('You HAVE to patch this.'), ['must-fix', 'shouting']);
  assert.deepEqual(ruleIds('URGENT: rotate the credentials.'), ['shouting']);
  for (const text of [
    'The AWS IAM policy allows it.',
    'WARNING: this deletes data.',
    'IT and Security agree.',
    'Use NOT NULL here.',
    'Clients MUST send the header.',
    'The CI job runs on every PR.',
  ]) {
    assert.deepEqual(check(text).flags, [], text);
  }
  assert.deepEqual(
    ruleIds('You MUST send the header.'),
    ['shouting'],
    'a specification keyword shouts when aimed at you',
  );
});

test('stacked exclamation marks are urgency; one is not', () => {
  const r = check('Thanks for the fix!!');
  assert.deepEqual(
    r.flags.map((f) => [f.ruleId, f.text]),
    [['exclamations', '!!']],
  );
  assert.deepEqual(ruleIds('What?!?!'), ['exclamations']);
  assert.deepEqual(check('What?!').flags, []);
  assert.deepEqual(check('Thanks for the fix!').flags, []);
  assert.deepEqual(check('Really?').flags, []);
});

test('a flag gives the words, their place, why they read badly and what to say instead', () => {
  const text = 'Morning all.\nAs I said, you failed to patch the server.';
  const flags = check(text).flags;
  assert.deepEqual(
    flags.map((f) => [f.ruleId, f.text, text.slice(f.start, f.end)]),
    [
      ['as-i-said', 'As I said', 'As I said'],
      ['failed-to', 'you failed to', 'you failed to'],
    ],
  );
  for (const f of flags) {
    assert.ok(f.why.length > 10 && f.suggestion.length > 10);
  }
});

test('partnership in the same sentence softens a refusal into a negotiation', () => {
  assert.deepEqual(check("We can't ship this as is, but let's find the safeguards together.").flags, []);
  assert.deepEqual(
    ruleIds("IT won't let us use our own laptops."),
    ['refusal'],
    '"let us" inside a refusal is not "let\'s"',
  );
});

test('sarcastic praise for a mistake is blame; praise for a fix is not', () => {
  assert.deepEqual(ruleIds('Thanks for breaking production again.'), ['you-broke']);
  assert.deepEqual(ruleIds('Great job leaving the S3 bucket public.'), ['you-broke']);
  assert.deepEqual(check('Great job fixing the build.').flags, []);
  assert.deepEqual(check('Thanks for patching the server so quickly!').flags, []);
});

test("empty and punctuation-only texts read as a partner's", () => {
  for (const text of ['', '   ', '...', '\n\n']) assert.deepEqual(check(text), { ok: true, flags: [] });
});

test('any text at all is checked without error, and every flag points at its own words', () => {
  const pieces = fc.constantFrom(
    'IT',
    "can't",
    'deploy',
    'your',
    "team's",
    'app',
    'has',
    'these',
    'findings',
    'NOW',
    '!!',
    '"',
    '`',
    "'",
    '>',
    '\n',
    ' ',
    '.',
    'e-mail',
    'é',
    '😀',
    'per my last',
    '\r\n',
  );
  fc.assert(
    fc.property(fc.array(fc.oneof(pieces, fc.string()), { maxLength: 40 }), (parts) => {
      const text = parts.join(' ');
      const r = check(text);
      assert.equal(r.ok, r.flags.length === 0);
      for (const f of r.flags) {
        assert.ok(f.start >= 0 && f.start < f.end && f.end <= text.length);
        assert.equal(f.text, text.slice(f.start, f.end));
      }
    }),
    { numRuns: 300 },
  );
});
