import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import type { ReportInput } from '../types.ts';
import { splitJson, type JsonPath, type Streamed } from './json-stream.ts';
import { refusal } from '../../../test/support/parsing.ts';

/** A report whose stream arrives in the given chunk sizes (cycled), to cross every boundary the scanner can meet. */
function chunked(text: string, sizes: number[] = [1 << 16], name = 'report.json'): ReportInput {
  const bytes = Buffer.from(text, 'utf8');
  return {
    name,
    head: text.slice(0, 4096),
    text: async () => text,
    stream: () => {
      const parts: Buffer[] = [];
      for (let i = 0, k = 0; i < bytes.length; k++) {
        const n = Math.max(1, sizes[k % sizes.length]!);
        parts.push(bytes.subarray(i, i + n));
        i += n;
      }
      return Readable.from(parts);
    },
  };
}

const sarifResults: Streamed = (p) =>
  p.length === 3 && p[0] === 'runs' && typeof p[1] === 'number' && p[2] === 'results';

/** The document put back together: every streamed element returned to its array. */
async function rebuild(input: ReportInput, streamed: Streamed): Promise<unknown> {
  const split = await splitJson(input, streamed);
  const doc = structuredClone(split.skeleton);
  for await (const { path, index, value } of split.items()) {
    let at: any = doc;
    for (const k of path) at = at[k];
    assert.ok(Array.isArray(at), `a streamed path must lead to an array: ${path.join('.')}`);
    assert.equal(index, at.length, 'elements arrive in order');
    at.push(value);
  }
  return doc;
}

describe('streaming JSON reader', () => {
  const sarif = {
    version: '2.1.0',
    runs: [
      {
        results: [{ ruleId: 'a', message: { text: 'quote " and \\ backslash ] } [ {' } }, { ruleId: 'b' }],
        tool: { driver: { name: 'X', rules: [{ id: 'a' }] } },
      },
      { tool: { driver: { name: 'Y' } }, results: [] },
      {
        tool: { driver: { name: 'Z' } },
        results: ['a string', 12, -1.5e3, true, null, [1, [2]], { 'ключ': 'значение ✓' }],
      },
    ],
  };

  test('keep the skeleton without the streamed arrays, whatever comes first in the file', async () => {
    const split = await splitJson(chunked(JSON.stringify(sarif, null, 2)), sarifResults);
    const skeleton = split.skeleton as typeof sarif;
    assert.deepEqual(
      skeleton.runs.map((r) => r.results),
      [[], [], []],
    );
    assert.equal(skeleton.runs[0]!.tool.driver.name, 'X', 'the tool after the results is in the skeleton');
    const items: [JsonPath, number][] = [];
    for await (const it of split.items()) items.push([it.path, it.index]);
    assert.deepEqual(
      items.map(([p, i]) => `${p.join('.')}#${i}`),
      ['runs.0.results#0', 'runs.0.results#1', ...[0, 1, 2, 3, 4, 5, 6].map((i) => `runs.2.results#${i}`)],
    );
  });

  test('read the same document whatever the chunk boundaries (one byte at a time included)', async () => {
    const text = JSON.stringify(sarif, null, 1);
    for (const sizes of [[1], [2, 3], [7], [64], [1 << 20]]) {
      assert.deepEqual(await rebuild(chunked(text, sizes), sarifResults), sarif, `chunks of ${sizes.join(',')}`);
    }
  });

  test('a byte-order mark, escaped keys and arrays that are not streamed stay as JSON.parse reads them', async () => {
    const doc = { 'ru\u006es': [{ results: [1, 2], other: [[3]] }], extra: { results: [4] } };
    const text = `\uFEFF${JSON.stringify(doc).replace('"runs"', '"ru\\u006es"')}`;
    assert.deepEqual(await rebuild(chunked(text, [3]), sarifResults), doc);
    const split = await splitJson(chunked(text), sarifResults);
    assert.deepEqual((split.skeleton as typeof doc).runs[0]!.results, [], 'an escaped key names the same path');
  });

  test('property: any JSON document rebuilds to what JSON.parse reads, for any chunking', async () => {
    const everyNestedArray: Streamed = (p) => p.length > 0 && p.length % 2 === 0;
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue({ maxDepth: 5 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }),
        async (value, sizes) => {
          const text = JSON.stringify(value);
          // JSON.stringify(-0) is "0": compare with what the text reads as.
          assert.deepEqual(await rebuild(chunked(text, sizes), everyNestedArray), JSON.parse(text));
        },
      ),
      { numRuns: 300 },
    );
  });

  describe('refuse broken JSON with the file, line and column', () => {
    const lines = (...l: string[]): string => l.join('\n');
    test('a broken element', async () => {
      const text = lines(
        '{"version": "2.1.0", "runs": [{',
        '  "tool": {"driver": {"name": "X"}},',
        '  "results": [',
        '    {"ruleId": "a"},',
        '    {"ruleId": tru}',
        ']}]}',
      );
      const split = await splitJson(chunked(text, [5]), sarifResults);
      const err = await refusal(async () => {
        for await (const _ of split.items()) {
          /* read on */
        }
      });
      assert.match(err.message, /^report\.json: not valid JSON at line 5, column 19: Unexpected token '\}'/);
    });
    test('a broken skeleton after a streamed array', async () => {
      const text = lines('{"runs": [{"results": [', '{"a": 1},', '{"b": 2}', '], "tool": {"driver": nope}}]}');
      const err = await refusal(() => splitJson(chunked(text, [4]), sarifResults));
      assert.match(err.message, /not valid JSON at line 4, column 2\d/);
      assert.equal(err.details?.line, 4);
    });
    test('a quote missing inside an element is found there, not at the end of the file', async () => {
      const text = lines('{"runs": [{"results": [', '{"a": "x"},', '{"b": 2.1"},', '{"c": "y"}', ']}]}');
      const err = await refusal(() => splitJson(chunked(text, [6]), sarifResults));
      assert.match(err.message, /not valid JSON at line 3, column (9|10): /);
    });
    test('elements without a comma between them, and a trailing comma', async () => {
      const missing = await refusal(() =>
        splitJson(chunked('{"runs": [{"results": [\n{"a": 1}\n{"b": 2}]}]}'), sarifResults),
      );
      assert.match(missing.message, /line 3, column 1: expected "," or "\]" after element 0 of runs\[0\]\.results/);
      const trailing = await refusal(() => splitJson(chunked('{"runs": [{"results": [{"a": 1},]}]}'), sarifResults));
      assert.match(trailing.message, /a "," before the "\]" that closes runs\[0\]\.results/);
    });
    test('a truncated report', async () => {
      for (const text of [
        '{"runs": [{"results": [{"a": 1}, {"b"',
        '{"runs": [{"results": [{"a": 1}]}',
        '{"runs": [{"res',
        '',
      ]) {
        const err = await refusal(() => splitJson(chunked(text || ' '), sarifResults));
        assert.match(err.message, /it looks truncated/, text);
      }
    });
    test('nesting too deep to be a report, in the skeleton and in an element', async () => {
      const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
      assert.match(
        (await refusal(() => splitJson(chunked(`{"x": ${deep(100_000)}}`), sarifResults))).message,
        /nested deeper than 512 levels/,
      );
      assert.match(
        (await refusal(() => splitJson(chunked(`{"runs": [{"results": [${deep(100_000)}]}]}`), sarifResults))).message,
        /nested deeper than 512 levels/,
      );
    });
    test('not JSON at all', async () => {
      assert.match(
        (await refusal(() => splitJson(chunked('<?xml version="1.0"?><a/>'), sarifResults))).message,
        /not valid JSON at line 1, column 1/,
      );
    });
  });
});
