/**
 * A Kysely dialect over embedded PGlite (in its worker thread). PGlite is one PostgreSQL session: callers take turns
 * with it, and a transaction holds it from `begin` to its end. While one is open (an import's, for seconds), a read of
 * tables it has not written answers between two of its statements instead of waiting (`Session.readBetween`).
 */
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import type { PgliteLike } from './pglite-worker.ts';
import { tablesReadBy, tablesWrittenBy } from './read-tables.ts';

/** The dialect to pass to `new Kysely({ dialect })` for a PGlite (pglite-worker.ts). */
export function createPgliteDialect(pglite: PgliteLike): Dialect {
  return {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new PgliteDriver(pglite),
    createIntrospector: (db: Kysely<unknown>) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  };
}

class PgliteDriver implements Driver {
  readonly #session: Session;

  constructor(pglite: PgliteLike) {
    this.#session = new Session(pglite);
  }

  async init(): Promise<void> {}

  // Each caller gets a handle of its own at once; it takes the session when its first statement cannot run between
  // another transaction's statements (PgliteConnection.executeQuery), or when it begins a transaction.
  async acquireConnection(): Promise<DatabaseConnection> {
    return new PgliteConnection(this.#session);
  }

  async beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await (conn as PgliteConnection).own();
    const level = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
    await conn.executeQuery(CompiledQuery.raw(`begin${level}`));
    this.#session.began();
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    this.#session.ending();
    await conn.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    this.#session.ending();
    await conn.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    (conn as PgliteConnection).release();
  }

  async destroy(): Promise<void> {}
}

interface OpenTransaction {
  /** The tables its statements write (read-tables.ts), or 'all' once one may have changed more. */
  written: Set<string> | 'all';
}

const savepoint = 'entente_read_between';
// Of the names a read gives, how many are views (or the like) of our own: what a view reads is not in its name.
const viewsSql = `select count(*)::int as views from pg_class c where c.relname = any($1::text[]) and c.relkind not in ('r', 'p')
  and c.relnamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)`;

/** The one PostgreSQL session: who holds it, and the order of statements on it. */
class Session {
  readonly #pglite: PgliteLike;
  #turns: Promise<void> = Promise.resolve();
  readonly statements = new StatementLock();
  /** The holder's transaction while it is open. */
  #transaction: OpenTransaction | undefined;

  constructor(pglite: PgliteLike) {
    this.#pglite = pglite;
    this.nextBegin = new Promise<void>((resolve) => (this.#wakeReads = resolve));
  }

  /** Waits for the session (callers in turn, so that one transaction never interleaves with another); resolves to
   * the function that hands it on. */
  async take(): Promise<() => void> {
    let release!: () => void;
    const previous = this.#turns;
    this.#turns = new Promise<void>((resolve) => (release = resolve));
    await previous;
    return release;
  }

  /** Runs a statement of the session's holder; in a transaction, what it writes is noted before it is sent. */
  run<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const trx = this.#transaction;
    if (trx && trx.written !== 'all') {
      const tables = tablesWrittenBy(compiled.sql);
      if (tables === 'all') trx.written = 'all';
      else for (const t of tables) trx.written.add(t);
    }
    return this.statements.run(false, () => this.#query<R>(compiled.sql, compiled.parameters));
  }

  /** The holder's transaction began: reads waiting for their turn may run between its statements now. */
  began(): void {
    this.#transaction = { written: new Set() };
    this.#wakeReads();
    this.nextBegin = new Promise<void>((resolve) => (this.#wakeReads = resolve));
  }

  /** Resolves when a transaction next begins. */
  nextBegin: Promise<void>;
  #wakeReads!: () => void;

  /** Its commit or rollback is next: reads wait for their turn from now on. */
  ending(): void {
    this.#transaction = undefined;
  }

  /**
   * Runs a read between two statements of the open transaction, inside it, when it reads only tables the transaction
   * has not changed: it then sees what it would see after its turn, the last committed rows (PGlite has no other
   * session to commit meanwhile). A savepoint around it keeps a failing read from aborting the transaction. Resolves
   * to undefined when the read cannot run so (no transaction, a table written, the transaction already failed, the
   * read failed): the caller then waits for its turn, and a failing read fails there, on its own.
   */
  async readBetween<R>(compiled: CompiledQuery, tables: Set<string>): Promise<QueryResult<R> | undefined> {
    const trx = this.#transaction;
    const untouched = (): boolean =>
      trx !== undefined && trx.written !== 'all' && ![...tables].some((t) => (trx.written as Set<string>).has(t));
    if (!untouched()) return undefined; // (without waiting for the statement lock, nor making the transaction wait)
    return this.statements.run(true, async () => {
      if (this.#transaction !== trx) return undefined; // it ended while the read waited for the statement lock
      if (!untouched()) return undefined; // written meanwhile
      try {
        const { rows } = await this.#query<{ views: number }>(viewsSql, [[...tables]]);
        if (rows[0]?.views !== 0) return undefined;
      } catch {
        return undefined; // the transaction failed and waits for its rollback
      }
      try {
        await this.#query(`savepoint ${savepoint}`);
      } catch {
        return undefined;
      }
      try {
        const result = await this.#query<R>(compiled.sql, compiled.parameters);
        await this.#query(`release savepoint ${savepoint}`);
        return result;
      } catch {
        await this.#query(`rollback to savepoint ${savepoint}`).catch(() => {});
        await this.#query(`release savepoint ${savepoint}`).catch(() => {});
        return undefined;
      }
    });
  }

  async #query<R>(sql: string, parameters: readonly unknown[] = []): Promise<QueryResult<R>> {
    const result = await this.#pglite.query<R>(sql, parameters as unknown[]);
    const affected = result.affectedRows;
    return {
      rows: result.rows,
      ...(affected !== undefined && !/^\s*select/i.test(sql) ? { numAffectedRows: BigInt(affected) } : {}),
    };
  }
}

/**
 * The order of statements on the session: the holder's run as they come (several may be in flight: PGlite answers
 * them in turn), a read between them runs alone, once those before it are answered and before any sent after it.
 */
class StatementLock {
  #shared = 0;
  #exclusive = false;
  readonly #waiting: { exclusive: boolean; go: () => void }[] = [];

  async run<T>(exclusive: boolean, fn: () => Promise<T>): Promise<T> {
    if (this.#waiting.length === 0 && this.#free(exclusive)) this.#enter(exclusive);
    else await new Promise<void>((go) => this.#waiting.push({ exclusive, go }));
    try {
      return await fn();
    } finally {
      if (exclusive) this.#exclusive = false;
      else this.#shared--;
      this.#wake();
    }
  }

  #free(exclusive: boolean): boolean {
    return !this.#exclusive && (!exclusive || this.#shared === 0);
  }

  #enter(exclusive: boolean): void {
    if (exclusive) this.#exclusive = true;
    else this.#shared++;
  }

  #wake(): void {
    while (this.#waiting.length > 0 && this.#free(this.#waiting[0]!.exclusive)) {
      const next = this.#waiting.shift()!;
      this.#enter(next.exclusive);
      next.go();
    }
  }
}

/** One caller's use of the session: a read between another transaction's statements, or its own turn. */
class PgliteConnection implements DatabaseConnection {
  readonly #session: Session;
  #release: (() => void) | undefined;

  constructor(session: Session) {
    this.#session = session;
  }

  /** Waits for the session's turn, unless this caller holds it already. */
  async own(): Promise<void> {
    this.#release ??= await this.#session.take();
  }

  release(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (!this.#release) {
      const tables = tablesReadBy(compiled.query);
      const between = tables ? await this.#readBetweenOrInTurn<R>(compiled, tables) : undefined;
      if (between) return between;
      await this.own();
    }
    return this.#session.run<R>(compiled);
  }

  // A read that cannot run between the open transaction's statements (or finds none open) waits for its turn, but
  // tries again whenever a transaction begins meanwhile: the one ahead of it in the queue may be a long import. If it
  // then runs between, its turn is handed on as soon as it comes. Undefined: its turn came (this caller holds it now).
  async #readBetweenOrInTurn<R>(compiled: CompiledQuery, tables: Set<string>): Promise<QueryResult<R> | undefined> {
    const between = await this.#session.readBetween<R>(compiled, tables);
    if (between) return between;
    const turn = this.#session.take();
    for (;;) {
      const began = this.#session.nextBegin.then(() => undefined);
      const release = await Promise.race([turn, began]);
      if (release) {
        this.#release = release;
        return undefined;
      }
      const result = await this.#session.readBetween<R>(compiled, tables);
      if (result) {
        void turn.then((r) => r());
        return result;
      }
    }
  }

  // biome-ignore lint/correctness/useYield: Kysely asks every driver for a stream; PGlite has none, so this one only throws
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on PGlite');
  }
}
