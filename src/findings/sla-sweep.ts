/**
 * The SLA sweep (a job): reminds the owning team of act/attend findings whose due date is near, and of those past it,
 * once per due date. Track items are not pushed on people ("don't cry wolf"); the list shows them as overdue.
 * Reminders are rendered from the voice templates, recorded in the audit log, and handed to `notify` in the same
 * transaction (the job passes the notifications' outbox writer). A plain function of (db, policy, clock): tests call it
 * with a moved clock.
 */
import { sql, type Kysely } from 'kysely';
import type { DB, Service } from '../db/schema.ts';
import type { Priority } from './vocabulary.ts';
import type { Policy } from '../policy/policy.ts';
import { recordAudit } from '../audit/audit.ts';
import { policyCalendar, type Calendar } from '../policy/calendar.ts';
import { findingMessages } from '../voice/messages/findings.ts';
import { decidePriority } from './priority.ts';
import type { Severity } from '../imports/types.ts';

export interface SlaDeps {
  db: Kysely<DB>;
  policy: Policy;
  now: () => Date;
}

/** What a sweep's reminders set off inside its transaction (the notifications' `notifySlaReminders`: the outbox rows). */
export type NotifyReminders = (
  trx: Kysely<DB>,
  sweep: { findings: readonly Row[]; reminders: readonly SlaReminder[]; now: Date },
) => Promise<unknown>;

export interface SlaReminder {
  findingId: number;
  team: string;
  kind: 'due_soon' | 'overdue';
  message: string /** days left, or days over */;
  days: number;
}

/** How close a due date is when the team hears about it, by priority: on the due day itself (0) and up to this many days before. */
const dueSoonDays: Partial<Record<Priority, number>> = { act: 2, attend: 3 };

const actor = 'entente:jobs';
const batch = 500;

/** A finding as the reminders and the outbox read it (with its service and owning team). */
export interface Row {
  team_id: number;
  id: number;
  title: string;
  priority: Priority;
  due_at: Date;
  severity: Severity;
  kind: string;
  rule_id: string;
  cvss_vector: string | null;
  aliases: string[];
  cwes: number[];
  kev: boolean;
  epss: number | null;
  service: string;
  exposure: Service['exposure'];
  criticality: number;
  team: string;
}

/**
 * Sends what is due now (at most 500 of each kind per run; the next run takes the rest). Days are the organisation's
 * (the policy's time zone): a finding due today is "due today" until the day ends, and overdue from the next day on.
 */
export async function sweepFindingsSla(
  deps: SlaDeps,
  notify: NotifyReminders,
): Promise<{ dueSoon: number; overdue: number; reminders: SlaReminder[] }> {
  const now = deps.now();
  const cal = policyCalendar(deps.policy);
  const today = cal.dayOf(now);
  const dayStarted = cal.startOf(today).toISOString();
  const horizon = (p: 'act' | 'attend') => cal.endOf(cal.addDays(today, dueSoonDays[p]!)).toISOString();
  return deps.db.transaction().execute(async (trx) => {
    // Compared with the start of today rather than now, so a date counts as past by its day, whatever its time of day.
    const soon = await candidates(
      trx,
      sql`f.due_at >= ${dayStarted}::timestamptz
      and f.due_at <= (case f.priority when 'act' then ${horizon('act')} else ${horizon('attend')} end)::timestamptz
      and f.reminded_due_at is distinct from f.due_at`,
    );
    const late = await candidates(
      trx,
      sql`f.due_at < ${dayStarted}::timestamptz and f.reminded_overdue_at is distinct from f.due_at`,
    );
    const reminders: SlaReminder[] = [];
    for (const f of soon) {
      const daysLeft = cal.daysUntil(now, f.due_at);
      reminders.push({
        findingId: f.id,
        team: f.team,
        kind: 'due_soon',
        days: daysLeft,
        message: findingMessages.dueSoon.render({ ...notice(f, deps.policy, cal), daysLeft }),
      });
    }
    for (const f of late) {
      const daysOver = -cal.daysUntil(now, f.due_at);
      reminders.push({
        findingId: f.id,
        team: f.team,
        kind: 'overdue',
        days: daysOver,
        message: findingMessages.overdue.render({ ...notice(f, deps.policy, cal), daysOver }),
      });
    }
    if (soon.length)
      await sql`update findings set reminded_due_at = due_at where id = any(${soon.map((f) => f.id)}::int[])`.execute(
        trx,
      );
    if (late.length)
      await sql`update findings set reminded_overdue_at = due_at where id = any(${late.map((f) => f.id)}::int[])`.execute(
        trx,
      );
    // Act items are e-mailed to the team's members now; attend items wait for each member's daily digest.
    await notify(trx, { findings: [...soon, ...late], reminders, now });
    for (const r of reminders) {
      await recordAudit(trx, {
        actor,
        action: `finding.${r.kind}`,
        entity: 'finding',
        entityId: r.findingId,
        after: { team: r.team, message: r.message },
        at: now,
      });
    }
    return { dueSoon: soon.length, overdue: late.length, reminders };
  });
}

async function candidates(trx: Kysely<DB>, when: ReturnType<typeof sql>): Promise<Row[]> {
  const { rows } =
    await sql<Row>`select f.id, f.title, f.priority, f.due_at, f.severity, f.kind, f.rule_id, f.cvss_vector, f.aliases, f.cwes, f.kev, f.epss,
      s.name as service, s.exposure, s.criticality, t.name as team, t.id as team_id
    from findings f join services s on s.id = f.service_id join teams t on t.id = f.owner_team_id
    where f.status in ('open', 'in_progress') and f.priority in ('act', 'attend') and ${when}
    order by f.due_at, f.id limit ${batch} for update of f skip locked`.execute(trx);
  return rows;
}

/** A finding as a message names it; the reasons are the priority decision's own, as the finding's page shows them. */
export function notice(f: Row, policy: Policy, cal: Calendar) {
  const reasons = decidePriority(
    {
      severity: f.severity,
      kind: f.kind,
      ruleId: f.rule_id,
      cvssVector: f.cvss_vector,
      aliases: f.aliases,
      cwes: f.cwes,
      kev: f.kev,
      epss: f.epss,
      service: { name: f.service, exposure: f.exposure, criticality: f.criticality },
    },
    policy.epss.high,
  )
    .reasons.filter((r) => !/no sign of exploitation|has criticality [12] of 4/.test(r))
    .slice(0, 3);
  return {
    team: f.team,
    id: f.id,
    title: f.title,
    service: f.service,
    priority: f.priority,
    reasons,
    due: cal.dayOf(f.due_at),
  };
}
