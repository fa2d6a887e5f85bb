/** Migration 003-changes: change requests with their risk check, approvals and lease; exposure imports and observations; the job schedule. */
import { sql, type Kysely } from 'kysely';

const statements = [
  `create table change_requests (
    id integer generated always as identity primary key,
    type text not null check (type in ('firewall', 'file-share', 'remote-access', 'cloud-exposure', 'privileged-access', 'third-party', 'other')),
    status text not null check (status in ('draft', 'submitted', 'approved', 'approved_with_safeguards', 'declined', 'implemented', 'expired', 'removed', 'recertified')),
    service_id integer not null references services(id),
    team_id integer not null references teams(id),
    title text not null,
    fields jsonb not null,
    hosts text[] not null default '{}',
    emergency boolean not null default false,
    risk text not null check (risk in ('low', 'medium', 'high', 'critical')),
    risk_check jsonb not null,
    policy_digest text not null,
    approval_path text not null check (approval_path in ('standard', 'owner', 'owner_and_security')),
    requested_by text not null,
    owner_approved_by text,
    security_approved_by text,
    decided_at timestamptz,
    decline_reason text,
    starts_at timestamptz not null,
    ends_at timestamptz,
    extended_at timestamptz,
    extend_reason text,
    implemented_at timestamptz,
    review_due_at timestamptz,
    reviewed_at timestamptz,
    recertify_due_at timestamptz,
    recertified_at timestamptz,
    lease_reminded_at timestamptz,
    expired_at timestamptz,
    removed_at timestamptz,
    removed_by text,
    commitment_ids integer[] not null default '{}',
    created_at timestamptz not null,
    updated_at timestamptz not null)`,
  `create index change_requests_service_idx on change_requests (service_id, id desc)`,
  `create index change_requests_team_idx on change_requests (team_id)`,
  `create index change_requests_status_idx on change_requests (status, ends_at)`,
  `create index change_requests_hosts_idx on change_requests using gin (hosts)`,
  `create table exposure_imports (
    id integer generated always as identity primary key,
    file_name text not null,
    format text not null,
    tools text[] not null,
    actor text not null,
    summary jsonb not null default '{}',
    created_at timestamptz not null)`,
  `create table exposure_observations (
    id integer generated always as identity primary key,
    host text not null,
    port integer not null,
    protocol text not null,
    service_name text not null,
    product text,
    hostnames text[] not null default '{}',
    state text not null check (state in ('open', 'closed')),
    tool text not null,
    first_seen_at timestamptz not null,
    last_seen_at timestamptz not null,
    closed_at timestamptz,
    import_id integer not null references exposure_imports(id),
    unique (host, port, protocol))`,
  `create index exposure_observations_open_idx on exposure_observations (host) where state = 'open'`,
  `create index exposure_observations_import_idx on exposure_observations (import_id)`,
  // The job runner's schedule: one row per job; a server claims a due job by moving next_run_at (FOR UPDATE SKIP LOCKED).
  `create table job_schedule (
    name text primary key,
    next_run_at timestamptz not null,
    last_started_at timestamptz,
    last_finished_at timestamptz,
    last_result jsonb,
    last_error text,
    runs integer not null default 0)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['job_schedule', 'exposure_observations', 'exposure_imports', 'change_requests'])
    await sql.raw(`drop table if exists ${t} cascade`).execute(db);
}
