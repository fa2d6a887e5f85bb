// A local command starts the embedded database before its own code loads (src/db/prestart.ts): the command still
// finds it, a command that ends early (bad input) leaves the folder usable, and a folder another process holds is
// left to that process.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliWorld, entente } from './support/cli.ts';
import { sarif } from './support/reports.ts';

describe('the embedded database started early [pglite]', () => {
  const { dir, env } = cliWorld('pglite', 'prestart');
  const org =
    'teams:\n  - name: payments\n    kind: engineering\nservices:\n  - name: checkout-api\n    owner: payments\n    criticality: 4\n    exposure: internet\n';

  test('a command that ends on bad input while the database starts leaves the folder whole and unlocked', () => {
    writeFileSync(join(dir, 'org.yaml'), org);
    assert.equal(entente(env, 'org', 'apply', join(dir, 'org.yaml')).code, 0);
    writeFileSync(join(dir, 'r.sarif'), sarif('Scanner', [{ rule: 'SQLI', file: 'src/q.ts', line: 3, cwe: 89 }]));
    assert.equal(entente(env, 'import', join(dir, 'r.sarif'), '--service', 'checkout-api').code, 0);
    const bad = entente(env, 'findings', '--sort', 'sideways');
    assert.equal(bad.code, 2, bad.err);
    assert.match(bad.err, /--sort must be one of/);
    // The next command opens the folder (a lock left by the ended process is taken over) and reads what is there.
    const listed = entente(env, 'findings', '--json');
    assert.equal(listed.code, 0, listed.err);
    assert.equal(listed.out.trim().split('\n').length, 1);
    assert.match(listed.out, /"file":"src\/q\.ts"/);
    assert.ok(!existsSync(join(env.ENTENTE_DATA!, 'entente.lock')), 'the command released the folder');
  });

  test('a folder another live process holds is not opened early: the command says who holds it', () => {
    const lock = join(env.ENTENTE_DATA!, 'entente.lock');
    writeFileSync(lock, String(process.pid)); // this test's process: alive
    try {
      const r = entente(env, 'findings');
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, new RegExp(`in use by process ${process.pid}`));
      assert.equal(readFileSync(lock, 'utf8'), String(process.pid), "the holder's lock is left as it was");
    } finally {
      writeFileSync(lock, '0');
    }
  });
});
