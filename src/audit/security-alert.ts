/**
 * Where a broken audit log is reported to Security. There is no notification outbox yet, so the report is a
 * prominent line in the server's log (and the verification job's result); the outbox message to Security goes here.
 */
import type { AuditVerification } from './chain-check.ts';

/** Called with a verification that found a problem, and when it was found. */
export type AuditBreakHook = (v: AuditVerification, at: Date) => void | Promise<void>;

/** The hook the scheduled verification calls: today a line in the server's log that cannot be missed. */
export const notifySecurityOfAuditBreak: AuditBreakHook = (v, at) => {
  process.stderr.write(
    `\n!!! entente: AUDIT LOG CHECK FAILED at ${at.toISOString()} (${v.problem}): ${v.message} Security: please look into this now; \`entente audit verify\` repeats the check.\n\n`,
  );
};
