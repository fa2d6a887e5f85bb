import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gateMessages } from '../src/gates/gate-messages.ts';
import { checkTone } from '../src/voice/check-tone.ts';
import { rulesFor } from '../src/voice/voice-config.ts';
import { defaultPolicy } from '../src/policy/policy.ts';

const rules = rulesFor(undefined);

test("every gate and commitment message example reads as a partner's, and never says blocked, violation or cannot", () => {
  for (const [name, t] of Object.entries(gateMessages)) {
    for (const example of t.examples) {
      const text = t.render(example as never);
      const r = checkTone(text, rules);
      assert.equal(r.ok, true, `${name}: ${text}\n${JSON.stringify(r.flags)}`);
      assert.doesNotMatch(text, /\b(blocked|violation|cannot|denied|not allowed|must)\b/i, `${name}: ${text}`);
    }
  }
});

test("the default gate rules and controls are described in a partner's words", () => {
  for (const r of defaultPolicy.gates.rules) assert.equal(checkTone(r.description, rules).ok, true, r.description);
  for (const c of defaultPolicy.controls) assert.equal(checkTone(c.title, rules).ok, true, c.title);
});
