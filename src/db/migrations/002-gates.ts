/** Migration 002-gates: commitments (controls and fixes someone owes by a date) and gate decisions with their receipts. */
import { sql, type Kysely } from 'kysely';

const statements = [
  `create table commitments (
    id integer generated always as identity primary key,
    kind text not null check (kind ~ '^[a-z][a-z0-9-]*$'),
    control_id text,
    title text not null,
    owner_team_id integer not null references teams(id),
    service_id integer references services(id),
    finding_id integer references findings(id),
    due_at timestamptz not null,
    verification jsonb not null,
    source_type text not null check (source_type in ('gate', 'change', 'exception', 'review')),
    source_id integer not null,
    state text not null default 'open' check (state in ('open', 'verified', 'missed')),
    evidence text,
    verified_by text,
    verified_at timestamptz,
    missed_at timestamptz,
    created_by text not null,
    created_at timestamptz not null default now())`,
  `create index commitments_service_idx on commitments (service_id, state)`,
  `create index commitments_team_idx on commitments (owner_team_id, state)`,
  `create index commitments_finding_idx on commitments (finding_id)`,
  `create index commitments_open_due_idx on commitments (due_at) where state = 'open'`,
  `create index commitments_source_idx on commitments (source_type, source_id)`,
  // Decisions name the policy they used by digest; one row per distinct policy.
  `create unique index policy_revisions_digest_idx on policy_revisions (digest)`,
  `create table gate_decisions (
    id integer generated always as identity primary key,
    service_id integer not null references services(id),
    environment text not null,
    version text,
    commit_sha text,
    outcome text not null check (outcome in ('go', 'go_with_controls', 'no_go')),
    policy_revision_id integer not null references policy_revisions(id),
    policy_digest text not null,
    input_digest text not null,
    -- The facts snapshot for replay and backtests, as gzip-compressed JSON: ~2 MB of jsonb per decision for a service
    -- with 10,000 findings was most of a gate's write time and of the table's size; it is read back only to replay.
    facts bytea not null,
    decision jsonb not null,
    relied_exceptions integer[] not null default '{}',
    relied_commitments integer[] not null default '{}',
    created_commitments integer[] not null default '{}',
    actor text not null,
    created_at timestamptz not null)`,
  `create index gate_decisions_service_idx on gate_decisions (service_id, created_at desc, id desc)`,
  `create index gate_decisions_created_idx on gate_decisions (created_at)`,
  `create index gate_decisions_policy_idx on gate_decisions (policy_revision_id)`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw('drop table if exists gate_decisions cascade').execute(db);
  await sql.raw('drop index if exists policy_revisions_digest_idx').execute(db);
  await sql.raw('drop table if exists commitments cascade').execute(db);
}
