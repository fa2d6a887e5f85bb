/** Writes a report's new findings straight into `findings` from one JSON document per batch, and their sources. */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { ImportRow } from '../imports/normalise.ts';
import { pgJson } from '../db/pg-json.ts';
import type { PriorityDecision } from './priority.ts';
import type { ReportState } from '../imports/types.ts';
import { severityRank } from '../imports/severity.ts';

const batchSize = 5000;
/** An insert statement takes up to this many rows, as long as its document stays near `documentChars`: one statement
 * per batch of 10,000 rows written early (each statement is planned and answered, and two per batch cost ~6 % of an
 * import on PostgreSQL), while rows of kilobytes each (descriptions, references) go in smaller ones, so neither
 * process holds a document of tens of megabytes. */
const statementRows = 10_000;
const documentChars = 8 << 20;

/** A report row with its priority decision and the feed facts it was decided on. */
export interface DecidedRow {
  row: ImportRow;
  decision: PriorityDecision;
  kev: boolean;
  epss: number | null;
}

export interface NewFindingScope {
  serviceId: number;
  ownerTeamId: number;
  scanId: number;
  now: Date;
  dueAt: (p: PriorityDecision['priority']) => Date;
}

/** A finding this import created, and the fingerprint it was created for. */
export interface Created {
  id: number;
  fingerprint: string;
}

/** Inserts new findings (those whose fingerprint is not stored yet) and one source per tool; returns their ids. A
 * finding the report already closes (`state`) is created with that status. */
export async function insertNewFindings(trx: Kysely<DB>, rows: DecidedRow[], s: NewFindingScope): Promise<Created[]> {
  return insertPreparedFindings(trx, documentsOf(rows, s), s);
}

/** New findings made ready to write: their batch documents, built before the write begins (see `insertPreparedFindings`). */
export type NewFindingsDocuments = Iterable<BatchDocument>;

/** The batch documents of new findings, built now rather than while they are written: for a caller that builds the
 * next rows' documents while the database is still writing the previous ones. */
export function prepareNewFindings(rows: DecidedRow[], s: NewFindingScope): NewFindingsDocuments {
  return [...documentsOf(rows, s)];
}

// One document per batch of rows, each built when it is asked for. The batch's size comes from a sample of its rows,
// then from the last document's size.
function* documentsOf(rows: DecidedRow[], s: NewFindingScope): Generator<BatchDocument> {
  if (rows.length === 0) return;
  const sample = Math.min(rows.length, 50);
  let size = rowsFor(batchDocument(rows.slice(0, sample), s).document.length / sample);
  for (let i = 0; i < rows.length; ) {
    const batch = rows.slice(i, i + size);
    const document = batchDocument(batch, s);
    i += batch.length;
    yield document;
    size = rowsFor(document.document.length / batch.length);
  }
}

const rowsFor = (charsPerRow: number): number =>
  Math.max(100, Math.min(statementRows, Math.floor(documentChars / Math.max(1, charsPerRow))));

/** Writes new findings from their documents (prepared, or built as they are asked for). */
export async function insertPreparedFindings(
  trx: Kysely<DB>,
  documents: NewFindingsDocuments,
  s: NewFindingScope,
): Promise<Created[]> {
  const created: Created[] = [];
  // The next batch's document is built while the database writes the previous one (PostgreSQL works in its own
  // process; the transaction's connection runs the queries in order).
  let writing: Promise<void> = Promise.resolve();
  try {
    for (const prepared of documents) {
      await writing;
      writing = (async () => {
        for (const r of await insertBatch(trx, prepared, s)) created.push(r);
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

/** Writes findings this import created again from their rows as they stand now (a later listing of the report merged
 * into them after they were written): every value the report sets, and their sources. */
export async function rewriteCreated(
  trx: Kysely<DB>,
  rows: (DecidedRow & { id: number })[],
  s: NewFindingScope,
): Promise<void> {
  for (let i = 0; i < rows.length; i += batchSize) {
    const batch = rows.slice(i, i + batchSize);
    const { document } = batchDocument(batch, s);
    const set = sql.join(reportValues(s).map(([column, value]) => sql`${sql.ref(column)} = ${value}`));
    await sql`update findings f set ${set} from json_to_recordset(${document}::json) as u(${recordType})
      where f.id = ${col('id')}`.execute(trx);
    await sql`delete from finding_sources where finding_id = any(${batch.map((b) => b.id)}::int[])`.execute(trx);
    await sql`insert into finding_sources (finding_id, tool, rule_id, present, first_scan_id, changed_scan_id)
      select ${col('id')}, t.tool, t.rule_id, true, ${s.scanId}, ${s.scanId} from json_to_recordset(${document}::json) as u(${recordType})
        cross join lateral ${sourcesOf()}`.execute(trx);
  }
}

// A finding's sources from its record: the listed ones, or the one its own tool and rule make.
const sourcesOf = () =>
  sql`unnest(coalesce(${col('source_tools')}, array[${col('tool')}]), coalesce(${col('source_rules')}, array[${col('rule_id')}])) as t(tool, rule_id)`;

// The batch travels as one JSON document (JSON.stringify and JSON parsing are fast on both engines, unlike escaping
// every value into a PostgreSQL array literal) and is unpacked by json_to_recordset. Each column has a one-letter key
// and values that are their column's default are left out: the document is about half the size, and every byte of it
// is encoded, sent and parsed again. Arrays travel as PostgreSQL array literals, which PostgreSQL reads faster than
// JSON arrays. `detail` is unpacked as json and cast to jsonb in the insert: json_to_recordset's own path to a jsonb
// field took twice as long for the whole record (19.7 against 9.8 ms for 2,500 findings on PostgreSQL).
const columns = [
  ['fingerprint', 'text'],
  ['recipe', 'text'],
  ['kind', 'text'],
  ['tool', 'text'],
  ['rule_id', 'text'],
  ['title', 'text'],
  ['description', 'text'],
  ['severity', 'text'],
  ['severity_rank', 'smallint'],
  ['cvss_score', 'real'],
  ['cvss_vector', 'text'],
  ['aliases', 'text[]'],
  ['cwes', 'integer[]'],
  ['component_name', 'text'],
  ['component_version', 'text'],
  ['purl', 'text'],
  ['fixed_version', 'text'],
  ['file_path', 'text'],
  ['line', 'integer'],
  ['url', 'text'],
  ['parameter', 'text'],
  ['host', 'text'],
  ['port', 'integer'],
  ['priority', 'text'],
  ['priority_rank', 'smallint'],
  ['kev', 'boolean'],
  ['epss', 'real'],
  ['status', 'text'],
  ['fixed', 'boolean'],
  ['detail', 'json'],
  ['id', 'integer'],
  ['source_tools', 'text[]'],
  ['source_rules', 'text[]'],
] as const;
type Column = (typeof columns)[number][0];
const key = Object.fromEntries(
  columns.map(([name], i) => [name, String.fromCharCode(97 + (i % 26)) + (i >= 26 ? String(i - 26) : '')]),
) as Record<Column, string>;
const recordType = sql.raw(columns.map(([name, type]) => `${key[name]} ${type}`).join(', '));
const col = (name: Column) => sql.ref(`u.${key[name]}`);

interface BatchDocument {
  document: string;
  otherSources: boolean;
}

function batchDocument(batch: (DecidedRow & { id?: number })[], s: NewFindingScope): BatchDocument {
  let otherSources = false;
  const records = batch.map(({ row, decision, kev, epss, id }) => {
    const f = row.finding;
    const l = f.location;
    const r: Record<string, unknown> = {};
    const put = (name: Column, v: unknown): void => {
      if (v !== undefined && v !== null) r[key[name]] = v;
    };
    put('fingerprint', row.fingerprint);
    put('recipe', row.recipe);
    put('kind', f.kind);
    put('tool', f.tool);
    put('rule_id', f.ruleId);
    put('title', f.title);
    put('description', f.description);
    put('severity', f.severity);
    put('severity_rank', severityRank[f.severity]);
    put('cvss_score', f.cvss?.score);
    put('cvss_vector', f.cvss?.vector);
    if (f.aliases.length) put('aliases', textArray(f.aliases));
    if (f.cwes.length) put('cwes', `{${f.cwes.join(',')}}`);
    put('component_name', f.component?.name);
    put('component_version', f.component?.version);
    put('purl', f.component?.purl);
    put('fixed_version', f.fixedVersion);
    put('file_path', l.file ?? l.target);
    put('line', intOrNull(l.line));
    put('url', l.url);
    put('parameter', l.parameter);
    put('host', l.host);
    put('port', intOrNull(l.port));
    put('priority', decision.priority);
    put('priority_rank', decision.rank);
    if (kev) put('kev', true);
    put('epss', epss);
    if (f.state) put('status', f.state.status);
    if (f.state?.status === 'fixed') put('fixed', true);
    put('id', id);
    // A finding's sources, unless it has just the one its own tool and rule make (almost always).
    if (row.sources.size !== 1 || row.sources.get(f.tool) !== f.ruleId) {
      otherSources = true;
      put('source_tools', textArray([...row.sources.keys()]));
      put('source_rules', textArray([...row.sources.values()]));
    }
    const detail = detailOf(row, s.now);
    if (Object.keys(detail).length) put('detail', detail);
    return r;
  });
  return { document: pgJson(records), otherSources };
}

// Every findings column a report sets, and its value from the document's record `u`. A due date comes from the
// priority (the policy's SLA days, counted on the organisation's calendar by `s.dueAt`): four values per import.
function reportValues(s: NewFindingScope): [string, RawBuilder<unknown>][] {
  const now = s.now.toISOString();
  const due = (p: PriorityDecision['priority']): string => s.dueAt(p).toISOString();
  const plain = (
    [
      'fingerprint',
      'recipe',
      'kind',
      'tool',
      'rule_id',
      'title',
      'description',
      'severity',
      'severity_rank',
      'cvss_score',
      'cvss_vector',
      'component_name',
      'component_version',
      'purl',
      'fixed_version',
      'file_path',
      'line',
      'url',
      'parameter',
      'host',
      'port',
      'priority',
      'priority_rank',
      'epss',
    ] as const
  ).map((c): [string, RawBuilder<unknown>] => [c, sql`${col(c)}`]);
  return [
    ...plain,
    ['aliases', sql`coalesce(${col('aliases')}, '{}')`],
    ['cwes', sql`coalesce(${col('cwes')}, '{}')`],
    ['status', sql`coalesce(${col('status')}, 'open')`],
    ['kev', sql`coalesce(${col('kev')}, false)`],
    [
      'due_at',
      sql`(case ${col('priority')} when 'act' then ${due('act')} when 'attend' then ${due('attend')} when 'track*' then ${due('track*')} else ${due('track')} end)::timestamptz`,
    ],
    ['fixed_at', sql`case when ${col('fixed')} then ${now}::timestamptz end`],
    ['detail', sql`coalesce(${col('detail')}::jsonb, '{}')`],
  ];
}

// The findings and their sources in one statement: one round trip a batch, not two. A finding's source is almost
// always the tool and rule it was inserted with, read back from the insert's own returning rows; only the few with
// other sources (several tools in one report) are joined back to the document. Without them the document is read
// once, straight into the insert (PostgreSQL inlines a CTE used once), rather than kept and joined by fingerprint.
async function insertBatch(trx: Kysely<DB>, batch: BatchDocument, s: NewFindingScope): Promise<Created[]> {
  const now = s.now.toISOString();
  const values = reportValues(s);
  const others = batch.otherSources
    ? sql`where c.fingerprint not in (select ${col('fingerprint')} from u where ${col('source_tools')} is not null)
      union all
      select c.id, t.tool, t.rule_id, true, ${s.scanId}::integer, ${s.scanId}::integer from created c join u on ${col('fingerprint')} = c.fingerprint
        cross join lateral ${sourcesOf()} where ${col('source_tools')} is not null`
    : sql``;
  const { rows } =
    await sql<Created>`with u as (select * from json_to_recordset(${batch.document}::json) as u(${recordType})),
    created as (insert into findings (service_id, owner_team_id, first_seen_at, status_changed_at, ${sql.join(values.map(([c]) => sql.ref(c)))})
      select ${s.serviceId}, ${s.ownerTeamId}, ${now}, ${now}, ${sql.join(values.map(([, v]) => v))} from u
      returning id, fingerprint, tool, rule_id),
    sources as (insert into finding_sources (finding_id, tool, rule_id, present, first_scan_id, changed_scan_id)
      select c.id, c.tool, c.rule_id, true, ${s.scanId}::integer, ${s.scanId}::integer from created c ${others})
    select id, fingerprint from created`.execute(trx);
  return rows;
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
  for (const k of ['endLine', 'column', 'method', 'protocol', 'target', 'resource'] as const)
    if (l[k] !== undefined) out[k] = l[k];
  if (f.component?.ecosystem) out.ecosystem = f.component.ecosystem;
  return out;
}

/** What `detail` records of a finding created closed because its report said so; `closedAt` tells a later status
 * change by a person (which moves `status_changed_at`) from the report's own. */
function reportClosure(state: ReportState, now: Date): Record<string, unknown> {
  return {
    closedBy: 'report',
    closedAt: now.toISOString(),
    reportState: { status: state.status, reason: state.reason },
  };
}

// A PostgreSQL array literal: each element quoted, so commas, braces and quotes inside it stay its own.
function textArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

function intOrNull(n: number | undefined): number | null {
  return n !== undefined && Number.isInteger(n) && Math.abs(n) < 2 ** 31 ? n : null;
}
