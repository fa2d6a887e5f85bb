/**
 * Import speed: a generated SARIF report with 100,000 results, first import and an identical re-import. Each import
 * runs in a process of its own, as `entente import` does, so each peak memory figure is that import's alone (in one
 * long-lived process V8 may leave one import's garbage standing while the next runs; the live heap stays small).
 * A third import (the same report for another service) runs while the same process reads `GET /api/teams` (issue 22).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childImport, engineArg, figure, importInChild, importTarget } from './support.ts';
import { bulkLoadLimit } from './limits.ts';

if (process.argv[2] === '--child')
  await childImport(process.argv[3]!, process.argv[4]!, process.argv[5] || undefined, process.argv[6] === 'reads');
else await main();

async function main(): Promise<void> {
  const n = Number(process.env.BENCH_FINDINGS ?? 100_000);
  const engine = engineArg();
  const limit = await bulkLoadLimit(engine);
  const file = join(tmpdir(), `entente-bench-${process.pid}.sarif`);
  writeFileSync(file, generateSarif(n));
  const target = await importTarget(engine, mkdtempSync(join(tmpdir(), 'entente-bench-')), 'entente_bench');
  try {
    const first = importInChild(target.where, file);
    if (first.summary.created !== n) throw new Error(`expected ${n} created, got ${first.summary.created}`);
    figure(
      `import ${n} SARIF results [${engine}]`,
      n / first.seconds,
      'findings/s',
      engine === 'pglite' ? '>= 10,000' : '>= 30,000',
      limit,
    );
    figure(`peak memory, first import [${engine}]`, first.peakMiB, 'MiB', '<= 1,024');
    const again = importInChild(target.where, file);
    const s = again.summary;
    figure(`identical re-import [${engine}]`, n / again.seconds, 'findings/s', 'no slower than the first', limit);
    figure(`identical re-import changes [${engine}]`, s.created + s.fixed + s.reopened, 'changes', '0');
    figure(`re-import / first import time [${engine}]`, again.seconds / first.seconds, 'ratio', '<= 1');
    figure(`peak memory, re-import [${engine}]`, again.peakMiB, 'MiB', '<= 1,024');
    // Issue 22: the same report, a first import for another service, while GET /api/teams is sent again and again.
    const during = importInChild(target.where, file, 'bench-other', true);
    if (during.summary.created !== n) throw new Error(`expected ${n} created, got ${during.summary.created}`);
    figure(`import ${n} SARIF results while GET /api/teams is read [${engine}]`, n / during.seconds, 'findings/s');
    figure(`GET /api/teams during an import, answers [${engine}]`, during.teams!.count, 'requests');
    figure(`GET /api/teams during an import, p50 [${engine}]`, during.teams!.p50, 'ms');
    figure(`GET /api/teams during an import, p95 [${engine}]`, during.teams!.p95, 'ms', '<= 100');
    figure(`GET /api/teams during an import, max [${engine}]`, during.teams!.max, 'ms');
  } finally {
    await target.drop();
    if (engine === 'pglite') rmSync(target.where, { recursive: true, force: true });
    rmSync(file, { force: true });
  }
}

function generateSarif(count: number): string {
  const rules = Array.from({ length: 50 }, (_, i) => ({
    id: `R${i}`,
    shortDescription: { text: `Rule ${i}` },
    defaultConfiguration: { level: i % 3 === 0 ? 'error' : 'warning' },
    properties: { tags: ['security', `external/cwe/cwe-${20 + i}`], 'security-severity': String((i % 10) + 0.5) },
  }));
  const results = Array.from({ length: count }, (_, i) => ({
    ruleId: `R${i % 50}`,
    ruleIndex: i % 50,
    message: { text: `Possible problem number ${i} found by the analysis of this file` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: `src/module${Math.floor(i / 100)}/file${i % 100}.ts` },
          region: { startLine: (i % 700) + 1, startColumn: 5 },
        },
      },
    ],
    partialFingerprints: { primaryLocationLineHash: `${i.toString(16)}:1` },
  }));
  return JSON.stringify({
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'BenchScanner', version: '1.0', rules } }, results }],
  });
}
