import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sql } from 'kysely';
import { describeEachEngine } from './support/engines.ts';
import { sarif, type SarifResult } from './support/reports.ts';

// A pool of weaknesses; each generated report is a subset of it, from one of two tools.
const pool: SarifResult[] = Array.from({ length: 8 }, (_, i) => ({ rule: `R${i}`, file: `src/f${i % 3}.ts`, line: 10 + i, cwe: 20 + i }));

describeEachEngine('import lifecycle, for any sequence of reports', (env) => {
  test('the open findings are exactly what the latest reports of each tool hold, and re-imports change nothing', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ tool: fc.constantFrom('ToolA', 'ToolB'), picks: fc.subarray(pool.map((_, i) => i)) }), { minLength: 1, maxLength: 6 }),
      async (reports) => {
        const { service } = await env().makeService();
        const latest = new Map<string, Set<number>>();
        for (const [n, r] of reports.entries()) {
          const text = sarif(r.tool, r.picks.map((i) => pool[i]!), `scan ${n}`);
          const summary = await env().importText(service, `${r.tool}.sarif`, text);
          assert.equal(summary.created + summary.unchanged + summary.reopened, r.picks.length);
          latest.set(r.tool, new Set(r.picks));
          const expected = new Set([...latest.values()].flatMap((s) => [...s]).map((i) => `${pool[i]!.file}:${pool[i]!.line}`));
          const { rows } = await sql<{ at: string }>`select f.file_path || ':' || f.line as at from findings f join services s on s.id = f.service_id
            where s.name = ${service} and f.status = 'open'`.execute(env().ctx.database.db);
          assert.deepEqual(new Set(rows.map((x) => x.at)), expected);
          const again = await env().importText(service, `${r.tool}.sarif`, sarif(r.tool, r.picks.map((i) => pool[i]!), `scan ${n} again`));
          assert.deepEqual([again.created, again.fixed, again.reopened, again.unchanged], [0, 0, 0, r.picks.length]);
        }
      },
    ), { numRuns: 12 });
  });
});
