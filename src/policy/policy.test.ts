import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPolicy, parsePolicy } from './policy.ts';
import { EntenteError } from '../errors.ts';
import { rulesFor, voiceOf } from '../voice/voice-config.ts';
import { checkTone } from '../voice/check-tone.ts';

test('a policy file overrides only what it names; the rest keeps the defaults', () => {
  const p = parsePolicy('sla:\n  act: 3\n', 'policy.yaml');
  assert.equal(p.sla.act, 3);
  assert.equal(p.sla.attend, defaultPolicy.sla.attend);
  assert.deepEqual(p.exceptions, defaultPolicy.exceptions);
});

test('a bad field is named with its path and the file', () => {
  assert.throws(
    () => parsePolicy('sla:\n  act: -1\n', 'policy.yaml'),
    (e: unknown) => e instanceof EntenteError && /policy\.yaml: sla\.act/.test(e.message),
  );
  assert.throws(
    () => parsePolicy('sla: [\n', 'policy.yaml'),
    (e: unknown) => e instanceof EntenteError && /not valid YAML/.test(e.message),
  );
  assert.throws(
    () => parsePolicy('slaa: {}\n', 'policy.yaml'),
    (e: unknown) => e instanceof EntenteError && e.code === 'bad_input',
  );
});

test("an organisation's own phrases in the voice section reach the tone check", () => {
  const p = parsePolicy(
    'voice:\n  phrases:\n    - id: not-my-job\n      category: blame\n      pattern: not my problem\n      why: It hands the problem back.\n      suggestion: Say who can help.\n',
    'policy.yaml',
  );
  const rules = rulesFor(voiceOf(p), 'policy.yaml');
  const r = checkTone('Honestly that is not my problem.', rules);
  assert.equal(r.ok, false);
  assert.ok(r.flags.some((f) => f.ruleId === 'not-my-job'));
  assert.equal(
    checkTone('Honestly that is not my problem.', rulesFor(undefined)).flags.some((f) => f.ruleId === 'not-my-job'),
    false,
  );
});
