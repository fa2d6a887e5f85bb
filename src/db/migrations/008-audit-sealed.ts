/**
 * Migration 008: the audit log becomes sealed and append-only. Each entry gets the id of the audit key that sealed it
 * and the seal (HMAC of its hash; entries already written keep none and verify by their hash chain up to the first
 * checkpoint, docs/DESIGN-NOTES.md); UPDATE, DELETE and TRUNCATE are refused by triggers; the list's filters get
 * indexes. Written to run again harmlessly.
 */
import { sql, type Kysely } from 'kysely';

const statements = [
  'alter table audit_log add column if not exists key_id text',
  'alter table audit_log add column if not exists seal text',
  'create index if not exists audit_log_entity_idx on audit_log (entity, entity_id, id)',
  'create index if not exists audit_log_actor_idx on audit_log (actor, id)',
  'create index if not exists audit_log_action_idx on audit_log (action, id)',
  'create index if not exists audit_log_at_idx on audit_log (at, id)',
  `create or replace function audit_log_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only: % is refused', tg_op
        using errcode = 'insufficient_privilege',
              hint = 'entries are only ever added; a correction is a new entry';
    end $$`,
  'drop trigger if exists audit_log_no_change on audit_log',
  'create trigger audit_log_no_change before update or delete on audit_log for each statement execute function audit_log_append_only()',
  'drop trigger if exists audit_log_no_truncate on audit_log',
  'create trigger audit_log_no_truncate before truncate on audit_log for each statement execute function audit_log_append_only()',
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const s of [
    'drop trigger if exists audit_log_no_truncate on audit_log',
    'drop trigger if exists audit_log_no_change on audit_log',
    'drop function if exists audit_log_append_only()',
    'drop index if exists audit_log_at_idx',
    'drop index if exists audit_log_action_idx',
    'drop index if exists audit_log_actor_idx',
    'drop index if exists audit_log_entity_idx',
    'alter table audit_log drop column if exists seal',
    'alter table audit_log drop column if exists key_id',
  ])
    await sql.raw(s).execute(db);
}
