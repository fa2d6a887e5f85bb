/**
 * What the notification outbox sends around a finding's message: the subject line (what happened, to which finding,
 * with its CVE), the closing lines of an e-mail (why this person receives it, how to change that), and what
 * `entente notifications` says.
 */
import { command, placeholder } from '../suggest.ts';
import type { Day } from '../../policy/calendar.ts';
import { count, day, template, withVariants } from '../template.ts';

const eventKinds = [
  'exception.waiting',
  'exception.ending',
  'change.waiting',
  'commitment.waiting',
  'gate.decision',
  'goal.at_risk',
  'review.agenda_ready',
] as const;

/** A commitment that passed its date without being shown done, as its message names it. */
export interface MissedCommitment {
  id: number;
  title: string;
  due: Day;
  team: string;
  service: string | null;
  source: 'gate' | 'change' | 'exception' | 'review';
  sourceId: number;
  /** A gate rule that says no-go counts it: the service's next release is held until it is verified. */
  holdsRelease: boolean;
  /** It came from a gate or an exception: Security, which agreed to it, hears too. */
  securityHears: boolean;
  /** What shows it is kept (its verification's detail), or the finding whose fix Entente checks for it. */
  shownBy: { evidence: string } | { findingFixed: number };
}

const missedExample: MissedCommitment = {
  id: 3,
  title: 'A WAF rule (virtual patch) in front of the affected path',
  due: '2026-12-06',
  team: 'payments',
  service: 'checkout-api',
  source: 'gate',
  sourceId: 40,
  holdsRelease: true,
  securityHears: true,
  shownBy: { evidence: 'the rule in the edge WAF' },
};

/** An event beyond findings, as a subject and a text name it: its kind, its number, a title, and when (a day, a state). */
export interface EventSubject {
  kind: (typeof eventKinds)[number];
  id: number;
  title: string;
  when: string;
}

/** The finding a subject names. */
export interface SubjectFacts {
  kind: 'new_act' | 'new_attend' | 'due_soon' | 'overdue';
  title: string;
  cve: string | null;
  service: string;
  when: string;
}

/** Why a person receives a message (a member of the team, or one who can approve for it), and which event it was. */
export interface Footer {
  team: string;
  event: string;
  approver?: boolean | undefined;
}

/** One line of a digest: what happened, and the web app's page for it when the address is known. */
export interface DigestLine {
  subject: string;
  link: string | null;
  /** How many updates said exactly this (an import of 1,500 alike findings is one line); 1 when absent. */
  times?: number;
}

/** A digest's lines after folding: at most this many are listed, the rest counted. */
export const digestListed = 50;

/** What a digest lists, for its text and its HTML alike: each line with how many said it, then how many more there are. */
export function digestItems(lines: readonly DigestLine[]): { said: string; link: string | null }[] {
  const rest = lines.slice(digestListed).reduce((n, l) => n + (l.times ?? 1), 0);
  return [
    ...lines.slice(0, digestListed).map((l) => ({
      said: `${l.subject}${(l.times ?? 1) > 1 ? ` (${l.times} of these)` : ''}`,
      link: l.link,
    })),
    ...(rest > 0
      ? [
          {
            said: `and ${count(rest, 'more update')}; \`${command('notifications list', {})}\` lists every one of them.`,
            link: null,
          },
        ]
      : []),
  ];
}

/**
 * A burst of alike e-mails folded into one: the event, how many, the team and service they share (null when they do
 * not), their lines folded as a digest folds them, and the findings command that lists them when all are findings of
 * one service.
 */
export interface Burst {
  event: string;
  /** What the event is, as `entente notifications prefs` names it: the wording of events without one of their own. */
  label: string;
  count: number;
  team: string | null;
  service: string | null;
  lines: DigestLine[];
  findings: { service: string; priority: string; overdue: boolean } | null;
}

const burstExample: Burst = {
  event: 'finding.new_act',
  label: 'a new finding to act on',
  count: 30,
  team: 'payments',
  service: 'checkout-api',
  lines: [
    {
      subject: 'New finding to act on: log4j-core: Remote code execution in Log4j 2.x (CVE-2021-44228) on checkout-api',
      link: null,
    },
    { subject: 'New finding to act on: SQL injection in /orders on checkout-api', link: null, times: 29 },
  ],
  findings: { service: 'checkout-api', priority: 'act', overdue: false },
};

const forTeam = (b: Burst): string => `${b.team ? ` for ${b.team}` : ''}${b.service ? ` on ${b.service}` : ''}`;
const are = (n: number): string => (n === 1 ? 'is' : 'are');

/** What a burst's e-mail says it holds, per event kind, with a plain wording for the others. */
function burstSaid(b: Burst): string {
  switch (b.event) {
    case 'finding.new_act':
      return `${count(b.count, 'new finding')} to act on${forTeam(b)} at once`;
    case 'finding.new_attend':
      return `${count(b.count, 'new finding')} to attend to${forTeam(b)} at once`;
    case 'finding.due_soon':
      return `${count(b.count, 'finding')} to act on${forTeam(b)} ${are(b.count)} due soon`;
    case 'finding.overdue':
      return `${count(b.count, 'finding')} to act on${forTeam(b)} ${are(b.count)} past their due dates`;
    case 'finding.attend_due':
      return `${count(b.count, 'finding')} to attend to${forTeam(b)} ${are(b.count)} due soon or past their dates`;
    case 'commitment.missed':
      return `${count(b.count, 'commitment')}${b.team ? ` of ${b.team}` : ''}${b.service ? ` for ${b.service}` : ''} passed their dates without being shown done`;
    default:
      return `${count(b.count, 'notification')} at once${forTeam(b)}: ${b.label}`;
  }
}

const named = (s: SubjectFacts): string =>
  `${s.title}${s.cve && !s.title.includes(s.cve) ? ` (${s.cve})` : ''} on ${s.service}`;

/** Notification messages. */
export const notificationMessages = {
  /** An e-mail's subject: what happened and the finding, with its CVE when it has one. */
  subject: withVariants(
    template<SubjectFacts>(
      (s) =>
        s.kind === 'new_act'
          ? `New finding to act on: ${named(s)}`
          : s.kind === 'new_attend'
            ? `New finding to attend to: ${named(s)}`
            : s.kind === 'due_soon'
              ? `Due ${s.when}: ${named(s)}`
              : `Past its due date: ${named(s)}`,
      [
        {
          kind: 'new_act',
          title: 'log4j-core: Remote code execution in Log4j 2.x',
          cve: 'CVE-2021-44228',
          service: 'checkout-api',
          when: '',
        },
        {
          kind: 'new_attend',
          title: 'qs: Prototype pollution',
          cve: 'CVE-2022-24999',
          service: 'checkout-api',
          when: '',
        },
        {
          kind: 'due_soon',
          title: 'xz backdoor in liblzma 5.6.0',
          cve: 'CVE-2024-3094',
          service: 'checkout-api',
          when: 'tomorrow',
        },
        {
          kind: 'overdue',
          title: 'Reflected cross-site scripting in /search',
          cve: null,
          service: 'checkout-api',
          when: '',
        },
      ],
    ),
    {
      'new act': (s) => s.kind === 'new_act',
      'new attend': (s) => s.kind === 'new_attend',
      'due soon': (s) => s.kind === 'due_soon',
      overdue: (s) => s.kind === 'overdue',
      'no CVE': (s) => s.cve === null,
    },
  ),

  /** An e-mail's subject when temporary access is about to end. */
  leaseSubject: template<{ id: number; title: string; endsAt: string }>(
    (p) => `Access ends on ${p.endsAt}: change #${p.id} ${p.title}`,
    [{ id: 7, title: 'FTP upload for Acme', endsAt: '2026-03-16' }],
  ),

  /** The closing lines of an e-mail. */
  footer: template<Footer>(
    (f) =>
      `We sent this to you as ${f.approver ? `one who can approve for ${f.team}` : `a member of ${f.team}`}. To choose how these reach you: \`${command('notifications prefs', { event: f.event, channel: 'digest' })}\` gathers them in your daily digest, \`--channel none\` stops them, \`--channel email\` sends each at once.`,
    [
      { team: 'payments', event: 'finding.new_act' },
      { team: 'payments', event: 'exception.waiting', approver: true },
    ],
  ),

  /** A digest's subject: the day and how much it holds. */
  digestSubject: template<{ day: Day; count: number }>(
    (p) => `Your Entente digest for ${day(p.day)}: ${count(p.count, 'update')}`,
    [
      { day: '2026-12-07', count: 1 },
      { day: '2026-12-07', count: 4 },
    ],
  ),

  /** A digest's text: each line is what its own e-mail's subject would have said, with its page. */
  digest: template<{ lines: DigestLine[]; total: number }>(
    (p) =>
      [
        `Here is what came up for you since your last digest (${count(p.total, 'update')}):`,
        '',
        ...digestItems(p.lines).map((l) => `- ${l.said}${l.link ? `\n  ${l.link}` : ''}`),
      ].join('\n'),
    [
      {
        lines: [
          {
            subject: 'New finding to attend to: qs: Prototype pollution (CVE-2022-24999) on checkout-api',
            link: 'https://entente.example.com/findings/42',
          },
          { subject: 'Exception #7 waits for your approval: 2 findings of payments', link: null },
        ],
        total: 2,
      },
      {
        lines: [
          { subject: 'New finding to attend to: SQL injection on checkout-api', link: null, times: 1500 },
          ...Array.from({ length: digestListed + 2 }, (_, i) => ({
            subject: `New finding to attend to: Flaw ${i + 1} on checkout-api`,
            link: null,
          })),
        ],
        total: 1502 + digestListed,
      },
    ],
  ),

  /** The closing lines of a digest. */
  digestFooter: template<Record<string, never>>(
    () =>
      `We gather these once a day at your digest time. \`${command('notifications prefs', {})}\` shows which events come here and which come at once; \`${command('notifications prefs', { 'digest-time': '09:00' })}\` moves it.`,
    [{}],
  ),

  /** The subject of one e-mail that holds a burst of alike ones (an import's 1,500 new findings): how many, and what. */
  burstSubject: withVariants(
    template<Burst>(burstSaid, [
      burstExample,
      { ...burstExample, event: 'finding.new_attend', label: 'a new finding to attend to', count: 14 },
      { ...burstExample, event: 'finding.due_soon', label: 'a finding to act on is due soon', count: 12 },
      { ...burstExample, event: 'finding.overdue', label: 'a finding to act on is past its due date', count: 11 },
      {
        ...burstExample,
        event: 'finding.attend_due',
        label: 'a finding to attend to is due soon or past its date',
        count: 40,
      },
      {
        ...burstExample,
        event: 'commitment.missed',
        label: 'a commitment of your team passed its date without being shown done',
        count: 3000,
        service: null,
        findings: null,
      },
      {
        ...burstExample,
        event: 'change.lease_ending',
        label: 'temporary access ends soon',
        count: 12,
        service: null,
        findings: null,
      },
    ]),
    {
      'new act': (b) => b.event === 'finding.new_act',
      'new attend': (b) => b.event === 'finding.new_attend',
      'due soon': (b) => b.event === 'finding.due_soon',
      overdue: (b) => b.event === 'finding.overdue',
      'attend due': (b) => b.event === 'finding.attend_due',
      'commitments missed': (b) => b.event === 'commitment.missed',
      'any other event': (b) => !b.event.startsWith('finding.') && b.event !== 'commitment.missed',
    },
  ),

  /**
   * The text of that e-mail: what came at once, each line as its own e-mail's subject would have said it (folded and
   * cut as a digest's), and the command that lists them all.
   */
  burstText: withVariants(
    template<Burst>(
      (b) =>
        [
          `${burstSaid(b).replace(/^./, (c) => c.toUpperCase())}. Rather than ${count(b.count, 'separate e-mail')}, here they are in one:`,
          '',
          ...digestItems(b.lines).map((l) => `- ${l.said}${l.link ? `\n  ${l.link}` : ''}`),
          '',
          b.findings
            ? `\`${command('findings', { service: b.findings.service, priority: b.findings.priority, overdue: b.findings.overdue })}\` lists them all, most urgent first.`
            : `\`${command('notifications list', b.count > 100 ? { limit: b.count } : {})}\` lists each of them.`,
        ].join('\n'),
      [
        burstExample,
        {
          ...burstExample,
          event: 'commitment.missed',
          label: 'a commitment of your team passed its date without being shown done',
          count: 3000,
          service: null,
          lines: Array.from({ length: digestListed + 3 }, (_, i) => ({
            subject: `Commitment #${i + 1} passed its date (2026-12-06) without being shown done: WAF rule ${i + 1}`,
            link: null,
          })),
          findings: null,
        },
        {
          ...burstExample,
          event: 'finding.overdue',
          label: 'a finding to act on is past its due date',
          count: 11,
          lines: [{ subject: 'Past its due date: SQL injection in /orders on checkout-api', link: null, times: 11 }],
          findings: { service: 'checkout-api', priority: 'act', overdue: true },
        },
      ],
    ),
    {
      'findings of one service': (b) => b.findings !== null,
      'anything else': (b) => b.findings === null,
      'more than listed': (b) => b.lines.length > digestListed,
    },
  ),

  /** The closing lines of that e-mail when its rows share no team to name (the approvers of several teams). */
  burstFooter: template<{ event: string }>(
    (f) =>
      `We sent this to you because these reach you at once. To choose how they reach you: \`${command('notifications prefs', { event: f.event, channel: 'digest' })}\` gathers them in your daily digest, \`--channel none\` stops them.`,
    [{ event: 'exception.waiting' }],
  ),

  /** Subjects of the events beyond findings. */
  eventSubject: withVariants(
    template<EventSubject>(
      (s) =>
        s.kind === 'exception.waiting'
          ? `Exception #${s.id} waits for your approval: ${s.title}`
          : s.kind === 'exception.ending'
            ? `Exception #${s.id} ends ${s.when}: ${s.title}`
            : s.kind === 'change.waiting'
              ? `Change #${s.id} waits for your approval: ${s.title}`
              : s.kind === 'commitment.waiting'
                ? `Commitment #${s.id} is due ${s.when}: ${s.title}`
                : s.kind === 'gate.decision'
                  ? `Release gate #${s.id}: ${s.title}`
                  : s.kind === 'goal.at_risk'
                    ? `Goal #${s.id} is ${s.when}: ${s.title}`
                    : `Review agenda #${s.id} is ready: ${s.title}`,
      [
        { kind: 'exception.waiting', id: 7, title: '2 findings of payments on checkout-api', when: '' },
        {
          kind: 'exception.ending',
          id: 7,
          title: '2 findings of payments on checkout-api',
          when: 'in 7 days, on 2026-12-14',
        },
        { kind: 'change.waiting', id: 12, title: 'FTP upload for Acme', when: '' },
        { kind: 'commitment.waiting', id: 3, title: 'WAF rule in place for checkout-api', when: 'tomorrow' },
        { kind: 'gate.decision', id: 40, title: 'no-go for checkout-api to production', when: '' },
        { kind: 'goal.at_risk', id: 2, title: 'open act findings down to 5 by 2027-03-31', when: 'at risk' },
        { kind: 'review.agenda_ready', id: 5, title: 'monthly review of payments', when: '' },
      ],
    ),
    Object.fromEntries(eventKinds.map((k) => [k, (s: EventSubject) => s.kind === k])),
  ),

  /** The text of the events beyond findings: what happened and what the reader can do. */
  eventText: withVariants(
    template<EventSubject>(
      (s) =>
        s.kind === 'exception.waiting'
          ? `${s.title}: the team asks to accept the risk for a while. It needs the team lead's approval and Security's; yours counts once. \`${command('exceptions show', {}, s.id)}\` has the reason and the controls.`
          : s.kind === 'exception.ending'
            ? `The exception for ${s.title} ends ${s.when}. From then on its findings count as open again with their due dates; fix them, or ask for a new exception in time.`
            : s.kind === 'change.waiting'
              ? `Change #${s.id} (${s.title}) waits for an approval you can give. \`${command('change show', {}, s.id)}\` has the risk check.`
              : s.kind === 'commitment.waiting'
                ? `Your team committed to this, and it is due ${s.when}. Show it done with evidence: \`${command('commitments verify', { evidence: { placeholder: 'WHAT-SHOWS-IT' } }, s.id)}\`.`
                : s.kind === 'gate.decision'
                  ? `The release gate said ${s.title}. ${s.when}`
                  : s.kind === 'goal.at_risk'
                    ? `At the current pace the goal "${s.title}" is ${s.when}. The scorecard shows what moves it.`
                    : `The agenda of ${s.title} is ready to read before the meeting. \`${command('review show', {}, s.id)}\` prints it.`,
      [
        { kind: 'exception.waiting', id: 7, title: '2 findings of payments on checkout-api', when: '' },
        {
          kind: 'exception.ending',
          id: 7,
          title: '2 findings of payments on checkout-api',
          when: 'in 7 days, on 2026-12-14',
        },
        { kind: 'change.waiting', id: 12, title: 'FTP upload for Acme', when: '' },
        { kind: 'commitment.waiting', id: 3, title: 'WAF rule in place for checkout-api', when: 'tomorrow' },
        {
          kind: 'gate.decision',
          id: 40,
          title: 'no-go for checkout-api to production',
          when: 'Two findings to act on are past their due dates.',
        },
        { kind: 'goal.at_risk', id: 2, title: 'open act findings down to 5 by 2027-03-31', when: 'off track' },
        { kind: 'review.agenda_ready', id: 5, title: 'monthly review of payments', when: '' },
      ],
    ),
    Object.fromEntries(eventKinds.map((k) => [k, (s: EventSubject) => s.kind === k])),
  ),

  /** `entente notifications list` when nothing matches. */
  noneListed: template<{ failed: boolean }>(
    (p) =>
      p.failed
        ? 'No notification has failed: everything due has reached its channel or is on its way.'
        : 'No notifications yet.',
    [{ failed: true }, { failed: false }],
  ),

  /** Said once when `entente serve` starts without ENTENTE_SMTP_URL. */
  noSmtp: template<Record<string, never>>(
    () =>
      'E-mail is not set up (no ENTENTE_SMTP_URL), so notifications are kept in the outbox as pending until it is; `entente notifications list` shows them.',
    [{}],
  ),

  /** After `entente notifications retry ID`. */
  retried: template<{ id: number }>(
    (p) => `Notification #${p.id} is queued again and goes out within a few seconds of the next delivery run.`,
    [{ id: 7 }],
  ),

  /** An e-mail's subject when a commitment passed its date without being shown done. */
  missedSubject: template<MissedCommitment>(
    (p) => `Commitment #${p.id} passed its date (${day(p.due)}) without being shown done: ${p.title}`,
    [missedExample],
  ),

  /**
   * The text of a missed commitment: what was promised, by when and where it came from; what happens now (the next
   * release gate of its service says no-go, when a gate rule counts it); who else hears; how to record it kept, and
   * whom to ask for more time.
   */
  missedText: withVariants(
    template<MissedCommitment>(
      (p) =>
        `${p.team} committed to this${p.service ? ` for ${p.service}` : ''} ${origin(p)}: ${p.title}, by ${day(p.due)}. `
        + 'We have no evidence yet that it is in place, so it now counts as missed. '
        + (p.holdsRelease && p.service
          ? `Until it is shown done, the next release gate for ${p.service} says no-go. `
          : `It stays on the list of ${p.team} as missed until it is shown done. `)
        + (p.securityHears ? 'Security hears of this too, so we can sort it out together. ' : '')
        + ('findingFixed' in p.shownBy
          ? `It is kept once finding #${p.shownBy.findingFixed} is fixed (Entente sees that by itself); to record it kept another way: \`${verifyCommand(p.id)}\`. `
          : `If it is in place, record it with what shows it (${p.shownBy.evidence}): \`${verifyCommand(p.id)}\`. `)
        + (p.source === 'review'
          ? 'If it needs more time, bring a date you can keep to the next review.'
          : 'If it needs more time, talk with Security about a new date.'),
      [
        missedExample,
        { ...missedExample, holdsRelease: false },
        {
          id: 12,
          title: 'Remove the access of change #4 (FTP upload for Acme) and confirm',
          due: '2026-12-06',
          team: 'it-ops',
          service: 'checkout-api',
          source: 'change',
          sourceId: 4,
          holdsRelease: true,
          securityHears: false,
          shownBy: { evidence: 'the access is taken down' },
        },
        {
          id: 15,
          title: 'Rotate the shared deploy key',
          due: '2026-12-06',
          team: 'payments',
          service: null,
          source: 'review',
          sourceId: 5,
          holdsRelease: false,
          securityHears: false,
          shownBy: { evidence: 'the new key in the vault' },
        },
        {
          id: 9,
          title: 'Extra monitoring and an alert on the affected component',
          due: '2026-12-06',
          team: 'payments',
          service: 'checkout-api',
          source: 'exception',
          sourceId: 7,
          holdsRelease: true,
          securityHears: true,
          shownBy: { findingFixed: 42 },
        },
      ],
    ),
    {
      'holds a release': (p) => p.holdsRelease && p.service !== null,
      'no release held': (p) => !p.holdsRelease || p.service === null,
      'Security hears': (p) => p.securityHears,
      'from a gate': (p) => p.source === 'gate',
      'from an exception': (p) => p.source === 'exception',
      'from a change': (p) => p.source === 'change',
      'from a review': (p) => p.source === 'review',
      'shown by evidence': (p) => 'evidence' in p.shownBy,
      'checked by Entente': (p) => 'findingFixed' in p.shownBy,
    },
  ),

  /** An e-mail's subject when long-lived access is due for recertification (its text is the change's own reminder). */
  recertifySubject: template<{ id: number; title: string; dueAt: Day }>(
    (p) => `Access to recertify by ${day(p.dueAt)}: change #${p.id} ${p.title}`,
    [{ id: 3, title: 'HTTPS to checkout', dueAt: '2026-12-14' }],
  ),
};

/** The command that records a commitment kept, with a placeholder for what shows it. */
function verifyCommand(id: number): string {
  return command('commitments verify', { evidence: placeholder('WHAT-SHOWS-IT') }, id);
}

/** Where a commitment came from, as the missed message names it. */
function origin(p: MissedCommitment): string {
  return p.source === 'gate'
    ? `when release gate #${p.sourceId} let a release go with controls`
    : p.source === 'exception'
      ? `as a control of exception #${p.sourceId}`
      : p.source === 'change'
        ? `as a safeguard of change #${p.sourceId}`
        : `at review #${p.sourceId}`;
}
