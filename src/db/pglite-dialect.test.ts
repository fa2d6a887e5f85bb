// Reads between the statements of an open transaction on PGlite's one session (pglite-dialect.ts, read-tables.ts).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kysely, sql } from 'kysely';
import { createPgliteDialect } from './pglite-dialect.ts';
import { openPgliteWorker } from './pglite-worker.ts';
import { tablesReadBy, tablesWrittenBy } from './read-tables.ts';

interface T {
  written: { id: number; v: string };
  other: { id: number; v: string };
}

// One database for the file (a new PGlite costs seconds): each test starts from the same two tables.
let shared: Promise<{ db: Kysely<T>; pglite: Awaited<ReturnType<typeof openPgliteWorker>> }> | undefined;
after(async () => {
  if (!shared) return;
  const { db, pglite } = await shared;
  await db.destroy();
  await pglite.close();
});

async function open(): Promise<Kysely<T>> {
  shared ??= openPgliteWorker(undefined).then((pglite) => ({
    pglite,
    db: new Kysely<T>({ dialect: createPgliteDialect(pglite) }),
  }));
  const { db } = await shared;
  await sql`drop view if exists other_view`.execute(db);
  await sql`drop table if exists written`.execute(db);
  await sql`drop table if exists other`.execute(db);
  await sql`create table written (id int primary key, v text not null)`.execute(db);
  await sql`create table other (id int primary key, v text not null)`.execute(db);
  await db.insertInto('other').values({ id: 1, v: 'committed' }).execute();
  await db.insertInto('written').values({ id: 1, v: 'committed' }).execute();
  return db;
}

test('the tables a query reads: plain selects only, no raw SQL, no writes, no row locks, no unknown functions', () => {
  const db = new Kysely<T & { team_members: { team_id: number } }>({
    dialect: createPgliteDialect({ query: async () => ({ rows: [] }), close: async () => {} }),
  });
  const tables = (q: { compile(): { query: Parameters<typeof tablesReadBy>[0] } }) => {
    const t = tablesReadBy(q.compile().query);
    return t && [...t].sort();
  };
  assert.deepEqual(
    tables(
      db
        .selectFrom('other')
        .selectAll()
        .where('id', 'in', (eb) => eb.selectFrom('written as w').select('w.id')),
    ),
    ['other', 'written'],
    'aliases and column references are not tables',
  );
  assert.deepEqual(
    tables(
      db
        .selectFrom('other')
        .innerJoin('team_members', 'team_members.team_id', 'other.id')
        .select((eb) => eb.fn.count('other.id').as('n')),
    ),
    ['other', 'team_members'],
  );
  assert.deepEqual(
    tables(
      db
        .selectFrom('other')
        .select('v')
        .where('v', '=', { kind: 'RawNode' } as never),
    ),
    ['other'],
    'a parameter is data, whatever its shape',
  );
  assert.equal(tables(db.selectFrom('other').select(sql<number>`1`.as('one'))), undefined, 'raw SQL');
  assert.equal(tables(db.selectFrom('other').selectAll().forUpdate()), undefined, 'a row lock');
  assert.equal(
    tables(db.selectFrom('other').select((eb) => eb.fn<number>('nextval', [eb.val('s')]).as('n'))),
    undefined,
    'a function outside the list',
  );
  assert.equal(tables(db.insertInto('other').values({ id: 2, v: 'x' })), undefined);
  assert.equal(
    tables(
      db
        .with('w', (q) => q.deleteFrom('written').returning('id'))
        .selectFrom('w')
        .selectAll(),
    ),
    undefined,
    'a write in a with',
  );
  assert.equal(tablesReadBy(sql`select 1`.compile(db).query), undefined);
});

test('the tables a statement writes, from its SQL: raw SQL included; anything but rows of named tables is all', () => {
  const written = (text: string) => {
    const t = tablesWrittenBy(text);
    return t === 'all' ? t : [...t].sort();
  };
  // The findings' triggers keep the open counts (migration 022): a write of findings writes those too.
  assert.deepEqual(written('insert into "findings" ("a", "b") values ($1, $2) returning "id"'), [
    'finding_open_counts',
    'findings',
  ]);
  assert.deepEqual(
    written(`with u as (select * from json_to_recordset($1::json) as u(a int)),
    created as (insert into findings (a) select a from u returning id) select id from created`),
    ['finding_open_counts', 'findings'],
  );
  assert.deepEqual(
    written('update findings f set status = u.s from json_to_recordset($1::json) as u(s text) where f.id = u.id'),
    ['finding_open_counts', 'findings'],
  );
  assert.deepEqual(
    written('UPDATE ONLY "public"."Scans" SET x = 1; delete from finding_sources where finding_id = any($1)'),
    ['finding_sources', 'scans'],
  );
  assert.deepEqual(written('  /* lock */ select pg_advisory_xact_lock($1, $2)'), []);
  assert.deepEqual(written("select set_config('work_mem', $1, true)"), []);
  assert.deepEqual(written('select * from "teams" for update'), []);
  assert.deepEqual(written('savepoint entente_early_writes'), []);
  for (const text of [
    "select set_config('search_path', $1, true)",
    'select set_config($1, $2, true)',
    'truncate teams',
    'alter table teams add column x int',
    'set local role auditor',
    'create temp table t (id int)',
    'copy teams from stdin',
    'commit',
    '',
  ]) {
    assert.equal(written(text), 'all', text);
  }
});

test('while a transaction is open, a read of a table it has not written answers between its statements; a read of one it wrote waits for the commit', async () => {
  const db = await open();
  {
    const events: string[] = [];
    let otherRead: Promise<unknown> | undefined;
    let writtenRead: Promise<unknown> | undefined;
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('written').values({ id: 2, v: 'uncommitted' }).execute();
      await trx.updateTable('written').set({ v: 'changed' }).where('id', '=', 1).execute();
      otherRead = db
        .selectFrom('other')
        .select('v')
        .execute()
        .then((rows) => events.push(`other: ${rows.map((r) => r.v)}`));
      writtenRead = db
        .selectFrom('written')
        .select('v')
        .orderBy('id')
        .execute()
        .then((rows) => events.push(`written: ${rows.map((r) => r.v)}`));
      // The transaction goes on with statements of its own: the read of `other` comes between two of them.
      for (let i = 0; i < 100 && events.length === 0; i++) await trx.selectFrom('written').select('id').execute();
      events.push('commit');
    });
    await Promise.all([otherRead, writtenRead]);
    assert.deepEqual(events, ['other: committed', 'commit', 'written: changed,uncommitted']);
  }
});

test('a read waiting for its turn behind a transaction that has not begun yet runs between its statements once it does', async () => {
  const db = await open();
  const events: string[] = [];
  let letGo!: () => void;
  const held = new Promise<void>((resolve) => (letGo = resolve));
  // Another caller holds the session; a transaction queues behind it, and a read behind the transaction.
  const holder = db.connection().execute(async (c) => {
    await c.selectFrom('other').select('id').execute();
    await held;
  });
  const trx = db.transaction().execute(async (t) => {
    await t.insertInto('written').values({ id: 6, v: 'x' }).execute();
    for (let i = 0; i < 100 && events.length === 0; i++) await t.selectFrom('written').select('id').execute();
    events.push('commit');
  });
  await new Promise(setImmediate);
  const read = db
    .selectFrom('other')
    .select('v')
    .execute()
    .then(() => events.push('other'));
  await new Promise(setImmediate);
  letGo();
  await Promise.all([holder, trx, read]);
  assert.deepEqual(events, ['other', 'commit']);
});

test('a read that fails between the statements does not abort the transaction: it fails on its own, after it', async () => {
  const db = await open();
  {
    const events: string[] = [];
    let failing: Promise<unknown> | undefined;
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('written').values({ id: 3, v: 'kept' }).execute();
      // An integer compared with text PostgreSQL cannot read as one: an error from the database, not from Kysely.
      failing = db
        .selectFrom('other')
        .selectAll()
        .where('id', '=', 'not a number' as never)
        .execute()
        .then(
          () => events.push('answered'),
          (e: Error) => events.push(`failed: ${e.message}`),
        );
      for (let i = 0; i < 20; i++) await trx.selectFrom('written').select('id').execute();
      await trx.insertInto('written').values({ id: 4, v: 'kept too' }).execute();
      events.push('commit');
    });
    await failing;
    assert.equal(events[0], 'commit');
    assert.match(events[1]!, /^failed: invalid input syntax for type integer/);
    const rows = await db.selectFrom('written').select('v').where('id', '>=', 3).orderBy('id').execute();
    assert.deepEqual(
      rows.map((r) => r.v),
      ['kept', 'kept too'],
    );
  }
});

test('raw SQL, a transaction that changed the schema, and a view wait for the commit', async () => {
  const db = await open();
  {
    await sql`create view other_view as select * from written`.execute(db);
    const events: string[] = [];
    const reads: Promise<unknown>[] = [];
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('written').values({ id: 5, v: 'x' }).execute();
      reads.push(sql`select v from other`.execute(db).then(() => events.push('raw')));
      reads.push(
        db
          .selectFrom('other_view' as 'other')
          .select('v')
          .execute()
          .then(() => events.push('view')),
      );
      for (let i = 0; i < 20; i++) await trx.selectFrom('written').select('id').execute();
      events.push('commit');
    });
    await Promise.all(reads);
    assert.deepEqual(events, ['commit', 'raw', 'view']);
    events.length = 0;
    await db.transaction().execute(async (trx) => {
      await sql`alter table written add column w int`.execute(trx);
      reads.push(
        db
          .selectFrom('other')
          .select('v')
          .execute()
          .then(() => events.push('other')),
      );
      for (let i = 0; i < 20; i++) await trx.selectFrom('written').select('id').execute();
      events.push('commit');
    });
    await Promise.all(reads);
    assert.deepEqual(events, ['commit', 'other']);
  }
});
