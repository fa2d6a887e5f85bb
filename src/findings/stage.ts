/** Stages a report's rows in temporary tables with set-based `unnest` inserts, ready to merge with one statement each. */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { ImportRow } from './normalise.ts';
import type { PriorityDecision } from './priority.ts';
import { severityRank } from './severity.ts';

const batchSize = 5000;
const sep = String.fromCharCode(31); // unit separator: joins list fields into one text cell

export interface StagedRow {
  row: ImportRow;
  decision: PriorityDecision;
  kev: boolean;
  epss: number | null;
}

/** Creates `import_stage` and `import_stage_sources` (dropped at commit) and fills them. */
export async function stageRows(trx: Kysely<DB>, rows: StagedRow[]): Promise<void> {
  await sql.raw(`create temp table import_stage (
    fingerprint text primary key, recipe text, kind text, tool text, rule_id text, title text, description text,
    severity text, severity_rank smallint, cvss_score real, cvss_vector text, aliases text[], cwes integer[],
    component_name text, component_version text, purl text, fixed_version text, file_path text, line integer,
    url text, parameter text, host text, port integer, priority text, priority_rank smallint, priority_reasons jsonb,
    kev boolean, epss real, detail jsonb) on commit drop`).execute(trx);
  await sql.raw(`create temp table import_stage_sources (fingerprint text, tool text, rule_id text) on commit drop`).execute(trx);
  for (let i = 0; i < rows.length; i += batchSize) {
    const batch = rows.slice(i, i + batchSize);
    await insertFindings(trx, batch);
    await insertSources(trx, batch);
  }
  await sql.raw('analyze import_stage').execute(trx);
}

async function insertFindings(trx: Kysely<DB>, batch: StagedRow[]): Promise<void> {
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
    put('priority_reasons', json(decision.reasons)); put('kev', kev); put('epss', epss);
    put('detail', json(detailOf(row)));
  }
  // Lists travel as separator-joined text (unnest cannot take ragged arrays of arrays) and are split here.
  await sql`insert into import_stage select fingerprint, recipe, kind, tool, rule_id, title, description, severity,
    severity_rank, cvss_score, cvss_vector, coalesce(string_to_array(nullif(aliases, ''), chr(31)), '{}'),
    coalesce(string_to_array(nullif(cwes, ''), chr(31))::integer[], '{}'), component_name, component_version, purl,
    fixed_version, file_path, line, url, parameter, host, port, priority, priority_rank, priority_reasons, kev, epss, detail
    from unnest(
    ${cols.fingerprint}::text[], ${cols.recipe}::text[], ${cols.kind}::text[], ${cols.tool}::text[], ${cols.rule_id}::text[],
    ${cols.title}::text[], ${cols.description}::text[], ${cols.severity}::text[], ${cols.severity_rank}::smallint[],
    ${cols.cvss_score}::real[], ${cols.cvss_vector}::text[],
    ${cols.aliases}::text[], ${cols.cwes}::text[], ${cols.component_name}::text[], ${cols.component_version}::text[],
    ${cols.purl}::text[], ${cols.fixed_version}::text[], ${cols.file_path}::text[], ${cols.line}::integer[], ${cols.url}::text[],
    ${cols.parameter}::text[], ${cols.host}::text[], ${cols.port}::integer[], ${cols.priority}::text[],
    ${cols.priority_rank}::smallint[], ${cols.priority_reasons}::jsonb[], ${cols.kev}::boolean[], ${cols.epss}::real[],
    ${cols.detail}::jsonb[]
  ) as u(fingerprint, recipe, kind, tool, rule_id, title, description, severity, severity_rank, cvss_score, cvss_vector,
    aliases, cwes, component_name, component_version, purl, fixed_version, file_path, line, url, parameter, host, port,
    priority, priority_rank, priority_reasons, kev, epss, detail)`
    .execute(trx)
    .catch(rethrowWithContext);
}

async function insertSources(trx: Kysely<DB>, batch: StagedRow[]): Promise<void> {
  const fps: string[] = [];
  const tools: string[] = [];
  const rules: string[] = [];
  for (const { row } of batch) {
    for (const [tool, rule] of row.sources) {
      fps.push(row.fingerprint);
      tools.push(tool);
      rules.push(rule);
    }
  }
  await sql`insert into import_stage_sources select * from unnest(${fps}::text[], ${tools}::text[], ${rules}::text[])`.execute(trx);
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

function rethrowWithContext(e: unknown): never {
  throw new Error(`staging the report's findings failed: ${(e as Error).message}`);
}
