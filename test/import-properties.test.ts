import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sql } from 'kysely';
import { describeEachEngine } from './support/engines.ts';
import { sarif, type SarifResult } from './support/reports.ts';
import { EntenteError } from '../src/errors.ts';

// A pool of weaknesses; each generated report is a subset of it, from one of two tools.
const pool: SarifResult[] = Array.from({ length: 8 }, (_, i) => ({
  rule: `R${i}`,
  file: `src/f${i % 3}.ts`,
  line: 10 + i,
  cwe: 20 + i,
}));

/** The log `sarif` writes, with a suppression in effect on the results at these pool indexes. */
function report(tool: string, picks: number[], closed: Set<number>, stamp: string): string {
  const log = JSON.parse(
    sarif(
      tool,
      picks.map((i) => pool[i]!),
      stamp,
    ),
  );
  picks.forEach((i, k) => {
    if (closed.has(i)) log.runs[0].results[k].suppressions = [{ kind: 'external' }];
  });
  return JSON.stringify(log);
}

// The model: a finding is created open, or accepted when its first listing is suppressed; a listing open in a later
// report reopens it when it is fixed or closed only by a report; one a tool no longer lists, and no tool lists, is
// fixed when open; a stored finding listed suppressed keeps its status.
type Model = Map<number, { status: 'open' | 'fixed' | 'accepted'; sources: Set<string> }>;

function step(model: Model, tool: string, picks: number[], closed: Set<number>): void {
  for (const i of picks) {
    const f = model.get(i);
    if (!f) model.set(i, { status: closed.has(i) ? 'accepted' : 'open', sources: new Set([tool]) });
    else {
      f.sources.add(tool);
      if (!closed.has(i) && f.status !== 'open') f.status = 'open';
    }
  }
  for (const [i, f] of model) {
    if (picks.includes(i) || !f.sources.delete(tool)) continue;
    if (f.sources.size === 0 && f.status === 'open') f.status = 'fixed';
  }
}

describeEachEngine('import lifecycle, for any sequence of reports', (env) => {
  test('the findings follow the reports (suppressed listings included), and re-imports change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            tool: fc.constantFrom('ToolA', 'ToolB'),
            picks: fc.subarray(pool.map((_, i) => i)),
            closed: fc.subarray(pool.map((_, i) => i)),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        async (reports) => {
          const { service } = await env().makeService();
          const model: Model = new Map();
          for (const [n, r] of reports.entries()) {
            const closed = new Set(r.closed);
            const summary = await env().importText(
              service,
              `${r.tool}.sarif`,
              report(r.tool, r.picks, closed, `scan ${n}`),
            );
            assert.equal(summary.created + summary.unchanged + summary.reopened, r.picks.length);
            step(model, r.tool, r.picks, closed);
            const expected = new Set([...model].map(([i, f]) => `${pool[i]!.file}:${pool[i]!.line}:${f.status}`));
            const { rows } = await sql<{
              at: string;
            }>`select f.file_path || ':' || f.line || ':' || f.status as at from findings f join services s on s.id = f.service_id
            where s.name = ${service}`.execute(env().ctx.database.db);
            assert.deepEqual(new Set(rows.map((x) => x.at)), expected);
            const again = await env().importText(
              service,
              `${r.tool}.sarif`,
              report(r.tool, r.picks, closed, `scan ${n} again`),
            );
            assert.deepEqual([again.created, again.fixed, again.reopened, again.unchanged], [0, 0, 0, r.picks.length]);
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});

// Any text at all in a report's strings, with the characters storage trips on made common: NULs, lone surrogates,
// backslashes (and a literal "\u0000"), quotes, braces, commas, empty strings.
const anyText = fc
  .array(
    fc.oneof(
      fc.constantFrom('\u0000', '\ud800', '\udfff', '\\', '\\u0000', '"', '{', '}', ','),
      fc.string({ unit: 'binary', maxLength: 3 }),
    ),
    { maxLength: 5 },
  )
  .map((parts) => parts.join(''));

describeEachEngine('import of reports with any text in their strings', (env) => {
  test('imports or is refused as bad input, never fails otherwise, and an identical re-import changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('sarif', 'trivy'),
        anyText,
        fc.array(fc.record({ a: anyText, b: anyText, c: anyText, key: anyText, value: anyText }), {
          minLength: 1,
          maxLength: 4,
        }),
        async (format, tool, items) => {
          const { service } = await env().makeService();
          const text =
            format === 'sarif'
              ? JSON.stringify({
                  version: '2.1.0',
                  runs: [
                    {
                      tool: {
                        driver: { name: tool, rules: items.map((x) => ({ id: x.a, shortDescription: { text: x.b } })) },
                      },
                      results: items.map((x) => ({
                        ruleId: x.a,
                        message: { text: x.b },
                        properties: { [x.key]: x.value },
                        locations: [{ physicalLocation: { artifactLocation: { uri: x.c }, region: { startLine: 7 } } }],
                      })),
                    },
                  ],
                })
              : JSON.stringify({
                  SchemaVersion: 2,
                  ArtifactName: tool,
                  Results: [
                    {
                      Target: items[0]!.c,
                      Type: 'npm',
                      Class: 'lang-pkgs',
                      Vulnerabilities: items.map((x) => ({
                        VulnerabilityID: x.a,
                        PkgName: x.b,
                        InstalledVersion: x.c,
                        Title: x.value,
                        Severity: 'HIGH',
                        [x.key]: x.value,
                      })),
                    },
                  ],
                });
          let first;
          try {
            first = await env().importText(service, `r.${format === 'sarif' ? 'sarif' : 'json'}`, text);
          } catch (e) {
            assert.ok(e instanceof EntenteError && e.status === 400, `not a bad-input error: ${String(e)}`);
            return;
          }
          const { rows } = await sql<{
            n: number;
          }>`select count(*)::int as n from findings f join services s on s.id = f.service_id where s.name = ${service}`.execute(
            env().ctx.database.db,
          );
          assert.equal(rows[0]!.n, first.created);
          const again = await env().importText(service, `r.${format === 'sarif' ? 'sarif' : 'json'}`, text);
          assert.deepEqual([again.created, again.fixed, again.reopened, again.unchanged], [0, 0, 0, first.created]);
        },
      ),
      { numRuns: 25 },
    );
  });
});
