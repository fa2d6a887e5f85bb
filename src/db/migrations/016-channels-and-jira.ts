/**
 * Migration 016: a team's notification channels (Slack, Teams, a signed webhook, its Jira project) as the organisation
 * file states them, and the links between findings or commitments and Jira issues, with the last known status.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table teams add column if not exists notify jsonb`.execute(db);
  await sql`create table if not exists jira_links (
    id integer generated always as identity primary key,
    finding_id integer references findings(id) on delete cascade,
    commitment_id integer references commitments(id) on delete cascade,
    issue_key text not null unique,
    issue_id text not null,
    project text not null,
    status text not null,
    status_category text not null,
    done_noted_at timestamptz,
    last_sync_at timestamptz not null,
    created_by text not null,
    created_at timestamptz not null,
    check ((finding_id is null) <> (commitment_id is null)))`.execute(db);
  await sql`create unique index if not exists jira_links_finding_idx on jira_links (finding_id) where finding_id is not null`.execute(
    db,
  );
  await sql`create unique index if not exists jira_links_commitment_idx on jira_links (commitment_id) where commitment_id is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists jira_links`.execute(db);
  await sql`alter table teams drop column if exists notify`.execute(db);
}
