/**
 * What the notification outbox sends around a finding's message: the subject line (what happened, to which finding,
 * with its CVE), the closing lines of an e-mail (why this person receives it, how to change that), and what
 * `entente notifications` says.
 */
import { command } from '../suggest.ts';
import { template, withVariants } from '../template.ts';

/** The finding a subject names. */
export interface SubjectFacts { kind: 'new_act' | 'due_soon' | 'overdue'; title: string; cve: string | null; service: string; when: string }

/** Why a person receives a message, and which event it was. */
export interface Footer { team: string; event: string }

const named = (s: SubjectFacts): string => `${s.title}${s.cve && !s.title.includes(s.cve) ? ` (${s.cve})` : ''} on ${s.service}`;

/** Notification messages. */
export const notificationMessages = {
  /** An e-mail's subject: what happened and the finding, with its CVE when it has one. */
  subject: withVariants(template<SubjectFacts>(
    (s) => s.kind === 'new_act' ? `New finding to act on: ${named(s)}`
      : s.kind === 'due_soon' ? `Due ${s.when}: ${named(s)}`
      : `Past its due date: ${named(s)}`,
    [
      { kind: 'new_act', title: 'log4j-core: Remote code execution in Log4j 2.x', cve: 'CVE-2021-44228', service: 'checkout-api', when: '' },
      { kind: 'due_soon', title: 'xz backdoor in liblzma 5.6.0', cve: 'CVE-2024-3094', service: 'checkout-api', when: 'tomorrow' },
      { kind: 'overdue', title: 'Reflected cross-site scripting in /search', cve: null, service: 'checkout-api', when: '' },
    ],
  ), { 'new act': (s) => s.kind === 'new_act', 'due soon': (s) => s.kind === 'due_soon', overdue: (s) => s.kind === 'overdue', 'no CVE': (s) => s.cve === null }),

  /** An e-mail's subject when temporary access is about to end. */
  leaseSubject: template<{ id: number; title: string; endsAt: string }>(
    (p) => `Access ends on ${p.endsAt}: change #${p.id} ${p.title}`,
    [{ id: 7, title: 'FTP upload for Acme', endsAt: '2026-03-16' }],
  ),

  /** The closing lines of an e-mail. */
  footer: template<Footer>(
    (f) => `We sent this to you as a member of ${f.team}. To choose how these reach you: \`${command('notifications prefs', { event: f.event, channel: 'none' })}\` stops them, \`--channel email\` brings them back.`,
    [{ team: 'payments', event: 'finding.new_act' }],
  ),

  /** `entente notifications list` when nothing matches. */
  noneListed: template<{ failed: boolean }>(
    (p) => (p.failed ? 'No notification has failed: everything due has reached its channel or is on its way.' : 'No notifications yet.'),
    [{ failed: true }, { failed: false }],
  ),

  /** Said once when `entente serve` starts without ENTENTE_SMTP_URL. */
  noSmtp: template<Record<string, never>>(
    () => 'E-mail is not set up (no ENTENTE_SMTP_URL), so notifications are kept in the outbox as pending until it is; `entente notifications list` shows them.',
    [{}],
  ),

  /** After `entente notifications retry ID`. */
  retried: template<{ id: number }>((p) => `Notification #${p.id} is queued again and goes out within a few seconds of the next delivery run.`, [{ id: 7 }]),
};
