import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// A workload shaped like an import's reading: a bounded set of live rows (~40 MB), replaced as new ones arrive, and
// many times that in short-lived strings and objects around them. Prints the peak heap in MiB.
const churn = (near: boolean) => `
  ${near ? `const { keepHeapNearLive } = await import(${JSON.stringify(fileURLToPath(new URL('./heap.ts', import.meta.url)))}); keepHeapNearLive();` : ''}
  const ring = new Array(40000);
  let peak = 0;
  for (let i = 0; i < 400000; i++) {
    const text = ('row ' + i + ' ').repeat(40);
    const parsed = JSON.parse(JSON.stringify({ id: i, text, refs: [text.slice(0, 50), text.slice(50, 100)] }));
    ring[i % ring.length] = { id: parsed.id, text: parsed.text + '!', pad: new Array(50).fill(i) };
    if (i % 2000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
  console.log(Math.round(peak / 1048576));`;

function peakMiB(near: boolean): number {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', churn(near)], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  // V8 prints "unrecognized flag" and ignores it when it has no such flag: that must not happen on a supported Node.
  assert.equal(r.stderr, '');
  return Number(r.stdout.trim());
}

test('a process keeps its heap near what is live: far less garbage stands between full collections', () => {
  const by = { default: peakMiB(false), near: peakMiB(true) };
  assert.ok(by.near > 40, `the live rows alone are ~40 MB (${JSON.stringify(by)})`);
  assert.ok(
    by.near < by.default * 0.75,
    `peak heap ${by.near} MiB, against ${by.default} MiB with V8's default growth`,
  );
});
