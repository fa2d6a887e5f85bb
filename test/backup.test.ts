import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { sql, type Kysely } from 'kysely';
import { engines } from './support/engines.ts';
import { entente } from './support/cli.ts';
import { createScratchPg } from './support/scratch-pg.ts';
import { sarif, trivy } from './support/reports.ts';
import { openDatabase } from '../src/db/connect.ts';
import { migrateTo } from '../src/db/migrate.ts';
import { writeBackup } from '../src/backup/backup.ts';
import { memoryCheckpointStore } from '../src/audit/checkpoints.ts';
import type { Engine } from '../src/db/connect.ts';

const org =
  'teams:\n  - name: payments\n    kind: engineering\n    members: [ana@example.com]\n  - name: security\n    kind: security\nservices:\n  - name: checkout-api\n    owner: payments\n    criticality: 4\n    exposure: internet\n';
const dir = mkdtempSync(join(tmpdir(), 'entente-backup-'));
const key = randomBytes(32).toString('hex');
const drops: (() => Promise<void>)[] = [];
after(async () => {
  for (const d of drops) await d();
  rmSync(dir, { recursive: true, force: true });
});

/** A place for a database on `engine`: a new data folder, and for PostgreSQL a new empty database too. */
async function place(engine: Engine, name: string): Promise<Record<string, string>> {
  const env: Record<string, string> = { ENTENTE_DATA: join(dir, name), ENTENTE_AUDIT_KEY: key };
  if (engine === 'postgres') {
    const scratch = await createScratchPg(`entente_backup_${name.replace(/\W/g, '_')}`);
    drops.push(scratch.drop);
    env.DATABASE_URL = scratch.url;
  }
  return env;
}

/** Each table's rows as text, in key order: equal digests mean equal contents. */
async function contents(env: Record<string, string>): Promise<Record<string, string>> {
  const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.ENTENTE_DATA, auditKey: key });
  try {
    return await digests(database.db);
  } finally {
    await database.close();
  }
}

// Signed deltas kept by triggers (migration 022): what they mean, the open count per key, is what must come back.
const openCounts = sql`(select team_id, service_id, priority_rank, sum(n) n from finding_open_counts
  group by 1, 2, 3 having sum(n) <> 0)`;

async function digests(db: Kysely<any>): Promise<Record<string, string>> {
  const { rows: tables } = await sql<{
    name: string;
  }>`select relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and relkind = 'r' and relname not like 'entente_migrations%' order by relname`.execute(
    db,
  );
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const {
      rows: [r],
    } = await sql<{
      n: string;
      d: string;
    }>`select count(*)::text as n, md5(coalesce(string_agg(row_to_json(t)::text, E'\n' order by row_to_json(t)::text), '')) as d
      from ${name === 'finding_open_counts' ? openCounts : sql.table(name)} t`.execute(db);
    out[name] = `${r!.n} ${r!.d}`;
  }
  return out;
}

function ok(env: Record<string, string>, ...args: string[]): string {
  const r = entente(env, ...args);
  assert.equal(r.code, 0, `entente ${args.join(' ')}: ${r.err}`);
  return r.out;
}

for (const source of engines) {
  // The backup restores on the other engine where both are tested: that is how a data folder moves to PostgreSQL.
  const target: Engine = engines.find((e) => e !== source) ?? source;
  describe(`entente backup and restore, ${source} to ${target}`, () => {
    let from: Record<string, string>;
    const file = join(dir, `${source}.backup.gz`);
    before(async () => {
      from = await place(source, `from-${source}`);
      writeFileSync(join(dir, 'org.yaml'), org);
      writeFileSync(
        join(dir, 'trivy.json'),
        trivy([
          {
            cve: 'CVE-2021-44228',
            pkg: 'org.apache.logging.log4j:log4j-core',
            version: '2.14.1',
            fixed: '2.15.0',
            severity: 'CRITICAL',
          },
        ]),
      );
      writeFileSync(
        join(dir, 'code.sarif'),
        sarif('Semgrep', [
          { rule: 'sqli', file: 'src/db.ts', line: 4, cwe: 89 },
          { rule: 'xss', file: 'src/view.ts', line: 9, cwe: 79 },
        ]),
      );
      ok(from, 'org', 'apply', join(dir, 'org.yaml'));
      ok(from, 'import', join(dir, 'trivy.json'), '--service', 'checkout-api');
      ok(from, 'import', join(dir, 'code.sarif'), '--service', 'checkout-api');
      ok(from, 'token', 'create', '--role', 'engineer', '--name', 'ana-laptop', '--person', 'ana@example.com');
      // A gate decision stores its facts compressed (bytea) and may create commitments.
      const gate = entente(from, 'gate', '--service', 'checkout-api', '--env', 'prod');
      assert.ok([0, 1, 10].includes(gate.code!), gate.err);
    });

    test('the restored database holds exactly what was backed up, its audit log verifies, and it takes new work', async () => {
      const backedUp = ok(from, 'backup', file, '--json');
      const summary = JSON.parse(backedUp) as { rows: number; tables: Record<string, number> };
      assert.ok(
        summary.tables.findings! >= 3 && summary.tables.audit_log! >= 4 && summary.tables.gate_decisions === 1,
        backedUp,
      );
      const to = await place(target, `to-${source}`);
      const restored = JSON.parse(ok(to, 'restore', file, '--json')) as {
        rows: number;
        missingAuditKeys: string[];
        checkpoints: number;
      };
      assert.equal(restored.rows, summary.rows);
      assert.deepEqual(restored.missingAuditKeys, []);
      assert.ok(restored.checkpoints >= 1, "the source's checkpoints travel with the backup");
      assert.deepEqual(await contents(to), await contents(from));
      assert.match(ok(to, 'audit', 'verify'), /intact/);
      // Ids continue after the restored ones: new rows in every kind of table that was restored.
      ok(to, 'import', join(dir, 'code.sarif'), '--service', 'checkout-api');
      ok(to, 'token', 'create', '--role', 'security', '--name', 'after-restore');
      assert.match(ok(to, 'findings', '--service', 'checkout-api'), /log4j-core/);
    });

    test('a database that holds data is not restored over, and says where to restore instead', async () => {
      const r = entente(from, 'restore', file);
      assert.equal(r.code, 2);
      assert.match(r.err, /already holds data .*new data folder/);
    });

    test('a file cut short, a file that is not a backup, and a missing file change nothing and say why', async () => {
      const to = await place(target, `bad-${source}`);
      const whole = gunzipSync(readFileSync(file));
      const cut = join(dir, `${source}-cut.backup.gz`);
      writeFileSync(cut, gzipSync(whole.subarray(0, Math.floor(whole.length * 0.7))));
      const r1 = entente(to, 'restore', cut);
      assert.equal(r1.code, 2, r1.err);
      assert.match(r1.err, /cut short|rows, the header says/);
      const notBackup = join(dir, 'not-a-backup.gz');
      writeFileSync(notBackup, gzipSync('{"hello":"world"}\n'));
      const r2 = entente(to, 'restore', notBackup);
      assert.deepEqual([r2.code, /is not an Entente backup/.test(r2.err)], [2, true], r2.err);
      const r3 = entente(to, 'restore', join(dir, 'plain.json'));
      assert.deepEqual([r3.code, /no such file/.test(r3.err)], [2, true], r3.err);
      // Nothing was restored: the same place then takes the whole backup.
      const good = JSON.parse(ok(to, 'restore', file, '--json')) as { rows: number };
      assert.ok(good.rows > 0);
    });
  });
}

describe(`a backup from an earlier schema version [${engines[0]}]`, () => {
  test('restores into this version, migrated to the newest schema on the way', async () => {
    const from = await place(engines[0]!, 'older');
    const database = await openDatabase({
      url: from.DATABASE_URL,
      dataDir: from.ENTENTE_DATA,
      auditKey: key,
      migrate: false,
    });
    const file = join(dir, 'older.backup.gz');
    try {
      await migrateTo(database.db, '009-token-expiry');
      await sql`insert into teams (name, kind, created_at) values ('legacy', 'engineering', now())`.execute(
        database.db,
      );
      await sql`insert into services (name, owner_team_id, criticality, exposure, data_class, created_at)
        select 'legacy-api', id, 3, 'internal', 'internal', now() from teams where name = 'legacy'`.execute(
        database.db,
      );
      const s = await writeBackup(database.db, {
        file,
        engine: engines[0]!,
        now: new Date(),
        checkpoints: memoryCheckpointStore(),
      });
      assert.equal(s.schema, '009-token-expiry');
    } finally {
      await database.close();
    }
    const to = await place(engines[0]!, 'newer');
    ok(to, 'restore', file);
    writeFileSync(join(dir, 'legacy.sarif'), sarif('Semgrep', [{ rule: 'sqli', file: 'src/db.ts', line: 4, cwe: 89 }]));
    ok(to, 'import', join(dir, 'legacy.sarif'), '--service', 'legacy-api');
    assert.match(ok(to, 'findings', '--service', 'legacy-api'), /sqli|src\/db\.ts/);
  });
});
