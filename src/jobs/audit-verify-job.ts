/** The scheduled audit verification: hourly and at every start, checkpoint an intact log, report a broken one to Security. */
import type { Job } from './runner.ts';
import { verifyAndCheckpoint } from '../audit/verify.ts';
import { notifySecurityOfAuditBreak, type AuditBreakHook } from '../audit/security-alert.ts';

/** The job; `onBreak` is told of a problem (the default writes the alarm to the server's log). */
export function auditVerifyJob(onBreak: AuditBreakHook = notifySecurityOfAuditBreak): Job {
  return {
    name: 'audit-verify',
    everySeconds: 3_600,
    atStart: true,
    async run(deps) {
      const now = deps.now();
      const v = await verifyAndCheckpoint(deps.db, now);
      if (!v.ok) await onBreak(v, now);
      // The result is what the job's last run shows: the sentence, and where the chain broke.
      return {
        ok: v.ok,
        entries: v.entries,
        checkpointed: v.checkpointed,
        message: v.message,
        ...(v.ok ? {} : { problem: v.problem, brokenAt: v.brokenAt }),
      };
    },
  };
}
