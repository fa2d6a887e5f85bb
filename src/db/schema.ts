/** Kysely's view of the tables (kept by hand beside the migrations). */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, string, string>;

export interface TeamsTable {
  id: Generated<number>;
  name: string;
  kind: 'engineering' | 'it-operations' | 'security';
  lead_email: string | null;
  archived_at: Timestamp | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface PeopleTable {
  id: Generated<number>;
  email: string;
  name: string | null;
  created_at: DefaultTimestamp;
}

export interface TeamMembersTable {
  team_id: number;
  person_id: number;
}

export interface ServicesTable {
  id: Generated<number>;
  name: string;
  owner_team_id: number;
  criticality: number;
  exposure: 'internet' | 'internal' | 'isolated';
  data_class: 'public' | 'internal' | 'confidential' | 'restricted';
  repositories: string[];
  hosts: string[];
  compliance: string[];
  archived_at: Timestamp | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export type Role = 'admin' | 'security' | 'engineer' | 'manager' | 'auditor';

export interface ApiTokensTable {
  id: Generated<number>;
  name: string;
  role: Role;
  person_id: number | null;
  token_hash: string;
  created_at: DefaultTimestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface ScansTable {
  id: Generated<number>;
  service_id: number;
  format: string;
  tools: string[];
  tool_version: string | null;
  file_name: string | null;
  commit_sha: string | null;
  branch: string | null;
  actor: string;
  summary: Json;
  created_at: DefaultTimestamp;
}

export type FindingStatus = 'open' | 'in_progress' | 'fixed' | 'false_positive' | 'accepted';
export type Priority = 'act' | 'attend' | 'track*' | 'track';

export interface FindingsTable {
  id: Generated<number>;
  service_id: number;
  fingerprint: string;
  recipe: string;
  kind: string;
  tool: string;
  rule_id: string;
  title: string;
  description: string | null;
  severity: string;
  severity_rank: number;
  cvss_score: number | null;
  cvss_vector: string | null;
  aliases: string[];
  cwes: number[];
  component_name: string | null;
  component_version: string | null;
  purl: string | null;
  fixed_version: string | null;
  file_path: string | null;
  line: number | null;
  url: string | null;
  parameter: string | null;
  host: string | null;
  port: number | null;
  status: FindingStatus;
  priority: Priority;
  priority_rank: number;
  kev: boolean;
  epss: number | null;
  due_at: Timestamp;
  owner_team_id: number;
  assignee_id: number | null;
  first_seen_at: Timestamp;
  fixed_at: Timestamp | null;
  reopened_count: Generated<number>;
  status_changed_at: Timestamp;
  detail: Json<Record<string, unknown>>;
}

export interface FindingSourcesTable {
  finding_id: number;
  tool: string;
  rule_id: string;
  present: boolean;
  first_scan_id: number;
  changed_scan_id: number;  // the scan that last found it present, or absent
}

export interface FindingCommentsTable {
  id: Generated<number>;
  finding_id: number;
  author: string;
  body: string;
  created_at: DefaultTimestamp;
}

export type ExceptionStatus = 'requested' | 'approved' | 'declined' | 'expired' | 'lapsed' | 'revoked';

export interface ExceptionsTable {
  id: Generated<number>;
  status: ExceptionStatus;
  reason: string;
  controls: string[];
  requested_by: string;
  team_id: number;
  expires_at: Timestamp;
  lead_approved_by: string | null;
  security_approved_by: string | null;
  decided_at: Timestamp | null;
  ended_at: Timestamp | null;
  end_reason: string | null;
  created_at: DefaultTimestamp;
}

export interface ExceptionFindingsTable {
  exception_id: number;
  finding_id: number;
  priority_rank_at_request: number;
}

export interface FeedKevTable {
  cve: string;
  name: string | null;
  date_added: string | null;
  ransomware: boolean;
  imported_at: DefaultTimestamp;
}

export interface FeedEpssTable {
  cve: string;
  score: number;
  percentile: number | null;
  scored_on: string | null;
  imported_at: DefaultTimestamp;
}

export interface PolicyRevisionsTable {
  id: Generated<number>;
  body: Json;
  source: string;
  digest: string;
  created_at: DefaultTimestamp;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: Timestamp;
  actor: string;
  action: string;
  entity: string;
  entity_id: string | null;
  before: Json | null;
  after: Json | null;
  prev_hash: string;
  hash: string;
}

export interface DB {
  teams: TeamsTable;
  people: PeopleTable;
  team_members: TeamMembersTable;
  services: ServicesTable;
  api_tokens: ApiTokensTable;
  scans: ScansTable;
  findings: FindingsTable;
  finding_sources: FindingSourcesTable;
  finding_comments: FindingCommentsTable;
  exceptions: ExceptionsTable;
  exception_findings: ExceptionFindingsTable;
  feed_kev: FeedKevTable;
  feed_epss: FeedEpssTable;
  policy_revisions: PolicyRevisionsTable;
  audit_log: AuditLogTable;
}

export type Team = Selectable<TeamsTable>;
export type Service = Selectable<ServicesTable>;
export type Finding = Selectable<FindingsTable>;
export type NewFinding = Insertable<FindingsTable>;
