/**
 * The part of an import that meets what is already stored: findings seen again (unchanged or reopened), their
 * sources, and what this report's tools no longer report (fixed). Only what changes is written, so an identical
 * re-import touches no finding and no source row.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { FindingStatus, Priority } from './vocabulary.ts';
import type { DecidedRow } from './insert-new.ts';

const chunk = 10_000;

export interface Stored {
  id: number;
  status: FindingStatus;
  priority: Priority;
  priority_rank: number;
  kev: boolean;
  epss: number | null;
  due_at: Date;
  status_changed_at: Date;
  closed_by: string | null;
  closed_at: string | null;
}

/** The stored findings of the service among these fingerprints, by fingerprint. */
export async function loadStored(
  trx: Kysely<DB>,
  serviceId: number,
  fingerprints: string[],
): Promise<Map<string, Stored>> {
  const out = new Map<string, Stored>();
  for (let i = 0; i < fingerprints.length; i += chunk) {
    const part = fingerprints.slice(i, i + chunk);
    const { rows } = await sql<
      Stored & { fingerprint: string }
    >`select id, fingerprint, status, priority, priority_rank, kev, epss, due_at,
        status_changed_at, detail->>'closedBy' as closed_by, detail->>'closedAt' as closed_at
      from findings where service_id = ${serviceId} and fingerprint = any(${part}::text[])`.execute(trx);
    for (const r of rows) out.set(r.fingerprint, r);
  }
  return out;
}

export interface SeenAgain {
  row: DecidedRow;
  stored: Stored;
}

/** True when the finding is closed only because its report said so, and no person or exception changed it since. */
function closedByReport(s: Stored): boolean {
  return (
    s.status !== 'open'
    && s.status !== 'in_progress'
    && s.closed_by === 'report'
    && s.closed_at !== null
    && new Date(s.status_changed_at).getTime() === new Date(s.closed_at).getTime()
  );
}

/** Whether a report's listing reopens a stored finding: a fixed one, or one closed only by an earlier report, listed
 * open. A listing the report closes itself never reopens, and a person's triage (false positive, accepted) stays. */
function reopens(s: SeenAgain): boolean {
  if (s.row.row.finding.state) return false;
  return s.stored.status === 'fixed' || closedByReport(s.stored);
}

/** Reopens fixed findings and refreshes changed priorities; returns the counts of unchanged and reopened. */
export async function updateSeenAgain(
  trx: Kysely<DB>,
  seen: SeenAgain[],
  now: Date,
  dueAt: (p: Priority) => Date,
): Promise<{ unchanged: number; reopened: number }> {
  const ids: number[] = [],
    reopen: boolean[] = [],
    prios: string[] = [],
    ranks: number[] = [],
    kevs: boolean[] = [],
    epss: (number | null)[] = [],
    dues: string[] = [];
  let unchanged = 0;
  let reopened = 0;
  for (const { row, stored } of seen) {
    const d = row.decision;
    const fresh = dueAt(d.priority);
    const isReopen = reopens({ row, stored });
    if (isReopen) reopened++;
    else unchanged++;
    const changed = stored.priority !== d.priority || stored.kev !== row.kev || !sameEpss(stored.epss, row.epss);
    if (!isReopen && !changed) continue;
    // A due date is kept through re-imports; it only moves earlier when the priority rises.
    const due = isReopen
      ? fresh
      : d.rank < stored.priority_rank && fresh < new Date(stored.due_at)
        ? fresh
        : new Date(stored.due_at);
    ids.push(stored.id);
    reopen.push(isReopen);
    prios.push(d.priority);
    ranks.push(d.rank);
    kevs.push(row.kev);
    epss.push(row.epss);
    dues.push(due.toISOString());
  }
  for (let i = 0; i < ids.length; i += chunk) {
    const s = (a: unknown[]) => a.slice(i, i + chunk);
    await sql`update findings f set status = case when u.reopen then 'open' else f.status end,
        reopened_count = f.reopened_count + (case when u.reopen then 1 else 0 end),
        fixed_at = case when u.reopen then null else f.fixed_at end,
        detail = case when u.reopen then f.detail - 'closedBy' - 'closedAt' - 'reportState' else f.detail end,
        status_changed_at = case when u.reopen then ${now.toISOString()}::timestamptz else f.status_changed_at end,
        priority = u.priority, priority_rank = u.rank, kev = u.kev, epss = u.epss, due_at = u.due
      from unnest(${s(ids)}::int[], ${s(reopen)}::boolean[], ${s(prios)}::text[], ${s(ranks)}::smallint[], ${s(kevs)}::boolean[], ${s(epss)}::real[], ${s(dues)}::timestamptz[])
        as u(id, reopen, priority, rank, kev, epss, due)
      where f.id = u.id`.execute(trx);
  }
  return { unchanged, reopened };
}

// EPSS is stored as real: compare at its precision.
const sameEpss = (a: number | null, b: number | null): boolean =>
  a === null || b === null ? a === b : Math.abs(a - b) < 1e-6;

/** Adds the (finding, tool) sources that are new and marks returning ones present; untouched when nothing changed. */
export async function syncSources(trx: Kysely<DB>, seen: SeenAgain[], scanId: number): Promise<void> {
  const byId = new Map(seen.map((s) => [s.stored.id, s.row.row.sources]));
  const ids = [...byId.keys()];
  const add: { id: number; tool: string; rule: string }[] = [];
  const revive: { id: number; tool: string; rule: string }[] = [];
  for (let i = 0; i < ids.length; i += chunk) {
    const part = ids.slice(i, i + chunk);
    const { rows } = await sql<{
      finding_id: number;
      tool: string;
      rule_id: string;
      present: boolean;
    }>`select finding_id, tool, rule_id, present
      from finding_sources where finding_id = any(${part}::int[])`.execute(trx);
    const known = new Map(rows.map((r) => [`${r.finding_id}\u0000${r.tool}`, r]));
    for (const id of part) {
      for (const [tool, rule] of byId.get(id) ?? []) {
        const k = known.get(`${id}\u0000${tool}`);
        if (!k) add.push({ id, tool, rule });
        else if (!k.present || k.rule_id !== rule) revive.push({ id, tool, rule });
      }
    }
  }
  if (add.length) {
    await sql`insert into finding_sources (finding_id, tool, rule_id, present, first_scan_id, changed_scan_id)
      select id, tool, rule, true, ${scanId}, ${scanId} from unnest(${add.map((a) => a.id)}::int[], ${add.map((a) => a.tool)}::text[], ${add.map((a) => a.rule)}::text[]) as u(id, tool, rule)`.execute(
      trx,
    );
  }
  if (revive.length) {
    await sql`update finding_sources fs set present = true, rule_id = u.rule, changed_scan_id = ${scanId}
      from unnest(${revive.map((a) => a.id)}::int[], ${revive.map((a) => a.tool)}::text[], ${revive.map((a) => a.rule)}::text[]) as u(id, tool, rule)
      where fs.finding_id = u.id and fs.tool = u.tool`.execute(trx);
  }
}

/** What this report's tools found before for the service and do not report now is absent; a finding no tool reports any more is fixed. */
export async function fixAbsent(
  trx: Kysely<DB>,
  o: { serviceId: number; tools: string[]; reportedIds: number[]; scanId: number; now: Date },
): Promise<number> {
  // `not in` is a hash lookup only while the ids' hash fits in work_mem (4 MB by default, ~150,000 ids); past that
  // PostgreSQL compares every source with every id, and a 300,000-finding import took minutes. Give this transaction
  // room for the hash (about 64 bytes an id).
  const kilobytes = 4096 + Math.ceil((o.reportedIds.length * 64) / 1024);
  await sql`select set_config('work_mem', ${`${kilobytes}kB`}, true)`.execute(trx);
  const absent = await sql<{
    finding_id: number;
  }>`update finding_sources fs set present = false, changed_scan_id = ${o.scanId}
    from findings f where fs.finding_id = f.id and f.service_id = ${o.serviceId} and fs.tool = any(${o.tools}::text[]) and fs.present
      and f.id not in (select unnest(${o.reportedIds}::int[]))
    returning fs.finding_id`.execute(trx);
  if (absent.rows.length === 0) return 0;
  const ids = [...new Set(absent.rows.map((r) => r.finding_id))];
  const now = o.now.toISOString();
  const fixed = await sql`update findings f set status = 'fixed', fixed_at = ${now}, status_changed_at = ${now}
    where f.id = any(${ids}::int[]) and f.status in ('open', 'in_progress')
      and not exists (select 1 from finding_sources fs where fs.finding_id = f.id and fs.present)`.execute(trx);
  return Number(fixed.numAffectedRows ?? 0n);
}
