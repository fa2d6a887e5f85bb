/**
 * What Entente says about a change request at each step: the risk check with its safeguards and safer alternative,
 * where the approvals stand, approved, declined with the alternative, in place, lease reminders, lease ended, removed,
 * recertification and emergency review. Each says where it stands, why, what happens next and by when.
 */
import { command, placeholder } from '../voice/suggest.ts';
import { day, list, template, withVariants } from '../voice/template.ts';
import type { Day } from '../policy/calendar.ts';

const at: Day = '2026-03-09';
const later: Day = '2026-09-01';
const ftpReasons = [
  'FTP sends passwords and data in clear text, so anyone on the network path can read them',
  'it is reachable from the internet',
];
const ftpSafeguards = [
  "limit access to the client's IP range",
  'a unique account with a strong password for this client',
  'log uploads and logins',
  'an end date within 7 days',
];

/** The risk check as people read it; `kept` is the requester's reason for keeping the request as asked instead of the alternative. */
export interface RiskWords {
  risk: string;
  reasons: readonly string[];
  safeguards: readonly string[];
  alternative: string | null;
  maxLeaseDays: number;
  protocolLabel?: string | undefined;
  kept?: string | null | undefined;
}

/** An approval place still open, and who can fill it. */
export type NeededPlace =
  | { place: 'owner'; team: string; people: readonly string[] }
  | { place: 'security'; teams: readonly string[] };

const placeWords = (n: NeededPlace): string =>
  n.place === 'owner'
    ? `a member of ${n.team}${n.people.length ? ` (${orList(n.people)})` : ''}`
    : `Security, someone with the security role${n.teams.length ? ` (the ${list(n.teams)} team${n.teams.length > 1 ? 's' : ''})` : ''}`;
const orList = (items: readonly string[]): string =>
  items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;

/** Change request messages. */
export const changeMessages = {
  /** The automatic risk check, written as soon as the request is. */
  riskCheck: withVariants(
    template<RiskWords>(
      (p) =>
        [
          p.safeguards.length > 0 ? `We can do this safely with: ${list(p.safeguards)}.` : 'We can do this as asked.',
          p.reasons.length > 0
            ? `We rate it ${p.risk} risk because ${list(p.reasons)}.`
            : `We rate it ${p.risk} risk: nothing in it raises the risk.`,
          p.alternative ? `A safer way to the same goal: ${p.alternative}.` : '',
          p.alternative && p.kept
            ? `${p.protocolLabel ?? 'The request'} stays as asked, because ${p.kept.replace(/[.\s]+$/, '')}.`
            : '',
          `At this risk, access runs for up to ${p.maxLeaseDays} days at a time.`,
        ]
          .filter(Boolean)
          .join(' '),
      [
        {
          risk: 'high',
          reasons: ftpReasons,
          safeguards: ftpSafeguards,
          alternative: 'SFTP gives the same access with the traffic encrypted',
          maxLeaseDays: 7,
        },
        {
          risk: 'high',
          reasons: ftpReasons,
          safeguards: ftpSafeguards,
          alternative: 'SFTP gives the same access with the traffic encrypted',
          maxLeaseDays: 7,
          protocolLabel: 'FTP',
          kept: "the client's system only speaks FTP.",
        },
        { risk: 'low', reasons: [], safeguards: [], alternative: null, maxLeaseDays: 365 },
      ],
    ),
    {
      safeguards: (p) => p.safeguards.length > 0,
      plain: (p) => p.safeguards.length === 0,
      alternative: (p) => p.alternative !== null,
      reasons: (p) => p.reasons.length > 0,
      kept: (p) => p.alternative !== null && Boolean(p.kept),
    },
  ),

  /** The risk check offers a safer way: the requester answers it before the approvals start. */
  alternativeFirst: template<{ id: number; requester: string; protocol: string; approvers: readonly string[] }>(
    (p) =>
      `Before the approvals, ${p.requester} chooses: if the safer way works, request that instead and we approve it quickly; if ${p.protocol} has to stay, `
      + `say why (\`${command('change keep-protocol', { reason: placeholder('"…"') }, p.id)}\`), and ${list(p.approvers)} approve it with the safeguards above.`,
    [{ id: 7, requester: 'raj@example.com', protocol: 'FTP', approvers: ['payments', 'Security'] }],
  ),

  /** An approval that fills no place: who approves instead, and how. */
  approvalRefused: withVariants(
    template<{
      id: number;
      why: 'own_request' | 'not_an_approver' | 'approved_already' | 'nothing_open';
      needed: readonly NeededPlace[];
      filled: readonly { who: string; by: string }[];
    }>(
      (p) => {
        if (p.needed.length === 0) return `Change ${p.id} has every approval it needs; nothing more to do here.`;
        const who = list(p.needed.map(placeWords));
        const how = `${p.needed.length === 1 ? 'They approve' : 'Each approves'} with their own token: \`${command('change approve', { server: placeholder('URL'), token: placeholder('T') }, p.id)}\`, or \`POST /api/changes/${p.id}/approve\`.`;
        switch (p.why) {
          case 'own_request':
            return `You asked for change ${p.id}, so the approval comes from someone else: ${who}. ${how}`;
          case 'not_an_approver':
            return `Change ${p.id} is approved by ${who}; your approval fills neither place, so please pass it on to them. ${how}`;
          case 'approved_already':
            return `You have approved change ${p.id} already; it still needs ${who}. ${how}`;
          case 'nothing_open':
            return `Change ${p.id} already has the approval you could give (for ${list(p.filled.map((f) => `${f.who}, from ${f.by}`))}); it still needs ${who}. ${how}`;
        }
      },
      [
        {
          id: 7,
          why: 'own_request',
          needed: [
            { place: 'owner', team: 'payments', people: ['ana@example.com', 'lee@example.com'] },
            { place: 'security', teams: ['security'] },
          ],
          filled: [],
        },
        {
          id: 7,
          why: 'not_an_approver',
          needed: [
            { place: 'owner', team: 'payments', people: [] },
            { place: 'security', teams: [] },
          ],
          filled: [],
        },
        {
          id: 7,
          why: 'approved_already',
          needed: [{ place: 'security', teams: ['security'] }],
          filled: [{ who: 'payments', by: 'ana@example.com' }],
        },
        {
          id: 7,
          why: 'nothing_open',
          needed: [{ place: 'security', teams: ['security', 'secops'] }],
          filled: [{ who: 'payments', by: 'ana@example.com' }],
        },
        {
          id: 7,
          why: 'approved_already',
          needed: [],
          filled: [
            { who: 'payments', by: 'ana@example.com' },
            { who: 'Security', by: 'sam@example.com' },
          ],
        },
      ],
    ),
    {
      ownRequest: (p) => p.why === 'own_request' && p.needed.length > 0,
      notAnApprover: (p) => p.why === 'not_an_approver',
      approvedAlready: (p) => p.why === 'approved_already' && p.needed.length > 0,
      nothingOpen: (p) => p.why === 'nothing_open',
      complete: (p) => p.needed.length === 0,
    },
  ),

  /** An approval given before the requester has answered the alternative. */
  waitsForChoice: template<{ id: number; requester: string; alternative: string; protocol: string }>(
    (p) =>
      `Change ${p.id} waits for ${p.requester} to choose first: ${p.alternative}, or ${p.protocol} stays with a reason `
      + `(\`${command('change keep-protocol', { reason: placeholder('"…"') }, p.id)}\`). Once they have, your approval counts; we let you know.`,
    [
      {
        id: 7,
        requester: 'raj@example.com',
        alternative: 'SFTP gives the same access with the traffic encrypted',
        protocol: 'FTP',
      },
    ],
  ),

  /** A draft, not yet submitted. */
  draft: template<{ id: number }>(
    (p) =>
      `This is a draft. When it reads right, submit it (\`${command('change submit', {}, p.id)}\`) and we start the approvals.`,
    [{ id: 12 }],
  ),

  /** Waiting for approvals. */
  awaiting: template<{ id: number; awaiting: readonly string[] }>(
    (p) =>
      `Waiting for the approval of ${list(p.awaiting)}; we let you know as soon as it is decided. `
      + `${p.awaiting.length === 1 ? 'They approve' : 'Each approves'} with \`${command('change approve', {}, p.id)}\` or \`POST /api/changes/${p.id}/approve\`.`,
    [
      { id: 7, awaiting: ['payments', 'Security'] },
      { id: 7, awaiting: ['Security'] },
    ],
  ),

  /** Pre-approved from a standard template. */
  standard: template<{ template: string }>(
    (p) => `This matches our standard template "${p.template}", so it is approved as soon as it is submitted.`,
    [{ template: "HTTPS to a service's own web host" }],
  ),

  /** Approved, with or without safeguards, with or without an end date. */
  approved: withVariants(
    template<{
      safeguards: readonly { title: string; due: Day | null }[];
      endsAt: Day | null;
      recertifyBy: Day | null;
    }>(
      (p) =>
        [
          p.safeguards.length > 0
            ? `Approved with safeguards: ${list(p.safeguards.map((s) => (s.due ? `${s.title} (a commitment due ${day(s.due)})` : s.title)))}.`
            : 'Approved.',
          p.endsAt
            ? `The access ends on ${day(p.endsAt)}; we remind you before then.`
            : `It stays open, and we recertify it together by ${day(p.recertifyBy ?? later)}.`,
        ].join(' '),
      [
        {
          safeguards: [
            { title: ftpSafeguards[0]!, due: '2026-03-11' },
            { title: ftpSafeguards[2]!, due: '2026-03-12' },
            { title: ftpSafeguards[3]!, due: null },
          ],
          endsAt: at,
          recertifyBy: null,
        },
        { safeguards: [], endsAt: null, recertifyBy: later },
      ],
    ),
    {
      safeguards: (p) => p.safeguards.length > 0,
      none: (p) => p.safeguards.length === 0,
      lease: (p) => p.endsAt !== null,
      longLived: (p) => p.endsAt === null,
    },
  ),

  /** Declined, with the safer alternative where there is one. */
  declined: withVariants(
    template<{ reason: string; alternative: string | null }>(
      (p) =>
        `We did not approve this one as asked, for this reason: ${p.reason.replace(/[.\s]+$/, '')}. `
        + (p.alternative
          ? `We can get you to the same goal this way: ${p.alternative}. Request that and we will move quickly.`
          : 'Tell us more about what is needed and we will find a safe way together.'),
      [
        { reason: 'the client can use SFTP', alternative: 'SFTP gives the same access with the traffic encrypted' },
        { reason: 'a VPN account already exists for this vendor.', alternative: null },
      ],
    ),
    { alternative: (p) => p.alternative !== null, none: (p) => p.alternative === null },
  ),

  /** In place. */
  implemented: withVariants(
    template<{ since: Day; endsAt: Day | null; reminderDays: number }>(
      (p) =>
        `In place since ${day(p.since)}. `
        + (p.endsAt
          ? `The access ends on ${day(p.endsAt)}; we send a reminder ${p.reminderDays} days before.`
          : 'It has no end date, so we recertify it on our schedule.'),
      [
        { since: at, endsAt: later, reminderDays: 2 },
        { since: at, endsAt: null, reminderDays: 2 },
      ],
    ),
    { lease: (p) => p.endsAt !== null, longLived: (p) => p.endsAt === null },
  ),

  /** The lease is ending soon. */
  reminder: withVariants(
    template<{ id: number; title: string; endsAt: Day; extended: boolean }>(
      (p) =>
        `Change #${p.id} (${p.title}) ends on ${day(p.endsAt)}. `
        + (p.extended
          ? "It has been extended once already; if it is still needed after that, let's agree a new change. Otherwise please remove it then and confirm."
          : `If it is still needed, extend it once with a reason (\`${command('change extend', { end: placeholder('<date>'), reason: placeholder('…') }, p.id)}\`); otherwise please remove it then and confirm.`),
      [
        { id: 7, title: 'FTP upload for Acme', endsAt: at, extended: false },
        { id: 7, title: 'FTP upload for Acme', endsAt: at, extended: true },
      ],
    ),
    { first: (p) => !p.extended, extended: (p) => p.extended },
  ),

  /** The lease ended: the removal is due now. */
  leaseEnded: template<{ id: number; endedAt: Day }>(
    (p) =>
      `The lease ended on ${day(p.endedAt)}, so the removal is due now. Please take the access down and confirm with \`${command('change remove', {}, p.id)}\`; until then it shows as overdue, and the next scan that still sees it open turns it into a finding.`,
    [{ id: 7, endedAt: at }],
  ),

  /** Removed. */
  removed: template<{ at: Day; by: string }>(
    (p) => `Removed on ${day(p.at)} (confirmed by ${p.by}). Thanks for closing it; nothing more to do here.`,
    [{ at, by: 'raj@example.com' }],
  ),

  /** Recertified. */
  recertified: template<{ at: Day; next: Day }>(
    (p) => `Recertified on ${day(p.at)}; we look at it together again by ${day(p.next)}.`,
    [{ at, next: later }],
  ),

  /** Recertification is due. */
  recertifyDue: template<{ id: number; title: string; dueAt: Day }>(
    (p) =>
      `Change #${p.id} (${p.title}) is due for recertification on ${day(p.dueAt)}. If it is still needed, recertify it (\`${command('change recertify', {}, p.id)}\`); if not, remove it and confirm.`,
    [{ id: 3, title: 'HTTPS to checkout', dueAt: later }],
  ),

  /** An emergency change goes ahead; the review follows. */
  emergency: withVariants(
    template<{ reviewBy: Day; reviewers: readonly string[]; reviewed: boolean }>(
      (p) =>
        p.reviewed
          ? 'This emergency change went ahead and has been reviewed. Thanks for keeping us in the loop.'
          : `This emergency change goes ahead now; ${list(p.reviewers)} review it by ${day(p.reviewBy)}.`,
      [
        { reviewBy: at, reviewers: ['payments', 'Security'], reviewed: false },
        { reviewBy: at, reviewers: ['Security'], reviewed: true },
      ],
    ),
    { pending: (p) => !p.reviewed, reviewed: (p) => p.reviewed },
  ),

  /** The end date is missing or too far for the risk. */
  leaseTooLong: withVariants(
    template<{ risk: string; maxDays: number; latest: Day; missing: boolean }>(
      (p) =>
        p.missing
          ? `We keep access like this temporary: at ${p.risk} risk it runs for up to ${p.maxDays} days. Add an end date on or before ${day(p.latest)} (--end), and you can extend it once if the work runs longer.`
          : `At ${p.risk} risk we can open this for up to ${p.maxDays} days at a time. Set the end on or before ${day(p.latest)}, and you can extend it once if the work runs longer.`,
      [
        { risk: 'high', maxDays: 7, latest: at, missing: true },
        { risk: 'high', maxDays: 7, latest: at, missing: false },
      ],
    ),
    { missing: (p) => p.missing, tooLong: (p) => !p.missing },
  ),
};
