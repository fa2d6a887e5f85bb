/** Errors people meet: one clear line, exit 3 for the environment, no stack trace unless ENTENTE_DEBUG=1; the API's side of the same. */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entente } from './support/cli.ts';
import { adminUrl, createScratchPg } from './support/scratch-pg.ts';
import { describeEachEngine } from './support/engines.ts';
import { openDatabase } from '../src/db/connect.ts';
import { createApp } from '../src/http/app.ts';
import { defaultPolicy } from '../src/policy/policy.ts';
import { createToken } from '../src/people/tokens.ts';

const stack = /\n\s+at /;

describe('environment problems on the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-errors-'));
  after(() => {
    chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  });

  test('an unknown database in DATABASE_URL is one line naming it, exit 3; ENTENTE_DEBUG=1 adds the stack', () => {
    const url = new URL(adminUrl);
    url.pathname = '/entente_no_such_database';
    const r = entente({ DATABASE_URL: url.toString() }, 'findings');
    assert.equal(r.code, 3, r.err);
    assert.match(r.err, /^entente: PostgreSQL: database "entente_no_such_database" does not exist\n$/);
    const debug = entente({ DATABASE_URL: url.toString(), ENTENTE_DEBUG: '1' }, 'findings');
    assert.equal(debug.code, 3);
    assert.match(debug.err, stack);
  });

  test('a data folder its owner cannot use says which and how to fix it, exit 3', () => {
    const data = join(dir, 'data');
    assert.equal(entente({ ENTENTE_DATA: data }, 'findings').code, 0);
    chmodSync(data, 0o000);
    try {
      const r = entente({ ENTENTE_DATA: data }, 'findings');
      assert.equal(r.code, 3, r.err);
      assert.match(r.err, new RegExp(`cannot use the data folder ${data}: its permissions \\(000\\).*chmod 700`));
      assert.doesNotMatch(r.err, stack);
    } finally {
      chmodSync(data, 0o700);
    }
  });

  test('a port in use is one line, exit 3, and no first admin token is spent on a server that did not start', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const data = join(dir, 'serve-data');
      const r = entente({ ENTENTE_DATA: data }, 'serve', '--port', String(port));
      assert.equal(r.code, 3, r.err);
      assert.match(r.err, new RegExp(`127\\.0\\.0\\.1:${port}: the port is in use by another program`));
      assert.doesNotMatch(r.err, stack);
      assert.doesNotMatch(r.out, /First start/);
    } finally {
      blocker.close();
    }
  });
});

describeEachEngine('the API refuses a body it cannot read', (env) => {
  test('a malformed JSON body is 400 bad_input, not 500 internal', async () => {
    const e = env();
    const admin = await e.token('admin');
    const r = await e.call('POST', '/api/changes', { token: admin, body: '{"type": "firewall",', headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'bad_input');
  });
});

describe('the API with its PostgreSQL database gone', () => {
  test('is 503 unavailable, not 500 internal', async () => {
    const scratch = await createScratchPg('entente_gone');
    const database = await openDatabase({ url: scratch.url });
    const ctx = { database, policy: defaultPolicy, now: () => new Date() };
    const { token } = await createToken(database.db, { name: 'a', role: 'admin', now: new Date() });
    const app = createApp(ctx);
    const call = async () => {
      const res = await app.request('/api/findings', { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: await res.json() as { error?: { code: string } } };
    };
    assert.equal((await call()).status, 200);
    await scratch.drop();
    try {
      const r = await call();
      assert.equal(r.status, 503);
      assert.equal(r.body.error?.code, 'unavailable');
    } finally {
      await database.close().catch(() => {});
    }
  });
});
