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

// The batch travels as one JSON document (JSON.stringify and JSON parsing are fast on both engines, unlike escaping
// every value into a PostgreSQL array literal) and is unpacked by json_to_recordset. Each column has a one-letter key
// and values that are their column's default are left out: the document is about half the size, and every byte of it
// is encoded, sent and parsed again. Arrays travel as PostgreSQL array literals, which PostgreSQL reads faster than
// JSON arrays.
const columns = [
  ['fingerprint', 'text'], ['recipe', 'text'], ['kind', 'text'], ['tool', 'text'], ['rule_id', 'text'], ['title', 'text'],
  ['description', 'text'], ['severity', 'text'], ['severity_rank', 'smallint'], ['cvss_score', 'real'], ['cvss_vector', 'text'],
  ['aliases', 'text[]'], ['cwes', 'integer[]'], ['component_name', 'text'], ['component_version', 'text'], ['purl', 'text'],
  ['fixed_version', 'text'], ['file_path', 'text'], ['line', 'integer'], ['url', 'text'], ['parameter', 'text'], ['host', 'text'],
  ['port', 'integer'], ['priority', 'text'], ['priority_rank', 'smallint'], ['kev', 'boolean'], ['epss', 'real'],
  ['due_days', 'integer'], ['status', 'text'], ['fixed', 'boolean'], ['detail', 'jsonb'],
] as const;
type Column = (typeof columns)[number][0];
const key = Object.fromEntries(columns.map(([name], i) => [name, String.fromCharCode(97 + (i % 26)) + (i >= 26 ? String(i - 26) : '')])) as Record<Column, string>;
const recordType = sql.raw(columns.map(([name, type]) => `${key[name]} ${type}`).join(', '));
const col = (name: Column) => sql.ref(`u.${key[name]}`);

function batchDocument(batch: DecidedRow[], s: NewFindingScope): string {
  const records = batch.map(({ row, decision, kev, epss }) => {
    const f = row.finding;
    const l = f.location;
    const r: Record<string, unknown> = {};
    const put = (name: Column, v: unknown): void => {
      if (v !== undefined && v !== null) r[key[name]] = v;
    };
    put('fingerprint', row.fingerprint); put('recipe', row.recipe); put('kind', f.kind); put('tool', f.tool); put('rule_id', f.ruleId);
    put('title', f.title); put('description', f.description); put('severity', f.severity); put('severity_rank', severityRank[f.severity]);
    put('cvss_score', f.cvss?.score); put('cvss_vector', f.cvss?.vector);
    if (f.aliases.length) put('aliases', textArray(f.aliases));
    if (f.cwes.length) put('cwes', `{${f.cwes.join(',')}}`);
    put('component_name', f.component?.name); put('component_version', f.component?.version); put('purl', f.component?.purl);
    put('fixed_version', f.fixedVersion); put('file_path', l.file ?? l.target); put('line', intOrNull(l.line)); put('url', l.url);
    put('parameter', l.parameter); put('host', l.host); put('port', intOrNull(l.port));
    put('priority', decision.priority); put('priority_rank', decision.rank);
    if (kev) put('kev', true);
    put('epss', epss); put('due_days', s.dueDays(decision.priority));
    if (f.state) put('status', f.state.status);
    if (f.state?.status === 'fixed') put('fixed', true);
    const detail = detailOf(row, s.now);
    for (const _ in detail) {
      put('detail', detail);
      break;
    }
    return r;
  });
  return json(records);
}

async function insertBatch(trx: Kysely<DB>, document: string, s: NewFindingScope): Promise<{ id: number; fingerprint: string }[]> {
  const now = s.now.toISOString();
  // Due dates are whole days of 86,400 seconds from now, as the rest of Entente counts them (not calendar days in
  // the session's time zone, which `interval '1 day'` would be).
  const { rows } = await sql<{ id: number; fingerprint: string }>`insert into findings (service_id, fingerprint, recipe, kind, tool,
      rule_id, title, description, severity, severity_rank, cvss_score, cvss_vector, aliases, cwes, component_name,
      component_version, purl, fixed_version, file_path, line, url, parameter, host, port, status, priority, priority_rank,
      kev, epss, due_at, owner_team_id, first_seen_at, status_changed_at, fixed_at, detail)
    select ${s.serviceId}, ${col('fingerprint')}, ${col('recipe')}, ${col('kind')}, ${col('tool')}, ${col('rule_id')}, ${col('title')},
      ${col('description')}, ${col('severity')}, ${col('severity_rank')}, ${col('cvss_score')}, ${col('cvss_vector')},
      coalesce(${col('aliases')}, '{}'), coalesce(${col('cwes')}, '{}'), ${col('component_name')}, ${col('component_version')},
      ${col('purl')}, ${col('fixed_version')}, ${col('file_path')}, ${col('line')}, ${col('url')}, ${col('parameter')}, ${col('host')},
      ${col('port')}, coalesce(${col('status')}, 'open'), ${col('priority')}, ${col('priority_rank')}, coalesce(${col('kev')}, false),
      ${col('epss')}, ${now}::timestamptz + ${col('due_days')} * interval '86400 seconds', ${s.ownerTeamId}, ${now}, ${now},
      case when ${col('fixed')} then ${now}::timestamptz end, coalesce(${col('detail')}, '{}')
    from json_to_recordset(${document}::json) as u(${recordType})
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

// A PostgreSQL array literal: each element quoted, so commas, braces and quotes inside it stay its own.
function textArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

function intOrNull(n: number | undefined): number | null {
  return n !== undefined && Number.isInteger(n) && Math.abs(n) < 2 ** 31 ? n : null;
}
