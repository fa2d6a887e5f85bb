/**
 * Which tables a query only reads, from Kysely's query tree: what lets a read answer inside another caller's open
 * PGlite transaction (pglite-dialect.ts) when that transaction has written none of them.
 */
import type { OperationNode } from 'kysely';

// Functions a read may call: built in, and none of them reads a table or changes anything. Any other name (a function
// of our own, nextval, set_config, pg_advisory_lock, …) makes the read wait for its turn as before.
const pure = new Set([
  'count', 'sum', 'min', 'max', 'avg', 'bool_and', 'bool_or', 'every', 'array_agg', 'string_agg', 'json_agg', 'jsonb_agg',
  'json_object_agg', 'jsonb_object_agg', 'coalesce', 'nullif', 'greatest', 'least', 'lower', 'upper', 'length', 'trim',
  'concat', 'replace', 'substring', 'position', 'abs', 'round', 'floor', 'ceil', 'cardinality', 'array_length',
  'array_position', 'unnest', 'json_build_object', 'jsonb_build_object', 'json_build_array', 'jsonb_build_array',
  'to_json', 'to_jsonb', 'row_to_json', 'date_trunc', 'extract', 'now', 'to_char',
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
