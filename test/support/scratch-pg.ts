/** A PostgreSQL database of its own for one test block or benchmark, created on the test server and dropped after. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server tests and benchmarks create their databases on (trust auth, as on these machines). */
export const adminUrl = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Creates an empty database named after `prefix`; `drop` removes it even while connections remain. */
export async function createScratchPg(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

async function admin(statement: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}
