/** Runs the schema migrations in order; each is a plain up/down module bundled with the code. */
import { Migrator, sql, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import * as m001 from './migrations/001-foundation.ts';
import * as m002 from './migrations/002-gates.ts';
import * as m003 from './migrations/003-changes.ts';
import * as m004 from './migrations/004-import-speed.ts';
import * as m005 from './migrations/005-reminders.ts';
import * as m006 from './migrations/006-cwe-list.ts';
import * as m007 from './migrations/007-index-only-what-is-set.ts';
import * as m008 from './migrations/008-audit-sealed.ts';
import * as m009 from './migrations/009-token-expiry.ts';
import * as m010 from './migrations/010-released-commitments.ts';
import * as m011 from './migrations/011-status-before-acceptance.ts';
import * as m012 from './migrations/012-passwords-and-sessions.ts';
import * as m013 from './migrations/013-notifications.ts';
import * as m014 from './migrations/014-scorecard-goals.ts';
import * as m015 from './migrations/015-reviews.ts';
import * as m016 from './migrations/016-channels-and-jira.ts';
import * as m017 from './migrations/017-saved-views.ts';
import * as m018 from './migrations/018-invitations-and-sso.ts';
import * as m019 from './migrations/019-digest-and-quiet-hours.ts';
import * as m020 from './migrations/020-scorecard-aggregates.ts';
import * as m021 from './migrations/021-person-time-zone.ts';
import * as m022 from './migrations/022-open-counts.ts';
import { EntenteError } from '../errors.ts';

const migrations: Record<string, Migration> = {
  '001-foundation': m001,
  '002-gates': m002,
  '003-changes': m003,
  '004-import-speed': m004,
  '005-reminders': m005,
  '006-cwe-list': m006,
  '007-index-only-what-is-set': m007,
  '008-audit-sealed': m008,
  '009-token-expiry': m009,
  '010-released-commitments': m010,
  '011-status-before-acceptance': m011,
  '012-passwords-and-sessions': m012,
  '013-notifications': m013,
  '014-scorecard-goals': m014,
  '015-reviews': m015,
  '016-channels-and-jira': m016,
  '017-saved-views': m017,
  '018-invitations-and-sso': m018,
  '019-digest-and-quiet-hours': m019,
  '020-scorecard-aggregates': m020,
  '021-person-time-zone': m021,
  '022-open-counts': m022,
};

/** Every migration's name, oldest first (an upgrade test builds each earlier schema from these). */
export const migrationNames: readonly string[] = Object.keys(migrations).sort();

/** Brings the database to the newest schema; throws with the failing step's name when one fails. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  if (await isLatest(db)) return { results: [] };
  return checked(await migratorOf(db).migrateToLatest());
}

/** Brings the database to the named migration, undoing later ones (an upgrade from an earlier schema starts here). */
export async function migrateTo(db: Kysely<any>, name: string): Promise<MigrationResultSet> {
  if (!(name in migrations))
    throw new EntenteError('bad_input', `no migration named ${name}; they are ${Object.keys(migrations).join(', ')}`);
  return checked(await migratorOf(db).migrateTo(name));
}

function migratorOf(db: Kysely<any>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'entente_migrations',
    migrationLockTableName: 'entente_migrations_lock',
  });
}

function checked(result: MigrationResultSet): MigrationResultSet {
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new EntenteError('internal', `database migration ${failed} failed: ${(result.error as Error).message}`);
  }
  return result;
}

// Every command on a local data folder opens the database, and the migrator's own check reads the catalogue of every
// table (~180 ms on a cold PGlite, most of a small command's time). A database whose newest migration is this code's
// newest needs nothing; any other (new, behind, or ahead of this code) goes to the migrator, which says what is wrong.
// One query, not two (is the table there, then its newest row): a database without the table answers 42P01.
async function isLatest(db: Kysely<any>): Promise<boolean> {
  const latest = Object.keys(migrations).sort().at(-1)!;
  try {
    const {
      rows: [newest],
    } = await sql<{ name: string | null }>`select max(name) as name from entente_migrations`.execute(db);
    return newest?.name === latest;
  } catch (e) {
    if ((e as { code?: string }).code === '42P01') return false; // undefined_table: a new database
    throw e;
  }
}
