/**
 * Review meetings: a new review generates and stores its agenda for the period since the last review of the same scope;
 * attendees, decisions and action items are added while it is open; closing it turns every action item into a
 * commitment (owner team, due date) that the next agenda starts with. Every write is audited in its transaction.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { EntenteError, badInput } from '../errors.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Principal } from '../people/tokens.ts';
import { readableTeams, requireRead, requireRole, requireWrite } from '../people/access.ts';
import { calendarOf, type Calendar, type Day, type PlainDays } from '../policy/calendar.ts';
import { createCommitments, inTransaction, type CommitmentsDeps } from '../commitments/commitments-service.ts';
import {
  buildAgenda,
  cadences,
  nextMeeting,
  periodStart,
  type Agenda,
  type Cadence,
  type GoalsAtRisk,
  type ReviewScope,
} from './agenda.ts';
import { reviewMessages as m } from './review-messages.ts';
import { notifyTeams } from '../notifications/work-events.ts';

export type { Agenda, GoalLine, GoalsAtRisk, ReviewScope } from './agenda.ts';

/** What reviews need: the database, the clock, the policy (time zone, controls for commitments), and goals at risk when wired. */
export interface ReviewsDeps extends CommitmentsDeps {
  goalsAtRisk?: GoalsAtRisk | undefined;
}

export interface ActionInput {
  title: string;
  team: string;
  due: string;
}
export interface ReviewExtras {
  attendees?: string[] | undefined;
  decisions?: string[] | undefined;
  actions?: ActionInput[] | undefined;
}

export interface ReviewView {
  id: number;
  scope: 'team' | 'org';
  team: string | null;
  cadence: Cadence;
  period: { from: string; to: string };
  next: string;
  createdBy: string;
  createdAt: string;
  closedAt: string | null;
  closedBy: string | null;
  attendees: string[];
  decisions: { id: number; text: string; createdBy: string; createdAt: string }[];
  actions: {
    id: number;
    title: string;
    ownerTeam: string;
    dueDate: Day;
    commitmentId: number | null;
    state: string | null;
  }[];
  summary: string;
  agenda: Agenda;
}

/** A review as stored, or as the API's JSON gives it back (days as plain strings): what the renderings read. */
export type ReviewJson = PlainDays<ReviewView>;

const calendarFor = (deps: Pick<ReviewsDeps, 'policy'>): Calendar => calendarOf(deps.policy.time_zone ?? 'UTC');
const scopeKey = (s: ReviewScope) => (s.teamId === null ? 'the organisation' : `team ${s.team}`);

/** Generates the agenda of a new review for a team (or the organisation when `team` is absent) and stores it. */
export async function newReview(
  deps: ReviewsDeps,
  who: Principal,
  input: { cadence: string; team?: string | undefined },
): Promise<ReviewView> {
  const cadence = cadenceOf(input.cadence);
  const scope = await scopeOf(deps.db, input.team);
  requireWriteScope(who, scope, 'hold reviews');
  const now = deps.now();
  const id = await inTransaction(deps.db, async (trx) => {
    // One review at a time per scope: the next one's period starts where this one's ends.
    await sql`select pg_advisory_xact_lock(7314015, ${scope.teamId ?? 0})`.execute(trx);
    const previous = await trx
      .selectFrom('reviews')
      .select(['id', 'period_to'])
      .where('scope', '=', scope.kind)
      .where(scope.teamId === null ? sql<boolean>`team_id is null` : sql<boolean>`team_id = ${scope.teamId}`)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const from = previous ? new Date(previous.period_to) : periodStart(cadence, now);
    const next = nextMeeting(cadence, now);
    const agenda = await buildAgenda(trx, {
      scope,
      cadence,
      from,
      to: now,
      next,
      previousId: previous?.id ?? null,
      calendar: calendarFor(deps),
      goalsAtRisk: deps.goalsAtRisk,
    });
    const row = await trx
      .insertInto('reviews')
      .values({
        scope: scope.kind,
        team_id: scope.teamId,
        cadence,
        period_from: from,
        period_to: now,
        next_at: next,
        agenda: JSON.stringify(agenda),
        created_by: who.actor,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor: who.actor,
      action: 'review.create',
      entity: 'review',
      entityId: row.id,
      after: {
        scope: scope.kind,
        team: scope.team,
        cadence,
        from: from.toISOString(),
        to: now.toISOString(),
        previous: previous?.id ?? null,
      },
      at: now,
    });
    // Its scope's teams hear the agenda is ready (the whole organisation's: every team).
    const teams =
      scope.teamId !== null
        ? [scope.teamId]
        : (await trx.selectFrom('teams').select('id').where('archived_at', 'is', null).orderBy('id').execute()).map(
            (t) => t.id,
          );
    await notifyTeams(
      trx,
      {
        kind: 'review.agenda_ready',
        id: row.id,
        title: `the ${cadence} review of ${scope.team ?? 'the organisation'}`,
        when: '',
        key: `review:${row.id}`,
        team: scope.team ?? 'the organisation',
        now,
      },
      teams,
    );
    return row.id;
  });
  return viewOf(deps, id);
}

/** Reviews the caller may read, newest first (`team` narrows to one team's). */
export async function listReviews(
  deps: Pick<ReviewsDeps, 'db' | 'policy' | 'now'>,
  who: Principal,
  filter: { team?: string | undefined; limit?: number | undefined } = {},
): Promise<ReviewView[]> {
  let q = deps.db.selectFrom('reviews as r').leftJoin('teams as t', 't.id', 'r.team_id').select('r.id');
  if (filter.team !== undefined) q = q.where('t.name', '=', filter.team);
  const teams = readableTeams(who);
  if (teams) q = q.where('r.team_id', 'in', teams.length ? teams : [-1]);
  const ids = await q
    .orderBy('r.created_at', 'desc')
    .orderBy('r.id', 'desc')
    .limit(filter.limit ?? 100)
    .execute();
  return Promise.all(ids.map((r) => viewOf(deps, r.id)));
}

/** One review, or not_found; forbidden when the caller may not read its scope. */
export async function getReview(
  deps: Pick<ReviewsDeps, 'db' | 'policy' | 'now'>,
  who: Principal,
  id: number,
): Promise<ReviewView> {
  const scope = await reviewScope(deps.db, id);
  requireReadScope(who, scope, `review ${id}`);
  return viewOf(deps, id);
}

/** Adds attendees, decisions and action items to an open review (conflict once it is closed). */
export async function addToReview(
  deps: ReviewsDeps,
  who: Principal,
  id: number,
  extras: ReviewExtras,
): Promise<ReviewView> {
  const now = deps.now();
  await inTransaction(deps.db, async (trx) => {
    const review = await lockOpen(trx, who, id, 'add to it');
    await record(trx, who, review.id, extras, now, calendarFor(deps));
  });
  return viewOf(deps, id);
}

/** Closes a review: records the last attendees, decisions and action items, and makes each action item a commitment. */
export async function closeReview(
  deps: ReviewsDeps,
  who: Principal,
  id: number,
  extras: ReviewExtras = {},
): Promise<ReviewView> {
  const now = deps.now();
  await inTransaction(deps.db, async (trx) => {
    const review = await lockOpen(trx, who, id, 'close it');
    await record(trx, who, review.id, extras, now, calendarFor(deps));
    const actions = await trx
      .selectFrom('review_actions')
      .select(['id', 'title', 'owner_team_id', 'due_at'])
      .where('review_id', '=', id)
      .where('commitment_id', 'is', null)
      .orderBy('id')
      .execute();
    const made = await createCommitments(
      { ...deps, db: trx },
      who.actor,
      actions.map((a) => ({
        kind: 'action',
        title: a.title,
        ownerTeamId: a.owner_team_id,
        dueAt: new Date(a.due_at),
        verification: {
          method: 'evidence' as const,
          detail: 'what shows the action item is done (a link, a ticket, a change)',
        },
        source: { type: 'review' as const, id },
      })),
    );
    for (let i = 0; i < actions.length; i++)
      await trx
        .updateTable('review_actions')
        .set({ commitment_id: made[i]!.id })
        .where('id', '=', actions[i]!.id)
        .execute();
    await trx.updateTable('reviews').set({ closed_at: now, closed_by: who.actor }).where('id', '=', id).execute();
    await recordAudit(trx, {
      actor: who.actor,
      action: 'review.close',
      entity: 'review',
      entityId: id,
      before: { closedAt: null },
      after: { closedAt: now.toISOString(), commitments: made.map((c) => c.id) },
      at: now,
    });
  });
  return viewOf(deps, id);
}

/** The sentence `review close` prints. */
export function closedText(v: ReviewJson): string {
  return m.closed.render({
    id: v.id,
    attendees: v.attendees.length,
    decisions: v.decisions.length,
    actions: v.actions.length,
  });
}

function cadenceOf(text: string | undefined): Cadence {
  if (!cadences.includes(text as Cadence))
    throw badInput(`cadence: "${text ?? ''}" is not a cadence; use ${cadences.join(' or ')}`, { field: 'cadence' });
  return text as Cadence;
}

async function scopeOf(db: Kysely<DB>, team: string | undefined): Promise<ReviewScope> {
  if (team === undefined || team === '') return { kind: 'org', teamId: null, team: null };
  const row = await db
    .selectFrom('teams')
    .select(['id', 'name'])
    .where('name', '=', team)
    .where('archived_at', 'is', null)
    .executeTakeFirst();
  if (!row)
    throw badInput(`team: no team "${team}"; the organisation file (\`entente org apply\`) lists the teams`, {
      field: 'team',
      team,
    });
  return { kind: 'team', teamId: row.id, team: row.name };
}

async function reviewScope(db: Kysely<DB>, id: number): Promise<ReviewScope & { closedAt: Date | null }> {
  const row = await db
    .selectFrom('reviews as r')
    .leftJoin('teams as t', 't.id', 'r.team_id')
    .select(['r.scope', 'r.team_id', 't.name', 'r.closed_at'])
    .where('r.id', '=', id)
    .executeTakeFirst();
  if (!row)
    throw new EntenteError('not_found', `review ${id} does not exist; \`entente review list\` lists them`, { id });
  return { kind: row.scope, teamId: row.team_id, team: row.name, closedAt: row.closed_at };
}

// An organisation-wide review reads every team's records: only roles that read them all may see it.
function requireReadScope(who: Principal, scope: ReviewScope, what: string): void {
  if (scope.teamId !== null) return requireRead(who, { teamId: scope.teamId, team: scope.team! }, what);
  if (readableTeams(who) !== undefined)
    throw new EntenteError(
      'forbidden',
      `${what} covers the whole organisation; engineers see their own teams' reviews, and Security can share what you need`,
      {},
    );
}

function requireWriteScope(who: Principal, scope: ReviewScope, verb: string): void {
  if (scope.teamId !== null)
    return requireWrite(who, { teamId: scope.teamId, team: scope.team! }, `team ${scope.team}`, verb);
  requireRole(who, ['admin', 'security'], `${verb} for the whole organisation (a team's member holds their team's)`);
}

async function lockOpen(trx: Kysely<DB>, who: Principal, id: number, verb: string) {
  const scope = await reviewScope(trx, id);
  requireReadScope(who, scope, `review ${id}`);
  requireWriteScope(who, scope, 'hold reviews');
  const row = await trx
    .selectFrom('reviews')
    .select(['id', 'closed_at', 'closed_by'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirstOrThrow();
  if (row.closed_at) {
    throw new EntenteError(
      'conflict',
      `review ${id} was closed already (by ${row.closed_by} on ${new Date(row.closed_at).toISOString().slice(0, 10)}), so we cannot ${verb}; `
        + `\`entente review new\` starts the next one, which begins with its open action items`,
      { id },
    );
  }
  return { ...row, scope: scopeKey(scope) };
}

async function record(
  trx: Kysely<DB>,
  who: Principal,
  id: number,
  extras: ReviewExtras,
  now: Date,
  cal: Calendar,
): Promise<void> {
  const attendees = (extras.attendees ?? []).map((a, i) => checkText(a, `attendees[${i}]`, 200));
  const decisions = (extras.decisions ?? []).map((d, i) => checkText(d, `decisions[${i}]`, 2_000));
  const actions = [];
  for (const [i, a] of (extras.actions ?? []).entries()) {
    const where = `actions[${i}]`;
    const title = checkText(a?.title, `${where}.title`, 500);
    const team = await trx
      .selectFrom('teams')
      .select('id')
      .where('name', '=', String(a?.team ?? ''))
      .where('archived_at', 'is', null)
      .executeTakeFirst();
    if (!team)
      throw badInput(
        `${where}.team: no team "${a?.team ?? ''}"; name the team that owns the action item, as the organisation file does`,
        { field: `${where}.team` },
      );
    if (
      !/^\d{4}-\d{2}-\d{2}$/.test(String(a?.due ?? ''))
      || Number.isNaN(Date.parse(`${a.due}T00:00:00Z`))
      || new Date(`${a.due}T00:00:00Z`).toISOString().slice(0, 10) !== a.due
    ) {
      throw badInput(`${where}.due: "${a?.due ?? ''}" is not a date; give the day it is due, such as 2026-12-21`, {
        field: `${where}.due`,
      });
    }
    const dueAt = cal.endOf(a.due as Day);
    if (dueAt < now)
      throw badInput(`${where}.due: ${a.due} has passed already; give a day from today on`, { field: `${where}.due` });
    actions.push({
      review_id: id,
      title,
      owner_team_id: team.id,
      due_at: dueAt,
      created_by: who.actor,
      created_at: now,
    });
  }
  if (attendees.length)
    await trx
      .insertInto('review_attendees')
      .values([...new Set(attendees)].map((name) => ({ review_id: id, name })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  if (decisions.length)
    await trx
      .insertInto('review_decisions')
      .values(decisions.map((text) => ({ review_id: id, text, created_by: who.actor, created_at: now })))
      .execute();
  if (actions.length) await trx.insertInto('review_actions').values(actions).execute();
  if (attendees.length + decisions.length + actions.length) {
    await recordAudit(trx, {
      actor: who.actor,
      action: 'review.update',
      entity: 'review',
      entityId: id,
      after: {
        attendees,
        decisions,
        actions: actions.map((a) => ({ title: a.title, ownerTeamId: a.owner_team_id, dueAt: a.due_at.toISOString() })),
      },
      at: now,
    });
  }
}

function checkText(v: unknown, field: string, max: number): string {
  const text = typeof v === 'string' ? v.trim() : '';
  if (!text) throw badInput(`${field}: write it in a few words`, { field });
  if (text.length > max) throw badInput(`${field}: keep it under ${max.toLocaleString('en')} characters`, { field });
  if (text.includes('\u0000'))
    throw badInput(`${field}: contains a NUL character (\\u0000), which cannot be stored`, { field });
  return text;
}

async function viewOf(deps: Pick<ReviewsDeps, 'db' | 'policy' | 'now'>, id: number): Promise<ReviewView> {
  const db = deps.db;
  const r = await db
    .selectFrom('reviews as r')
    .leftJoin('teams as t', 't.id', 'r.team_id')
    .selectAll('r')
    .select('t.name as team')
    .where('r.id', '=', id)
    .executeTakeFirst();
  if (!r)
    throw new EntenteError('not_found', `review ${id} does not exist; \`entente review list\` lists them`, { id });
  const cal = calendarFor(deps);
  const attendees = (
    await db.selectFrom('review_attendees').select('name').where('review_id', '=', id).orderBy('name').execute()
  ).map((a) => a.name);
  const decisions = await db
    .selectFrom('review_decisions')
    .select(['id', 'text', 'created_by', 'created_at'])
    .where('review_id', '=', id)
    .orderBy('id')
    .execute();
  const actions = await db
    .selectFrom('review_actions as a')
    .innerJoin('teams as t', 't.id', 'a.owner_team_id')
    .leftJoin('commitments as c', 'c.id', 'a.commitment_id')
    .select(['a.id', 'a.title', 't.name as team', 'a.due_at', 'a.commitment_id', 'c.state', 'c.due_at as c_due'])
    .where('a.review_id', '=', id)
    .orderBy('a.id')
    .execute();
  const agenda = (typeof r.agenda === 'string' ? JSON.parse(r.agenda) : r.agenda) as Agenda;
  const now = deps.now();
  const count = (s: string) => agenda.sections.find((x) => x.id === s)?.count ?? 0;
  return {
    id: r.id,
    scope: r.scope,
    team: r.team,
    cadence: r.cadence,
    period: { from: iso(r.period_from), to: iso(r.period_to) },
    next: iso(r.next_at),
    createdBy: r.created_by,
    createdAt: iso(r.created_at),
    closedAt: r.closed_at ? iso(r.closed_at) : null,
    closedBy: r.closed_by,
    attendees,
    decisions: decisions.map((d) => ({
      id: d.id,
      text: d.text,
      createdBy: d.created_by,
      createdAt: iso(d.created_at),
    })),
    actions: actions.map((a) => ({
      id: a.id,
      title: a.title,
      ownerTeam: a.team,
      dueDate: cal.dayOf(a.due_at),
      commitmentId: a.commitment_id,
      state: a.state === 'open' && new Date(a.c_due!) < now ? 'missed' : a.state,
    })),
    summary: m.summary.render({
      id: r.id,
      wins: count('wins'),
      news: count('new'),
      due: count('due'),
      closed: r.closed_at !== null,
    }),
    agenda,
  };
}

const iso = (d: Date | string): string => new Date(d).toISOString();
