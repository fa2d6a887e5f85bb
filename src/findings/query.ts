/** Lists findings with filters, a stable sort and cursor pagination (keyset, so page 1,000 is as fast as page 1). */
import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { DB } from '../db/schema.ts';
import { badInput } from '../errors.ts';

export const sorts = ['priority', 'due', 'severity', 'newest'] as const;
export type Sort = (typeof sorts)[number];

export interface FindingFilter {
  service?: string | undefined;
  team?: string | undefined;
  status?: string[] | undefined; // default: open and in_progress; ["all"] for every status
  priority?: string[] | undefined;
  severity?: string[] | undefined;
  tool?: string | undefined;
  cve?: string | undefined;
  cwe?: number | undefined;
  q?: string | undefined;
  kind?: string | undefined;
  overdue?: boolean | undefined;
  teamIds?: number[] | undefined; // restricts to these owner teams (for callers that build views per team; never from request input)
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

// Each sort is a list of columns compared as one row value; every list ends with the id so the order is total.
const sortColumns: Record<Sort, { cols: string[]; dir: 'asc' | 'desc' }> = {
  priority: { cols: ['priority_rank', 'due_at', 'id'], dir: 'asc' },
  due: { cols: ['due_at', 'priority_rank', 'id'], dir: 'asc' },
  severity: { cols: ['severity_rank', 'priority_rank', 'id'], dir: 'asc' },
  newest: { cols: ['first_seen_at', 'id'], dir: 'desc' },
};

/** One page of findings ids in order, with the cursor for the next page. */
export async function listFindingIds(
  db: Kysely<DB>,
  filter: FindingFilter,
  sort: Sort,
  limit: number,
  cursor: string | undefined,
  now: Date,
): Promise<Page<number>> {
  const spec = sortColumns[sort];
  const where = await conditions(db, { ...filter, cwe: undefined }, now);
  if (cursor) {
    const values = decodeCursor(cursor, spec.cols);
    const lhs = sql.join(spec.cols.map((c) => sql.ref(`f.${c}`)));
    const rhs = sql.join(values.map((v, i) => castFor(spec.cols[i]!, v)));
    where.push(spec.dir === 'asc' ? sql<SqlBool>`(${lhs}) > (${rhs})` : sql<SqlBool>`(${lhs}) < (${rhs})`);
  }
  const ordered = (extra: Expression<SqlBool>[]) => {
    let q = db.selectFrom('findings as f').select(spec.cols.map((c) => `f.${c}` as 'f.id'));
    for (const w of [...where, ...extra]) q = q.where(w);
    for (const c of spec.cols) q = q.orderBy(`f.${c}` as 'f.id', spec.dir);
    return q.limit(limit + 1);
  };
  let rows: Record<string, unknown>[];
  const cwe = filter.cwe;
  if (cwe !== undefined && sort === 'priority' && openWorkOnly(filter)) {
    // The open list by CWE in priority order reads two ordered sources and merges them (migration 006): findings
    // whose first CWE it is, along the btree in order, and the few with several CWEs that have it among the rest.
    const first = ordered([sql<SqlBool>`f.cwes[1] = ${cwe}::int`]);
    const others = ordered([
      sql<SqlBool>`cardinality(f.cwes) > 1`,
      sql<SqlBool>`f.cwes[2:] @> array[${cwe}]::int[]`,
      sql<SqlBool>`f.cwes[1] <> ${cwe}::int`,
    ]);
    const order = sql.join(spec.cols.map((c) => sql`${sql.ref(c)} ${sql.raw(spec.dir)}`));
    ({ rows } = await sql<
      Record<string, unknown>
    >`select * from ((${first}) union all (${others})) u order by ${order} limit ${limit + 1}`.execute(db));
  } else {
    rows = (await ordered(
      cwe === undefined ? [] : [sql<SqlBool>`f.cwes <> '{}' and f.cwes @> array[${cwe}]::int[]`],
    ).execute()) as unknown as Record<string, unknown>[];
  }
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => Number(r.id)),
    next: more && last ? encodeCursor(spec.cols.map((c) => last[c])) : null,
  };
}

// The statuses asked for, sorted and unique; open and in progress when none are named.
const statusesOf = (f: FindingFilter): string[] =>
  f.status?.length ? [...new Set(f.status)].sort() : ['in_progress', 'open'];

// The default status filter (open and in progress) or open alone: what the partial indexes on open work cover.
function openWorkOnly(f: FindingFilter): boolean {
  const statuses = statusesOf(f).join();
  return statuses === 'in_progress,open' || statuses === 'open';
}

async function conditions(db: Kysely<DB>, f: FindingFilter, now: Date): Promise<Expression<SqlBool>[]> {
  const out: Expression<SqlBool>[] = [];
  const statuses = statusesOf(f);
  // Written literally for the default so the planner matches the partial indexes on open work.
  if (statuses.join() === 'in_progress,open') out.push(sql<SqlBool>`f.status in ('open', 'in_progress')`);
  else if (statuses.length === 1 && statuses[0] === 'open')
    out.push(sql<SqlBool>`f.status in ('open', 'in_progress') and f.status = 'open'`);
  else if (!statuses.includes('all')) out.push(sql<SqlBool>`f.status = any(${statuses}::text[])`);
  if (f.service !== undefined) out.push(sql<SqlBool>`f.service_id = ${await idOf(db, 'services', f.service)}`);
  if (f.team !== undefined) out.push(sql<SqlBool>`f.owner_team_id = ${await idOf(db, 'teams', f.team)}`);
  if (f.teamIds) out.push(sql<SqlBool>`f.owner_team_id = any(${f.teamIds}::int[])`);
  if (f.priority?.length) out.push(sql<SqlBool>`f.priority = any(${f.priority}::text[])`);
  if (f.severity?.length) out.push(sql<SqlBool>`f.severity = any(${f.severity}::text[])`);
  if (f.kind) out.push(sql<SqlBool>`f.kind = ${f.kind}`);
  if (f.tool)
    out.push(
      sql<SqlBool>`exists (select 1 from finding_sources s where s.finding_id = f.id and lower(s.tool) = lower(${f.tool}))`,
    );
  // `aliases <> '{}'` names the partial index's condition (migration 007), so PostgreSQL can use it.
  if (f.cve) out.push(sql<SqlBool>`f.aliases <> '{}' and f.aliases @> array[${f.cve.toUpperCase()}]::text[]`);
  if (f.overdue) out.push(sql<SqlBool>`f.due_at < ${now.toISOString()}`);
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    out.push(
      sql<SqlBool>`(f.title ilike ${like} or f.file_path ilike ${like} or f.component_name ilike ${like} or f.url ilike ${like} or f.rule_id ilike ${like})`,
    );
  }
  return out;
}

async function idOf(db: Kysely<DB>, table: 'services' | 'teams', name: string): Promise<number> {
  const row = await db.selectFrom(table).select('id').where('name', '=', name).executeTakeFirst();
  // An unknown name matches nothing rather than everything.
  return row?.id ?? -1;
}

function castFor(col: string, v: unknown) {
  if (col.endsWith('_at')) return sql`${v}::timestamptz`;
  return sql`${v}::int`;
}

function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values.map((v) => (v instanceof Date ? v.toISOString() : v)))).toString(
    'base64url',
  );
}

// Each value must fit its column's cast, or a hand-made cursor would fail inside PostgreSQL as a 500.
function decodeCursor(cursor: string, cols: string[]): unknown[] {
  const fits = (col: string, x: unknown): boolean =>
    col.endsWith('_at')
      ? typeof x === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(x) && !Number.isNaN(Date.parse(x))
      : Number.isInteger(x) && Math.abs(x as number) < 2 ** 31;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === cols.length && v.every((x, i) => fits(cols[i]!, x))) return v;
  } catch {
    // fall through to the error below
  }
  throw badInput('the cursor is not one this list gave out; start again without it', { cursor });
}
