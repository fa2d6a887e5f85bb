/**
 * The outbox rows findings cause: a new act-priority finding (written inside the import's transaction) and the SLA
 * sweep's reminders (inside the sweep's). Attend waits for the daily digest unless a person asks otherwise; track has no event.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Policy } from '../policy/policy.ts';
import { policyCalendar } from '../policy/calendar.ts';
import { findingMessages } from '../voice/messages/findings.ts';
import { fromToday } from '../voice/template.ts';
import { notice, type Row, type SlaReminder } from '../findings/sla-sweep.ts';
import { enqueueTeamEvents, type TeamEvent } from './outbox.ts';
import { cveOf, renderEmail } from './render.ts';

const facts = (f: Row, due: string) => ({
  findingId: f.id,
  service: f.service,
  title: f.title,
  cve: cveOf(f.aliases),
  priority: f.priority,
  dueDate: due,
  team: f.team,
});

/**
 * Writes a row per member of the owning team for each act or attend finding this import created (first seen at `now`):
 * act is e-mailed at once by default, attend waits for the digest.
 */
export async function notifyNewFindings(
  trx: Kysely<DB>,
  scope: { serviceId: number; now: Date; policy: Policy },
): Promise<number> {
  const { rows } =
    await sql<Row>`select f.id, f.title, f.priority, f.due_at, f.severity, f.kind, f.rule_id, f.cvss_vector, f.aliases, f.cwes, f.kev, f.epss,
      s.name as service, s.exposure, s.criticality, t.name as team, t.id as team_id
    from findings f join services s on s.id = f.service_id join teams t on t.id = f.owner_team_id
    where f.service_id = ${scope.serviceId} and f.first_seen_at = ${scope.now.toISOString()}::timestamptz
      and f.priority in ('act', 'attend') and f.status in ('open', 'in_progress')
    order by f.id`.execute(trx);
  const cal = policyCalendar(scope.policy);
  const events = rows.map((f): TeamEvent => {
    const n = notice(f, scope.policy, cal);
    const act = f.priority === 'act';
    const event = act ? ('finding.new_act' as const) : ('finding.new_attend' as const);
    return {
      event,
      key: `finding:${f.id}`,
      teamId: f.team_id,
      entity: { kind: 'finding', id: f.id },
      facts: facts(f, n.due),
      link: null,
      now: scope.now,
      render: () =>
        renderEmail(
          { kind: act ? 'new_act' : 'new_attend', title: f.title, cve: cveOf(f.aliases), service: f.service, when: '' },
          findingMessages.newFinding.render(n),
          { team: f.team, event },
          null,
        ),
    };
  });
  return enqueueTeamEvents(trx, events);
}

/** Writes the reminders of one SLA sweep (due soon, overdue; act and attend) to the outbox, once per finding, due date and kind. */
export async function notifySlaReminders(
  trx: Kysely<DB>,
  sweep: { findings: readonly Row[]; reminders: readonly SlaReminder[]; now: Date },
): Promise<number> {
  const byId = new Map(sweep.findings.map((f) => [f.id, f]));
  const events: TeamEvent[] = [];
  for (const r of sweep.reminders) {
    const f = byId.get(r.findingId);
    if (!f || (f.priority !== 'act' && f.priority !== 'attend')) continue;
    // Attend reminders (due soon or past the date) are one event, read in the digest unless a person asks otherwise.
    const event =
      f.priority === 'attend'
        ? ('finding.attend_due' as const)
        : r.kind === 'due_soon'
          ? ('finding.due_soon' as const)
          : ('finding.overdue' as const);
    const due = new Date(f.due_at).toISOString();
    events.push({
      event,
      key: `finding:${f.id}:due:${due}${event === 'finding.attend_due' ? `:${r.kind}` : ''}`,
      teamId: f.team_id,
      entity: { kind: 'finding', id: f.id },
      facts: facts(f, due.slice(0, 10)),
      link: null,
      now: sweep.now,
      render: () =>
        renderEmail(
          {
            kind: r.kind,
            title: f.title,
            cve: cveOf(f.aliases),
            service: f.service,
            when: r.kind === 'due_soon' ? fromToday(r.days) : '',
          },
          r.message,
          { team: f.team, event },
          null,
        ),
    });
  }
  return enqueueTeamEvents(trx, events);
}
