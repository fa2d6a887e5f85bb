/** Reading and working findings: the view people see, status and assignee changes, and the comment thread. */
import { sql, type Kysely } from 'kysely';
import type { DB, Finding, Service } from '../db/schema.ts';
import type { FindingStatus } from './vocabulary.ts';
import type { Severity } from '../imports/types.ts';
import { decidePriority } from './priority.ts';
import { EntenteError, badInput } from '../errors.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Principal } from '../people/tokens.ts';
import { requireWrite } from '../people/access.ts';
import { listFindingIds, type FindingFilter, type Page, type Sort } from './query.ts';
import { calendarOf, type Calendar, type Day } from '../policy/calendar.ts';
import type { z } from '@hono/zod-openapi';
import type { commentSchema, findingSchema } from './finding-schema.ts';

/** A finding as people see it (the API's contract, `findingSchema`); its due day is a calendar `Day`. */
export type FindingView = Omit<z.infer<typeof findingSchema>, 'dueDate'> & { dueDate: Day };

export type Comment = z.infer<typeof commentSchema>;

/** What reading findings needs; `calendar` (the organisation's days, from the policy's time zone) defaults to UTC. */
export interface FindingsDeps {
  db: Kysely<DB>;
  now: () => Date;
  epssHigh: number;
  calendar?: Calendar | undefined;
}

/** A page of findings the principal may see, in the chosen order. */
export async function listFindings(
  deps: FindingsDeps,
  filter: FindingFilter,
  sort: Sort,
  limit: number,
  cursor: string | undefined,
): Promise<Page<FindingView>> {
  const page = await listFindingIds(deps.db, filter, sort, limit, cursor, deps.now());
  const views = await viewsOf(deps, page.items);
  return { items: page.items.map((id) => views.get(id)!).filter(Boolean), next: page.next };
}

/** One finding with its sources, or not_found. */
export async function getFinding(deps: FindingsDeps, id: number): Promise<FindingView & { comments: Comment[] }> {
  return withComments(deps.db, id, (await viewsOf(deps, [id])).get(id));
}

async function withComments(
  db: Kysely<DB>,
  id: number,
  view: FindingView | undefined,
): Promise<FindingView & { comments: Comment[] }> {
  if (!view) throw new EntenteError('not_found', `finding ${id} does not exist`, { id });
  const comments = await db
    .selectFrom('finding_comments')
    .selectAll()
    .where('finding_id', '=', id)
    .orderBy('id')
    .execute();
  return {
    ...view,
    comments: comments.map((c) => ({
      id: c.id,
      author: c.author,
      body: c.body,
      createdAt: new Date(c.created_at).toISOString(),
    })),
  };
}

/** `set`: update the findings with it and read them from the rows the update returns, in the same statement (a PATCH's
 * answer). `db`: the transaction to read in, if any. */
async function viewsOf(
  deps: FindingsDeps,
  ids: number[],
  db: Kysely<DB> = deps.db,
  set?: FindingSet,
): Promise<Map<number, FindingView>> {
  if (ids.length === 0) return new Map();
  const from = set
    ? (db
        .with('updated', (q) => q.updateTable('findings').set(set).where('id', 'in', ids).returningAll())
        .selectFrom('updated as f') as unknown as ReturnType<typeof findingsAsF>)
    : findingsAsF(db);
  // One query for the page: its findings, each with its sources and when a tool last reported it. Every query is a
  // round trip (to the server, or to PGlite's worker thread), and a list page used to make three.
  const rows = await from
    .innerJoin('services as s', 's.id', 'f.service_id')
    .innerJoin('teams as t', 't.id', 'f.owner_team_id')
    .leftJoin('people as p', 'p.id', 'f.assignee_id')
    .selectAll('f')
    .select([
      's.name as service_name',
      's.exposure',
      's.criticality',
      't.name as team_name',
      'p.email as assignee_email',
    ])
    .select(
      sql<
        FindingView['sources']
      >`(select coalesce(json_agg(json_build_object('tool', fs.tool, 'ruleId', fs.rule_id, 'present', fs.present)
      order by fs.tool), '[]') from finding_sources fs where fs.finding_id = f.id)`.as('source_list'),
    )
    .select(lastSeenOf().as('last_seen'))
    .where('f.id', 'in', ids)
    .execute();
  const now = deps.now().getTime();
  const out = new Map<number, FindingView>();
  for (const r of rows) {
    const due = new Date(r.due_at);
    out.set(r.id, {
      id: r.id,
      service: r.service_name,
      ownerTeam: r.team_name,
      title: r.title,
      kind: r.kind,
      severity: r.severity,
      priority: r.priority,
      priorityReasons: reasonsOf(r, deps.epssHigh),
      status: r.status,
      dueAt: due.toISOString(),
      dueDate: (deps.calendar ?? calendarOf('UTC')).dayOf(due),
      overdue: (r.status === 'open' || r.status === 'in_progress') && due.getTime() < now,
      tool: r.tool,
      ruleId: r.rule_id,
      sources: r.source_list,
      aliases: r.aliases,
      cwes: r.cwes,
      cvss: { score: r.cvss_score, vector: r.cvss_vector },
      kev: r.kev,
      epss: r.epss,
      component: { name: r.component_name, version: r.component_version, purl: r.purl, fixedVersion: r.fixed_version },
      location: { file: r.file_path, line: r.line, url: r.url, parameter: r.parameter, host: r.host, port: r.port },
      assignee: r.assignee_email,
      firstSeenAt: iso(r.first_seen_at),
      lastSeenAt: iso(r.last_seen ?? r.fixed_at ?? r.status_changed_at),
      fixedAt: r.fixed_at ? iso(r.fixed_at) : null,
      reopenedCount: r.reopened_count,
      fingerprint: r.fingerprint,
      recipe: r.recipe,
      description: r.description,
      detail: r.detail as unknown as Record<string, unknown>,
    });
  }
  return out;
}

const iso = (d: Date | string): string => new Date(d).toISOString();

const findingsAsF = (db: Kysely<DB>) => db.selectFrom('findings as f');

// Reasons are derived, not stored: the same pure decision that set the priority explains it, in today's words.
function reasonsOf(
  r: Finding & { service_name: string; exposure: Service['exposure']; criticality: number },
  epssHigh: number,
): string[] {
  return decidePriority(
    {
      severity: r.severity as Severity,
      kind: r.kind,
      ruleId: r.rule_id,
      cvssVector: r.cvss_vector,
      aliases: r.aliases,
      cwes: r.cwes,
      kev: r.kev,
      epss: r.epss,
      service: { name: r.service_name, exposure: r.exposure, criticality: r.criticality },
    },
    epssHigh,
  ).reasons;
}

// A finding a tool still reports was last seen at that tool's latest scan of the service (for the row `f`).
function lastSeenOf() {
  return sql<Date | string | null>`(select max(sc.created_at) from finding_sources fs
    join lateral (select created_at from scans where service_id = f.service_id and fs.tool = any(tools) order by created_at desc limit 1) sc on true
    where fs.finding_id = f.id and fs.present)`;
}

/** What a PATCH of a finding writes. */
type FindingSet = {
  status?: FindingStatus;
  status_changed_at?: Date;
  fixed_at?: Date | null;
  assignee_id?: number | null;
};

export interface FindingChange {
  status?: 'open' | 'in_progress' | 'fixed' | 'false_positive' | undefined;
  assignee?: string | null | undefined; // an e-mail, or null to unassign
  comment?: string | undefined;
}

async function coveredByException(db: Kysely<DB>, findingId: number): Promise<boolean> {
  const row = await db
    .selectFrom('exception_findings as ef')
    .innerJoin('exceptions as e', 'e.id', 'ef.exception_id')
    .select('e.id')
    .where('ef.finding_id', '=', findingId)
    .where('e.status', '=', 'approved')
    .executeTakeFirst();
  return row !== undefined;
}

/** Applies a person's change to a finding: checks their right to it, records the before/after. */
export async function updateFinding(
  deps: FindingsDeps,
  who: Principal,
  id: number,
  change: FindingChange,
): Promise<FindingView & { comments: Comment[] }> {
  if (change.status === undefined && change.assignee === undefined && change.comment === undefined) {
    throw badInput('nothing to change: send status, assignee or comment');
  }
  if (change.status === 'false_positive' && !change.comment?.trim()) {
    throw badInput(
      'marking a finding as a false positive needs a comment saying why, so the next person can trust it',
      { field: 'comment' },
    );
  }
  const now = deps.now();
  return deps.db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('findings as f')
      .innerJoin('teams as t', 't.id', 'f.owner_team_id')
      .select(['f.id', 'f.status', 'f.assignee_id', 'f.owner_team_id', 't.name as team'])
      .where('f.id', '=', id)
      .forUpdate('f')
      .executeTakeFirst();
    if (!before) throw new EntenteError('not_found', `finding ${id} does not exist`, { id });
    requireWrite(who, { teamId: before.owner_team_id, team: before.team }, `finding ${id}`, 'change findings');
    // An accepted finding stays as it is while an approved exception covers it; one the report itself accepted (a
    // scanner suppression) is people's to re-triage.
    if (before.status === 'accepted' && change.status && (await coveredByException(trx, id))) {
      throw new EntenteError(
        'conflict',
        `finding ${id} is covered by an approved exception; end the exception to change its status`,
        { id },
      );
    }
    const set: FindingSet = {};
    if (change.status && change.status !== before.status) {
      set.status = change.status;
      set.status_changed_at = now;
      set.fixed_at = change.status === 'fixed' ? now : null;
    }
    if (change.assignee !== undefined)
      set.assignee_id = change.assignee === null ? null : await personId(trx, change.assignee);
    if (change.comment?.trim()) {
      await trx
        .insertInto('finding_comments')
        .values({ finding_id: id, author: who.actor, body: change.comment.trim(), created_at: now })
        .execute();
    }
    // The answer is read from the row the update returns, in the same statement (it was a statement more after the
    // commit); a change of nothing but a comment reads the row as it is.
    const view = (await viewsOf(deps, [id], trx, Object.keys(set).length ? set : undefined)).get(id);
    await recordAudit(trx, {
      actor: who.actor,
      action: 'finding.update',
      entity: 'finding',
      entityId: id,
      before: { status: before.status, assignee_id: before.assignee_id },
      after: { ...set, comment: change.comment ?? null },
      at: now,
    });
    return withComments(trx, id, view);
  });
}

async function personId(trx: Kysely<DB>, email: string): Promise<number> {
  const p = await trx
    .selectFrom('people')
    .select('id')
    .where('email', '=', email.trim().toLowerCase())
    .executeTakeFirst();
  if (!p)
    throw badInput(`no person "${email}" is known; add them to a team in the organisation file first`, {
      field: 'assignee',
    });
  return p.id;
}
