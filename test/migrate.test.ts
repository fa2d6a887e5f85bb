import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';

test('a database at the newest migration is left alone; one behind is brought up; one ahead of the code is refused', async () => {
  const database = await openDatabase({});
  try {
    const db = database.db;
    assert.deepEqual((await migrateToLatest(db)).results, []);
    const {
      rows: [newest],
    } = await sql<{ name: string }>`select max(name) as name from entente_migrations`.execute(db);
    await sql`delete from entente_migrations where name = ${newest!.name}`.execute(db);
    const behind = await migrateToLatest(db);
    assert.deepEqual(
      behind.results?.map((r) => [r.migrationName, r.status]),
      [[newest!.name, 'Success']],
    );
    assert.deepEqual((await migrateToLatest(db)).results, []);
    await sql`insert into entente_migrations (name, timestamp) values ('999-from-a-newer-entente', now()::text)`.execute(
      db,
    );
    await assert.rejects(migrateToLatest(db), /database migration .* failed/);
  } finally {
    await database.close();
  }
});
