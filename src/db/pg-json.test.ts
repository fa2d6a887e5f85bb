import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pgJson } from './pg-json.ts';

test('takes NUL characters out of values and keys, and keeps a literal backslash followed by u0000', () => {
  const out = pgJson({ 'k\u0000ey': 'a\u0000b', lit: 'c\\u0000d', both: '\\\u0000' });
  assert.deepEqual(JSON.parse(out), { key: 'ab', lit: 'c\\u0000d', both: '\\' });
  assert.ok(!/(?<!\\)(\\\\)*\\u0000/.test(out));
});

test('writes lone surrogates as U+FFFD and keeps pairs and other escapes', () => {
  const out = pgJson(['x\ud800y', '\udfff', 'pair \ud83d\ude00', 'bell \u0007', 'lit \\ud800']);
  assert.deepEqual(JSON.parse(out), ['x\ufffdy', '\ufffd', 'pair \ud83d\ude00', 'bell \u0007', 'lit \\ud800']);
});

test('returns the plain JSON of a value with nothing to clean', () => {
  const v = { a: [1, 'two', null], b: { c: 'C:\\users\\me' } };
  assert.equal(pgJson(v), JSON.stringify(v));
});
