/**
 * Migration 008: a commitment can be released — no longer owed because what it supported has ended (the compensating
 * controls of an exception that expired, lapsed or was revoked). Released is neither verified nor missed, so it says
 * when and why instead of leaving a control nobody owes any more to turn into a missed one.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table commitments drop constraint if exists commitments_state_check,
    add constraint commitments_state_check check (state in ('open', 'verified', 'missed', 'released')),
    add column if not exists released_at timestamptz, add column if not exists release_reason text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`update commitments set state = 'open' where state = 'released'`.execute(db);
  await sql`alter table commitments drop constraint commitments_state_check,
    add constraint commitments_state_check check (state in ('open', 'verified', 'missed')),
    drop column released_at, drop column release_reason`.execute(db);
}
