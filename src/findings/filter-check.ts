/**
 * The findings filters checked before a list or an export runs: an unknown status, priority, severity, kind, service or
 * team is a mistake (a typo lists nothing, or everything), reported all at once with the values that are known.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { badInput } from '../errors.ts';
import type { FindingFilter } from './query.ts';
import { severities } from '../imports/types.ts';

const findingStatuses = ['open', 'in_progress', 'fixed', 'false_positive', 'accepted', 'all'] as const;
export const findingPriorities = ['act', 'attend', 'track*', 'track'] as const;
export const findingKinds = ['code', 'dependency', 'web', 'host', 'secret', 'config'] as const;

/** At most this many known values are named in a message. */
const named = 10;

/** Throws bad_input naming every unknown value in the filter (and, for each, the known ones); returns when all are known. */
export async function checkFindingFilter(db: Kysely<DB>, filter: FindingFilter): Promise<void> {
  const mistakes: string[] = [];
  const details: { field: string; value: string }[] = [];
  const check = (field: string, values: readonly string[] | undefined, known: readonly string[]): void => {
    for (const v of values ?? []) {
      if (known.includes(v)) continue;
      mistakes.push(`${field} takes ${list(known)}; "${v}" is not one of them`);
      details.push({ field, value: v });
    }
  };
  check('status', filter.status, findingStatuses);
  check('priority', filter.priority, findingPriorities);
  check('severity', filter.severity, severities);
  if (filter.kind !== undefined) check('kind', [filter.kind], findingKinds);
  for (const [field, table] of [
    ['service', 'services'],
    ['team', 'teams'],
  ] as const) {
    const name = filter[field];
    if (name === undefined) continue;
    const rows = await db.selectFrom(table).select('name').orderBy('name').execute();
    const names = rows.map((r) => r.name);
    if (!names.includes(name)) {
      mistakes.push(
        `we know no ${field} named "${name}"; ${names.length ? `the ${table} are ${list(names)}` : `there are no ${table} yet (\`entente org apply\` adds them)`}`,
      );
      details.push({ field, value: name });
    }
  }
  if (mistakes.length)
    throw badInput(mistakes.join('; '), { field: details[0]!.field, value: details[0]!.value, mistakes: details });
}

function list(values: readonly string[]): string {
  return values.length <= named
    ? values.join(', ')
    : `${values.slice(0, named).join(', ')} and ${values.length - named} more`;
}
