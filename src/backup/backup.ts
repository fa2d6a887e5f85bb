/**
 * `entente backup` and `entente restore`: every table's rows as JSON lines in one gzip file, read from one snapshot,
 * with the schema version they belong to and the audit checkpoints. The same file restores on either engine, so it is
 * also how a data folder moves from the embedded database to PostgreSQL. A restore goes into an empty database: it
 * migrates it to the backup's schema version, loads the rows in one transaction, then migrates to this version's newest.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { migrateTo, migrateToLatest } from '../db/migrate.ts';
import { EntenteError, badInput } from '../errors.ts';
import type { CheckpointStore } from '../audit/checkpoints.ts';

const backupFormat = 'entente-backup';
const formatVersion = 1;
const pageRows = 5_000;
const insertRows = 1_000;

export interface BackupHeader {
  format: typeof backupFormat;
  version: number;
  /** The newest migration the database had: a restore migrates to it before loading the rows. */
  schema: string;
  engine: string;
  createdAt: string;
  /** Rows per table, in the order they are written (parents before the tables that refer to them). */
  tables: Record<string, number>;
  /** The audit checkpoints kept beside the database, so the restored log is checked against them, not trusted anew. */
  checkpoints: string[];
}

export interface BackupSummary {
  file: string;
  schema: string;
  tables: Record<string, number>;
  rows: number;
}

/** Writes the backup of `db` to `file` from one consistent snapshot. */
export async function writeBackup(
  db: Kysely<DB>,
  opts: { file: string; engine: string; now: Date; checkpoints: CheckpointStore },
): Promise<BackupSummary> {
  const lines = await db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const schema = await schemaOf(trx);
      if (!schema) throw badInput('this database has no Entente schema yet: there is nothing to back up');
      const tables = await tablesInOrder(trx);
      const counts: Record<string, number> = {};
      for (const t of tables)
        counts[t] = Number(
          (await sql<{ n: string }>`select count(*)::text as n from ${sql.table(t)}`.execute(trx)).rows[0]!.n,
        );
      const header: BackupHeader = {
        format: backupFormat,
        version: formatVersion,
        schema,
        engine: opts.engine,
        createdAt: opts.now.toISOString(),
        tables: counts,
        checkpoints: await opts.checkpoints.readLines(),
      };
      // The rows are read page by page inside the snapshot while the file is written.
      async function* rows(): AsyncGenerator<string> {
        yield `${JSON.stringify(header)}\n`;
        let total = 0;
        for (const t of tables) {
          const key = await primaryKeyOf(trx, t);
          const order = sql.join(key.map((c) => sql.ref(c)));
          let after: unknown[] | undefined;
          for (;;) {
            const where = after ? sql`where (${order}) > (${sql.join(after.map((v) => sql`${v}`))})` : sql``;
            const { rows: page } = await sql<{
              j: string;
              k: unknown[];
            }>`select row_to_json(t)::text as j, json_build_array(${order}) as k
            from ${sql.table(t)} t ${where} order by ${order} limit ${pageRows}`.execute(trx);
            for (const r of page) yield `[${JSON.stringify(t)},${r.j}]\n`;
            total += page.length;
            if (page.length < pageRows) break;
            after =
              typeof page.at(-1)!.k === 'string' ? JSON.parse(page.at(-1)!.k as unknown as string) : page.at(-1)!.k;
          }
        }
        yield `${JSON.stringify({ end: true, rows: total })}\n`;
      }
      await pipeline(Readable.from(rows()), createGzip({ level: 6 }), createWriteStream(opts.file, { mode: 0o600 }));
      return { schema, counts };
    });
  return {
    file: opts.file,
    schema: lines.schema,
    tables: lines.counts,
    rows: Object.values(lines.counts).reduce((s, n) => s + n, 0),
  };
}

export interface RestoreSummary {
  schema: string;
  restoredFrom: string;
  tables: Record<string, number>;
  rows: number;
  checkpoints: number;
}

/**
 * Restores `file` into the empty database `db` (opened without migrating). Checkpoint lines go to `checkpoints` when it
 * is empty. Nothing is written when the file is not a whole backup or the database is not empty.
 */
export async function restoreBackup(
  db: Kysely<DB>,
  opts: { file: string; checkpoints: CheckpointStore },
): Promise<RestoreSummary> {
  const header = await readHeader(opts.file);
  await requireEmpty(db);
  await migrateTo(db, header.schema);
  const tables = await tablesInOrder(db);
  const unknown = Object.keys(header.tables).filter((t) => !tables.includes(t));
  if (unknown.length)
    throw badInput(
      `${opts.file}: tables ${unknown.join(', ')} are not in schema ${header.schema}; the file was changed after it was written`,
    );
  const counts: Record<string, number> = {};
  await db.transaction().execute(async (trx) => {
    let table = '';
    let batch: string[] = [];
    let line = 0;
    const flush = async (): Promise<void> => {
      if (!batch.length) return;
      try {
        await sql`insert into ${sql.table(table)} overriding system value
          select * from json_populate_recordset(null::${sql.table(table)}, ${`[${batch.join(',')}]`}::json)`.execute(
          trx,
        );
      } catch (e) {
        throw badInput(
          `${opts.file}: the rows of ${table} before line ${line + 1} do not load (${(e as Error).message}); the file was changed after it was written, nothing was restored`,
        );
      }
      counts[table] = (counts[table] ?? 0) + batch.length;
      batch = [];
    };
    let end: { rows: number } | undefined;
    for await (const text of linesOf(opts.file)) {
      line++;
      if (line === 1) continue;
      if (end)
        throw badInput(`${opts.file}:${line}: lines after the end mark; the file was changed after it was written`);
      if (text.startsWith('{')) {
        end = JSON.parse(text) as { rows: number };
        continue;
      }
      if (!text.startsWith('[') || !text.endsWith(']'))
        throw badInput(`${opts.file}:${line}: not a row (cut short?); nothing was restored`);
      const comma = text.indexOf(',');
      const name = comma > 0 ? (JSON.parse(text.slice(1, comma)) as string) : '';
      if (!(name in header.tables))
        throw badInput(`${opts.file}:${line}: a row of "${name}", a table the header does not list`);
      if (name !== table) {
        await flush();
        table = name;
      }
      batch.push(text.slice(comma + 1, -1));
      if (batch.length >= insertRows) await flush();
    }
    await flush();
    if (!end) throw badInput(`${opts.file}: the file ends before its end mark (cut short?); nothing was restored`);
    for (const [t, n] of Object.entries(header.tables)) {
      if ((counts[t] ?? 0) !== n)
        throw badInput(`${opts.file}: ${t} has ${counts[t] ?? 0} rows, the header says ${n}; nothing was restored`);
    }
    // Identity columns continue after the restored ids.
    // (An error here must not be caught and ignored: it would turn the COMMIT into a silent ROLLBACK.)
    const { rows: sequences } = await sql<{
      t: string;
      s: string;
    }>`select c.relname as t, pg_get_serial_sequence(c.relname, a.attname) as s
      from pg_class c join pg_namespace n on n.oid = c.relnamespace join pg_attribute a on a.attrelid = c.oid and a.attname = 'id'
      where n.nspname = current_schema() and c.relkind = 'r' and pg_get_serial_sequence(c.relname, a.attname) is not null`.execute(
      trx,
    );
    for (const { t, s } of sequences)
      await sql`select setval(${s}, coalesce((select max(id) from ${sql.table(t)}), 0) + 1, false)`.execute(trx);
  });
  await migrateToLatest(db);
  let checkpoints = 0;
  if (header.checkpoints.length && (await opts.checkpoints.readLines()).length === 0) {
    for (const l of header.checkpoints) await opts.checkpoints.append(l);
    checkpoints = header.checkpoints.length;
  }
  return {
    schema: header.schema,
    restoredFrom: header.engine,
    tables: counts,
    rows: Object.values(counts).reduce((s, n) => s + n, 0),
    checkpoints,
  };
}

/** The audit keys (by id) that sealed the restored entries: the restored log verifies only where those keys are given. */
export async function sealingKeyIds(db: Kysely<DB>): Promise<string[]> {
  const { rows } = await sql<{
    key_id: string;
  }>`select distinct key_id from audit_log where key_id is not null order by key_id`.execute(db);
  return rows.map((r) => r.key_id);
}

async function readHeader(file: string): Promise<BackupHeader> {
  let first: string | undefined;
  try {
    for await (const l of linesOf(file)) {
      first = l;
      break;
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw badInput(`${file}: no such file`);
    throw badInput(`${file} is not an Entente backup (not a gzip file: ${err.message})`);
  }
  let header: Partial<BackupHeader> | undefined;
  try {
    header = JSON.parse(first ?? '') as Partial<BackupHeader>;
  } catch {
    header = undefined;
  }
  if (header?.format !== backupFormat || typeof header.schema !== 'string' || !header.tables)
    throw badInput(
      `${file} is not an Entente backup (its first line is not a backup header); \`entente backup FILE\` writes one`,
    );
  if (header.version !== formatVersion)
    throw badInput(`${file} is a backup of format ${header.version}; this Entente reads format ${formatVersion}`);
  return { ...header, checkpoints: header.checkpoints ?? [] } as BackupHeader;
}

async function* linesOf(file: string): AsyncGenerator<string> {
  const raw = createReadStream(file);
  const input = createGunzip();
  // .pipe() does not pass the file's own errors (a missing file) on: the reader below would never hear of them.
  raw.on('error', (e) => input.destroy(e));
  raw.pipe(input);
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const l of lines) if (l) yield l;
}

async function requireEmpty(db: Kysely<DB>): Promise<void> {
  if (!(await schemaOf(db))) return;
  const tables = await tablesInOrder(db);
  const used: string[] = [];
  for (const t of tables) {
    const { rows } = await sql<{ one: number }>`select 1 as one from ${sql.table(t)} limit 1`.execute(db);
    if (rows.length) used.push(t);
  }
  if (used.length) {
    throw new EntenteError(
      'bad_input',
      `the database already holds data (${used.slice(0, 5).join(', ')}${used.length > 5 ? ', …' : ''}); restore into a new data folder (ENTENTE_DATA) or an empty PostgreSQL database, so nothing is overwritten`,
    );
  }
}

async function schemaOf(db: Kysely<any>): Promise<string | null> {
  const {
    rows: [t],
  } = await sql<{ present: boolean }>`select to_regclass('entente_migrations') is not null as present`.execute(db);
  if (!t?.present) return null;
  const {
    rows: [m],
  } = await sql<{ name: string | null }>`select max(name) as name from entente_migrations`.execute(db);
  return m?.name ?? null;
}

// Kept by triggers from the findings as they are written (migration 022): a restore fills it again by inserting them.
const derivedTables = ['finding_open_counts'];

/** Entente's tables in the public schema, each after the tables its foreign keys point to (the migrator's own and the
 * trigger-kept ones excluded). */
async function tablesInOrder(db: Kysely<any>): Promise<string[]> {
  const { rows: names } = await sql<{
    name: string;
  }>`select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and c.relkind in ('r', 'p') and c.relname not like 'entente_migrations%'
      and c.relname <> all(${derivedTables}) order by c.relname`.execute(db);
  const { rows: edges } = await sql<{
    child: string;
    parent: string;
  }>`select c.relname as child, p.relname as parent from pg_constraint k
    join pg_class c on c.oid = k.conrelid join pg_class p on p.oid = k.confrelid join pg_namespace n on n.oid = c.relnamespace
    where k.contype = 'f' and n.nspname = current_schema() and c.oid <> p.oid`.execute(db);
  const parents = new Map<string, Set<string>>(names.map((t) => [t.name, new Set()]));
  for (const e of edges) parents.get(e.child)?.add(e.parent);
  const done: string[] = [];
  const visit = (t: string, path: Set<string>): void => {
    if (done.includes(t) || path.has(t)) return;
    path.add(t);
    for (const p of parents.get(t) ?? []) visit(p, path);
    path.delete(t);
    done.push(t);
  };
  for (const t of parents.keys()) visit(t, new Set());
  return done;
}

async function primaryKeyOf(db: Kysely<any>, table: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select a.attname as name from pg_index i
    join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
    where i.indrelid = ${table}::regclass and i.indisprimary order by array_position(i.indkey::int2[], a.attnum)`.execute(
    db,
  );
  if (!rows.length) throw new EntenteError('internal', `table ${table} has no primary key to read it in order by`);
  return rows.map((r) => r.name);
}
