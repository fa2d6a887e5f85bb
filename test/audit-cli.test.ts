import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { engines } from './support/engines.ts';
import { cliWorld, entente } from './support/cli.ts';
import { openDatabase } from '../src/db/connect.ts';
import { keyIdOf } from '../src/audit/audit-keys.ts';
import { checkpointFileName } from '../src/audit/audit-trail.ts';

/** The checkpoint file of the CLI's database in its data folder. */
const checkpoints = (env: Record<string, string>): string =>
  join(env.ENTENTE_DATA!, checkpointFileName(env.DATABASE_URL));

const org = (team: string) =>
  `teams:\n  - name: ${team}\n    kind: engineering\nservices:\n  - name: ${team}-api\n    owner: ${team}\n    criticality: 4\n    exposure: internet\n`;

/** Runs a statement on the CLI's database with the audit log's triggers off, as the table's owner could. */
async function asOwner(env: Record<string, string>, statement: string): Promise<void> {
  const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.ENTENTE_DATA });
  try {
    await sql.raw('alter table audit_log disable trigger user').execute(database.db);
    await sql.raw(statement).execute(database.db);
    await sql.raw('alter table audit_log enable trigger user').execute(database.db);
  } finally {
    await database.close();
  }
}

for (const engine of engines) {
  describe(`entente audit [${engine}]`, () => {
    const { dir, env } = cliWorld(engine, 'audit-cli');
    before(() => {
      writeFileSync(join(dir, 'org.yaml'), org('payments'));
      const r = entente(env, 'org', 'apply', join(dir, 'org.yaml'));
      assert.equal(r.code, 0, r.err);
    });

    test('verify says the log is intact and exits 0; the key it seals with was created at first start, readable by its owner only, and is kept', () => {
      const key = join(env.ENTENTE_DATA!, 'audit.key');
      const first = readFileSync(key, 'utf8');
      assert.equal(statSync(key).mode & 0o777, 0o600);
      const r = entente(env, 'audit', 'verify');
      assert.deepEqual(
        [r.code, r.out, r.err],
        [0, 'The audit log is intact: 2 entries, consistent with 1 checkpoint.\n', ''],
      );
      assert.equal(readFileSync(key, 'utf8'), first);
      assert.equal(statSync(checkpoints(env)).mode & 0o777, 0o600);
    });

    test('an export in either format re-verifies offline, with its seals when given the key, and an edit to it is found', () => {
      for (const format of ['jsonl', 'csv']) {
        const file = join(dir, `audit.${format}`);
        const r = entente(env, 'audit', 'export', '--format', format, '-o', file);
        assert.equal(r.code, 0, r.err);
        const plain = entente(env, 'audit', 'verify', '--file', file);
        assert.deepEqual(
          [plain.code, plain.out],
          [
            0,
            'The export is consistent: 2 entries link and match their hashes up to #2, seals not checked: pass --key-file to check them too.\n',
          ],
          format,
        );
        const sealed = entente(
          env,
          'audit',
          'verify',
          '--file',
          file,
          '--key-file',
          join(env.ENTENTE_DATA!, 'audit.key'),
        );
        assert.deepEqual(
          [sealed.code, sealed.out],
          [0, 'The export is consistent: 2 entries link and match their hashes up to #2, and their seals hold.\n'],
          format,
        );
        writeFileSync(file, readFileSync(file, 'utf8').replace('payments-api', 'payments-app'));
        const edited = entente(env, 'audit', 'verify', '--file', file);
        assert.deepEqual(
          [edited.code, edited.out],
          [1, 'Entry #2 was altered: its content no longer matches its hash; the 1 entry before it is intact.\n'],
          format,
        );
      }
    });

    test('a time range the export cannot read is refused with exit 2 and says what to write', () => {
      const r = entente(env, 'audit', 'export', '--from', 'yesterday');
      assert.deepEqual([r.code, r.out], [2, '']);
      assert.equal(
        r.err,
        'entente: --from: "yesterday" is not a date or time; write 2026-03-01 or 2026-03-01T09:00:00Z\n',
      );
    });

    test('an audit key other users can read is refused with exit 2 and the command that fixes it', () => {
      const key = join(env.ENTENTE_DATA!, 'audit.key');
      chmodSync(key, 0o644);
      try {
        const r = entente(env, 'audit', 'verify');
        assert.equal(r.code, 2);
        assert.equal(
          r.err,
          `entente: the audit key ${key} can be read by other users (mode 0644); run \`chmod 600 ${key}\`\n`,
        );
      } finally {
        chmodSync(key, 0o600);
      }
    });

    test('an edited checkpoint line is reported with its line number and exit 1', () => {
      const file = checkpoints(env);
      const kept = readFileSync(file, 'utf8');
      writeFileSync(file, kept.replace('"count":2', '"count":1'));
      try {
        const r = entente(env, 'audit', 'verify');
        assert.equal(r.code, 1);
        assert.equal(
          r.out,
          `Line 2 of the checkpoint file ${file} was altered (its seal does not match); the 2 entries of the log itself are intact.\n`,
        );
      } finally {
        writeFileSync(file, kept);
      }
    });

    test('verify exits 1 and names the altered entry in one sentence', async () => {
      await asOwner(env, `update audit_log set after = after || '{"criticality": 1}'::jsonb where id = 2`);
      const r = entente(env, 'audit', 'verify');
      assert.deepEqual(
        [r.code, r.out, r.err],
        [1, 'Entry #2 was altered: its content no longer matches its hash; the 1 entry before it is intact.\n', ''],
      );
    });
  });

  describe(`entente audit keys [${engine}]`, () => {
    const { dir, env } = cliWorld(engine, 'audit-keys');
    const keyA = 'a'.repeat(64);
    const keyB = 'b'.repeat(64);

    test('a log sealed with another key is reported as sealed with a key not in force, and keeping the old key beside a new one verifies both', () => {
      writeFileSync(join(dir, 'org.yaml'), org('platform'));
      assert.equal(entente({ ...env, ENTENTE_AUDIT_KEY: keyA }, 'org', 'apply', join(dir, 'org.yaml')).code, 0);
      const other = entente({ ...env, ENTENTE_AUDIT_KEY: keyB }, 'audit', 'verify');
      assert.equal(other.code, 1);
      assert.equal(
        other.out,
        `2 entries from #1 were sealed with audit key ${keyIdOf(Buffer.from(keyA))}, which is not in ENTENTE_AUDIT_KEY, so they cannot be verified: add that key back (see the README's audit key notes), or treat them as altered.\n`,
      );
      const rotated = { ...env, ENTENTE_AUDIT_KEY: `${keyA},${keyB}` };
      writeFileSync(join(dir, 'org.yaml'), org('platform').replace('criticality: 4', 'criticality: 3'));
      assert.equal(entente(rotated, 'org', 'apply', join(dir, 'org.yaml')).code, 0);
      const both = entente(rotated, 'audit', 'verify', '--json');
      assert.equal(both.code, 0, both.out);
      assert.deepEqual(JSON.parse(both.out).entries, 3);
      const onlyNew = entente({ ...env, ENTENTE_AUDIT_KEY: keyB }, 'audit', 'verify', '--json');
      assert.deepEqual(
        [onlyNew.code, JSON.parse(onlyNew.out).problem, JSON.parse(onlyNew.out).message.slice(0, 12)],
        [1, 'unknown_key', '2 entries fr'],
      );
    });

    test('an audit key too short to be one is refused with exit 2, without repeating it', () => {
      const r = entente({ ...env, ENTENTE_AUDIT_KEY: 'hunter2' }, 'audit', 'verify');
      assert.equal(r.code, 2);
      assert.equal(
        r.err,
        'entente: ENTENTE_AUDIT_KEY: audit key 1 is 7 characters; a key is at least 32 characters without spaces (e.g. `openssl rand -hex 32`)\n',
      );
    });
  });
}

if (engines.includes('pglite') && engines.includes('postgres')) {
  describe('entente audit, one data folder for two databases', () => {
    const { dir, env } = cliWorld('postgres', 'audit-two');

    test('the embedded database and a PostgreSQL one in the same data folder keep checkpoints of their own, so neither is taken for the other cut short', () => {
      const embedded = { ENTENTE_DATA: env.ENTENTE_DATA! };
      writeFileSync(join(dir, 'org.yaml'), org('search'));
      assert.equal(entente(embedded, 'org', 'apply', join(dir, 'org.yaml')).code, 0);
      assert.equal(
        entente(embedded, 'audit', 'verify').out,
        'The audit log is intact: 2 entries, consistent with 1 checkpoint.\n',
      );
      const server = entente(env, 'audit', 'verify');
      assert.deepEqual(
        [server.code, server.out],
        [0, 'The audit log is intact: 0 entries, consistent with 1 checkpoint.\n'],
      );
      assert.equal(entente(embedded, 'audit', 'verify').code, 0);
    });
  });
}
