/**
 * A migrated, empty embedded database as a tar dump, that every test block on PGlite starts from: a new in-memory
 * PGlite runs initdb (~2.5 s of CPU) and then every migration, once per block, and loading the dump costs a third of
 * that. The dump is built once and kept in the temporary folder under a name made from the migrations' source and
 * PGlite's version, so a changed migration makes a new one. Each block still runs the migration check on open
 * (migrateToLatest's fast path); the migrations themselves are tested from empty in test/migrate.test.ts and
 * test/upgrade.test.ts, which do not use this.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely } from 'kysely';
import { PGlite } from '@electric-sql/pglite';
import { createPgliteDialect } from '../../src/db/pglite-dialect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { tightenFolder } from '../../src/db/private-folder.ts';
import { openDatabase } from '../../src/db/connect.ts';
import pg from 'pg';
import { adminUrl, createScratchPg } from './scratch-pg.ts';

let cached: Promise<Uint8Array> | undefined;

/** The template's bytes (built on first use in this process if no earlier run left it). */
export function pgliteTemplate(): Promise<Uint8Array> {
  cached ??= load();
  return cached;
}

async function load(): Promise<Uint8Array> {
  const path = join(tmpdir(), `entente-test-template-${key()}.tar`);
  try {
    return new Uint8Array(readFileSync(path));
  } catch {
    // not built yet
  }
  const pg = await PGlite.create();
  const db = new Kysely<any>({ dialect: createPgliteDialect(pg) });
  await migrateToLatest(db);
  const bytes = new Uint8Array(await (await pg.dumpDataDir('none')).arrayBuffer());
  await db.destroy();
  await pg.close();
  // Written aside and renamed: two test files building it at once each leave a whole file.
  const aside = `${path}.${process.pid}`;
  writeFileSync(aside, bytes);
  renameSync(aside, path);
  return bytes;
}

let folder: Promise<string> | undefined;

/**
 * A data folder holding the template (PGlite's files only: no audit key, no checkpoints), built once like the dump.
 * `seedDataFolder` copies it where a CLI test's data folder goes, so that the test's first command opens a migrated
 * database instead of running initdb (~2.5 s of CPU) and the migrations in a process of its own.
 */
export async function seedDataFolder(dataDir: string): Promise<void> {
  folder ??= templateFolder();
  cpSync(await folder, dataDir, { recursive: true });
}

async function templateFolder(): Promise<string> {
  const path = join(tmpdir(), `entente-test-template-${key()}`);
  if (existsSync(join(path, 'PG_VERSION'))) return path;
  const aside = `${path}.${process.pid}`;
  rmSync(aside, { recursive: true, force: true });
  const pg = await PGlite.create(aside, {
    loadDataDir: new Blob([(await pgliteTemplate()) as Uint8Array<ArrayBuffer>]),
  });
  await pg.close();
  tightenFolder(aside); // as Entente leaves a folder it made (src/db/private-folder.ts)
  try {
    renameSync(aside, path);
  } catch {
    rmSync(aside, { recursive: true, force: true }); // another test file made it first
  }
  return path;
}

let emptyFolder: Promise<string> | undefined;

/**
 * A data folder holding a new, unmigrated embedded database (initdb done, nothing else), built once per PGlite version
 * and copied like the template: test/upgrade.test.ts opens one per schema version and migrates it only that far, and
 * the copy spares each of them initdb (~2.5 s of CPU).
 */
export async function seedEmptyDataFolder(dataDir: string): Promise<void> {
  emptyFolder ??= makeEmptyFolder();
  cpSync(await emptyFolder, dataDir, { recursive: true });
}

async function makeEmptyFolder(): Promise<string> {
  const version = JSON.parse(readFileSync('node_modules/@electric-sql/pglite/package.json', 'utf8')).version;
  const path = join(tmpdir(), `entente-test-empty-${version}`);
  if (existsSync(join(path, 'PG_VERSION'))) return path;
  const aside = `${path}.${process.pid}`;
  rmSync(aside, { recursive: true, force: true });
  const pg = await PGlite.create(aside);
  await pg.close();
  tightenFolder(aside);
  try {
    renameSync(aside, path);
  } catch {
    rmSync(aside, { recursive: true, force: true }); // another test file made it first
  }
  return path;
}

function key(): string {
  const hash = createHash('sha256');
  const dir = 'src/db/migrations';
  for (const f of [
    'src/db/migrate.ts',
    ...readdirSync(dir)
      .sort()
      .map((n) => join(dir, n)),
  ])
    hash.update(f).update(readFileSync(f));
  hash.update(JSON.parse(readFileSync('node_modules/@electric-sql/pglite/package.json', 'utf8')).version);
  return hash.digest('hex').slice(0, 16);
}

let pgTemplate: Promise<string | undefined> | undefined;

/**
 * A PostgreSQL database of its own for a test block, already migrated: a copy of this test run's migrated template
 * (CREATE DATABASE … TEMPLATE), as PGlite's blocks start from `pgliteTemplate`. Running every migration on an empty
 * database took ~0.9 s per block. The template is made by the first test file that needs it, under a name of this
 * run (ENTENTE_TEST_RUN, set by scripts/test.mjs, which drops it when the run ends) and of the migrations' source; a
 * test file run without scripts/test.mjs migrates its own databases. Its commits do not wait for the disk (see
 * createScratchPg).
 */
export async function migratedScratchPg(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  pgTemplate ??= makePgTemplate();
  const template = await pgTemplate;
  const scratch = await createScratchPg(prefix, { template, asyncCommit: true });
  if (!template) await (await openDatabase({ url: scratch.url })).close();
  return scratch;
}

/** The name of the PostgreSQL template databases of a test run (scripts/test.mjs drops them with this pattern). */
export const pgTemplatePattern = (run: string): string => `entente_tmpl_%_${run}`;

async function makePgTemplate(): Promise<string | undefined> {
  const run = process.env.ENTENTE_TEST_RUN;
  if (!run || !/^\d+$/.test(run)) return undefined;
  const name = pgTemplatePattern(run).replace('%', key());
  // One maker per run: the others wait on the lock, then find it made.
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query('select pg_advisory_lock(hashtext($1))', [name]);
    const { rowCount } = await c.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) {
      const building = await createScratchPg(`${name}_m`);
      await (await openDatabase({ url: building.url })).close();
      const made = new URL(building.url).pathname.slice(1);
      await c.query(`alter database ${made} rename to ${name}`);
    }
    await c.query('select pg_advisory_unlock(hashtext($1))', [name]);
  } finally {
    await c.end();
  }
  return name;
}
