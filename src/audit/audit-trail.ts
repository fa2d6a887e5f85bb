/**
 * The audit key and the checkpoint store travel with the database handle (a Kysely plugin that carries them and
 * changes no query), so every place that audits a write keeps calling `recordAudit(trx, entry)` and every entry is
 * sealed, while a handle opened without them cannot write an entry at all.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import {
  sql,
  type Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryExecutorProvider,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import type { DB } from '../db/schema.ts';
import { EntenteError } from '../errors.ts';
import { loadAuditKeyring, type AuditKeyring, type AuditKeySource } from './audit-keys.ts';
import {
  appendCheckpoint,
  fileCheckpointStore,
  isEmptyStore,
  memoryCheckpointStore,
  type CheckpointStore,
} from './checkpoints.ts';
import { genesis } from './chain.ts';

/** What sealing and checking the chain needs beside the database. */
export interface AuditTrail {
  keyring: AuditKeyring;
  checkpoints: CheckpointStore;
}

/**
 * The checkpoint file's name in the data folder: one per database, so a data folder used with the embedded engine
 * and then with a PostgreSQL server (or with two servers' databases) never holds one database's checkpoints up
 * against another's log. A PostgreSQL database is named by its host, port and database name, not by anything
 * stored in it, which someone rewriting the database could change.
 */
export function checkpointFileName(databaseUrl: string | undefined): string {
  if (!databaseUrl) return 'audit-checkpoints.jsonl';
  const u = new URL(databaseUrl);
  const where = `${u.hostname.toLowerCase()}:${u.port || '5432'}/${decodeURIComponent(u.pathname.replace(/^\//, ''))}`;
  return `audit-checkpoints-${createHash('sha256').update(where).digest('hex').slice(0, 12)}.jsonl`;
}

class AuditTrailCarrier implements KyselyPlugin {
  constructor(readonly trail: AuditTrail) {}
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/** A handle over the same database that carries `trail` (transactions opened from it carry it too). */
function withAuditTrail<T>(db: Kysely<T>, trail: AuditTrail): Kysely<T> {
  return db.withPlugin(new AuditTrailCarrier(trail));
}

/** The trail a handle carries; the most recently attached one wins. */
// biome-ignore lint/suspicious/noExplicitAny: any handle, whatever its schema (the trail is a plugin, not a table)
export function auditTrailOf(db: Kysely<any>): AuditTrail {
  const plugins = (db as unknown as QueryExecutorProvider).getExecutor().plugins;
  for (let i = plugins.length - 1; i >= 0; i--) {
    const p = plugins[i];
    if (p instanceof AuditTrailCarrier) return p.trail;
  }
  throw new EntenteError(
    'internal',
    'this database handle carries no audit key; open the database with openDatabase, which attaches it',
  );
}

export interface OpenAuditTrailOptions extends AuditKeySource {
  /** The PostgreSQL database's URL; undefined for the embedded one. */
  databaseUrl?: string | undefined;
  /** Write the first checkpoint when the store has none (needs the migrated schema). */
  anchor: boolean;
}

/** Loads the keys and the checkpoint store a database's audit log is sealed and checked with, and attaches them to `db`. */
export async function openAuditTrail(db: Kysely<DB>, opts: OpenAuditTrailOptions): Promise<Kysely<DB>> {
  const keyring = loadAuditKeyring(opts);
  const checkpoints = opts.dataDir
    ? fileCheckpointStore(join(opts.dataDir, checkpointFileName(opts.databaseUrl)))
    : memoryCheckpointStore();
  const trail = { keyring, checkpoints };
  if (opts.anchor && (await isEmptyStore(checkpoints))) {
    try {
      await anchorChain(db, trail);
    } catch (e) {
      process.emitWarning(
        `the audit log's first checkpoint could not be written to ${checkpoints.where}: ${(e as Error).message}`,
      );
    }
  }
  return withAuditTrail(db, trail);
}

/**
 * The first checkpoint of a store records how far the entries written before sealing (by an older Entente) go:
 * those still verify by their hash chain, and an unsealed entry after them is tampering, not history.
 */
async function anchorChain(db: Kysely<DB>, trail: AuditTrail): Promise<void> {
  const {
    rows: [head],
  } = await sql<{ id: string; hash: string; count: string }>`
    select l.id::text as id, l.hash, (select count(*) from audit_log a where a.id <= l.id)::text as count
    from audit_log l
    where l.seal is null and l.id < coalesce((select min(id) from audit_log where seal is not null), 9223372036854775807)
    order by l.id desc limit 1`.execute(db);
  const id = head?.id ?? '0';
  await appendCheckpoint(trail.checkpoints, trail.keyring, {
    id,
    hash: head?.hash ?? genesis,
    count: Number(head?.count ?? 0),
    at: new Date().toISOString(),
    legacyUpTo: id,
  });
}
