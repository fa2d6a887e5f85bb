/** A PostgreSQL database of its own for one test block or benchmark, created on the test server and dropped after. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server tests and benchmarks create their databases on (trust auth, as on these machines). */
export const adminUrl = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Creates a database named after `prefix`, empty or a copy of `template`; `drop` removes it even while connections
 * remain. `asyncCommit` (tests): its commits do not wait for the write-ahead log's flush to disk, which only matters if
 * the PostgreSQL server itself crashes; what every session sees, and when, is the same. Benchmarks keep the server's
 * setting.
 */
export async function createScratchPg(
  prefix: string,
  opts: { template?: string; asyncCommit?: boolean } = {},
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(`create database ${name}${opts.template ? ` template ${opts.template}` : ''}`);
  if (opts.asyncCommit) await admin(`alter database ${name} set synchronous_commit = off`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

/** Runs statements on the server's admin database, in order, on one connection. */
export async function admin(...statements: string[]): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    for (const statement of statements) await c.query(statement);
  } finally {
    await c.end();
  }
}
