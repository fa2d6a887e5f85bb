/**
 * Migration 008: tokens end. A token made from now on has an end date (90 days unless asked otherwise); tokens made
 * before keep none (null), which the token list shows as "never" so an admin can replace them.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table api_tokens add column if not exists expires_at timestamptz`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table api_tokens drop column expires_at`.execute(db);
}
