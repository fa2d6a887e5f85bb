// Issue 22: on PGlite an import (one transaction, seconds long) held every other request. Reads of tables the import
// has not written (teams, people, tokens, …) now answer between its statements (src/db/pglite-dialect.ts); reads of
// what it writes still wait for its commit, and the import itself is unchanged. On PostgreSQL each request has its
// own session: the same test holds there by construction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { describeEachEngine } from './support/engines.ts';
import { sarif } from './support/reports.ts';

// The advisory lock an import holds on its service for its whole transaction (serviceLock in import-service.ts).
const importLockClass = 7_314_002;
type Locks = { pg_locks: { locktype: string; classid: number; objid: number; objsubid: number } };

describeEachEngine('reads during an import', (env) => {
  test('GET /api/teams answers while a big import is open; a read of findings waits for its commit; a failing read leaves it whole', async () => {
    const e = env();
    const { team, service } = await e.makeService();
    const admin = await e.token('admin');
    assert.equal((await e.call('GET', '/api/teams', { token: admin })).status, 200); // the token's use is noted now, not during the import
    const serviceId = (
      await e.ctx.database.db.selectFrom('services').select('id').where('name', '=', service).executeTakeFirstOrThrow()
    ).id;
    const n = 20_000;
    const report = sarif(
      'Sonar',
      Array.from({ length: n }, (_, i) => ({
        rule: `R${i % 50}`,
        file: `src/m${i % 400}.ts`,
        line: 1 + Math.floor(i / 400),
        cwe: 79,
      })),
    );

    const events: string[] = [];
    let importDone = false;
    const importing = e
      .call('POST', `/api/scans?service=${service}&name=big.sarif`, {
        token: admin,
        body: report,
        headers: { 'content-type': 'application/octet-stream' },
      })
      .then((r) => {
        importDone = true;
        events.push('import');
        return r;
      });

    // Wait until the import's transaction is open: its lock on the service is held (a plain read of pg_locks, which
    // itself answers between the import's statements).
    const db = e.ctx.database.db;
    const locks = db as unknown as Kysely<Locks>;
    let open = false;
    while (!importDone && !open) {
      open =
        (
          await locks
            .selectFrom('pg_locks')
            .select('objid')
            .where('locktype', '=', 'advisory')
            .where('classid', '=', importLockClass)
            .where('objid', '=', serviceId)
            .where('objsubid', '=', 2)
            .execute()
        ).length > 0;
      if (!open) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(open, 'the import ended before its transaction was seen open: make the report bigger');

    const teams = e.call('GET', '/api/teams', { token: admin }).then((r) => {
      events.push('teams');
      return r;
    });
    // Findings, read again and again until the import answers: before the import writes any, such a read answers at
    // once with what is committed (none); once it has, the read waits for the commit and sees all of them.
    const countFindings = () =>
      db
        .selectFrom('findings')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('service_id', '=', serviceId)
        .executeTakeFirstOrThrow()
        .then((r) => Number(r.n));
    const findings = (async () => {
      const seen: { n: number }[] = [];
      do {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const count = await countFindings();
        seen.push({ n: count });
      } while (!importDone);
      return seen;
    })();
    const failing = db
      .selectFrom('teams')
      .selectAll()
      .where('id', '=', 'not a number' as never)
      .execute()
      .then(
        () => 'answered',
        (err: Error) => err.message,
      );

    const [imported, teamsAnswer, seen, failure] = await Promise.all([importing, teams, findings, failing]);
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    assert.equal(teamsAnswer.status, 200);
    assert.ok(teamsAnswer.body.items.some((t: { name: string }) => t.name === team));
    assert.ok(
      events.indexOf('teams') < events.indexOf('import'),
      `teams answered after the import: ${events.join(', ')}`,
    );
    assert.ok(
      seen.every((x) => x.n === 0 || x.n === n),
      `a read saw part of the import: ${seen.map((x) => x.n).join(', ')}`,
    );
    // Never part of it: none while it runs, all of it once it commits (a read sent after the import's findings were
    // written waits for the commit on PGlite; src/db/pglite-dialect.test.ts shows the waiting itself).
    const firstAll = seen.findIndex((x) => x.n === n);
    assert.ok(firstAll >= 0 && seen.slice(firstAll).every((x) => x.n === n), JSON.stringify(seen));
    assert.match(failure, /invalid input syntax for type integer/);
    // The import's outcome is the one it would have had alone.
    const s = imported.body;
    assert.deepEqual([s.findings, s.created, s.unchanged, s.fixed, s.reopened], [n, n, 0, 0, 0]);
    const stored = await db
      .selectFrom('findings')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('service_id', '=', serviceId)
      .executeTakeFirstOrThrow();
    assert.equal(Number(stored.n), n);
  });
});
