/**
 * Who is at fault when a report cannot be read: a report the parser refuses is bad input (400, exit 2), a bug in
 * Entente's own code while reading it is an internal error (500 with a generic answer and the stack in the server's log;
 * exit 3, the stack only with ENTENTE_DEBUG=1), a file that fails under the parser is unavailable. Wrapped errors keep
 * their cause.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { sql } from 'kysely';
import { EntenteError } from '../src/errors.ts';
import { parserByFormat } from '../src/imports/parsers/index.ts';
import { readReport, type RowWriter } from '../src/imports/read-report.ts';
import { ReportRows } from '../src/imports/report-rows.ts';
import { describeEachEngine, engines } from './support/engines.ts';
import { cliWorld, entente, spawnTimeout } from './support/cli.ts';
import { reportInput } from './support/parsing.ts';
import { breakParser } from './support/parser-fault.ts';
import { sarif } from './support/reports.ts';

const stack = /\n\s+at /;
const report = sarif('ToolA', [
  { rule: 'A1', file: 'src/a.ts', line: 10 },
  { rule: 'A2', file: 'src/b.ts', line: 20 },
]);
const broken = report.slice(0, report.length - 40);
const fault =
  /: Entente's SARIF 2\.1\.0 reader failed on this report \(TypeError: .*\); this is a fault in Entente, not in the report/;

/** A writer that takes nothing early (the report is small): the reading alone. */
const nowhere: RowWriter = {
  busy: false,
  wroteAny: false,
  write: async () => {},
  undo: async () => {},
  settled: async () => {},
};

async function readError(text: string, input = reportInput(text, 'r.sarif')): Promise<EntenteError> {
  const rows = new ReportRows();
  try {
    await readReport(parserByFormat('sarif'), input, rows, nowhere, 10_000);
  } catch (e) {
    assert.ok(e instanceof EntenteError, `expected an EntenteError, got ${inspect(e)}`);
    return e;
  } finally {
    rows.dispose();
  }
  assert.fail('expected the reading to fail');
}

describe('reading a report: whose fault it is', () => {
  test('a TypeError inside a parser is internal, names the file and the format, and keeps the TypeError as its cause', async () => {
    const restore = breakParser('sarif');
    try {
      const e = await readError(report);
      assert.equal(e.code, 'internal');
      assert.match(e.message, fault);
      assert.deepEqual(e.details, { file: 'r.sarif', format: 'sarif' });
      assert.ok(e.cause instanceof TypeError, inspect(e.cause));
    } finally {
      restore();
    }
  });

  test('a report the parser refuses is bad input, as the parser worded it', async () => {
    const e = await readError(broken);
    assert.equal(e.code, 'bad_input');
    assert.match(e.message, /^r\.sarif: not valid JSON/);
  });

  test('a file that fails under the parser is the environment (unavailable), with the system error as its cause', async () => {
    const denied = Object.assign(new Error("EACCES: permission denied, open 'r.sarif'"), {
      code: 'EACCES',
      syscall: 'open',
      path: 'r.sarif',
    });
    const input = {
      ...reportInput(report, 'r.sarif'),
      text: async () => {
        throw denied;
      },
      stream: () => {
        throw denied;
      },
      chunks: undefined,
    };
    const e = await readError(report, input);
    assert.equal(e.code, 'unavailable');
    assert.equal(e.cause, denied);
  });
});

describeEachEngine('a fault in a parser, over the API', (env) => {
  test('is 500 internal with a generic answer; the log has its stack and cause; nothing is stored', async (t) => {
    const e = env();
    const { service } = await e.makeService();
    const admin = await e.token('admin');
    const logged = t.mock.method(console, 'error', () => {});
    const restore = breakParser('sarif');
    let r;
    try {
      r = await e.call('POST', `/api/scans?service=${service}&name=r.sarif`, { token: admin, body: report });
    } finally {
      restore();
    }
    assert.equal(r.status, 500, JSON.stringify(r.body));
    assert.deepEqual(r.body.error, {
      code: 'internal',
      message: 'something went wrong on our side; the error is in the server log',
      details: {},
    });
    const [err] = logged.mock.calls.at(-1)!.arguments as [unknown];
    assert.ok(err instanceof EntenteError && err.code === 'internal' && err.cause instanceof TypeError, inspect(err));
    assert.match(inspect(err), /\[cause\]: TypeError/);
    assert.match(inspect(err), stack);
    const stored = await sql<{
      n: number;
    }>`select count(*)::int as n from scans s join services v on v.id = s.service_id where v.name = ${service}`.execute(
      e.ctx.database.db,
    );
    assert.equal(stored.rows[0]!.n, 0, 'the import rolled back');
  });

  test('a broken report is still 400 bad_input', async () => {
    const e = env();
    const { service } = await e.makeService();
    const r = await e.call('POST', `/api/scans?service=${service}&name=r.sarif`, {
      token: await e.token('admin'),
      body: broken,
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'bad_input');
    assert.match(r.body.error.message, /not valid JSON/);
  });
});

// The faulty parser is preloaded into a CLI run from the sources (the bundle holds its own copy of the parsers).
function ententeWithFaultyParser(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--import', './test/support/faulty-parser.ts', 'src/cli/main.ts', ...args],
    { encoding: 'utf8', env: { ...process.env, ...env }, timeout: spawnTimeout },
  );
  return { code: r.status, out: r.stdout, err: r.stderr };
}

for (const engine of engines) {
  describe(`a fault in a parser, on the command line [${engine}]`, () => {
    const { dir, env } = cliWorld(engine, 'import-errors');
    const file = join(dir, 'r.sarif');

    test('is exit 3, one line that says it is ours, and no stack unless ENTENTE_DEBUG=1; a broken report is still exit 2', () => {
      writeFileSync(
        join(dir, 'org.yaml'),
        'teams:\n  - name: payments\n    kind: engineering\nservices:\n  - name: checkout-api\n    owner: payments\n    criticality: 4\n    exposure: internet\n',
      );
      const applied = entente(env, 'org', 'apply', join(dir, 'org.yaml'));
      assert.equal(applied.code, 0, applied.err);
      writeFileSync(file, report);
      const r = ententeWithFaultyParser(env, 'import', file, '--service', 'checkout-api');
      assert.equal(r.code, 3, r.err);
      assert.match(
        r.err,
        new RegExp(
          `^entente: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}${fault.source} \\(ENTENTE_DEBUG=1 shows where\\)\\n$`,
        ),
      );
      const debug = ententeWithFaultyParser(
        { ...env, ENTENTE_DEBUG: '1' },
        'import',
        file,
        '--service',
        'checkout-api',
      );
      assert.equal(debug.code, 3, debug.err);
      assert.match(debug.err, stack);
      assert.match(debug.err, /\[cause\]: TypeError/);
      writeFileSync(file, broken);
      const refused = entente(env, 'import', file, '--service', 'checkout-api');
      assert.equal(refused.code, 2, refused.err);
      assert.match(refused.err, /not valid JSON/);
      assert.doesNotMatch(refused.err, stack);
      const list = entente(env, 'findings', '--service', 'checkout-api', '--json');
      assert.equal(list.code, 0, list.err);
      assert.doesNotMatch(list.out, /src\/a\.ts/, 'nothing was stored');
    });
  });
}
