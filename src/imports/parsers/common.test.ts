import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cwesFrom } from './common.ts';

test('reads CWE numbers from tags, ids and plain numbers', () => {
  assert.deepEqual(cwesFrom('external/cwe/cwe-89', 'CWE-079', ['cwe_20', 352], ' 22 '), [20, 22, 79, 89, 352]);
});

test('ignores numbers no CWE has, rather than reading their first digits', () => {
  assert.deepEqual(cwesFrom('CWE-4294967297', 'cwe-123456', 99_999_999_999, 3e9, 0, -5, 1.5, '0'), []);
  assert.deepEqual(cwesFrom('CWE-99999'), [99_999]);
});
