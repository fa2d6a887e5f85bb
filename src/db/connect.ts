/** Opens the database Entente runs on: embedded PGlite in a data folder, or PostgreSQL at DATABASE_URL. */
import { mkdirSync, statSync } from 'node:fs';
import { EntenteError } from '../errors.ts';
import { Kysely, PostgresDialect } from 'kysely';
import type { DB } from './schema.ts';
import { createPgliteDialect } from './pglite-dialect.ts';
import { openPgliteWorker } from './pglite-worker.ts';
import { migrateToLatest } from './migrate.ts';
import { lockDataFolder } from './folder-lock.ts';
import { openAuditTrail } from '../audit/audit-trail.ts';

export type Engine = 'pglite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  engine: Engine;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… to use a PostgreSQL server; otherwise PGlite. */
  url?: string | undefined;
  /** The data folder: PGlite's files, and with either engine the audit key and checkpoints; undefined means in memory (tests). */
  dataDir?: string | undefined;
  /** Run migrations on open (default true). */
  migrate?: boolean;
  /** The audit key: ENTENTE_AUDIT_KEY or ENTENTE_AUDIT_KEY_FILE; otherwise audit.key in dataDir (src/audit/audit-keys.ts). */
  auditKey?: string | undefined;
  auditKeyFile?: string | undefined;
}

/** Opens (and migrates) the database the options name, with the audit log's key and checkpoints attached. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const database = options.url ? await openPostgres(options.url) : await openPglite(options.dataDir);
  try {
    if (options.migrate !== false) await migrateToLatest(database.db);
    database.db = await openAuditTrail(database.db, { key: options.auditKey, keyFile: options.auditKeyFile, dataDir: options.dataDir, databaseUrl: options.url, anchor: options.migrate !== false });
  } catch (e) {
    await database.close();
    throw e;
  }
  return database;
}

async function openPostgres(url: string): Promise<Database> {
  const pg = await import('pg');
  const Pool = pg.default.Pool;
  const pool = new Pool({ connectionString: url, max: 10 });
  // An idle connection the server ends (a restart, an administrator) is dropped from the pool and replaced on the
  // next query; unhandled, its error would stop the whole process.
  pool.on('error', (e: Error) => process.emitWarning(`PostgreSQL closed an idle connection: ${e.message}`));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, engine: 'postgres', close: () => db.destroy() };
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const release = dataDir ? lockDataFolder(dataDir) : () => {};
  let pglite;
  try {
    pglite = await openPgliteWorker(dataDir);
  } catch (e) {
    release();
    throw dataFolderProblem(dataDir, e);
  }
  const db = new Kysely<DB>({ dialect: createPgliteDialect(pglite) });
  return {
    db,
    engine: 'pglite',
    close: async () => {
      await db.destroy();
      await pglite.close();
      release();
    },
  };
}

// The embedded database could not start in the folder: say which folder, and what to do when its permissions are the cause.
function dataFolderProblem(dataDir: string | undefined, e: unknown): EntenteError {
  const mode = dataDir ? statSync(dataDir, { throwIfNoEntry: false })?.mode : undefined;
  if (dataDir && mode !== undefined && (mode & 0o700) !== 0o700) {
    return new EntenteError('unavailable', `cannot use the data folder ${dataDir}: its permissions (${(mode & 0o777).toString(8).padStart(3, '0')}) do not let its owner read and write it; \`chmod 700 ${dataDir}\` gives them back`, { dataDir });
  }
  return new EntenteError('unavailable', `cannot open the embedded database in ${dataDir ?? 'memory'}: ${(e as Error)?.message ?? String(e)}`, { dataDir });
}
