/** Opens the database Entente runs on: embedded PGlite in a data folder, or PostgreSQL at DATABASE_URL. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import type { DB } from './schema.ts';
import { createPgliteDialect } from './pglite-dialect.ts';
import { openPgliteWorker } from './pglite-worker.ts';
import { takePrestarted } from './prestart.ts';
import { migrateToLatest } from './migrate.ts';
import { lockDataFolder } from './folder-lock.ts';
import { EntenteError } from '../errors.ts';
import { preparePrivateFolder, tightenFolder } from './private-folder.ts';
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
  /** In memory only: start from this dump of a data folder (PGlite's dumpDataDir, a tar) instead of an empty database.
   * Tests start from a migrated one: PGlite's initdb and every migration cost ~3 s of CPU per database. */
  template?: Uint8Array | undefined;
  /** Run migrations on open (default true). */
  migrate?: boolean;
  /** The audit key: ENTENTE_AUDIT_KEY or ENTENTE_AUDIT_KEY_FILE; otherwise audit.key in dataDir (src/audit/audit-keys.ts). */
  auditKey?: string | undefined;
  auditKeyFile?: string | undefined;
}

/** Opens (and migrates) the database the options name, with the audit log's key and checkpoints attached. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.dataDir) preparePrivateFolder(options.dataDir);
  // PGlite writes a new database's files with modes of its own (0666), whatever the umask.
  const fresh = !options.url && options.dataDir !== undefined && !existsSync(join(options.dataDir, 'PG_VERSION'));
  const database = options.url ? await openPostgres(options.url) : await openPglite(options.dataDir, options.template);
  try {
    if (options.migrate !== false) await migrateToLatest(database.db);
    database.db = await openAuditTrail(database.db, {
      key: options.auditKey,
      keyFile: options.auditKeyFile,
      dataDir: options.dataDir,
      databaseUrl: options.url,
      anchor: options.migrate !== false,
    });
    if (fresh) tightenFolder(options.dataDir!);
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
  // A database that is not there, refuses us or does not answer is an environment problem: one line (never the
  // password the URL may hold), exit 3, rather than a stack trace from the first query.
  try {
    (await pool.connect()).release();
  } catch (e) {
    await pool.end().catch(() => {});
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'ECONNREFUSED'
        ? 'nothing is listening there'
        : err.code === 'ENOTFOUND'
          ? 'no such host'
          : err.message;
    throw new EntenteError(
      'unavailable',
      `cannot open the PostgreSQL database ${describeUrl(url)} (DATABASE_URL): ${why}`,
    );
  }
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  // Kysely ends the pool only if it ran a query; a command that opened the database and stopped before its first one
  // (a file that is not a backup, say) kept the probe's idle connection, and the process lived 10 s more (pg's idle
  // timeout) before it exited.
  const close = async (): Promise<void> => {
    await db.destroy();
    if (!pool.ending) await pool.end();
  };
  return { db, engine: 'postgres', close };
}

// host:port/database, without the user's password.
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return '(unreadable URL)';
  }
}

async function openPglite(dataDir: string | undefined, template: Uint8Array | undefined): Promise<Database> {
  // `entente` may have started the database already, with the folder locked (src/db/prestart.ts).
  const early = dataDir ? takePrestarted(dataDir) : undefined;
  const release = early?.release ?? (dataDir ? lockDataFolder(dataDir) : () => {});
  let pglite;
  try {
    pglite = early ? await early.started.adopt() : await openPgliteWorker(dataDir, dataDir ? undefined : template);
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
    return new EntenteError(
      'unavailable',
      `cannot use the data folder ${dataDir}: its permissions (${(mode & 0o777).toString(8).padStart(3, '0')}) do not let its owner read and write it; \`chmod 700 ${dataDir}\` gives them back`,
      { dataDir },
    );
  }
  return new EntenteError(
    'unavailable',
    `cannot open the embedded database in ${dataDir ?? 'memory'}: ${(e as Error)?.message ?? String(e)}`,
    { dataDir },
  );
}
