/** Writes a report's new findings straight into `findings` with set-based `unnest` inserts, and their sources. */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { ImportRow } from './normalise.ts';
import type { PriorityDecision } from './priority.ts';
import { severityRank } from './severity.ts';

const batchSize = 5000;
const sep = String.fromCharCode(31); // unit separator: joins list fields into one text cell

/** A report row with its priority decision and the feed facts it was decided on. */
export interface DecidedRow {
  row: ImportRow;
  decision: PriorityDecision;
  kev: boolean;
  epss: number | null;
}

export interface NewFindingScope { serviceId: number; ownerTeamId: number; scanId: number; now: Date; dueDays: (p: PriorityDecision['priority']) => number }

/** Inserts new findings (those whose fingerprint is not stored yet) and one source per tool; returns how many. */
export async function insertNewFindings(trx: Kysely<DB>, rows: DecidedRow[], s: NewFindingScope): Promise<number> {
  let created = 0;
  for (let i = 0; i < rows.length; i += batchSize) {
    const batch = rows.slice(i, i + batchSize);
    const ids = await insertBatch(trx, batch, s);
    created += ids.length;
    await insertSources(trx, batch, ids, s.scanId);
  }
  return created;
}

async function insertBatch(trx: Kysely<DB>, batch: DecidedRow[], s: NewFindingScope): Promise<{ id: number; fingerprint: string }[]> {
  const cols: Record<string, unknown[]> = {};
  const put = (name: string, v: unknown): void => void (cols[name] ??= []).push(typeof v === 'string' ? noNul(v) : v ?? null);
  for (const { row, decision, kev, epss } of batch) {
    const f = row.finding;
    const l = f.location;
    put('fingerprint', row.fingerprint); put('recipe', row.recipe); put('kind', f.kind); put('tool', f.tool);
    put('rule_id', f.ruleId); put('title', f.title); put('description', f.description); put('severity', f.severity);
    put('severity_rank', severityRank[f.severity]); put('cvss_score', f.cvss?.score); put('cvss_vector', f.cvss?.vector);
    put('aliases', f.aliases.join(sep)); put('cwes', f.cwes.join(sep)); put('component_name', f.component?.name);
    put('component_version', f.component?.version); put('purl', f.component?.purl); put('fixed_version', f.fixedVersion);
    put('file_path', l.file ?? l.target); put('line', intOrNull(l.line)); put('url', l.url); put('parameter', l.parameter);
    put('host', l.host); put('port', intOrNull(l.port)); put('priority', decision.priority); put('priority_rank', decision.rank);
    put('kev', kev); put('epss', epss); put('due_at', new Date(s.now.getTime() + s.dueDays(decision.priority) * 86_400_000).toISOString());
    put('detail', json(detailOf(row)));
  }
  const now = s.now.toISOString();
  // Lists travel as separator-joined text (unnest cannot take ragged arrays of arrays) and are split here.
  const { rows } = await sql<{ id: number; fingerprint: string }>`insert into findings (service_id, fingerprint, recipe, kind, tool,
      rule_id, title, description, severity, severity_rank, cvss_score, cvss_vector, aliases, cwes, component_name,
      component_version, purl, fixed_version, file_path, line, url, parameter, host, port, status, priority, priority_rank,
      kev, epss, due_at, owner_team_id, first_seen_at, status_changed_at, detail)
    select ${s.serviceId}, fingerprint, recipe, kind, tool, rule_id, title, description, severity, severity_rank, cvss_score,
      cvss_vector, coalesce(string_to_array(nullif(aliases, ''), chr(31)), '{}'),
      coalesce(string_to_array(nullif(cwes, ''), chr(31))::integer[], '{}'), component_name, component_version, purl,
      fixed_version, file_path, line, url, parameter, host, port, 'open', priority, priority_rank, kev, epss, due_at,
      ${s.ownerTeamId}, ${now}, ${now}, detail
    from unnest(
      ${cols.fingerprint}::text[], ${cols.recipe}::text[], ${cols.kind}::text[], ${cols.tool}::text[], ${cols.rule_id}::text[],
      ${cols.title}::text[], ${cols.description}::text[], ${cols.severity}::text[], ${cols.severity_rank}::smallint[],
      ${cols.cvss_score}::real[], ${cols.cvss_vector}::text[], ${cols.aliases}::text[], ${cols.cwes}::text[],
      ${cols.component_name}::text[], ${cols.component_version}::text[], ${cols.purl}::text[], ${cols.fixed_version}::text[],
      ${cols.file_path}::text[], ${cols.line}::integer[], ${cols.url}::text[], ${cols.parameter}::text[], ${cols.host}::text[],
      ${cols.port}::integer[], ${cols.priority}::text[], ${cols.priority_rank}::smallint[], ${cols.kev}::boolean[],
      ${cols.epss}::real[], ${cols.due_at}::timestamptz[], ${cols.detail}::jsonb[]
    ) as u(fingerprint, recipe, kind, tool, rule_id, title, description, severity, severity_rank, cvss_score, cvss_vector,
      aliases, cwes, component_name, component_version, purl, fixed_version, file_path, line, url, parameter, host, port,
      priority, priority_rank, kev, epss, due_at, detail)
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
      tools.push(noNul(tool));
      rules.push(noNul(rule));
    }
  }
  await sql`insert into finding_sources (finding_id, tool, rule_id, present, first_scan_id, changed_scan_id)
    select id, tool, rule_id, true, ${scanId}, ${scanId} from unnest(${findingIds}::int[], ${tools}::text[], ${rules}::text[]) as u(id, tool, rule_id)`.execute(trx);
}

function detailOf(row: ImportRow): Record<string, unknown> {
  const f = row.finding;
  const out: Record<string, unknown> = { ...(f.detail ?? {}) };
  if (f.toolVersion) out.toolVersion = f.toolVersion;
  if (f.cvss?.version) out.cvssVersion = f.cvss.version;
  if (f.references?.length) out.references = f.references.slice(0, 50);
  const l = f.location;
  for (const k of ['endLine', 'column', 'method', 'protocol', 'target', 'resource'] as const) if (l[k] !== undefined) out[k] = l[k];
  if (f.component?.ecosystem) out.ecosystem = f.component.ecosystem;
  return out;
}

// PostgreSQL refuses NUL in text and jsonb; reports from odd tools do contain it.
// eslint-disable-next-line no-control-regex
const noNul = (s: string): string => (s.includes('\u0000') ? s.replace(/\u0000/g, '') : s);
const json = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'string' ? noNul(x) : x));

function intOrNull(n: number | undefined): number | null {
  return n !== undefined && Number.isInteger(n) && Math.abs(n) < 2 ** 31 ? n : null;
}
