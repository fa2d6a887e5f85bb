/** Import speed: a generated SARIF report with 100,000 results, first import and an identical re-import. */
import { writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importReport } from '../src/findings/import-service.ts';
import { reportFromFile } from '../src/findings/report-input.ts';
import { defaultPolicy } from '../src/policy/policy.ts';
import { benchOrg, engineArg, figure, scratchDatabase } from './support.ts';

const n = Number(process.env.BENCH_FINDINGS ?? 100_000);
const engine = engineArg();
const file = join(tmpdir(), `entente-bench-${process.pid}.sarif`);
writeFileSync(file, generateSarif(n));
const { database, drop } = await scratchDatabase(engine);
try {
  await benchOrg(database);
  const deps = { db: database.db, policy: defaultPolicy, now: () => new Date() };
  const run = async () => {
    const t0 = performance.now();
    const s = await importReport(deps, { service: 'bench-svc', input: await reportFromFile(file), actor: 'bench' });
    return { s, seconds: (performance.now() - t0) / 1000 };
  };
  const first = await run();
  if (first.s.created !== n) throw new Error(`expected ${n} created, got ${first.s.created}`);
  figure(`import ${n} SARIF results [${engine}]`, n / first.seconds, 'findings/s', engine === 'pglite' ? '>= 10,000' : '>= 30,000');
  const again = await run();
  const changes = again.s.created + again.s.fixed + again.s.reopened;
  figure(`identical re-import [${engine}]`, n / again.seconds, 'findings/s', 'no slower than the first');
  figure(`identical re-import changes [${engine}]`, changes, 'changes', '0');
  figure(`re-import / first import time [${engine}]`, again.seconds / first.seconds, 'ratio', '<= 1');
  figure(`peak memory [${engine}]`, process.resourceUsage().maxRSS / 1024, 'MiB', '<= 1,024');
} finally {
  await drop();
  rmSync(file, { force: true });
}

function generateSarif(count: number): string {
  const rules = Array.from({ length: 50 }, (_, i) => ({
    id: `R${i}`, shortDescription: { text: `Rule ${i}` }, defaultConfiguration: { level: i % 3 === 0 ? 'error' : 'warning' },
    properties: { tags: ['security', `external/cwe/cwe-${20 + i}`], 'security-severity': String((i % 10) + 0.5) },
  }));
  const results = Array.from({ length: count }, (_, i) => ({
    ruleId: `R${i % 50}`, ruleIndex: i % 50,
    message: { text: `Possible problem number ${i} found by the analysis of this file` },
    locations: [{ physicalLocation: { artifactLocation: { uri: `src/module${Math.floor(i / 100)}/file${i % 100}.ts` }, region: { startLine: (i % 700) + 1, startColumn: 5 } } }],
    partialFingerprints: { primaryLocationLineHash: `${i.toString(16)}:1` },
  }));
  return JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'BenchScanner', version: '1.0', rules } }, results }] });
}
