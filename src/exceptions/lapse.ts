/** Ends exceptions whose time is up or whose findings became more urgent; their findings come back as they were, with a fresh due date. */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Priority } from '../findings/vocabulary.ts';
import { dueAtOf, type Policy } from '../policy/policy.ts';
import { recordAudit } from '../audit/audit.ts';
import { releaseControls } from './exception-controls.ts';
import { policyCalendar } from '../policy/calendar.ts';

interface EndOpts {
  now: Date;
  policy: Policy;
  actor: string;
}

/** Lapses approved exceptions covering a finding whose priority rose since the request (e.g. its CVE entered KEV). */
export async function lapseExceptionsOnRisingPriority(trx: Kysely<DB>, opts: EndOpts): Promise<number> {
  const { rows } = await sql<{ id: number }>`select e.id from exceptions e where e.status = 'approved' and exists (
      select 1 from exception_findings ef join findings f on f.id = ef.finding_id
      where ef.exception_id = e.id and f.priority_rank < ef.priority_rank_at_request)`.execute(trx);
  return endExceptions(
    trx,
    rows.map((r) => r.id),
    'lapsed',
    'the priority of a finding it covers rose',
    opts,
  );
}

/** Expires approved exceptions whose last day is over (in the organisation's time zone). */
export async function expireExceptions(trx: Kysely<DB>, opts: EndOpts): Promise<number> {
  const { rows } = await sql<{
    id: number;
  }>`select id from exceptions where status = 'approved' and expires_at < ${startOfToday(opts)}`.execute(trx);
  return endExceptions(
    trx,
    rows.map((r) => r.id),
    'expired',
    'its expiry date passed',
    opts,
  );
}

/** Ends these approved exceptions (lapsed, expired or revoked); an id that is no longer approved is left alone. Returns how many ended. */
export async function endExceptions(
  trx: Kysely<DB>,
  candidates: number[],
  status: 'lapsed' | 'expired' | 'revoked',
  reason: string,
  opts: EndOpts,
): Promise<number> {
  if (candidates.length === 0) return 0;
  const now = opts.now.toISOString();
  const dueAt = dueAtOf(opts.policy, opts.now);
  const due = (p: Priority): string => dueAt(p).toISOString();
  // Only what is still approved ends: a concurrent run that ended it first must not end (and audit) it twice.
  const ended = await sql<{
    id: number;
  }>`update exceptions set status = ${status}, ended_at = ${now}, end_reason = ${reason}
    where id = any(${candidates}::int[]) and status = 'approved' returning id`.execute(trx);
  const ids = ended.rows.map((r) => r.id).sort((a, b) => a - b);
  if (ids.length === 0) return 0;
  // A finding still covered by another approved exception stays accepted.
  // A finding no scanner reports any more while it was accepted comes back as fixed, not as open work; one still
  // reported comes back as it was before (in progress keeps its assignee working on it), else open.
  await sql`update findings f set status = case when present.any then coalesce(present.before, 'open') else 'fixed' end,
      fixed_at = case when present.any then null else ${now}::timestamptz end, status_changed_at = ${now},
      due_at = (case f.priority when 'act' then ${due('act')} when 'attend' then ${due('attend')} when 'track*' then ${due('track*')} else ${due('track')} end)::timestamptz
    from (select ef.finding_id as id, max(ef.status_before) as before,
        exists (select 1 from finding_sources fs where fs.finding_id = ef.finding_id and fs.present) as any
      from exception_findings ef where ef.exception_id = any(${ids}::int[]) group by ef.finding_id) present
    where present.id = f.id and f.status = 'accepted' and f.id in (select finding_id from exception_findings where exception_id = any(${ids}::int[]))
      and not exists (select 1 from exception_findings ef join exceptions e on e.id = ef.exception_id
        where ef.finding_id = f.id and e.status = 'approved')`.execute(trx);
  for (const id of ids)
    await recordAudit(trx, {
      actor: opts.actor,
      action: `exception.${status}`,
      entity: 'exception',
      entityId: id,
      after: { status, reason },
      at: opts.now,
    });
  await releaseControls(trx, opts, ids, status);
  return ids.length;
}

/** The first instant of today in the organisation's time zone: a date before it has passed, whatever its time of day. */
export function startOfToday(opts: { now: Date; policy: Policy }): string {
  const cal = policyCalendar(opts.policy);
  return cal.startOf(cal.dayOf(opts.now)).toISOString();
}
