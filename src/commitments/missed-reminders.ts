/**
 * The outbox rows of commitments the sweep has just marked missed: the owing team hears once per commitment and due
 * date, and Security too when the commitment came from a gate or an exception (it agreed to it). Written inside the
 * sweep's transaction, so a sweep that rolls back notifies no one; a commitment moved to a new date and missed again is
 * a new event (its key has the date).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Policy } from '../policy/policy.ts';
import { policyCalendar } from '../policy/calendar.ts';
import { compileGates } from '../gates/gate-compile.ts';
import type { GateFacts } from '../gates/gate-facts.ts';
import type { Verification } from './commitment-view.ts';
import { enqueueTeamEvents, type TeamEvent } from '../notifications/outbox.ts';
import { renderEmail } from '../notifications/render.ts';
import { notificationMessages, type MissedCommitment } from '../voice/messages/notifications.ts';

/** How many missed commitments are read at a time (a gate's thousands of controls can pass their date together). */
const readChunk = 1_000;

/** Sources whose commitments Security agreed to: it hears of them being missed as well as the owing team. */
const securitySources = new Set(['gate', 'exception']);

/** Writes the rows for these just-missed commitments; returns how many rows are new. */
export async function notifyMissedCommitments(
  trx: Kysely<DB>,
  policy: Policy,
  ids: readonly number[],
  now: Date,
): Promise<number> {
  if (ids.length === 0) return 0;
  const cal = policyCalendar(policy);
  const security = await trx
    .selectFrom('teams')
    .select(['id', 'name'])
    .where('kind', '=', 'security')
    .where('archived_at', 'is', null)
    .orderBy('id')
    .execute();
  let written = 0;
  for (let i = 0; i < ids.length; i += readChunk) {
    const rows = await trx
      .selectFrom('commitments as c')
      .innerJoin('teams as t', 't.id', 'c.owner_team_id')
      .leftJoin('services as s', 's.id', 'c.service_id')
      .select([
        'c.id',
        'c.kind',
        'c.title',
        'c.due_at',
        'c.verification',
        'c.finding_id',
        'c.source_type',
        'c.source_id',
        'c.owner_team_id',
        't.name as team',
        's.id as service_id',
        's.name as service',
        's.criticality',
        's.exposure',
        's.data_class',
      ])
      .where('c.id', 'in', ids.slice(i, i + readChunk))
      .orderBy('c.id')
      .execute();
    const events: TeamEvent[] = [];
    for (const r of rows) {
      const missed: MissedCommitment = {
        id: r.id,
        title: r.title,
        due: cal.dayOf(r.due_at),
        team: r.team,
        service: r.service,
        source: r.source_type,
        sourceId: r.source_id,
        holdsRelease:
          r.service_id !== null
          && holdsRelease(policy, r.kind, {
            id: r.service_id,
            name: r.service!,
            criticality: r.criticality!,
            exposure: r.exposure!,
            data: r.data_class!,
            ownerTeamId: r.owner_team_id,
            ownerTeam: r.team,
          }),
        securityHears: securitySources.has(r.source_type),
        shownBy: shownBy(r.verification as Verification, r.finding_id),
      };
      const heard = [
        { id: r.owner_team_id, name: r.team },
        ...(missed.securityHears ? security.filter((t) => t.id !== r.owner_team_id) : []),
      ];
      for (const team of heard) events.push(missedEvent(missed, new Date(r.due_at), team, now));
    }
    written += await enqueueTeamEvents(trx, events);
  }
  return written;
}

/** One team's event: the same key for every team (a person in two of them gets one row), the footer naming this team. */
function missedEvent(m: MissedCommitment, dueAt: Date, team: { id: number; name: string }, now: Date): TeamEvent {
  return {
    event: 'commitment.missed',
    key: `commitment:${m.id}:due:${dueAt.toISOString()}`,
    teamId: team.id,
    entity: { kind: 'commitment', id: m.id },
    facts: {
      commitmentId: m.id,
      title: m.title,
      due: m.due,
      team: m.team,
      service: m.service,
      source: `${m.source}:${m.sourceId}`,
      holdsRelease: m.holdsRelease ? 1 : 0,
    },
    link: null,
    now,
    render: () =>
      renderEmail(
        notificationMessages.missedSubject.render(m),
        notificationMessages.missedText.render(m),
        { team: team.name, event: 'commitment.missed' },
        null,
      ),
  };
}

/** What shows the commitment kept: the finding Entente checks for a `finding-fixed` check, else the evidence asked for. */
function shownBy(v: Verification, findingId: number | null): MissedCommitment['shownBy'] {
  return v.method === 'check' && v.detail === 'finding-fixed' && findingId !== null
    ? { findingFixed: findingId }
    : { evidence: v.detail };
}

/**
 * Whether the service's next release gate says no-go because of this missed commitment: an enforced no-go rule with a
 * commitments condition (and none on findings) that matches it, for this service in at least one environment.
 */
function holdsRelease(policy: Policy, kind: string, service: GateFacts['service']): boolean {
  const fact = {
    id: 0,
    kind,
    controlId: null,
    title: '',
    findingId: null,
    state: 'missed' as const,
    dueAt: '',
    ownerTeam: service.ownerTeam,
  };
  return compileGates(policy).rules.some(
    (r) =>
      r.rule.outcome === 'no_go'
      && r.rule.mode === 'enforce'
      && r.finding === null
      && r.commitment?.(fact) === true
      && r.service(service, r.rule.when.service?.environment?.[0] ?? ''),
  );
}
