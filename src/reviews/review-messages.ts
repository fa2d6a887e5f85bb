/**
 * Every sentence a review's agenda says: the title, each section's heading and opening sentence, and each line. Wins
 * come first and thank people by name; the rest says what is ahead as shared work, with the date and the next step.
 */
import { command } from '../voice/suggest.ts';
import type { Day } from '../policy/calendar.ts';
import { count, day, list, template, withVariants } from '../voice/template.ts';

const d1: Day = '2026-12-07';
const d2: Day = '2026-12-14';

/** Whose review it is: a team's, or the whole organisation's (team null). */
interface Whose {
  team: string | null;
}
const whose = (p: Whose): string => (p.team ? p.team : 'the whole organisation');

export interface WinsIntro extends Whose {
  since: Day;
  fixed: number;
  kept: number;
  exceptionsEnded: number;
  actionsDone: number;
  thanks: readonly string[];
}
export interface FindingLine {
  id: number;
  title: string;
  service: string;
  priority: string;
  due: Day;
  kev: boolean;
  overdue?: boolean;
}
export interface CommitmentLine {
  id: number;
  title: string;
  team: string;
  due: Day;
  missed: boolean;
}
export interface GoalLineText {
  title: string;
  team: string | null;
  progress: string;
  deadline: Day | null;
}

const finding: FindingLine = {
  id: 42,
  title: 'log4j-core 2.14.1: remote code execution (CVE-2021-44228)',
  service: 'checkout-api',
  priority: 'act',
  due: d2,
  kev: true,
};
const finding2: FindingLine = {
  id: 43,
  title: 'Reflected cross-site scripting in /search',
  service: 'checkout-api',
  priority: 'attend',
  due: d2,
  kev: false,
};
const ref = (f: { id: number; title: string; service: string }): string => `#${f.id} ${f.title} on ${f.service}`;

/** Review messages. */
export const reviewMessages = {
  /** The agenda's title (its first heading). */
  title: withVariants(
    template<Whose & { cadence: 'weekly' | 'monthly'; on: Day }>(
      (p) => `${p.cadence === 'weekly' ? 'Weekly' : 'Monthly'} security review for ${whose(p)}, ${day(p.on)}`,
      [
        { team: 'payments', cadence: 'weekly', on: d1 },
        { team: null, cadence: 'monthly', on: d1 },
      ],
    ),
    { weekly: (p) => p.cadence === 'weekly', monthly: (p) => p.cadence === 'monthly', org: (p) => p.team === null },
  ),

  /** The line under the title: the period the agenda covers and when we meet next. */
  period: withVariants(
    template<{ from: Day; to: Day; next: Day; first: boolean }>(
      (p) =>
        `${p.first ? 'Our first review: this agenda covers' : 'Since our last review: this agenda covers'} ${day(p.from)} to ${day(p.to)}. We meet again on ${day(p.next)}.`,
      [
        { from: '2026-11-30', to: d1, next: d2, first: true },
        { from: '2026-11-30', to: d1, next: d2, first: false },
      ],
    ),
    { first: (p) => p.first, later: (p) => !p.first },
  ),

  winsHeading: template<{ first: boolean }>(
    (p) => (p.first ? 'Wins this period' : 'Wins since last review'),
    [{ first: true }, { first: false }],
  ),

  /** The wins section's opening sentence: thanks by name when we know who, else the team; or nothing closed yet. */
  winsIntro: withVariants(
    template<WinsIntro>(
      (p) => {
        const total = p.fixed + p.kept + p.exceptionsEnded + p.actionsDone;
        if (total === 0) {
          return `Nothing closed yet since ${day(p.since)}. The first fix will show up here; the items below are a good place to start together.`;
        }
        const parts = [
          p.fixed ? `fixed ${count(p.fixed, 'finding')}` : '',
          p.kept ? `kept ${count(p.kept, 'commitment')}` : '',
          p.exceptionsEnded ? `ended ${count(p.exceptionsEnded, 'exception')} on time` : '',
          p.actionsDone ? `completed ${count(p.actionsDone, 'action item')} from last time` : '',
        ].filter(Boolean);
        const who = p.thanks.length ? list(p.thanks) : p.team ? `everyone in ${p.team}` : 'every team';
        return `Thank you, ${who}: since ${day(p.since)} we ${list(parts)}.`;
      },
      [
        {
          team: 'payments',
          since: '2026-11-30',
          fixed: 3,
          kept: 1,
          exceptionsEnded: 1,
          actionsDone: 1,
          thanks: ['ana@example.com', 'Raj Patel'],
        },
        { team: 'payments', since: '2026-11-30', fixed: 1, kept: 0, exceptionsEnded: 0, actionsDone: 0, thanks: [] },
        { team: null, since: '2026-11-30', fixed: 0, kept: 2, exceptionsEnded: 0, actionsDone: 0, thanks: [] },
        { team: 'payments', since: '2026-11-30', fixed: 0, kept: 0, exceptionsEnded: 0, actionsDone: 0, thanks: [] },
      ],
    ),
    {
      none: (p) => p.fixed + p.kept + p.exceptionsEnded + p.actionsDone === 0,
      named: (p) => p.thanks.length > 0,
      team: (p) => p.thanks.length === 0 && p.team !== null,
      org: (p) => p.team === null,
    },
  ),

  fixedWin: withVariants(
    template<{ id: number; title: string; service: string; by: string | null; on: Day }>(
      (p) => `${ref(p)}: fixed on ${day(p.on)}${p.by ? `, thanks to ${p.by}` : ''}.`,
      [
        { ...finding, by: 'ana@example.com', on: d1 },
        { ...finding2, by: null, on: d1 },
      ],
    ),
    { thanked: (p) => p.by !== null, unnamed: (p) => p.by === null },
  ),

  keptWin: withVariants(
    template<{ id: number; title: string; team: string; by: string | null; on: Day; action: boolean }>(
      (p) =>
        `${p.action ? 'Action item' : 'Commitment'} #${p.id} ${p.title} (${p.team}): in place since ${day(p.on)}${p.by ? `, thanks to ${p.by}` : ''}.`,
      [
        {
          id: 7,
          title: 'A WAF rule in front of /search',
          team: 'payments',
          by: 'sam@example.com',
          on: d1,
          action: false,
        },
        { id: 8, title: 'Upgrade log4j-core', team: 'payments', by: null, on: d1, action: true },
      ],
    ),
    { thanked: (p) => p.by !== null, action: (p) => p.action },
  ),

  exceptionWin: template<{ id: number; team: string; on: Day; findings: number }>(
    (p) =>
      `Exception #${p.id} of ${p.team} ended on ${day(p.on)}, on time; its ${count(p.findings, 'finding')} ${p.findings === 1 ? 'is' : 'are'} back on the shared list.`,
    [
      { id: 4, team: 'payments', on: d1, findings: 2 },
      { id: 5, team: 'payments', on: d1, findings: 1 },
    ],
  ),

  actionsHeading: template<Record<string, never>>(() => 'Action items from last time', [{}]),
  actionsIntro: withVariants(
    template<{ open: number; previous: number | null }>(
      (p) =>
        p.previous === null
          ? 'This is the first review of this group, so there are no action items from before yet.'
          : p.open === 0
            ? `Every action item from review #${p.previous} is done or no longer needed.`
            : `${count(p.open, 'action item')} from review #${p.previous} ${p.open === 1 ? 'is' : 'are'} still open; let's start with where ${p.open === 1 ? 'it stands' : 'they stand'}.`,
      [
        { open: 0, previous: null },
        { open: 0, previous: 3 },
        { open: 1, previous: 3 },
        { open: 2, previous: 3 },
      ],
    ),
    { first: (p) => p.previous === null, done: (p) => p.previous !== null && p.open === 0, open: (p) => p.open > 0 },
  ),

  actionLine: withVariants(
    template<CommitmentLine>(
      (p) =>
        `#${p.id} ${p.title}: ${p.team}, due ${day(p.due)}${p.missed ? "; the date has passed, so let's agree on a new one or on help" : ''}.`,
      [
        { id: 9, title: 'Upgrade log4j-core', team: 'payments', due: d2, missed: false },
        { id: 9, title: 'Upgrade log4j-core', team: 'payments', due: d1, missed: true },
      ],
    ),
    { missed: (p) => p.missed },
  ),

  newHeading: template<{ first: boolean }>(
    (p) => (p.first ? 'New this period' : 'New since last review'),
    [{ first: true }, { first: false }],
  ),
  newIntro: withVariants(
    template<{ act: number; attend: number; kev: number }>(
      (p) => {
        if (p.act + p.attend + p.kev === 0) return 'No new finding to act on or attend to in this period.';
        const findingWord = p.act ? 'finding' : '';
        const parts = [
          p.act ? `${count(p.act, 'finding')} to act on` : '',
          p.attend ? `${p.attend}${findingWord ? '' : p.attend === 1 ? ' finding' : ' findings'} to attend to` : '',
          p.kev ? `${count(p.kev, 'older finding')} now in CISA's Known Exploited Vulnerabilities catalogue` : '',
        ].filter(Boolean);
        return `New in this period: ${list(parts)}.`;
      },
      [
        { act: 0, attend: 0, kev: 0 },
        { act: 1, attend: 2, kev: 0 },
        { act: 1, attend: 0, kev: 1 },
        { act: 0, attend: 1, kev: 0 },
        { act: 0, attend: 0, kev: 2 },
      ],
    ),
    {
      none: (p) => p.act + p.attend + p.kev === 0,
      kev: (p) => p.kev > 0,
      'attend only': (p) => p.act === 0 && p.attend > 0,
    },
  ),

  findingLine: withVariants(
    template<FindingLine>(
      (p) =>
        `${ref(p)}: priority ${p.priority}${p.kev ? ", in CISA's Known Exploited Vulnerabilities catalogue" : ''}; due ${day(p.due)}${p.overdue ? ', the date has passed' : ''}.`,
      [finding, finding2, { ...finding2, overdue: true }],
    ),
    { kev: (p) => p.kev, overdue: (p) => p.overdue === true },
  ),

  kevLine: template<FindingLine>(
    (p) =>
      `${ref(p)}: newly in CISA's Known Exploited Vulnerabilities catalogue, now priority ${p.priority}; due ${day(p.due)}.`,
    [finding],
  ),

  dueHeading: template<{ next: Day }>((p) => `Due by the next meeting (${day(p.next)})`, [{ next: d2 }]),
  dueIntro: withVariants(
    template<{ findings: number; commitments: number; overdue: number }>(
      (p) =>
        p.findings + p.commitments === 0
          ? 'Nothing is due by the next meeting.'
          : `${count(p.findings, 'finding')} and ${count(p.commitments, 'commitment')} are due by then${p.overdue ? `; ${p.overdue} of them ${p.overdue === 1 ? 'is' : 'are'} past the date already, so let's look at those first` : ''}.`,
      [
        { findings: 0, commitments: 0, overdue: 0 },
        { findings: 2, commitments: 1, overdue: 0 },
        { findings: 1, commitments: 0, overdue: 1 },
      ],
    ),
    { none: (p) => p.findings + p.commitments === 0, overdue: (p) => p.overdue > 0 },
  ),

  commitmentLine: withVariants(
    template<CommitmentLine & { service: string | null }>(
      (p) =>
        `Commitment #${p.id} ${p.title}${p.service ? ` for ${p.service}` : ''}: ${p.team}, due ${day(p.due)}${p.missed ? ', the date has passed' : ''}.`,
      [
        {
          id: 7,
          title: 'A WAF rule in front of /search',
          team: 'payments',
          service: 'checkout-api',
          due: d2,
          missed: false,
        },
        { id: 8, title: 'Remove the FTP share', team: 'it-ops', service: null, due: d1, missed: true },
      ],
    ),
    { missed: (p) => p.missed, service: (p) => p.service !== null },
  ),

  endingHeading: template<Record<string, never>>(() => 'Exceptions and leases ending', [{}]),
  endingIntro: withVariants(
    template<{ exceptions: number; leases: number }>(
      (p) =>
        p.exceptions + p.leases === 0
          ? 'No exception or lease ends before the next meeting.'
          : `${count(p.exceptions, 'exception')} and ${count(p.leases, 'lease')} end before the next meeting; let's decide together what happens to each.`,
      [
        { exceptions: 0, leases: 0 },
        { exceptions: 1, leases: 2 },
      ],
    ),
    { none: (p) => p.exceptions + p.leases === 0 },
  ),

  exceptionEnding: template<{ id: number; team: string; on: Day; findings: number }>(
    (p) =>
      `Exception #${p.id} of ${p.team} ends on ${day(p.on)}, covering ${count(p.findings, 'finding')}: a fix by then, or \`${command('exceptions show', {}, p.id)}\` to plan the next step.`,
    [{ id: 4, team: 'payments', on: d2, findings: 2 }],
  ),

  leaseEnding: withVariants(
    template<{ id: number; title: string; service: string; on: Day; recertify: boolean }>(
      (p) =>
        p.recertify
          ? `Change #${p.id} ${p.title} on ${p.service} is due for recertification on ${day(p.on)}: \`${command('change recertify', {}, p.id)}\` when it is still needed.`
          : `Change #${p.id} ${p.title} on ${p.service}: its lease ends on ${day(p.on)}; extend it before then if the access is still needed.`,
      [
        { id: 12, title: 'Upload folder for a client', service: 'file-gw', on: d2, recertify: false },
        { id: 13, title: 'Partner API', service: 'checkout-api', on: d2, recertify: true },
      ],
    ),
    { recertify: (p) => p.recertify, lease: (p) => !p.recertify },
  ),

  waitingHeading: template<Record<string, never>>(() => 'Changes and gates waiting', [{}]),
  waitingIntro: withVariants(
    template<{ changes: number; gates: number }>(
      (p) =>
        p.changes + p.gates === 0
          ? 'No change or gate decision is waiting on anyone.'
          : `${count(p.changes, 'change')} ${p.changes === 1 ? 'waits' : 'wait'} for a decision and ${count(p.gates, 'release')} for a path to go.`,
      [
        { changes: 0, gates: 0 },
        { changes: 1, gates: 2 },
        { changes: 2, gates: 0 },
      ],
    ),
    { none: (p) => p.changes + p.gates === 0, one: (p) => p.changes === 1 },
  ),

  changeWaiting: withVariants(
    template<{ id: number; title: string; service: string; since: Day; emergency: boolean }>(
      (p) =>
        p.emergency
          ? `Emergency change #${p.id} ${p.title} on ${p.service} went ahead on ${day(p.since)} and waits for its review.`
          : `Change #${p.id} ${p.title} on ${p.service} waits for approval since ${day(p.since)}.`,
      [
        { id: 12, title: 'Partner API', service: 'checkout-api', since: d1, emergency: false },
        { id: 14, title: 'Open port 22 for the vendor', service: 'billing', since: d1, emergency: true },
      ],
    ),
    { emergency: (p) => p.emergency },
  ),

  gateWaiting: template<{ id: number; service: string; env: string; on: Day }>(
    (p) =>
      `The gate for ${p.service} in ${p.env} said not yet on ${day(p.on)} (decision #${p.id}); \`${command('gate changes', {}, p.id)}\` shows what changed, and the decision lists the path to go.`,
    [{ id: 31, service: 'checkout-api', env: 'prod', on: d1 }],
  ),

  goalsHeading: template<Record<string, never>>(() => 'Goals at risk', [{}]),
  goalsIntro: withVariants(
    template<{ goals: number }>(
      (p) =>
        p.goals === 0
          ? 'No goal is at risk right now.'
          : `${count(p.goals, 'goal')} may miss ${p.goals === 1 ? 'its' : 'their'} date; let's see what would help.`,
      [{ goals: 0 }, { goals: 1 }, { goals: 2 }],
    ),
    { none: (p) => p.goals === 0, one: (p) => p.goals === 1 },
  ),

  goalLine: withVariants(
    template<GoalLineText>(
      (p) =>
        `${p.title}${p.team ? ` (${p.team})` : ''}: ${p.progress}${p.deadline ? `; the date is ${day(p.deadline)}` : ''}.`,
      [
        {
          title: 'Open act and attend findings down 30%',
          team: 'payments',
          progress: '12 now, 8 by the date would meet it',
          deadline: '2027-06-30',
        },
        {
          title: 'Every internet-facing service scanned weekly',
          team: null,
          progress: '3 of 5 services so far',
          deadline: null,
        },
      ],
    ),
    { team: (p) => p.team !== null, deadline: (p) => p.deadline !== null },
  ),

  weaknessHeading: template<Record<string, never>>(() => 'Most frequent weakness', [{}]),
  weakness: withVariants(
    template<{ cwe: number | null; findings: number; topic: string | null }>(
      (p) =>
        p.cwe === null
          ? "No weakness stands out among this period's new findings to act on or attend to."
          : `CWE-${p.cwe} is behind ${count(p.findings, 'new finding')} to act on or attend to in this period. ${
              p.topic
                ? `A training session on ${p.topic} could help the whole team.`
                : `Its description (https://cwe.mitre.org/data/definitions/${p.cwe}.html) is a good start for a short session together.`
            }`,
      [
        { cwe: null, findings: 0, topic: null },
        { cwe: 79, findings: 5, topic: 'output encoding (OWASP XSS prevention)' },
        { cwe: 1333, findings: 1, topic: null },
      ],
    ),
    {
      none: (p) => p.cwe === null,
      topic: (p) => p.topic !== null,
      'no topic': (p) => p.cwe !== null && p.topic === null,
    },
  ),

  weaknessList: template<{ command: string }>(
    (p) => `\`${p.command}\` lists them.`,
    [{ command: command('findings', { team: 'payments', cwe: 79 }) }],
  ),

  /** A section's list was cut short: where the rest is. */
  more: template<{ more: number; where: string }>(
    (p) => `${count(p.more, 'more item')}: \`${p.where}\` lists them all.`,
    [{ more: 12, where: command('findings', { team: 'payments', priority: 'act,attend' }) }],
  ),

  /** The calendar invitation's summary line. */
  seriesSummary: withVariants(
    template<Whose & { cadence: 'weekly' | 'monthly' }>(
      (p) => `${p.cadence === 'weekly' ? 'Weekly' : 'Monthly'} security review: ${whose(p)}`,
      [
        { team: 'payments', cadence: 'weekly' },
        { team: null, cadence: 'monthly' },
      ],
    ),
    { org: (p) => p.team === null },
  ),

  /** A review's one-line summary (lists, the invitation's first line). */
  summary: template<{ id: number; wins: number; news: number; due: number; closed: boolean }>(
    (p) =>
      `Review #${p.id}: ${count(p.wins, 'win')}, ${count(p.news, 'new item')} and ${count(p.due, 'item')} due before the next meeting${p.closed ? '; closed' : ''}.`,
    [
      { id: 3, wins: 2, news: 1, due: 4, closed: false },
      { id: 4, wins: 1, news: 0, due: 0, closed: true },
    ],
  ),

  closed: template<{ id: number; attendees: number; decisions: number; actions: number }>(
    (p) =>
      `Review #${p.id} is closed: ${count(p.attendees, 'attendee')}, ${count(p.decisions, 'decision')} and ${count(p.actions, 'action item')}, each now a commitment with its owner and date. The next agenda starts with the ones still open.`,
    [{ id: 3, attendees: 4, decisions: 1, actions: 2 }],
  ),
};
