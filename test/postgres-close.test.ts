// A command that opens PostgreSQL and stops before its first query (a restore of a file that is not a backup) must
// leave nothing open: Kysely ends the pool only once it has run a query, and the connection the open had checked
// kept the process alive for pg's idle timeout (10 s) after the command had said what was wrong.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../src/db/connect.ts';
import { engines } from './support/engines.ts';
import { createScratchPg } from './support/scratch-pg.ts';

const sockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

/** The open sockets once those being closed are gone: a socket's handle goes a few turns after its close completes, so
 * wait for up to 2 s (far less than the 10 s a leaked idle connection stays), then count. */
async function settledSockets(expected: number): Promise<number> {
  for (let i = 0; i < 40 && sockets() !== expected; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  return sockets();
}

test('closing a PostgreSQL database that ran no query closes its connections', {
  skip: !engines.includes('postgres'),
}, async () => {
  const scratch = await createScratchPg('entente_close');
  after(() => scratch.drop());
  const before = await settledSockets(0);
  const database = await openDatabase({ url: scratch.url, migrate: false });
  assert.ok(sockets() > before, 'the open checked a connection');
  await database.close();
  assert.equal(await settledSockets(before), before, 'no connection left open');
});

test('closing one that ran queries closes it too, once', { skip: !engines.includes('postgres') }, async () => {
  const scratch = await createScratchPg('entente_close');
  after(() => scratch.drop());
  const before = await settledSockets(0);
  const database = await openDatabase({ url: scratch.url });
  await database.close();
  assert.equal(await settledSockets(before), before);
});
