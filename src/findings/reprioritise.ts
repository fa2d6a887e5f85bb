/** Recomputes the priority of findings that are still being worked, after a feed or a service changed. */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { dueAtOf, type Policy } from '../policy/policy.ts';
import { decidePriority } from './priority.ts';
import type { Severity } from '../imports/types.ts';

interface Row {
  id: number;
  severity: Severity;
  kind: string;
  rule_id: string;
  cvss_vector: string | null;
  aliases: string[];
  cwes: number[];
  priority_rank: number;
  kev: boolean;
  epss: number | null;
  name: string;
  exposure: 'internet' | 'internal' | 'isolated';
  criticality: number;
}

const batch = 5000;

/** Re-decides every open finding with a CVE (or of one service); a priority that rises brings the due date forward. */
export async function reprioritise(
  trx: Kysely<DB>,
  opts: { policy: Policy; now: Date; serviceId?: number },
): Promise<{ checked: number; changed: number }> {
  let last = 0;
  let checked = 0;
  let changed = 0;
  const scope = opts.serviceId === undefined ? sql`f.aliases <> '{}'` : sql`f.service_id = ${opts.serviceId}`;
  for (;;) {
    const { rows } =
      await sql<Row>`select f.id, f.severity, f.kind, f.rule_id, f.cvss_vector, f.aliases, f.cwes, f.priority_rank, s.name, s.exposure, s.criticality,
        exists (select 1 from feed_kev k where k.cve = any(f.aliases)) as kev,
        (select max(e.score) from feed_epss e where e.cve = any(f.aliases)) as epss
      from findings f join services s on s.id = f.service_id
      where f.status <> 'fixed' and ${scope} and f.id > ${last} order by f.id limit ${batch}`.execute(trx);
    if (rows.length === 0) return { checked, changed };
    last = rows[rows.length - 1]!.id;
    checked += rows.length;
    changed += await apply(trx, rows, opts);
  }
}

/** The step that applying an organisation file takes for a service whose exposure or criticality changed. */
export const reprioritiseServiceWith =
  (policy: Policy) =>
  (trx: Kysely<DB>, serviceId: number, now: Date): Promise<{ checked: number; changed: number }> =>
    reprioritise(trx, { policy, now, serviceId });

async function apply(trx: Kysely<DB>, rows: Row[], opts: { policy: Policy; now: Date }): Promise<number> {
  const ids: number[] = [],
    prios: string[] = [],
    ranks: number[] = [],
    kevs: boolean[] = [],
    epss: (number | null)[] = [],
    dues: string[] = [];
  const dueAt = dueAtOf(opts.policy, opts.now);
  for (const r of rows) {
    const epssScore = r.epss === null ? null : Number(r.epss);
    const d = decidePriority(
      {
        severity: r.severity,
        kind: r.kind,
        ruleId: r.rule_id,
        cvssVector: r.cvss_vector,
        aliases: r.aliases,
        cwes: r.cwes,
        kev: r.kev,
        epss: epssScore,
        service: r,
      },
      opts.policy.epss.high,
      false,
    );
    ids.push(r.id);
    prios.push(d.priority);
    ranks.push(d.rank);
    kevs.push(r.kev);
    epss.push(epssScore);
    dues.push(dueAt(d.priority).toISOString());
  }
  const res = await sql`update findings f set priority = u.priority, priority_rank = u.rank, kev = u.kev, epss = u.epss,
      due_at = case when u.rank < f.priority_rank then least(f.due_at, u.due) else f.due_at end
    from unnest(${ids}::int[], ${prios}::text[], ${ranks}::smallint[], ${kevs}::boolean[], ${epss}::real[], ${dues}::timestamptz[])
      as u(id, priority, rank, kev, epss, due)
    where f.id = u.id and (f.priority <> u.priority or f.kev <> u.kev or f.epss is distinct from u.epss)`.execute(trx);
  return Number(res.numAffectedRows ?? 0n);
}
