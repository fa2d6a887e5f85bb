/**
 * What the scorecard and goals say to people: credit is shared ("together we fixed…"), a scope is work we share, never
 * "findings against team X", and a goal at risk is an invitation to look at it together.
 */
import { count, day, list, template, withVariants } from '../voice/template.ts';
import { command, placeholder } from '../voice/suggest.ts';
import type { Day } from '../policy/calendar.ts';

const statusWords = {
  met: 'met',
  on_track: 'on track',
  at_risk: 'at risk',
  off_track: 'off track',
  missed: 'past its deadline',
} as const;
type Status = keyof typeof statusWords;

const where = (scope: string | null): string => (scope ? ` for ${scope}` : '');

/** Scorecard and goal messages. */
export const scorecardMessages = {
  /** The card's first line: what we did together in the period, and what is open now. */
  headline: withVariants(
    template<{
      scope: string | null;
      from: Day;
      to: Day;
      fixed: number;
      arrivals: number;
      act: number;
      attend: number;
    }>(
      (p) =>
        `From ${day(p.from)} to ${day(p.to)}${where(p.scope)}, together we fixed ${count(p.fixed, 'finding')} while ${p.arrivals} arrived. `
        + (p.act + p.attend === 0
          ? 'Nothing waits to be acted on or attended to now.'
          : `Open now: ${p.act} to act on and ${p.attend} to attend to.`),
      [
        { scope: 'payments', from: '2026-09-01', to: '2026-11-30', fixed: 42, arrivals: 30, act: 1, attend: 4 },
        { scope: null, from: '2026-09-01', to: '2026-11-30', fixed: 1, arrivals: 0, act: 0, attend: 0 },
      ],
    ),
    {
      scoped: (p) => p.scope !== null,
      org: (p) => p.scope === null,
      clear: (p) => p.act + p.attend === 0,
      open: (p) => p.act + p.attend > 0,
    },
  ),

  /** One of Security's service levels, as Security's own commitment to IT. */
  serviceLevel: withVariants(
    template<{ what: string; answered: number; within: number; targetHours: number; waiting: number }>(
      (p) =>
        (p.answered === 0
          ? `Security's ${p.what}: nothing answered in this period`
          : `Security's ${p.what}: ${p.within} of ${p.answered} within the ${p.targetHours}-hour target`)
        + (p.waiting ? `; ${p.waiting} waiting for us now.` : '.'),
      [
        { what: 'triage of new act and attend findings', answered: 5, within: 4, targetHours: 24, waiting: 1 },
        { what: 'answers to exception requests', answered: 0, within: 0, targetHours: 72, waiting: 0 },
      ],
    ),
    { none: (p) => p.answered === 0, some: (p) => p.answered > 0, waiting: (p) => p.waiting > 0 },
  ),

  /** A goal in one line: what, where it stands and by when. */
  goal: withVariants(
    template<{
      id: number;
      label: string;
      target: string;
      deadline: Day;
      owners: readonly string[];
      baseline: number;
      current: number;
      status: Status;
      guardrail: string | null;
    }>(
      (p) =>
        `Goal #${p.id}, owned by ${list(p.owners)}: ${p.label} ${p.target} by ${day(p.deadline)} (from ${p.baseline}, now ${p.current}), ${statusWords[p.status]}.`
        + (p.guardrail ? ` It counts once ${p.guardrail}.` : '')
        + (p.status === 'at_risk' || p.status === 'off_track' ? " Let's look at it together at the next review." : ''),
      [
        {
          id: 3,
          label: 'open act and attend findings',
          target: '-30%',
          deadline: '2027-06-30',
          owners: ['payments', 'security'],
          baseline: 10,
          current: 6,
          status: 'on_track',
          guardrail: null,
        },
        {
          id: 4,
          label: 'findings fixed in the last 30 days',
          target: '+20%',
          deadline: '2027-06-30',
          owners: ['it-ops', 'security'],
          baseline: 10,
          current: 13,
          status: 'at_risk',
          guardrail: 'the reopen rate is back to where it was',
        },
        {
          id: 5,
          label: 'open ports without an approved change',
          target: '0',
          deadline: '2027-01-31',
          owners: ['it-ops', 'security'],
          baseline: 4,
          current: 0,
          status: 'met',
          guardrail: null,
        },
        {
          id: 6,
          label: 'open act and attend findings',
          target: '-30%',
          deadline: '2027-01-31',
          owners: ['payments', 'security'],
          baseline: 10,
          current: 12,
          status: 'off_track',
          guardrail: null,
        },
        {
          id: 7,
          label: 'open act and attend findings',
          target: '-30%',
          deadline: '2026-11-30',
          owners: ['payments', 'security'],
          baseline: 10,
          current: 9,
          status: 'missed',
          guardrail: null,
        },
      ],
    ),
    {
      attention: (p) => p.status === 'at_risk' || p.status === 'off_track',
      fine: (p) => p.status === 'on_track' || p.status === 'met',
      missed: (p) => p.status === 'missed',
      guardrail: (p) => p.guardrail !== null,
    },
  ),

  /** Why a goal needs Security among its owners (or an IT or engineering team). */
  ownersTogether: withVariants(
    template<{ missing: 'security' | 'it'; securityTeams: readonly string[]; owners: readonly string[] }>(
      (p) =>
        (p.missing === 'security'
          ? `A goal is owned by IT and Security together, so that both sides share its credit and its work; please add ${p.securityTeams.length ? list(p.securityTeams) : 'a security team'} to --owners beside ${list(p.owners)}.`
          : `A goal is owned by IT and Security together, so that both sides share its credit and its work; please add the engineering or IT operations team that does the work to --owners beside ${list(p.owners)}.`)
        + (p.missing === 'security' && p.securityTeams.length === 0
          ? ' The organisation file has no team of kind security yet.'
          : ''),
      [
        { missing: 'security', securityTeams: ['security'], owners: ['payments'] },
        { missing: 'security', securityTeams: [], owners: ['payments'] },
        { missing: 'it', securityTeams: ['security'], owners: ['security'] },
      ],
    ),
    {
      security: (p) => p.missing === 'security',
      it: (p) => p.missing === 'it',
      noSecurityTeam: (p) => p.securityTeams.length === 0,
    },
  ),

  /** What `goal list` says when there are none yet: how to set the first. */
  noGoals: template<Record<string, never>>(
    () =>
      `No goals yet. Let's set one together: \`${command('goal set', { metric: 'open-act-attend', team: placeholder('TEAM'), owners: placeholder('TEAM,security'), target: placeholder('N'), deadline: placeholder('DAY') })}\` `
      + "(write the target as --target=-30% to aim at a change from today's value).",
    [{}],
  ),

  /** What `goal set` says when the goal is recorded. */
  goalSet: template<{
    id: number;
    label: string;
    baseline: number;
    target: number;
    deadline: Day;
    owners: readonly string[];
  }>(
    (p) =>
      `Goal #${p.id} is set: ${p.label}, from ${p.baseline} today to ${p.target} by ${day(p.deadline)}, owned together by ${list(p.owners)}.`,
    [
      {
        id: 1,
        label: 'open act and attend findings',
        baseline: 10,
        target: 7,
        deadline: '2027-06-30',
        owners: ['payments', 'security'],
      },
    ],
  ),
};
