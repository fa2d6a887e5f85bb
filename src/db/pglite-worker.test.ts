import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPgliteWorker, startPgliteWorker } from './pglite-worker.ts';

test('PGlite answers from its worker with the types it parses (dates, JSON, big integers, arrays)', async () => {
  const db = await openPgliteWorker(undefined);
  try {
    const { rows } = await db.query<{ t: Date; j: unknown; b: bigint; a: number[]; n: null }>(
      `select '2026-01-02T03:04:05Z'::timestamptz as t, $1::jsonb as j, 9007199254740993::int8 as b, array[1, 2] as a, null as n`,
      [JSON.stringify({ k: ['v'] })],
    );
    assert.ok(rows[0]!.t instanceof Date);
    assert.equal(rows[0]!.t.toISOString(), '2026-01-02T03:04:05.000Z');
    assert.deepEqual(rows[0]!.j, { k: ['v'] });
    assert.equal(rows[0]!.b, 9007199254740993n);
    assert.deepEqual(rows[0]!.a, [1, 2]);
    assert.equal(rows[0]!.n, null);
    await db.query('create table t (id int primary key, name text not null)');
    const inserted = await db.query('insert into t values (1, $1), (2, $2)', ['a', 'b']);
    assert.equal(inserted.affectedRows, 2);
  } finally {
    await db.close();
  }
});

test('long text parameters (sent as bytes) arrive whole for text, json, jsonb and other types, non-ASCII included', async () => {
  const db = await openPgliteWorker(undefined);
  try {
    const long = `é🙂 ${'x'.repeat(70_000)} ü`;
    const doc = JSON.stringify(Array.from({ length: 3000 }, (_, i) => ({ a: `naïve ${i} 🙂`, b: i })));
    const ints = `{${Array.from({ length: 20_000 }, (_, i) => i).join(',')}}`;
    const { rows } = await db.query<{
      t: string;
      n: number;
      first: string;
      j: { k: string };
      arr: number;
      short: string;
    }>(
      `select $1::text as t, json_array_length($2::json) as n, $2::json -> 2999 ->> 'a' as first, $3::jsonb as j,
        cardinality($4::int[]) as arr, $5::text as short`,
      [long, doc, JSON.stringify({ k: 'ü'.repeat(40_000) }), ints, 'brève'],
    );
    const r = rows[0]!;
    assert.equal(r.t, long);
    assert.equal(r.n, 3000);
    assert.equal(r.first, 'naïve 2999 🙂');
    assert.equal(r.j.k, 'ü'.repeat(40_000));
    assert.equal(r.arr, 20_000);
    assert.equal(r.short, 'brève');
  } finally {
    await db.close();
  }
});

test("a database error keeps PostgreSQL's code, constraint and detail, and the next query still runs", async () => {
  const db = await openPgliteWorker(undefined);
  try {
    await db.query('create table t (id int primary key)');
    await db.query('insert into t values (1)');
    await assert.rejects(db.query('insert into t values (1)'), (e: Error & Record<string, unknown>) => {
      assert.equal(e.code, '23505');
      assert.equal(e.constraint, 't_pkey');
      assert.match(String(e.detail), /\(id\)=\(1\) already exists/);
      assert.match(e.message, /duplicate key/);
      assert.match(String(e.stack), /pglite-worker\.test\.ts/, 'the stack names the caller');
      return true;
    });
    assert.deepEqual((await db.query<{ n: number }>('select count(*)::int as n from t')).rows, [{ n: 1 }]);
  } finally {
    await db.close();
  }
});

test('the main thread keeps running while PGlite works (the worker, not the caller, executes the query)', async () => {
  const db = await openPgliteWorker(undefined);
  try {
    let turns = 0;
    let running = true;
    const spin = (): void => {
      turns++;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    // Long enough for many turns; in the main thread the query would hold the event loop from start to end.
    await db.query('select count(*) from generate_series(1, 1000000) g where g % 7 = 3');
    running = false;
    assert.ok(turns > 200, `the event loop turned ${turns} times during the query`);
  } finally {
    await db.close();
  }
});

test('a data folder written through the worker is there when it is opened again; a closed database says so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-worker-'));
  try {
    const first = await openPgliteWorker(dir);
    await first.query('create table kept (v text)');
    await first.query("insert into kept values ('still here')");
    await first.close();
    await assert.rejects(first.query('select 1'), /the embedded database is closed/);
    const again = await openPgliteWorker(dir);
    try {
      assert.deepEqual((await again.query('select v from kept')).rows, [{ v: 'still here' }]);
    } finally {
      await again.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a program that never closes its database still ends (an idle worker holds no process open)', () => {
  const script = `import { openPgliteWorker } from ${JSON.stringify(new URL('./pglite-worker.ts', import.meta.url).href)};
    const db = await openPgliteWorker(undefined);
    const { rows } = await db.query('select 41 + 1 as n');
    console.log(rows[0].n);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.signal, null, `the program was still running after 60 s: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '42');
});

test("a command started short or brief has 16 MB of shared buffers, a whole one the server's 128 MB", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-start-mode-'));
  try {
    const dataDir = join(dir, 'data');
    await (await openPgliteWorker(dataDir)).close();
    const buffers = async (mode: 'whole' | 'short'): Promise<string> => {
      const db = await startPgliteWorker(dataDir, mode).adopt();
      try {
        return (await db.query<{ shared_buffers: string }>('show shared_buffers')).rows[0]!.shared_buffers;
      } finally {
        await db.close();
      }
    };
    assert.equal(await buffers('short'), '16MB');
    assert.equal(await buffers('whole'), '128MB');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
