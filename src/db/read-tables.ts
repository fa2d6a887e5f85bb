/**
 * Which tables a query only reads, from Kysely's query tree: what lets a read answer inside another caller's open
 * PGlite transaction (pglite-dialect.ts) when that transaction has written none of them.
 */
import type { OperationNode } from 'kysely';

// Functions a read may call: built in, and none of them reads a table or changes anything. Any other name (a function
// of our own, nextval, set_config, pg_advisory_lock, …) makes the read wait for its turn as before.
const pure = new Set([
  'count',
  'sum',
  'min',
  'max',
  'avg',
  'bool_and',
  'bool_or',
  'every',
  'array_agg',
  'string_agg',
  'json_agg',
  'jsonb_agg',
  'json_object_agg',
  'jsonb_object_agg',
  'coalesce',
  'nullif',
  'greatest',
  'least',
  'lower',
  'upper',
  'length',
  'trim',
  'concat',
  'replace',
  'substring',
  'position',
  'abs',
  'round',
  'floor',
  'ceil',
  'cardinality',
  'array_length',
  'array_position',
  'unnest',
  'json_build_object',
  'jsonb_build_object',
  'json_build_array',
  'jsonb_build_array',
  'to_json',
  'to_jsonb',
  'row_to_json',
  'date_trunc',
  'extract',
  'now',
  'to_char',
]);

/**
 * The names of the tables a plain select reads (lower case, schema left out), or undefined when the query is not one
 * that can safely run elsewhere than its own turn: not a select, a write inside it (a data-modifying `with`), a row
 * lock (`for update`), raw SQL anywhere (Kysely cannot say what it names), or a function outside the list above.
 * Names a `with` defines count as tables too: that can only make a read wait, never answer wrongly.
 */
export function tablesReadBy(root: OperationNode): Set<string> | undefined {
  if (root.kind !== 'SelectQueryNode') return undefined;
  const tables = new Set<string>();
  return walk(root, tables) ? tables : undefined;
}

function walk(value: unknown, tables: Set<string>): boolean {
  if (Array.isArray(value)) return value.every((v) => walk(v, tables));
  if (value === null || typeof value !== 'object') return true;
  const node = value as { kind?: unknown } & Record<string, unknown>;
  switch (node.kind) {
    case 'ValueNode':
    case 'PrimitiveValueListNode':
      return true; // parameters: data, whatever shape it has
    case 'ReferenceNode':
      return true; // a column, qualified by a table or alias the query names elsewhere (or by none)
    case 'RawNode':
    case 'InsertQueryNode':
    case 'UpdateQueryNode':
    case 'DeleteQueryNode':
    case 'MergeQueryNode':
      return false;
    case 'SelectModifierNode':
      if (node.modifier !== 'Distinct') return false;
      break;
    case 'FunctionNode':
    case 'AggregateFunctionNode':
      if (!pure.has(String(node.func).toLowerCase())) return false;
      break;
    case 'TableNode': {
      const name = (node.table as { identifier?: { name?: unknown } } | undefined)?.identifier?.name;
      if (typeof name !== 'string') return false;
      tables.add(name.toLowerCase());
      break;
    }
  }
  for (const key of Object.keys(node)) {
    if (key !== 'kind' && !walk(node[key], tables)) return false;
  }
  return true;
}

// A statement's first word: these read, write rows (their targets are found below), or mark a savepoint. Any other
// (create, alter, drop, truncate, copy, lock, do, call, explain, set, reset, …) may change what a read would see.
const known = new Set([
  'select',
  'with',
  'insert',
  'update',
  'delete',
  'merge',
  'values',
  'savepoint',
  'release',
  'rollback',
]);
const target =
  /\b(?:insert\s+into|update|delete\s+from|merge\s+into)\s+(?:only\s+)?((?:"(?:[^"]|"")+"|[\w$]+)(?:\s*\.\s*(?:"(?:[^"]|"")+"|[\w$]+))?)/gi;
// Settings a transaction may change without changing what a read sees.
const harmless = new Set(['work_mem', 'maintenance_work_mem', 'temp_buffers', 'statement_timeout', 'lock_timeout']);
const setConfig = /\bset_config\s*\(\s*(?:'([\w.]+)')?/gi;

/**
 * The tables a statement of an open transaction writes, from its SQL text (Kysely's compiled SQL, raw fragments
 * included: the import's batches are raw SQL): the targets of `insert into`, `update`, `delete from`, `merge into`
 * wherever they appear (a `with` too). 'all' when it may change more than rows of named tables: a statement that
 * starts otherwise (DDL, truncate, copy, a setting), or a `set_config` of a setting that is not about memory or
 * time. A word that is not a table (`for update of`, `do update set`) costs nothing but a name no read has.
 * Entente's own functions are its triggers: two change only the row at hand or refuse the statement; the others
 * write tables of their own, named in `alsoWritten` (a read between statements must not see their uncommitted rows).
 */
export function tablesWrittenBy(sqlText: string): Set<string> | 'all' {
  const first = /^[\s(]*(?:--[^\n]*\n[\s(]*|\/\*[\s\S]*?\*\/[\s(]*)*([a-z]+)/i.exec(sqlText)?.[1]?.toLowerCase();
  if (!first || !known.has(first)) return 'all';
  for (const m of sqlText.matchAll(setConfig)) if (!m[1] || !harmless.has(m[1].toLowerCase())) return 'all';
  const tables = new Set<string>();
  for (const m of sqlText.matchAll(target)) {
    const last = m[1]!.split(/\s*\.\s*(?=(?:"|[\w$]))/).at(-1)!;
    tables.add((last.startsWith('"') ? last.slice(1, -1).replaceAll('""', '"') : last).toLowerCase());
  }
  for (const t of [...tables]) for (const also of alsoWritten[t] ?? []) tables.add(also);
  return tables;
}

/** Tables Entente's triggers write when a statement writes the key's table (migration 022: the open counts). */
const alsoWritten: Record<string, readonly string[]> = { findings: ['finding_open_counts'] };
