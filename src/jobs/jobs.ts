/** The jobs `entente serve` runs: lease reminders and expiry, recertification reminders, the findings' SLA sweep, the commitments sweep, exception expiry, the audit log's verification, the scorecard's daily snapshot. */
import type { Job } from './runner.ts';
import { expireLeases, remindLeases, remindRecertification } from '../changes/leases.ts';
import { sweepMissedCommitments } from '../commitments/sweep.ts';
import { expireExceptionsNow } from '../exceptions/exceptions-service.ts';
import { sweepFindingsSla } from '../findings/sla-sweep.ts';
import { notifySlaReminders } from '../notifications/finding-events.ts';
import { auditVerifyJob } from './audit-verify-job.ts';
import { dailySnapshot } from '../goals/snapshots.ts';
import { remindExceptionsEnding } from '../exceptions/ending-reminders.ts';
import { remindCommitmentsDue } from '../commitments/due-reminders.ts';
import { alertGoalsAtRisk } from '../goals/goal-alerts.ts';

/** The actor the audit log names for the job runner's own writes. */
const jobsActor = 'entente:jobs';

/** Every scheduled job, with how often it runs. */
export const defaultJobs: readonly Job[] = [
  { name: 'lease-expiry', everySeconds: 300, run: async (deps) => expireLeases(deps) },
  {
    name: 'lease-reminders',
    everySeconds: 3_600,
    run: async (deps) => ({ reminded: (await remindLeases(deps)).map((r) => r.id) }),
  },
  {
    name: 'recertification-reminders',
    everySeconds: 6 * 3_600,
    run: async (deps) => ({ reminded: (await remindRecertification(deps)).map((r) => r.id) }),
  },
  {
    name: 'sla-sweep',
    everySeconds: 3_600,
    run: async (deps) => {
      const r = await sweepFindingsSla(deps, notifySlaReminders);
      return { dueSoon: r.dueSoon, overdue: r.overdue };
    },
  },
  {
    name: 'commitments-sweep',
    everySeconds: 900,
    run: async (deps) => sweepMissedCommitments(deps.db, deps.now(), undefined, deps.policy),
  },
  { name: 'exceptions-expiry', everySeconds: 900, run: async (deps) => expireExceptionsNow(deps, jobsActor) },
  auditVerifyJob(),
  // Writes yesterday (now complete) and today so far; hourly, so a server down at midnight still writes the day.
  { name: 'daily-snapshot', everySeconds: 3_600, run: async (deps) => dailySnapshot(deps) },
  // Notices for the outbox (each once per exception, commitment or goal change, by its idempotency key or goal_alerts).
  { name: 'exception-ending-reminders', everySeconds: 3_600, run: async (deps) => remindExceptionsEnding(deps) },
  { name: 'commitment-reminders', everySeconds: 3_600, run: async (deps) => remindCommitmentsDue(deps) },
  { name: 'goal-alerts', everySeconds: 6 * 3_600, run: async (deps) => alertGoalsAtRisk(deps) },
];
