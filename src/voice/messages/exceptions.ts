/**
 * What Entente says about a risk acceptance (exception) at each step: asked for, approved, declined, withdrawn or ended
 * early, expired, and lapsed because a finding it covers became more urgent. Each says where it stands, why, and what next.
 */
import type { Day } from '../../policy/calendar.ts';
import { count, day, list, template, withVariants } from '../template.ts';

/** A finding whose priority rose while an exception covered it. */
export interface Risen {
  id: number;
  from: string;
  to: string;
}

/** What `entente exceptions expire` did. */
export interface ExpiryRun {
  expired: number;
  requestsClosed: number;
}

const until: Day = '2026-06-01';
const ended: Day = '2026-03-20';
const controlsBy: Day = '2026-03-09';
const reopened = "its findings are back on the team's list as they were (open, or in progress), with a fresh due date";

/** Exception messages. */
export const exceptionMessages = {
  /** Waiting for approvals. */
  requested: template<{ requestedBy: string; until: Day; awaiting: readonly string[] }>(
    (p) =>
      `${p.requestedBy} asked to accept this risk until ${day(p.until)}; waiting for the approval of ${list(p.awaiting)}. `
      + 'Its findings keep their due dates until both have approved.',
    [
      { requestedBy: 'raj@example.com', until, awaiting: ['the lead of payments (ana@example.com)', 'Security'] },
      { requestedBy: 'raj@example.com', until, awaiting: ['Security'] },
    ],
  ),

  /** Both approvals are in. */
  approved: withVariants(
    template<{ until: Day; controls: readonly string[]; evidenceBy: Day | null }>(
      (p) =>
        `We can accept this risk until ${day(p.until)} with these controls: ${p.controls.join('; ')}. `
        + (p.evidenceBy
          ? `Each is a commitment of the team: please show it is in place by ${day(p.evidenceBy)} (\`entente commitments verify\`). `
          : '')
        + `Let's plan the fix before then: on ${day(p.until)} the findings come back with a fresh due date.`,
      [
        { until, controls: ['WAF rule 9421 blocks the payload', 'alerting on /search errors'], evidenceBy: controlsBy },
        { until, controls: ['IP allow-list'], evidenceBy: null },
      ],
    ),
    { 'evidence owed': (p) => p.evidenceBy !== null, 'all shown': (p) => p.evidenceBy === null },
  ),

  /** A lead or Security decided not to accept the risk; `reason` is theirs. */
  declined: template<{ reason: string | null }>(
    (p) =>
      `We did not accept this risk for now${p.reason ? `, for this reason: ${p.reason.replace(/[.\s]+$/, '')}` : ''}. `
      + 'The findings stay on the list with their due dates; ask again with what has changed, or talk to us about other controls.',
    [{ reason: 'the WAF rule does not cover the JSON body.' }, { reason: null }],
  ),

  /** An approved exception ended early by the requester or Security. */
  revoked: template<{ ended: Day; reason: string | null }>(
    (p) =>
      `This exception ended early on ${day(p.ended)}${p.reason ? `: ${p.reason.replace(/[.\s]+$/, '')}` : ''}. `
      + `${cap(reopened)}; the findings list shows it.`,
    [
      { ended, reason: 'the ORM upgrade landed early' },
      { ended, reason: null },
    ],
  ),

  /** A request withdrawn before both approvals came in. */
  withdrawn: template<{ ended: Day; reason: string | null }>(
    (p) =>
      `The request was withdrawn on ${day(p.ended)}, before approval${p.reason ? `: ${p.reason.replace(/[.\s]+$/, '')}` : ''}. `
      + 'Nothing changed on its findings; they keep their due dates.',
    [
      { ended, reason: 'we found a way to patch it this sprint' },
      { ended, reason: null },
    ],
  ),

  /** An approved exception ran to the end of its last day (`until`). */
  expired: template<{ until: Day }>(
    (p) =>
      `This exception ran until its end date, ${day(p.until)}, so ${reopened}. If the fix needs more time, ask for a new exception with what has changed.`,
    [{ until }],
  ),

  /** A request whose date came before both approvals. */
  requestExpired: template<{ until: Day }>(
    (p) =>
      `The request reached its date (${day(p.until)}) before both approvals came in; ask again if it is still needed, and we will pick it up.`,
    [{ until }],
  ),

  /** Ended because a finding it covers became more urgent (its CVE entered KEV, say). */
  lapsed: withVariants(
    template<{ ended: Day; risen: readonly Risen[] }>(
      (p) => {
        const what = p.risen.length
          ? `${list(p.risen.map((r) => `#${r.id} went from ${r.from} to ${r.to}`))}, and the exception was agreed for the risk as it was`
          : 'a finding it covers became more urgent than when it was agreed';
        return (
          `We ended this exception on ${day(p.ended)} because ${what}. ${cap(reopened)}; `
          + 'if the risk still has to be accepted, ask again with the current picture and we will look at it together.'
        );
      },
      [
        { ended, risen: [{ id: 42, from: 'attend', to: 'act' }] },
        {
          ended,
          risen: [
            { id: 42, from: 'attend', to: 'act' },
            { id: 43, from: 'track', to: 'attend' },
          ],
        },
        { ended, risen: [] },
      ],
    ),
    {
      'one finding rose': (p) => p.risen.length === 1,
      'several rose': (p) => p.risen.length > 1,
      'none known': (p) => p.risen.length === 0,
    },
  ),

  /** What `entente exceptions expire` did. */
  expiryRun: withVariants(
    template<ExpiryRun>(
      (r) => {
        if (r.expired === 0 && r.requestsClosed === 0)
          return 'No exception was due to end today; we will check again on the next run.';
        const parts: string[] = [];
        if (r.expired)
          parts.push(
            `${count(r.expired, 'approved exception')} reached ${r.expired === 1 ? 'its' : 'their'} date; ${r.expired === 1 ? 'its' : 'their'} findings are back on the team's list with a fresh due date.`,
          );
        if (r.requestsClosed)
          parts.push(
            `${count(r.requestsClosed, 'request')} reached ${r.requestsClosed === 1 ? 'its' : 'their'} date before both approvals came in; ask again if still needed.`,
          );
        return parts.join(' ');
      },
      [
        { expired: 0, requestsClosed: 0 },
        { expired: 1, requestsClosed: 0 },
        { expired: 0, requestsClosed: 2 },
        { expired: 3, requestsClosed: 1 },
      ],
    ),
    {
      none: (r) => r.expired + r.requestsClosed === 0,
      'expired only': (r) => r.expired > 0 && r.requestsClosed === 0,
      'requests only': (r) => r.expired === 0 && r.requestsClosed > 0,
      both: (r) => r.expired > 0 && r.requestsClosed > 0,
    },
  ),

  /** `entente exceptions list` when nothing matches. */
  noneMatch: template<Record<string, never>>(() => 'No exceptions match these filters.', [{}]),
};

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
