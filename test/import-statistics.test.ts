import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../src/db/schema.ts';
import { describeEachEngine } from './support/engines.ts';
import { sarif } from './support/reports.ts';
import { analyzeAfterRows } from '../src/findings/analyze.ts';

// What the planner believes a table holds: -1 until the table was first analysed (or vacuumed).
async function plannerRows(db: Kysely<DB>, table: string): Promise<number> {
  const { rows } = await sql<{
    n: number;
  }>`select reltuples::float8 as n from pg_class where relname = ${table} and relkind = 'r'`.execute(db);
  return Number(rows[0]!.n);
}

describeEachEngine('statistics after a bulk import', (env) => {
  test('an import that writes many findings leaves the planner knowing how many there are', async () => {
    const { service } = await env().makeService();
    const db = env().ctx.database.db;
    const many = Array.from({ length: analyzeAfterRows + 200 }, (_, i) => ({
      rule: `R${i % 40}`,
      file: `src/f${i}.ts`,
      line: i + 1,
      cwe: 79,
    }));
    const summary = await env().importText(service, 'bulk.sarif', sarif('BulkTool', many));
    assert.equal(summary.created, many.length);
    const findings = await plannerRows(db, 'findings');
    assert.ok(
      findings >= many.length * 0.9 && findings <= many.length * 1.1,
      `the planner thinks findings holds ${findings} rows, not about ${many.length}`,
    );
    assert.ok((await plannerRows(db, 'finding_sources')) >= many.length * 0.9);
  });
});
