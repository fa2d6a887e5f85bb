/** Errors people meet: one clear line, exit 3 for the environment, no stack trace unless ENTENTE_DEBUG=1; the API's side of the same. */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
    assert.match(
      r.err,
      /^entente: cannot open the PostgreSQL database [^\n]*\/entente_no_such_database \(DATABASE_URL\): database "entente_no_such_database" does not exist\n$/,
    );
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
      assert.match(r.err, new RegExp(`^entente: cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`));
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
    const r = await e.call('POST', '/api/changes', {
      token: admin,
      body: '{"type": "firewall",',
      headers: { 'content-type': 'application/json' },
    });
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
      return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
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

describe('validations name every mistake at once, each with where', () => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-mistakes-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('an organisation file: each mistake with its line', () => {
    const file = join(dir, 'org.yaml');
    writeFileSync(
      file,
      'teams:\n  - name: payments\n    kind: engineerin\nservices:\n  - name: checkout-api\n    owner: payments\n    criticality: 9\n    exposure: internet\n  - name: ledger\n    ownr: payments\n    criticality: 2\n    exposure: internal\n',
    );
    const r = entente({ ENTENTE_DATA: join(dir, 'data') }, 'org', 'apply', file);
    assert.equal(r.code, 2);
    assert.match(r.err, /org\.yaml:3: teams\.0\.kind: /);
    assert.match(r.err, /org\.yaml:7: services\.0\.criticality: /);
    assert.match(r.err, /org\.yaml:10: services\.1\.ownr: Unrecognized key/);
    assert.doesNotMatch(r.err, /services\.1\.owner:/, 'the misspelling, not the field it left missing');
  });

  test('a policy file: each mistake with its path', () => {
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, 'sla:\n  act: -1\n  bogus: 3\ngates:\n  rules: 5\n');
    const r = entente({ ENTENTE_DATA: join(dir, 'data') }, 'policy', 'check', file);
    assert.equal(r.code, 2);
    for (const path of ['sla.act', 'sla: Unrecognized key: "bogus"', 'gates.rules'])
      assert.ok(r.err.includes(`policy.yaml: ${path}`), `${path} in ${r.err}`);
  });
});

describeEachEngine('a change request with several mistakes', (env) => {
  test('is one 400 naming each field', async () => {
    const e = env();
    const { service } = await e.makeService();
    const r = await e.call('POST', '/api/changes', {
      token: await e.token('admin'),
      json: { type: 'firewall', service, title: 'x', ports: [99999], dataClass: 'secret' },
    });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /dataClass: /);
    assert.match(r.body.error.message, /ports\.0: /);
    assert.deepEqual(r.body.error.details.mistakes.sort(), ['dataClass', 'ports.0']);
  });
});
