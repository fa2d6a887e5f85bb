import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { topLevelOf } from './json-shape.ts';

const members = (head: string, tail = ''): Record<string, unknown> => Object.fromEntries(topLevelOf(head, tail) ?? []);

test('reads the top-level members of the head forwards and of the tail backwards, skipping what is nested', () => {
  const text = '{"runs": [{"version": "9"}], "n": -1.5e3, "ok": true, "s": "a \\"quoted\\" \\\\", "o": {"x": "}"}}';
  const all = {
    runs: { kind: 'array' },
    n: { kind: 'number', text: '-1.5e3' },
    ok: { kind: 'literal', text: 'true' },
    s: { kind: 'string', text: 'a "quoted" \\' },
    o: { kind: 'object' },
  };
  assert.deepEqual(members(text), all);
  assert.deepEqual(members('{"x": 1', `, ${text.slice(1)}`), { x: { kind: 'number', text: '1' }, ...all });
});

test('a member cut by the end of the head keeps its key and kind; one cut by the start of the tail is left out', () => {
  assert.deepEqual(members('{"runs": [{"tool": {"dri'), { runs: { kind: 'array' } });
  assert.deepEqual(members('{"a', 'ol": "x"}]}], "version": "2.1.0"}'), { version: { kind: 'string', text: '2.1.0' } });
  assert.deepEqual(members('{"a', 'ing that a quote \\" ends", "b": 1}'), { b: { kind: 'number', text: '1' } });
  // The tail starts just after a backslash: its first quote is escaped, which the tail alone cannot tell.
  assert.deepEqual(members('{"    \\', '"":{}}'), {});
  assert.deepEqual(members('{"x": "\\', '\\"", "b": 1}'), { b: { kind: 'number', text: '1' } });
});

test('is nothing for text that is not a JSON object, and never throws on any text', () => {
  assert.equal(topLevelOf('[{"runs": []}]'), undefined);
  assert.equal(topLevelOf('<xml/>'), undefined);
  fc.assert(
    fc.property(fc.string(), fc.string(), (head, tail) => {
      topLevelOf(`{${head}`, `${tail}}`);
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.json(), fc.integer({ min: 0, max: 200 }), (json, cut) => {
      const text = JSON.stringify(JSON.parse(json));
      const top = topLevelOf(text.slice(0, cut), text.slice(cut));
      const value: unknown = JSON.parse(text);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
      for (const key of top?.keys() ?? []) assert.ok(Object.hasOwn(value, key), `${key} in ${text}`);
    }),
    { numRuns: 5000 },
  );
});
