/** Writes a report's new findings straight into `findings` with set-based `unnest` inserts, and their sources. */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { stripNul, type ImportRow } from './normalise.ts';
import type { PriorityDecision } from './priority.ts';
import type { ReportState } from './types.ts';
import { severityRank } from './severity.ts';

const batchSize = 5000;

/** A report row with its priority decision and the feed facts it was decided on. */
export interface DecidedRow {
  row: ImportRow;
  decision: PriorityDecision;
  kev: boolean;
  epss: number | null;
}

export interface NewFindingScope { serviceId: number; ownerTeamId: number; scanId: number; now: Date; dueDays: (p: PriorityDecision['priority']) => number }

/** Inserts new findings (those whose fingerprint is not stored yet) and one source per tool; returns their ids. A
 * finding the report already closes (`state`) is created with that status. */
export async function insertNewFindings(trx: Kysely<DB>, rows: DecidedRow[], s: NewFindingScope): Promise<number[]> {
  const created: number[] = [];
  // The next batch's document is built while the database writes the previous one (PostgreSQL works in its own
  // process; the transaction's connection runs the queries in order).
  let writing: Promise<void> = Promise.resolve();
  try {
    for (let i = 0; i < rows.length; i += batchSize) {
      const batch = rows.slice(i, i + batchSize);
      const document = batchDocument(batch, s);
      await writing;
      writing = (async () => {
        const ids = await insertBatch(trx, document, s);
        for (const r of ids) created.push(r.id);
        await insertSources(trx, batch, ids, s.scanId);
      })();
      writing.catch(() => {}); // awaited on the next turn or below; this only keeps the rejection from being reported early
    }
  } finally {
    // Whatever went wrong, nothing of this import is still running on the connection when the transaction ends.
    await writing.catch(() => {});
  }
  await writing;
  return created;
}

// The batch travels as one JSON document (JSON.stringify and jsonb parsing are fast on both engines, unlike
// escaping every value into a PostgreSQL array literal) and is unpacked by jsonb_to_recordset.
function batchDocument(batch: DecidedRow[], s: NewFindingScope): string {
  const records = batch.map(({ row, decision, kev, epss }) => {
    const f = row.finding;
    const l = f.location;
    return {
      fingerprint: row.fingerprint, recipe: row.recipe, kind: f.kind, tool: f.tool, rule_id: f.ruleId, title: f.title,
      description: f.description, severity: f.severity, severity_rank: severityRank[f.severity], cvss_score: f.cvss?.score,
      cvss_vector: f.cvss?.vector, aliases: f.aliases, cwes: f.cwes, component_name: f.component?.name,
      component_version: f.component?.version, purl: f.component?.purl, fixed_version: f.fixedVersion, file_path: l.file ?? l.target,
      line: intOrNull(l.line), url: l.url, parameter: l.parameter, host: l.host, port: intOrNull(l.port), priority: decision.priority,
      priority_rank: decision.rank, kev, epss, due_at: new Date(s.now.getTime() + s.dueDays(decision.priority) * 86_400_000).toISOString(),
      status: f.state?.status ?? 'open', fixed_at: f.state?.status === 'fixed' ? s.now.toISOString() : null,
      detail: detailOf(row, s.now),
    };
  });
  return json(records);
}

async function insertBatch(trx: Kysely<DB>, document: string, s: NewFindingScope): Promise<{ id: number; fingerprint: string }[]> {
  const now = s.now.toISOString();
  const { rows } = await sql<{ id: number; fingerprint: string }>`insert into findings (service_id, fingerprint, recipe, kind, tool,
      rule_id, title, description, severity, severity_rank, cvss_score, cvss_vector, aliases, cwes, component_name,
      component_version, purl, fixed_version, file_path, line, url, parameter, host, port, status, priority, priority_rank,
      kev, epss, due_at, owner_team_id, first_seen_at, status_changed_at, fixed_at, detail)
    select ${s.serviceId}, fingerprint, recipe, kind, tool, rule_id, title, description, severity, severity_rank, cvss_score,
      cvss_vector, coalesce(aliases, '{}'), coalesce(cwes, '{}'), component_name, component_version, purl, fixed_version,
      file_path, line, url, parameter, host, port, status, priority, priority_rank, kev, epss, due_at,
      ${s.ownerTeamId}, ${now}, ${now}, fixed_at, coalesce(detail, '{}')
    from jsonb_to_recordset(${document}::jsonb) as u(fingerprint text, recipe text, kind text, tool text, rule_id text,
      title text, description text, severity text, severity_rank smallint, cvss_score real, cvss_vector text, aliases text[],
      cwes integer[], component_name text, component_version text, purl text, fixed_version text, file_path text, line integer,
      url text, parameter text, host text, port integer, priority text, priority_rank smallint, kev boolean, epss real,
      due_at timestamptz, status text, fixed_at timestamptz, detail jsonb)
    returning id, fingerprint`.execute(trx);
  return rows;
}

async function insertSources(trx: Kysely<DB>, batch: DecidedRow[], ids: { id: number; fingerprint: string }[], scanId: number): Promise<void> {
  const byFingerprint = new Map(batch.map((b) => [b.row.fingerprint, b.row]));
  const findingIds: number[] = [];
  const tools: string[] = [];
  const rules: string[] = [];
  for (const { id, fingerprint } of ids) {
    for (const [tool, rule] of byFingerprint.get(fingerprint)?.sources ?? []) {
      findingIds.push(id);
      tools.push(stripNul(tool));
      rules.push(stripNul(rule));
    }
  }
  await sql`insert into finding_sources (finding_id, tool, rule_id, present, first_scan_id, changed_scan_id)
    select id, tool, rule_id, true, ${scanId}, ${scanId} from unnest(${findingIds}::int[], ${tools}::text[], ${rules}::text[]) as u(id, tool, rule_id)`.execute(trx);
}

function detailOf(row: ImportRow, now: Date): Record<string, unknown> {
  const f = row.finding;
  const out: Record<string, unknown> = { ...(f.detail ?? {}) };
  // Closed by the report, not by a person: a later report that lists it open reopens it (merge-existing.ts).
  if (f.state) Object.assign(out, reportClosure(f.state, now));
  if (f.toolVersion) out.toolVersion = f.toolVersion;
  if (f.cvss?.version) out.cvssVersion = f.cvss.version;
  if (f.references?.length) out.references = f.references.slice(0, 50);
  const l = f.location;
  for (const k of ['endLine', 'column', 'method', 'protocol', 'target', 'resource'] as const) if (l[k] !== undefined) out[k] = l[k];
  if (f.component?.ecosystem) out.ecosystem = f.component.ecosystem;
  return out;
}

/** What `detail` records of a finding created closed because its report said so; `closedAt` tells a later status
 * change by a person (which moves `status_changed_at`) from the report's own. */
export function reportClosure(state: ReportState, now: Date): Record<string, unknown> {
  return { closedBy: 'report', closedAt: now.toISOString(), reportState: { status: state.status, reason: state.reason } };
}

const json = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'string' ? stripNul(x) : x));

function intOrNull(n: number | undefined): number | null {
  return n !== undefined && Number.isInteger(n) && Math.abs(n) < 2 ** 31 ? n : null;
}
