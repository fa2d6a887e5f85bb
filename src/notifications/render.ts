/** Turns a message from the voice templates into an e-mail's three parts: subject, plain text and HTML. */
import { notificationMessages, type SubjectFacts } from '../voice/messages/notifications.ts';

export interface Rendered { subject: string; text: string; html: string }

/** The message, a link when there is one, and the footer that says why this person receives it; `subject` is the
 * finding's subject facts, or a subject rendered already. */
export function renderEmail(subject: SubjectFacts | string, message: string, footer: { team: string; event: string }, link: string | null): Rendered {
  const foot = notificationMessages.footer.render(footer);
  const text = [message, link ?? '', foot].filter(Boolean).join('\n\n');
  const html = `<!doctype html><html><body style="font-family: sans-serif; line-height: 1.4">`
    + `<p>${escapeHtml(message)}</p>`
    + (link ? `<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>` : '')
    + `<p style="color: #555; font-size: 90%">${escapeHtml(foot)}</p></body></html>`;
  return { subject: (typeof subject === 'string' ? subject : notificationMessages.subject.render(subject)).replace(/[\r\n]+/g, ' '), text, html };
}

/** The first CVE id among a finding's aliases, or null. */
export function cveOf(aliases: readonly string[]): string | null {
  return aliases.find((a) => /^CVE-\d{4}-\d+$/i.test(a)) ?? null;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
