// The import graph of src/ (`import type` is erased and loads nothing, so it is not counted): pure cores stay pure, and the
// folders form a one-way graph but for the edges listed below, so that no new cycle can appear unnoticed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const walk = (d: string): string[] =>
  readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
const sources = new Map(walk('src').map((f) => [f, readFileSync(f, 'utf8')]));
const targets = (f: string, text: string, pattern: RegExp): string[] =>
  [...text.matchAll(pattern)].map((m) => normalize(join(dirname(f), m[1]!)));
// What a module loads when it is loaded (static imports), and what it may load later (`import('…')`, lazily).
const staticImports = new Map(
  [...sources].map(([f, text]) => [
    f,
    targets(f, text, /^\s*(?:import|export)\s+(?!type\s)[^'";]*?from\s+'(\.[^']+)'/gm),
  ]),
);
const importsOf = new Map(
  [...sources].map(([f, text]) => [f, [...staticImports.get(f)!, ...targets(f, text, /import\('(\.[^']+)'\)/g)]]),
);
// And what it names, types included: the domain's vocabulary is defined in the domains, not in db/schema.ts.
const namedImports = new Map(
  [...sources].map(([f, text]) => [f, targets(f, text, /^\s*(?:import|export)\s+[^'";]*?from\s+'(\.[^']+)'/gm)]),
);
// A folder of src/ is one node; a file at the top (errors.ts, config.ts, context.ts) is a node of its own.
const nodeOf = (f: string): string => relative('src', f).split('/')[0]!.replace(/\.ts$/, '');

function reach(start: string, graph = staticImports): Set<string> {
  const seen = new Set<string>();
  const todo = [start];
  for (let f = todo.pop(); f !== undefined; f = todo.pop())
    if (!seen.has(f)) {
      seen.add(f);
      todo.push(...(graph.get(f) ?? []));
    }
  return seen;
}

// Messages build the commands they suggest (voice/suggest.ts) from the CLI's command tree (data: names and options; each
// command's module is loaded lazily), so the cores' words reach this one file of cli/.
const commandTree = new Set(['src/cli/commands.ts']);

test('the parsers, the report reader and the decision cores never load the database, HTTP or CLI code, however indirectly', () => {
  const cores = [...importsOf.keys()]
    .filter((f) => f.startsWith('src/imports/parsers/'))
    .concat(
      'src/imports/read-report.ts',
      'src/findings/priority.ts',
      'src/gates/gate-decide.ts',
      'src/gates/gate-compile.ts',
      'src/gates/path-to-go.ts',
      'src/changes/risk-check.ts',
      'src/voice/check-tone.ts',
    );
  for (const core of cores) {
    assert.ok(importsOf.has(core), `${core} is gone: update this list`);
    const bad = [...reach(core)].filter((f) => /^src\/(db|http|cli)\//.test(f) && !commandTree.has(f));
    assert.deepEqual(bad, [], `${core} reaches ${bad.join(', ')}`);
    const typed = [...reach(core, namedImports)].filter((f) => f.startsWith('src/db/'));
    assert.deepEqual(typed, [], `${core} names types of ${typed.join(', ')}`);
  }
});

// The folder edges that still close a cycle, each with why it is there; break one and delete its line.
const allowedBackEdges: Record<string, string> = {
  'voice -> cli': 'suggested commands (voice/suggest.ts) are checked against the command tree, cli/commands.ts',
  'policy -> gates': "the policy file's parser reads the gate rules' section with gates/gate-policy.ts",
  'policy -> changes': "the same for the change rules' section (changes/change-policy.ts)",
  'db -> audit': 'opening the database checks the audit chain (db/connect.ts)',
  'commitments -> gates': "a commitment's view words its gate reason with gates/gate-messages.ts",
  'exposure -> changes': 'exposure rules reuse the change risk check (changes/risk-check.ts)',
};

test('the folders of src/ form a one-way graph, but for the back edges listed (no new cycle)', () => {
  const edges = new Set<string>();
  for (const [f, targets] of importsOf)
    for (const t of targets) if (nodeOf(f) !== nodeOf(t)) edges.add(`${nodeOf(f)} -> ${nodeOf(t)}`);
  for (const e of Object.keys(allowedBackEdges))
    assert.ok(edges.has(e), `the back edge ${e} is gone: delete it from the list`);
  const next = new Map<string, string[]>();
  for (const e of edges)
    if (!Object.hasOwn(allowedBackEdges, e)) {
      const [a, b] = e.split(' -> ') as [string, string];
      next.set(a, [...(next.get(a) ?? []), b]);
    }
  const state = new Map<string, 'open' | 'done'>();
  const visit = (n: string, path: string[]): void => {
    if (state.get(n) === 'done') return;
    assert.notEqual(
      state.get(n),
      'open',
      `a new cycle between folders: ${[...path.slice(path.indexOf(n)), n].join(' -> ')}`,
    );
    state.set(n, 'open');
    for (const m of next.get(n) ?? []) visit(m, [...path, n]);
    state.set(n, 'done');
  };
  for (const n of next.keys()) visit(n, []);
});
