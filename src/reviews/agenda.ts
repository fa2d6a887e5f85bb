/**
 * A review's agenda, generated from the data of its period: wins first (what was closed, and thanks by name), then last
 * time's open action items, what is new, what is due before the next meeting, exceptions and leases ending, changes and
 * gates waiting, goals at risk and the most frequent weakness. Track-priority findings never appear. Each section
 * lists at most `sectionLimit` lines and counts the rest; every query is bounded by an index, so the agenda of a scope
 * with a million findings reads what the period touched, not the whole table.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Calendar, Day } from '../policy/calendar.ts';
import { command } from '../voice/suggest.ts';
import { coveringStates } from '../exposure/exposure-rules.ts';
import { reviewMessages as m } from './review-messages.ts';
import { trainingFor } from './training.ts';
import { priorityRanks } from '../findings/priority.ts';

export type Cadence = 'weekly' | 'monthly';
export const cadences: readonly Cadence[] = ['weekly', 'monthly'];

/** Whose review: one team's, or the whole organisation's. */
export interface ReviewScope {
  kind: 'team' | 'org';
  teamId: number | null;
  team: string | null;
}

/** A goal at risk, as the scorecard's goals report it (wired at the merge; see README "Review meetings"). */
export interface GoalLine {
  title: string;
  team: string | null;
  progress: string;
  deadline: Day | null;
}
/** Reads within the agenda's own transaction (`db`): on the embedded engine another connection would wait for it. */
export type GoalsAtRisk = (scope: ReviewScope, db: Kysely<DB>) => Promise<GoalLine[]>;

export type SectionId = 'wins' | 'actions' | 'new' | 'due' | 'ending' | 'waiting' | 'goals' | 'weakness';
/** What an agenda item can point at. */
export const agendaRefTypes = ['finding', 'commitment', 'exception', 'change', 'gate', 'goal', 'cwe'] as const;
export interface AgendaItem {
  text: string;
  ref?: { type: (typeof agendaRefTypes)[number]; id: number | null };
}
export interface AgendaSection {
  id: SectionId;
  heading: string;
  intro: string;
  items: AgendaItem[];
  more: number;
  moreText: string | null;
  count: number;
}
export interface Agenda {
  title: string;
  period: { from: string; to: string; fromDay: Day; toDay: Day; first: boolean };
  next: string;
  nextDay: Day;
  periodText: string;
  thanks: string[];
  sections: AgendaSection[];
}

export interface AgendaInput {
  scope: ReviewScope;
  cadence: Cadence;
  from: Date;
  to: Date;
  next: Date;
  /** The previous review of the same scope, whose open action items come first after the wins. */
  previousId: number | null;
  calendar: Calendar;
  goalsAtRisk?: GoalsAtRisk | undefined;
}

const sectionLimit = 20;
const actAttend = ['act', 'attend'] as const;

/** The next meeting after `from`: a week, or a calendar month, later. */
export function nextMeeting(cadence: Cadence, from: Date): Date {
  if (cadence === 'weekly') return new Date(from.getTime() + 7 * 86_400_000);
  const d = new Date(from);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d;
}

/** The period a first review covers: the cadence's length back from now. */
export function periodStart(cadence: Cadence, to: Date): Date {
  if (cadence === 'weekly') return new Date(to.getTime() - 7 * 86_400_000);
  const d = new Date(to);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d;
}

/** Builds the agenda (reads only; the caller stores it). */
export async function buildAgenda(db: Kysely<DB>, input: AgendaInput): Promise<Agenda> {
  const { scope, from, to, next, calendar: cal } = input;
  const first = input.previousId === null;
  const teamIs = (col: string) =>
    scope.teamId === null ? sql<boolean>`true` : sql<boolean>`${sql.ref(col)} = ${scope.teamId}`;
  const moreFindings = (extra: Record<string, string> = {}) =>
    command('findings', { team: scope.team ?? undefined, priority: 'act,attend', ...extra });
  const fromDay = cal.dayOf(from);

  // Wins: findings fixed (act/attend), commitments kept, exceptions ended on time.
  const fixedCount = await countOf(
    db
      .selectFrom('findings as f')
      .where('f.status', '=', 'fixed')
      .where('f.fixed_at', '>', from)
      .where('f.fixed_at', '<=', to)
      .where('f.priority', 'in', actAttend)
      .where(teamIs('f.owner_team_id')),
  );
  const fixed = await db
    .selectFrom('findings as f')
    .innerJoin('services as s', 's.id', 'f.service_id')
    .leftJoin('people as p', 'p.id', 'f.assignee_id')
    .select(['f.id', 'f.title', 's.name as service', 'f.fixed_at', 'p.email', 'p.name as person'])
    .where('f.status', '=', 'fixed')
    .where('f.fixed_at', '>', from)
    .where('f.fixed_at', '<=', to)
    .where('f.priority', 'in', actAttend)
    .where(teamIs('f.owner_team_id'))
    .orderBy('f.fixed_at', 'desc')
    .orderBy('f.id', 'desc')
    .limit(sectionLimit)
    .execute();
  // Who set each listed finding fixed, from the audit log (a person's token or session records their e-mail).
  const fixers = new Map<number, string>();
  if (fixed.length) {
    const rows = await db
      .selectFrom('audit_log')
      .select(['entity_id', 'actor'])
      .where('entity', '=', 'finding')
      .where('action', '=', 'finding.update')
      .where(
        'entity_id',
        'in',
        fixed.map((f) => String(f.id)),
      )
      .where(sql<boolean>`after->>'status' = 'fixed'`)
      .where('at', '>', from)
      .orderBy('id')
      .execute();
    for (const r of rows) if (isPerson(r.actor)) fixers.set(Number(r.entity_id), r.actor);
  }
  const keptQuery = db
    .selectFrom('commitments as c')
    .innerJoin('teams as t', 't.id', 'c.owner_team_id')
    .where('c.state', '=', 'verified')
    .where('c.verified_at', '>', from)
    .where('c.verified_at', '<=', to)
    .where(sql<boolean>`c.verified_at <= c.due_at`)
    .where(teamIs('c.owner_team_id'));
  const keptCount = await countOf(keptQuery);
  const kept = await keptQuery
    .select(['c.id', 'c.title', 't.name as team', 'c.verified_by', 'c.verified_at', 'c.source_type'])
    .orderBy('c.verified_at', 'desc')
    .limit(sectionLimit)
    .execute();
  const endedQuery = db
    .selectFrom('exceptions as e')
    .innerJoin('teams as t', 't.id', 'e.team_id')
    .where('e.status', 'in', ['expired', 'revoked'])
    .where('e.ended_at', '>', from)
    .where('e.ended_at', '<=', to)
    .where(sql<boolean>`e.ended_at <= e.expires_at`)
    .where(teamIs('e.team_id'));
  const endedCount = await countOf(endedQuery);
  const ended = await endedQuery
    .select([
      'e.id',
      't.name as team',
      'e.ended_at',
      sql<number>`(select count(*)::int from exception_findings ef where ef.exception_id = e.id)`.as('findings'),
    ])
    .orderBy('e.ended_at', 'desc')
    .limit(sectionLimit)
    .execute();

  const names = await displayNames(db, [
    ...fixed.map((f) => f.email),
    ...fixers.values(),
    ...kept.map((k) => k.verified_by),
  ]);
  const nameOf = (who: string | null | undefined): string | null =>
    who && isPerson(who) ? (names.get(who) ?? who) : null;
  const thanksCount = new Map<string, number>();
  const thank = (who: string | null) => {
    if (who) thanksCount.set(who, (thanksCount.get(who) ?? 0) + 1);
  };
  const winItems: AgendaItem[] = [];
  for (const f of fixed) {
    const by = nameOf(fixers.get(f.id)) ?? f.person ?? f.email;
    thank(by);
    winItems.push({
      text: m.fixedWin.render({ id: f.id, title: f.title, service: f.service, by, on: cal.dayOf(f.fixed_at!) }),
      ref: { type: 'finding', id: f.id },
    });
  }
  const actionsDone = kept.filter((k) => k.source_type === 'review').length;
  for (const k of kept) {
    const by = nameOf(k.verified_by);
    thank(by);
    winItems.push({
      text: m.keptWin.render({
        id: k.id,
        title: k.title,
        team: k.team,
        by,
        on: cal.dayOf(k.verified_at!),
        action: k.source_type === 'review',
      }),
      ref: { type: 'commitment', id: k.id },
    });
  }
  for (const e of ended)
    winItems.push({
      text: m.exceptionWin.render({ id: e.id, team: e.team, on: cal.dayOf(e.ended_at!), findings: e.findings }),
      ref: { type: 'exception', id: e.id },
    });
  const thanks = [...thanksCount].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([n]) => n);
  const winsTotal = fixedCount + keptCount + endedCount;
  const wins = section(
    'wins',
    m.winsHeading.render({ first }),
    m.winsIntro.render({
      team: scope.team,
      since: fromDay,
      fixed: fixedCount,
      kept: keptCount - actionsDone,
      exceptionsEnded: endedCount,
      actionsDone,
      thanks,
    }),
    winItems.slice(0, sectionLimit),
    winsTotal,
    winsTotal > winItems.length ? moreFindings({ status: 'fixed' }) : null,
  );

  // Last time's action items that are still owed.
  let actionItems: AgendaItem[] = [];
  let actionsOpen = 0;
  if (input.previousId !== null) {
    const rows = await db
      .selectFrom('review_actions as a')
      .innerJoin('commitments as c', 'c.id', 'a.commitment_id')
      .innerJoin('teams as t', 't.id', 'c.owner_team_id')
      .select(['c.id', 'c.title', 't.name as team', 'c.due_at', 'c.state'])
      .where('a.review_id', '=', input.previousId)
      .where('c.state', 'in', ['open', 'missed'])
      .orderBy('c.due_at')
      .orderBy('c.id')
      .execute();
    actionsOpen = rows.length;
    actionItems = rows.map((r) => ({
      text: m.actionLine.render({
        id: r.id,
        title: r.title,
        team: r.team,
        due: cal.dayOf(r.due_at),
        missed: r.state === 'missed' || new Date(r.due_at) < to,
      }),
      ref: { type: 'commitment', id: r.id },
    }));
  }
  const actions = section(
    'actions',
    m.actionsHeading.render({}),
    m.actionsIntro.render({ open: actionsOpen, previous: input.previousId }),
    actionItems.slice(0, sectionLimit),
    actionsOpen,
    actionsOpen > sectionLimit
      ? command('commitments list', { team: scope.team ?? undefined, state: 'open,missed' })
      : null,
  );

  // New act/attend findings of the period, and older open findings newly in the KEV catalogue.
  // By rank as well as by name: the open-findings indexes lead with (team, rank), so "act or attend" is two short ranges.
  // biome-ignore lint/suspicious/noExplicitAny: a filter shared by two query builders of different shapes
  const openNow = (q: any) =>
    q
      .where('f.status', 'in', ['open', 'in_progress'])
      .where('f.priority', 'in', actAttend)
      .where(
        'f.priority_rank',
        'in',
        actAttend.map((p) => priorityRanks[p]),
      )
      .where(teamIs('f.owner_team_id'));
  const newCounts = (await openNow(db.selectFrom('findings as f'))
    .where('f.first_seen_at', '>', from)
    .where('f.first_seen_at', '<=', to)
    .select(['f.priority', sql<number>`count(*)::int`.as('n')])
    .groupBy('f.priority')
    .execute()) as { priority: string; n: number }[];
  const newAct = newCounts.find((r) => r.priority === 'act')?.n ?? 0;
  const newAttend = newCounts.find((r) => r.priority === 'attend')?.n ?? 0;
  // Ordered by `rank + 0`: by the plain rank, the planner walked the (rank, due) index of the whole backlog for the
  // period's first 20 (over a second at a million findings) rather than sorting the period's few thousand.
  const newRows = await findingRows(
    openNow(db.selectFrom('findings as f')).where('f.first_seen_at', '>', from).where('f.first_seen_at', '<=', to),
  )
    .orderBy(sql`f.priority_rank + 0`)
    .orderBy('f.due_at')
    .orderBy('f.id')
    .limit(sectionLimit)
    .execute();
  const kevQuery = openNow(db.selectFrom('findings as f'))
    .where('f.kev', '=', true)
    .where('f.first_seen_at', '<=', from)
    .where(
      sql<boolean>`exists (select 1 from feed_kev k where k.cve = any(f.aliases) and k.date_added >= ${fromDay}::date)`,
    );
  const kevCount = await countOf(kevQuery);
  const kevRows = await findingRows(kevQuery)
    .orderBy('f.priority_rank')
    .orderBy('f.due_at')
    .orderBy('f.id')
    .limit(sectionLimit)
    .execute();
  const newItems: AgendaItem[] = [
    ...newRows.map((f: FindingRow) => ({
      text: m.findingLine.render(lineOf(f, cal, to)),
      ref: { type: 'finding' as const, id: f.id },
    })),
    ...kevRows.map((f: FindingRow) => ({
      text: m.kevLine.render(lineOf(f, cal, to)),
      ref: { type: 'finding' as const, id: f.id },
    })),
  ];
  const newTotal = newAct + newAttend + kevCount;
  const news = section(
    'new',
    m.newHeading.render({ first }),
    m.newIntro.render({ act: newAct, attend: newAttend, kev: kevCount }),
    newItems.slice(0, sectionLimit),
    newTotal,
    newTotal > Math.min(newItems.length, sectionLimit) ? moreFindings({ sort: 'newest' }) : null,
  );

  // Due by the next meeting (its whole day; past due included): act/attend findings and open commitments.
  const dueBy = cal.endOf(cal.dayOf(next));
  const dueFindings = openNow(db.selectFrom('findings as f')).where('f.due_at', '<=', dueBy);
  const { due: dueCount, overdue: overdueCount } = await backlogDue(db, scope.teamId, dueBy, to);
  const dueRows = await findingRows(dueFindings)
    .orderBy('f.due_at')
    .orderBy('f.priority_rank')
    .orderBy('f.id')
    .limit(sectionLimit)
    .execute();
  const dueCommitmentsQ = db
    .selectFrom('commitments as c')
    .innerJoin('teams as t', 't.id', 'c.owner_team_id')
    .leftJoin('services as s', 's.id', 'c.service_id')
    .where('c.state', 'in', ['open', 'missed'])
    .where('c.due_at', '<=', dueBy)
    .where(teamIs('c.owner_team_id'))
    .where((eb) => eb.or([eb('c.source_type', '!=', 'review'), eb('c.source_id', '!=', input.previousId ?? -1)])); // last time's actions have their own section
  const dueCommitmentCount = await countOf(dueCommitmentsQ);
  const dueCommitments = await dueCommitmentsQ
    .select(['c.id', 'c.title', 't.name as team', 's.name as service', 'c.due_at', 'c.state'])
    .orderBy('c.due_at')
    .orderBy('c.id')
    .limit(sectionLimit)
    .execute();
  const overdueCommitments = dueCommitments.filter((c) => new Date(c.due_at) < to).length;
  const dueItems: AgendaItem[] = [
    ...dueRows.map((f: FindingRow) => ({
      text: m.findingLine.render(lineOf(f, cal, to)),
      ref: { type: 'finding' as const, id: f.id },
    })),
    ...dueCommitments.map((c) => ({
      text: m.commitmentLine.render({
        id: c.id,
        title: c.title,
        team: c.team,
        service: c.service,
        due: cal.dayOf(c.due_at),
        missed: new Date(c.due_at) < to,
      }),
      ref: { type: 'commitment' as const, id: c.id },
    })),
  ];
  const due = section(
    'due',
    m.dueHeading.render({ next: cal.dayOf(next) }),
    m.dueIntro.render({
      findings: dueCount,
      commitments: dueCommitmentCount,
      overdue: overdueCount + overdueCommitments,
    }),
    dueItems.slice(0, sectionLimit),
    dueCount + dueCommitmentCount,
    dueCount + dueCommitmentCount > Math.min(dueItems.length, sectionLimit) ? moreFindings({ sort: 'due' }) : null,
  );

  // Exceptions and leases ending before the next meeting.
  const exceptionsEnding = await db
    .selectFrom('exceptions as e')
    .innerJoin('teams as t', 't.id', 'e.team_id')
    .select([
      'e.id',
      't.name as team',
      'e.expires_at',
      sql<number>`(select count(*)::int from exception_findings ef where ef.exception_id = e.id)`.as('findings'),
    ])
    .where('e.status', '=', 'approved')
    .where('e.expires_at', '<=', dueBy)
    .where(teamIs('e.team_id'))
    .orderBy('e.expires_at')
    .orderBy('e.id')
    .limit(sectionLimit + 1)
    .execute();
  const leases = await db
    .selectFrom('change_requests as c')
    .innerJoin('services as s', 's.id', 'c.service_id')
    .select(['c.id', 'c.title', 's.name as service', 'c.ends_at', 'c.recertify_due_at'])
    .where('c.status', 'in', [...coveringStates])
    .where(teamIs('c.team_id'))
    .where((eb) =>
      eb.or([
        eb.and([eb('c.ends_at', 'is not', null), eb('c.ends_at', '<=', dueBy)]),
        eb.and([eb('c.ends_at', 'is', null), eb('c.recertify_due_at', '<=', dueBy)]),
      ]),
    )
    .orderBy(sql`coalesce(c.ends_at, c.recertify_due_at)`)
    .orderBy('c.id')
    .limit(sectionLimit + 1)
    .execute();
  const endingItems: AgendaItem[] = [
    ...exceptionsEnding.map((e) => ({
      text: m.exceptionEnding.render({ id: e.id, team: e.team, on: cal.dayOf(e.expires_at), findings: e.findings }),
      ref: { type: 'exception' as const, id: e.id },
    })),
    ...leases.map((c) => ({
      text: m.leaseEnding.render({
        id: c.id,
        title: c.title,
        service: c.service,
        on: cal.dayOf((c.ends_at ?? c.recertify_due_at)!),
        recertify: c.ends_at === null,
      }),
      ref: { type: 'change' as const, id: c.id },
    })),
  ];
  const ending = section(
    'ending',
    m.endingHeading.render({}),
    m.endingIntro.render({ exceptions: exceptionsEnding.length, leases: leases.length }),
    endingItems.slice(0, sectionLimit),
    endingItems.length,
    endingItems.length > sectionLimit
      ? command('exceptions list', { status: 'approved', team: scope.team ?? undefined })
      : null,
  );

  // Changes waiting for a decision (or an emergency's review), and gates whose latest word in the period was not yet.
  const changes = await db
    .selectFrom('change_requests as c')
    .innerJoin('services as s', 's.id', 'c.service_id')
    .select(['c.id', 'c.title', 's.name as service', 'c.created_at', 'c.emergency', 'c.status'])
    .where(teamIs('c.team_id'))
    .where((eb) =>
      eb.or([
        eb('c.status', '=', 'submitted'),
        eb.and([eb('c.emergency', '=', true), eb('c.review_due_at', 'is not', null), eb('c.reviewed_at', 'is', null)]),
      ]),
    )
    .orderBy('c.created_at')
    .orderBy('c.id')
    .limit(sectionLimit + 1)
    .execute();
  const gates = await sql<{ id: number; service: string; environment: string; created_at: Date; outcome: string }>`
    select * from (
      select distinct on (g.service_id, g.environment) g.id, s.name as service, g.environment, g.created_at, g.outcome
      from gate_decisions g join services s on s.id = g.service_id
      where g.created_at > ${from} and g.created_at <= ${to} and ${teamIs('s.owner_team_id')}
      order by g.service_id, g.environment, g.created_at desc, g.id desc) latest
    where outcome = 'no_go' order by created_at, id limit ${sectionLimit + 1}`.execute(db);
  const waitingItems: AgendaItem[] = [
    ...changes.map((c) => ({
      text: m.changeWaiting.render({
        id: c.id,
        title: c.title,
        service: c.service,
        since: cal.dayOf(c.created_at),
        emergency: c.status !== 'submitted',
      }),
      ref: { type: 'change' as const, id: c.id },
    })),
    ...gates.rows.map((g) => ({
      text: m.gateWaiting.render({ id: g.id, service: g.service, env: g.environment, on: cal.dayOf(g.created_at) }),
      ref: { type: 'gate' as const, id: g.id },
    })),
  ];
  const waiting = section(
    'waiting',
    m.waitingHeading.render({}),
    m.waitingIntro.render({ changes: changes.length, gates: gates.rows.length }),
    waitingItems.slice(0, sectionLimit),
    waitingItems.length,
    waitingItems.length > sectionLimit ? command('change list', { status: 'submitted' }) : null,
  );

  // Goals at risk: the scorecard's, through the interface the caller wires in (none without it).
  const goalLines = input.goalsAtRisk ? await input.goalsAtRisk(scope, db) : [];
  const goals = section(
    'goals',
    m.goalsHeading.render({}),
    m.goalsIntro.render({ goals: goalLines.length }),
    goalLines.slice(0, sectionLimit).map((g) => ({ text: m.goalLine.render(g), ref: { type: 'goal', id: null } })),
    goalLines.length,
    null,
  );

  // The most frequent weakness among the act/attend findings that came up in the period: training is for what keeps
  // coming, and the period's findings are a slice an index reads (the whole backlog of a big scope is not).
  const top = await sql<{
    cwe: number;
    n: number;
  }>`select c as cwe, count(*)::int as n from findings f cross join lateral unnest(f.cwes) c
    where f.status in ('open', 'in_progress') and f.priority in ('act', 'attend') and f.first_seen_at > ${from} and f.first_seen_at <= ${to} and ${teamIs('f.owner_team_id')}
    group by c order by n desc, c limit 1`.execute(db);
  const cwe = top.rows[0];
  const weakness = section(
    'weakness',
    m.weaknessHeading.render({}),
    m.weakness.render({ cwe: cwe?.cwe ?? null, findings: cwe?.n ?? 0, topic: cwe ? trainingFor(cwe.cwe) : null }),
    [],
    cwe ? cwe.n : 0,
    null,
  );
  if (cwe)
    weakness.items.push({
      text: m.weaknessList.render({ command: command('findings', { team: scope.team ?? undefined, cwe: cwe.cwe }) }),
      ref: { type: 'cwe', id: cwe.cwe },
    });

  return {
    title: m.title.render({ team: scope.team, cadence: input.cadence, on: cal.dayOf(to) }),
    period: { from: from.toISOString(), to: to.toISOString(), fromDay, toDay: cal.dayOf(to), first },
    next: next.toISOString(),
    nextDay: cal.dayOf(next),
    periodText: m.period.render({ from: fromDay, to: cal.dayOf(to), next: cal.dayOf(next), first }),
    thanks,
    sections: [wins, actions, news, due, ending, waiting, goals, weakness],
  };
}

function section(
  id: SectionId,
  heading: string,
  intro: string,
  items: AgendaItem[],
  total: number,
  where: string | null,
): AgendaSection {
  const more = Math.max(0, total - items.length);
  return {
    id,
    heading,
    intro,
    items,
    count: total,
    more: where ? more : 0,
    moreText: where && more > 0 ? m.more.render({ more, where }) : null,
  };
}

type FindingRow = { id: number; title: string; service: string; priority: string; due_at: Date; kev: boolean };

// biome-ignore lint/suspicious/noExplicitAny: the same, for the rows' columns
function findingRows(q: any) {
  return q
    .innerJoin('services as s', 's.id', 'f.service_id')
    .select(['f.id', 'f.title', 's.name as service', 'f.priority', 'f.due_at', 'f.kev']);
}

function lineOf(f: FindingRow, cal: Calendar, now: Date) {
  return {
    id: f.id,
    title: f.title,
    service: f.service,
    priority: f.priority,
    due: cal.dayOf(f.due_at),
    kev: f.kev,
    overdue: new Date(f.due_at) < now,
  };
}

/**
 * Open act and attend findings due by `dueBy`, and those overdue at `now`: the open ones (the trigger-kept counts of
 * migration 022) less those due later, counted in the open-findings indexes. Counted from the findings, the backlog
 * (mostly overdue) was read twice, by a scan of the table at a million findings.
 */
async function backlogDue(
  db: Kysely<DB>,
  teamId: number | null,
  dueBy: Date,
  now: Date,
): Promise<{ due: number; overdue: number }> {
  const team = (col: string) => (teamId === null ? sql`true` : sql`${sql.ref(col)} = ${teamId}`);
  // By rank (act 1, attend 2), as the indexes hold it: (rank, due) or (team, rank, due), two short ranges each.
  const later = (from: RawBuilder<unknown>) => sql`(select count(*) from findings f
    where f.status in ('open', 'in_progress') and f.priority_rank in (1, 2) and ${from} and ${team('f.owner_team_id')})`;
  const { rows } = await sql<{ open: number; after: number; notYet: number }>`select
      (select coalesce(sum(n), 0) from finding_open_counts where priority_rank in (1, 2) and ${team('team_id')})::int open,
      ${later(sql`f.due_at > ${dueBy}`)}::int after, ${later(sql`f.due_at >= ${now}`)}::int "notYet"`.execute(db);
  const r = rows[0]!;
  return { due: r.open - r.after, overdue: r.open - r.notYet };
}

// biome-ignore lint/suspicious/noExplicitAny: the same, for a count
async function countOf(q: any): Promise<number> {
  const row = await q.select(sql<number>`count(*)::int`.as('n')).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Whether an audit actor is a person (their e-mail), not a token's name or the local CLI. */
function isPerson(actor: string): boolean {
  return /^[^\s@:]+@[^\s@]+$/.test(actor);
}

/** People's names by e-mail (the e-mail itself when the organisation file gives no name). */
async function displayNames(db: Kysely<DB>, emails: (string | null | undefined)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(emails.filter((e): e is string => !!e && isPerson(e)))];
  const names = new Map(wanted.map((e) => [e, e]));
  if (wanted.length === 0) return names;
  for (const p of await db.selectFrom('people').select(['email', 'name']).where('email', 'in', wanted).execute())
    if (p.name) names.set(p.email, p.name);
  return names;
}
