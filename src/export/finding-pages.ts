/** Walks the findings an export covers page by page with the list's keyset cursor, so memory stays one page wide. */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { listFindings, type FindingView, type FindingsDeps } from '../findings/findings-service.ts';
import type { FindingFilter, Sort } from '../findings/query.ts';
import { calendarOf, type Calendar, type Day } from '../policy/calendar.ts';

/**
 * Why a closed finding is closed: the approved exception that accepts it, and the latest word on its thread. Their
 * days (and the day it was fixed) are the organisation's, as the findings list counts them.
 */
export interface StatusContext {
  exception?: {
    id: number;
    reason: string;
    controls: string[];
    expiresAt: string;
    validUntil: Day;
    approvedAt: string | null;
    approvedOn: Day | null;
    leadApprovedBy: string | null;
    securityApprovedBy: string | null;
  };
  lastComment?: { author: string; body: string; createdAt: string; createdOn: Day };
  /** The day no scanner reported it any more (for fixed findings). */
  fixedOn?: Day;
}

/** A finding as an export writes it: the shared view plus why its status is what it is. */
export type ExportFinding = FindingView & StatusContext;

/** The page size an export reads at a time: big enough to amortise the queries, small enough to stay light. */
const exportPageSize = 500;

/** Every finding matching the filter, in the sort's order, one page of queries at a time. */
export async function* findingPages(
  deps: FindingsDeps,
  filter: FindingFilter,
  sort: Sort,
  pageSize = exportPageSize,
): AsyncGenerator<ExportFinding[]> {
  let cursor: string | undefined;
  do {
    const page = await listFindings(deps, filter, sort, pageSize, cursor);
    if (page.items.length) yield await withStatusContext(deps.db, page.items, deps.calendar ?? calendarOf('UTC'));
    cursor = page.next ?? undefined;
  } while (cursor);
}

/** Adds the exception and latest comment to the findings whose status needs a justification. */
async function withStatusContext(db: Kysely<DB>, items: FindingView[], cal: Calendar): Promise<ExportFinding[]> {
  const accepted = items.filter((f) => f.status === 'accepted').map((f) => f.id);
  const explained = items.filter((f) => f.status !== 'open').map((f) => f.id);
  const exceptions =
    accepted.length === 0
      ? []
      : await db
          .selectFrom('exception_findings as ef')
          .innerJoin('exceptions as e', 'e.id', 'ef.exception_id')
          .select([
            'ef.finding_id',
            'e.id',
            'e.reason',
            'e.controls',
            'e.expires_at',
            'e.decided_at',
            'e.lead_approved_by',
            'e.security_approved_by',
          ])
          .where('ef.finding_id', 'in', accepted)
          .where('e.status', '=', 'approved')
          .orderBy('e.id', 'desc')
          .execute();
  const comments =
    explained.length === 0
      ? []
      : await db
          .selectFrom('finding_comments')
          .distinctOn('finding_id')
          .select(['finding_id', 'author', 'body', 'created_at'])
          .where('finding_id', 'in', explained)
          .orderBy('finding_id')
          .orderBy('id', 'desc')
          .execute();
  const byException = new Map<number, StatusContext['exception']>();
  for (const e of exceptions) {
    if (byException.has(e.finding_id)) continue;
    byException.set(e.finding_id, {
      id: e.id,
      reason: e.reason,
      controls: e.controls,
      expiresAt: iso(e.expires_at),
      validUntil: cal.dayOf(e.expires_at),
      approvedAt: e.decided_at ? iso(e.decided_at) : null,
      approvedOn: e.decided_at ? cal.dayOf(e.decided_at) : null,
      leadApprovedBy: e.lead_approved_by,
      securityApprovedBy: e.security_approved_by,
    });
  }
  const byComment = new Map(
    comments.map((c) => [
      c.finding_id,
      { author: c.author, body: c.body, createdAt: iso(c.created_at), createdOn: cal.dayOf(c.created_at) },
    ]),
  );
  return items.map((f) => {
    const out: ExportFinding = { ...f };
    const exception = byException.get(f.id);
    if (exception) out.exception = exception;
    const comment = byComment.get(f.id);
    if (comment) out.lastComment = comment;
    if (f.status === 'fixed') out.fixedOn = cal.dayOf(f.fixedAt ?? f.lastSeenAt);
    return out;
  });
}

const iso = (d: Date | string): string => new Date(d).toISOString();
