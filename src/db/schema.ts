/** Kysely's view of the tables (kept by hand beside the migrations). */
import type { ColumnType, Generated, Selectable } from 'kysely';
import type { TeamNotify } from '../people/team-notify.ts';
import type { Role } from '../people/vocabulary.ts';
import type { FindingStatus, Priority } from '../findings/vocabulary.ts';
import type { ExceptionStatus } from '../exceptions/vocabulary.ts';
import type { CommitmentState, CommitmentSourceType } from '../commitments/vocabulary.ts';
import type { GateOutcome } from '../gates/vocabulary.ts';
import type { ChangeStatus } from '../changes/vocabulary.ts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, string, string>;

export interface TeamsTable {
  id: Generated<number>;
  name: string;
  kind: 'engineering' | 'it-operations' | 'security';
  lead_email: string | null;
  /** The team's channels as the organisation file states them, secrets included (migration 016; never shown). */
  notify: ColumnType<TeamNotify | null, string | null | undefined, string | null>;
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

export interface ApiTokensTable {
  id: Generated<number>;
  name: string;
  role: Role;
  person_id: number | null;
  token_hash: string;
  created_at: DefaultTimestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  expires_at: Timestamp | null; // null: never (tokens made before migration 008, or asked for with "never")
}

export interface PersonPasswordsTable {
  person_id: number;
  hash: string; // scrypt$N$r$p$salt$key (base64url), src/people/passwords.ts
  set_at: Timestamp;
}

export interface SessionsTable {
  id: Generated<number>;
  id_hash: string; // SHA-256 of the session id the cookie holds
  person_id: number;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp; // the hard end; the idle end is last_seen_at plus the idle time
}

export interface InvitationsTable {
  id: Generated<number>;
  token_hash: string; // SHA-256 of the token the link holds
  person_id: number;
  created_by: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface SsoAttemptsTable {
  id: Generated<number>;
  binding_hash: string; // SHA-256 of the binding cookie the browser holds during the attempt
  state: string;
  nonce: string;
  code_verifier: string;
  return_to: string;
  expires_at: Timestamp;
}

export interface SavedViewsTable {
  id: Generated<number>;
  team_id: number;
  name: string;
  query: string; // the Findings list's filter as a query string (service=…&priority=act)
  created_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
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
  /** The due date the due-soon / overdue reminder was sent for (migration 005). */
  reminded_due_at: ColumnType<Date | null, string | Date | null | undefined, string | Date | null>;
  reminded_overdue_at: ColumnType<Date | null, string | Date | null | undefined, string | Date | null>;
  /** The most urgent rank it ever had, once its priority was lowered (null: never lowered; migration 014, a trigger keeps it). */
  peak_rank: ColumnType<number | null, never, never>;
}

export interface FindingSourcesTable {
  finding_id: number;
  tool: string;
  rule_id: string;
  present: boolean;
  first_scan_id: number;
  changed_scan_id: number; // the scan that last found it present, or absent
}

export interface FindingCommentsTable {
  id: Generated<number>;
  finding_id: number;
  author: string;
  body: string;
  created_at: DefaultTimestamp;
}

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
  /** The status the finding had when the exception accepted it, given back when it ends (migration 009). */
  status_before: ColumnType<
    'open' | 'in_progress' | null,
    'open' | 'in_progress' | null | undefined,
    'open' | 'in_progress' | null
  >;
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

export interface CommitmentsTable {
  id: Generated<number>;
  kind: string;
  control_id: string | null;
  title: string;
  owner_team_id: number;
  service_id: number | null;
  finding_id: number | null;
  due_at: Timestamp;
  verification: Json<{ method: 'evidence' | 'check'; detail: string }>;
  source_type: CommitmentSourceType;
  source_id: number;
  state: ColumnType<CommitmentState, CommitmentState | undefined, CommitmentState>;
  evidence: string | null;
  verified_by: string | null;
  verified_at: Timestamp | null;
  missed_at: Timestamp | null;
  /** When and why it stopped being owed (migration 008). */
  released_at: ColumnType<Date | null, string | Date | null | undefined, string | Date | null>;
  release_reason: string | null;
  created_by: string;
  created_at: DefaultTimestamp;
}

export interface GateDecisionsTable {
  id: Generated<number>;
  service_id: number;
  environment: string;
  version: string | null;
  commit_sha: string | null;
  outcome: GateOutcome;
  policy_revision_id: number;
  policy_digest: string;
  input_digest: string;
  facts: Uint8Array;
  decision: Json;
  relied_exceptions: ColumnType<number[], number[] | undefined, number[]>;
  relied_commitments: ColumnType<number[], number[] | undefined, number[]>;
  created_commitments: ColumnType<number[], number[] | undefined, number[]>;
  actor: string;
  created_at: Timestamp;
}

export interface ChangeRequestsTable {
  id: Generated<number>;
  type: string;
  status: ChangeStatus;
  service_id: number;
  team_id: number;
  title: string;
  fields: Json<Record<string, unknown>>;
  hosts: string[];
  emergency: boolean;
  risk: 'low' | 'medium' | 'high' | 'critical';
  risk_check: Json<Record<string, unknown>>;
  policy_digest: string;
  approval_path: 'standard' | 'owner' | 'owner_and_security';
  requested_by: string;
  owner_approved_by: string | null;
  security_approved_by: string | null;
  decided_at: Timestamp | null;
  decline_reason: string | null;
  starts_at: Timestamp;
  ends_at: Timestamp | null;
  extended_at: Timestamp | null;
  extend_reason: string | null;
  implemented_at: Timestamp | null;
  review_due_at: Timestamp | null;
  reviewed_at: Timestamp | null;
  recertify_due_at: Timestamp | null;
  recertified_at: Timestamp | null;
  lease_reminded_at: Timestamp | null;
  expired_at: Timestamp | null;
  removed_at: Timestamp | null;
  removed_by: string | null;
  commitment_ids: ColumnType<number[], number[] | undefined, number[]>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ExposureImportsTable {
  id: Generated<number>;
  file_name: string;
  format: string;
  tools: string[];
  actor: string;
  summary: Json;
  created_at: Timestamp;
}

export interface ExposureObservationsTable {
  id: Generated<number>;
  host: string;
  port: number;
  protocol: string;
  service_name: string;
  product: string | null;
  hostnames: string[];
  state: 'open' | 'closed';
  tool: string;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
  closed_at: Timestamp | null;
  import_id: number;
}

export interface JobScheduleTable {
  name: string;
  next_run_at: Timestamp;
  last_started_at: Timestamp | null;
  last_finished_at: Timestamp | null;
  last_result: Json | null;
  last_error: string | null;
  runs: Generated<number>;
}

export interface NotificationsTable {
  id: Generated<number>;
  idempotency_key: string;
  event: string;
  person_id: number | null;
  recipient_email: string | null;
  recipient_name: string | null;
  channel: string;
  status: 'pending' | 'sending' | 'sent' | 'failed' | 'digested';
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  claimed_at: Timestamp | null;
  last_error: string | null;
  sent_at: Timestamp | null;
  external_id: string | null;
  subject: string;
  body_text: string;
  body_html: string;
  link: string | null;
  facts: Json<Record<string, string | number | null>>;
  entity: string | null;
  entity_id: string | null;
  created_at: Timestamp;
  /** The digest e-mail a `digest` row went out in (migration 019). */
  digest_id: ColumnType<number | null, number | null | undefined, number | null>;
}

/** A person's digest time and quiet hours, HH:MM in their time zone (migration 019). */
export interface NotificationSchedulesTable {
  person_id: number;
  digest_time: string;
  quiet_from: string | null;
  quiet_to: string | null;
  updated_at: Timestamp;
  /** The person's IANA time zone; null: the organisation's, the policy's `time_zone` (migration 021). */
  time_zone: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Each goal's last forecast as the daily job saw it (migration 019). */
export interface GoalAlertsTable {
  goal_id: number;
  state: string;
  changed_at: Timestamp;
}

export interface NotificationPrefsTable {
  person_id: number;
  event: string;
  channel: string;
  updated_at: Timestamp;
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
  /** The audit key that sealed the entry (null for entries written before entries were sealed). */
  key_id: string | null;
  seal: string | null;
}

export type ReviewCadence = 'weekly' | 'monthly';

export interface ReviewsTable {
  id: Generated<number>;
  scope: 'team' | 'org';
  team_id: number | null;
  cadence: ReviewCadence;
  period_from: Timestamp;
  period_to: Timestamp;
  next_at: Timestamp;
  agenda: Json;
  created_by: string;
  created_at: Timestamp;
  closed_at: Timestamp | null;
  closed_by: string | null;
}

export interface ReviewAttendeesTable {
  review_id: number;
  name: string;
}

export interface ReviewDecisionsTable {
  id: Generated<number>;
  review_id: number;
  text: string;
  created_by: string;
  created_at: Timestamp;
}

export interface ReviewActionsTable {
  id: Generated<number>;
  review_id: number;
  title: string;
  owner_team_id: number;
  due_at: Timestamp;
  commitment_id: number | null;
  created_by: string;
  created_at: Timestamp;
}

/** A finding or a commitment and the Jira issue tracking it (migration 016). */
export interface JiraLinksTable {
  id: Generated<number>;
  finding_id: number | null;
  commitment_id: number | null;
  issue_key: string;
  issue_id: string;
  project: string;
  /** The issue's status name and its category (new, indeterminate, done) as last seen. */
  status: string;
  status_category: string;
  /** When Entente last noted on the finding that the issue went to Done (null: not since it was last reopened). */
  done_noted_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  last_sync_at: Timestamp;
  created_by: string;
  created_at: Timestamp;
}

export interface FindingSnapshotsTable {
  day: ColumnType<string, string, string>;
  team_id: number;
  service_id: number;
  priority: Priority;
  open_count: number;
  arrivals: number;
  closures: number;
  overdue: number;
}

export interface FindingSnapshotDaysTable {
  day: ColumnType<string, string, string>;
  written_at: Timestamp;
}

export interface GoalsTable {
  id: Generated<number>;
  metric: string;
  scope_team_id: number | null;
  owner_team_ids: number[];
  target_text: string;
  target_value: number;
  baseline: number;
  guardrail: Json<{ metric: string; baseline: number } | null> | null;
  deadline: ColumnType<string, string, string>;
  created_by: string;
  created_at: Timestamp;
}

export interface DB {
  teams: TeamsTable;
  people: PeopleTable;
  team_members: TeamMembersTable;
  services: ServicesTable;
  api_tokens: ApiTokensTable;
  person_passwords: PersonPasswordsTable;
  sessions: SessionsTable;
  invitations: InvitationsTable;
  sso_attempts: SsoAttemptsTable;
  saved_views: SavedViewsTable;
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
  commitments: CommitmentsTable;
  gate_decisions: GateDecisionsTable;
  change_requests: ChangeRequestsTable;
  exposure_imports: ExposureImportsTable;
  exposure_observations: ExposureObservationsTable;
  job_schedule: JobScheduleTable;
  notifications: NotificationsTable;
  notification_prefs: NotificationPrefsTable;
  notification_schedules: NotificationSchedulesTable;
  goal_alerts: GoalAlertsTable;
  reviews: ReviewsTable;
  review_attendees: ReviewAttendeesTable;
  review_decisions: ReviewDecisionsTable;
  review_actions: ReviewActionsTable;
  jira_links: JiraLinksTable;
  finding_snapshots: FindingSnapshotsTable;
  finding_snapshot_days: FindingSnapshotDaysTable;
  goals: GoalsTable;
}

export type Service = Selectable<ServicesTable>;
export type Finding = Selectable<FindingsTable>;
