// The CLI beside a running `entente serve` on the same data folder: local commands go through the server (PGlite holds
// the folder), the folder is private, killed imports' temporary folders go at the next start, --server errors.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { entente, serveCli } from './support/cli.ts';
import { engines } from './support/engines.ts';
import { trivy } from './support/reports.ts';

const org =
  'teams:\n  - name: payments\n    kind: engineering\n    lead: ana@example.com\n    members: [ana@example.com, raj@example.com]\n'
  + 'services:\n  - name: checkout-api\n    owner: payments\n    criticality: 4\n    exposure: internet\n';

/** Every path under `dir` whose mode lets anyone but its owner in. */
function loose(dir: string): string[] {
  const found: string[] = [];
  const walk = (p: string): void => {
    const s = statSync(p);
    if ((s.mode & 0o077) !== 0) found.push(`${p} ${(s.mode & 0o777).toString(8)}`);
    if (s.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
  };
  walk(dir);
  return found;
}

const mode = (p: string): string => (statSync(p).mode & 0o777).toString(8);

/** A port nothing listens on: one the system gave and took back. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

const dir = mkdtempSync(join(tmpdir(), 'entente-cli-server-'));
after(() => rmSync(dir, { recursive: true, force: true }));

if (engines.includes('pglite')) {
  describe('the CLI beside `entente serve` on an embedded data folder', () => {
    const data = join(dir, 'data');
    const env = { ENTENTE_DATA: data, DATABASE_URL: '' };
    const orgFile = join(dir, 'org.yaml');
    const report = join(dir, 'trivy.json');
    writeFileSync(orgFile, org);
    writeFileSync(report, trivy([{ cve: 'CVE-2024-0001', pkg: 'left-pad', version: '1.0.0', fixed: '1.0.1' }]));

    test('org apply, import, findings and token create go through the running server; the folder stays private', async () => {
      const server = await serveCli(env);
      try {
        const record = JSON.parse(readFileSync(join(data, 'server.json'), 'utf8')) as { url: string; pid: number };
        assert.equal(record.url, server.url);
        assert.equal(mode(join(data, 'local-admin.token')), '600');
        for (const args of [
          ['org', 'apply', orgFile],
          ['import', report, '--service', 'checkout-api'],
          ['token', 'create', '--role', 'engineer', '--name', 'raj', '--person', 'raj@example.com'],
        ]) {
          const r = entente(env, ...args);
          assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
        }
        const listed = entente(env, 'findings', '--service', 'checkout-api');
        assert.equal(listed.code, 0, listed.err);
        assert.match(listed.out, /CVE-2024-0001/);
        const gate = entente(env, 'gate', '--service', 'checkout-api', '--env', 'prod', '--format', 'json');
        assert.ok([0, 1, 10].includes(gate.code!), `gate: ${gate.code} ${gate.err}`);
        // Decided by the server, as its local admin token (locally it would be "local-cli").
        assert.equal(JSON.parse(gate.out).actor, 'token:local admin');
        const changes = entente(env, 'change', 'list');
        assert.equal(changes.code, 0, changes.err);
        // The server did the writes: the audit names its local admin token, not the local CLI.
        const tokens = entente(env, 'token', 'list', '--json');
        assert.match(tokens.out, /"name":"local admin".*"expiresAt":null/);
        // A command with no API says so, and what to do.
        const backtest = entente(env, 'policy', 'backtest');
        assert.equal(backtest.code, 2);
        assert.match(
          backtest.err,
          /^entente: `entente policy backtest` has no API yet, .* stop that server, run it, and start the server again\n$/,
        );
        assert.equal(mode(data), '700');
        assert.deepEqual(loose(data), []);
      } finally {
        await server.stop();
      }
      assert.equal(existsSync(join(data, 'server.json')), false, 'a clean exit removes the record');
      assert.deepEqual(loose(data), []);
    });

    test('a revoked local admin token is made again when the server starts; a stale record is removed', async () => {
      let server = await serveCli(env);
      try {
        const id = (
          JSON.parse(
            entente(env, 'token', 'list', '--json')
              .out.split('\n')
              .find((l) => l.includes('"local admin"'))!,
          ) as { id: number }
        ).id;
        assert.equal(entente(env, 'token', 'revoke', String(id)).code, 0);
        const refused = entente(env, 'findings');
        assert.equal(refused.code, 2);
        assert.match(refused.err, /revoked/);
      } finally {
        await server.stop();
      }
      server = await serveCli(env);
      try {
        const again = entente(env, 'findings', '--service', 'checkout-api');
        assert.equal(again.code, 0, again.err);
        assert.equal(mode(join(data, 'local-admin.token')), '600');
      } finally {
        await server.stop();
      }
      // A record left by a server that is gone (kill -9 leaves one) is removed: the command runs on the folder itself.
      writeFileSync(
        join(data, 'server.json'),
        JSON.stringify({
          url: `http://127.0.0.1:${await closedPort()}`,
          pid: 999_999_999,
          startedAt: new Date().toISOString(),
        }),
      );
      const local = entente(env, 'findings', '--service', 'checkout-api');
      assert.equal(local.code, 0, local.err);
      assert.match(local.out, /CVE-2024-0001/);
      assert.equal(existsSync(join(data, 'server.json')), false, 'the stale record is removed');
    });

    test('a port in use is one line and exit 3, and leaves the data folder free', async () => {
      const taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      const port = (taken.address() as { port: number }).port;
      try {
        const r = entente(env, 'serve', '--port', String(port));
        assert.equal(r.code, 3);
        assert.equal(
          r.err,
          `entente: cannot listen on 127.0.0.1:${port}: the port is in use (another \`entente serve\`?); PORT or --port chooses another\n`,
        );
      } finally {
        await new Promise((resolve) => taken.close(resolve));
      }
      assert.equal(existsSync(join(data, 'entente.lock')), false);
      assert.equal(existsSync(join(data, 'server.json')), false);
    });

    test('an existing folder an earlier version left readable is made private at start', () => {
      const old = join(dir, 'old-data');
      mkdirSync(old, { mode: 0o755 });
      writeFileSync(join(old, 'policy.yaml'), '{}\n', { mode: 0o644 });
      const r = entente({ ENTENTE_DATA: old, DATABASE_URL: '' }, 'findings');
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(loose(old), []);
    });

    test('the temporary folder of an import killed with kill -9 is removed at the next start; a live one stays', async () => {
      const tmp = join(dir, 'tmp');
      mkdirSync(tmp);
      // A process makes its import folder the way an import does, and is killed.
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '-e',
          "import('./src/imports/import-temp.ts').then(({ makeImportTempDir }) => { const d = makeImportTempDir(); require('node:fs').writeFileSync(d + '/rows-0.jsonl', 'x'); console.log(d); setInterval(() => {}, 1000); });",
        ],
        { env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const made = await new Promise<string>((resolve, reject) => {
        child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
        child.once('exit', (code) => reject(new Error(`the process that makes the folder ended with ${code}`)));
      });
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
      assert.ok(existsSync(join(made, 'rows-0.jsonl')));
      const live = join(tmp, `entente-import-${process.pid}-live`);
      mkdirSync(live);
      const r = entente({ ...env, TMPDIR: tmp }, 'findings');
      assert.equal(r.code, 0, r.err);
      assert.equal(existsSync(made), false, "the killed import's folder is removed");
      assert.equal(existsSync(live), true, "a running process's folder stays");
    });
  });
}

describe('the data folder when ENTENTE_DATA is not set', () => {
  test('is $XDG_DATA_HOME/entente, else ~/.local/share/entente, wherever the command runs', () => {
    const home = join(dir, 'home');
    mkdirSync(home);
    const plain = entente({ ENTENTE_DATA: '', DATABASE_URL: '', XDG_DATA_HOME: '', HOME: home }, 'findings');
    assert.equal(plain.code, 0, plain.err);
    assert.ok(existsSync(join(home, '.local', 'share', 'entente', 'PG_VERSION')));
    assert.equal(mode(join(home, '.local', 'share', 'entente')), '700');
    const xdg = join(dir, 'xdg');
    const withXdg = entente({ ENTENTE_DATA: '', DATABASE_URL: '', XDG_DATA_HOME: xdg, HOME: home }, 'findings');
    assert.equal(withXdg.code, 0, withXdg.err);
    assert.ok(existsSync(join(xdg, 'entente', 'PG_VERSION')));
  });
});

describe('a database that is not there', () => {
  test('is one line and exit 3, without the password in DATABASE_URL', async () => {
    const port = await closedPort();
    const r = entente(
      { ENTENTE_DATA: join(dir, 'pg-data'), DATABASE_URL: `postgres://entente:s3cret@127.0.0.1:${port}/entente` },
      'findings',
    );
    assert.equal(r.code, 3);
    assert.equal(
      r.err,
      `entente: cannot open the PostgreSQL database 127.0.0.1:${port}/entente (DATABASE_URL): nothing is listening there\n`,
    );
    if (engines.includes('postgres')) {
      const missing = entente(
        {
          ENTENTE_DATA: join(dir, 'pg-data'),
          DATABASE_URL: 'postgres://postgres:s3cret@127.0.0.1:5432/entente_no_such_database',
        },
        'findings',
      );
      assert.equal(missing.code, 3);
      assert.match(
        missing.err,
        /^entente: cannot open the PostgreSQL database 127\.0\.0\.1:5432\/entente_no_such_database \(DATABASE_URL\): database "entente_no_such_database" does not exist\n$/,
      );
    }
  });
});

describe('errors on --server', () => {
  test('a server nothing answers at is exit 3 with one line', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = entente({ ENTENTE_DATA: join(dir, 'unused') }, 'findings', '--server', url, '--token', 'ent_x');
    assert.equal(r.code, 3);
    assert.equal(r.err, `entente: cannot reach the Entente server at ${url}: nothing is listening there\n`);
  });

  test('importing a file that is not there says "no such file", as the local command does', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const missing = join(dir, 'missing.json');
    const remote = entente(
      { ENTENTE_DATA: join(dir, 'unused') },
      'import',
      missing,
      '--service',
      'checkout-api',
      '--server',
      url,
      '--token',
      'ent_x',
    );
    assert.equal(remote.code, 2);
    assert.equal(remote.err, `entente: cannot read ${missing}: no such file\n`);
  });
});
