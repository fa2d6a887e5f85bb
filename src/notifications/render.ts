/** Turns a message from the voice templates into an e-mail's three parts: subject, plain text and HTML. */
import type { Day } from '../policy/calendar.ts';
import {
  notificationMessages,
  digestItems,
  type Burst,
  type DigestLine,
  type Footer,
  type SubjectFacts,
} from '../voice/messages/notifications.ts';

export interface Rendered {
  subject: string;
  text: string;
  html: string;
}

const footStyle = '<p style="color: #555; font-size: 90%">';

/** The message, a link when there is one, and the footer that says why this person receives it; `subject` is the
 * finding's subject facts, or a subject rendered already. */
export function renderEmail(
  subject: SubjectFacts | string,
  message: string,
  footer: Footer,
  link: string | null,
): Rendered {
  return assemble(
    typeof subject === 'string' ? subject : notificationMessages.subject.render(subject),
    message,
    notificationMessages.footer.render(footer),
    link,
  );
}

/** A person's digest for a day: each line the subject its own e-mail would have had, with its page when known. */
export function renderDigest(on: Day, updates: DigestLine[]): Rendered {
  const lines = folded(updates);
  const text = notificationMessages.digest.render({ lines, total: updates.length });
  const foot = notificationMessages.digestFooter.render({});
  const items = digestItems(lines)
    .map(
      (l) =>
        `<li>${escapeHtml(l.said)}${l.link ? ` — <a href="${escapeHtml(l.link)}">${escapeHtml(l.link)}</a>` : ''}</li>`,
    )
    .join('');
  const html =
    `<!doctype html><html><body style="font-family: sans-serif; line-height: 1.4">`
    + `<p>${escapeHtml(text.split('\n')[0]!)}</p><ul>${items}</ul>${footStyle}${escapeHtml(foot)}</p></body></html>`;
  return {
    subject: oneLine(notificationMessages.digestSubject.render({ day: on, count: updates.length })),
    text: `${text}\n\n${foot}`,
    html,
  };
}

/**
 * One e-mail for a burst of alike ones (the outbox folds them when one write would send a person more than a few of
 * the same event): its lines are the subjects the single e-mails had, folded and cut as a digest's; the footer is the
 * usual one for the team, or one without a team when the rows share none.
 */
export function renderBurst(
  burst: Omit<Burst, 'lines'> & { updates: readonly DigestLine[] },
  footer: Footer | { event: string },
): Rendered {
  const b: Burst = { ...burst, lines: folded(burst.updates) };
  const text = notificationMessages.burstText.render(b);
  const foot =
    'team' in footer ? notificationMessages.footer.render(footer) : notificationMessages.burstFooter.render(footer);
  const items = digestItems(b.lines)
    .map(
      (l) =>
        `<li>${escapeHtml(l.said)}${l.link ? ` — <a href="${escapeHtml(l.link)}">${escapeHtml(l.link)}</a>` : ''}</li>`,
    )
    .join('');
  const paragraphs = text.split('\n\n');
  const html =
    `<!doctype html><html><body style="font-family: sans-serif; line-height: 1.4">`
    + `<p>${escapeHtml(paragraphs[0]!)}</p><ul>${items}</ul><p>${escapeHtml(paragraphs.at(-1)!)}</p>`
    + `${footStyle}${escapeHtml(foot)}</p></body></html>`;
  return { subject: oneLine(notificationMessages.burstSubject.render(b)), text: `${text}\n\n${foot}`, html };
}

/** Updates that say the same thing become one line with how many there were (in the order each first came); a folded
 * line keeps a page only when all of its updates share it. */
function folded(updates: readonly DigestLine[]): DigestLine[] {
  const bySubject = new Map<string, DigestLine>();
  for (const u of updates) {
    const seen = bySubject.get(u.subject);
    if (!seen) bySubject.set(u.subject, { ...u, times: u.times ?? 1 });
    else {
      seen.times = (seen.times ?? 1) + (u.times ?? 1);
      if (seen.link !== u.link) seen.link = null;
    }
  }
  return [...bySubject.values()];
}

/**
 * Adds the web app's page to a body rendered without it (rows are rendered when the event happens; the address is the
 * server's ENTENTE_PUBLIC_URL, known when it is sent): before the footer, in the text and in the HTML.
 */
export function withLink(body: { text: string; html: string }, link: string | null): { text: string; html: string } {
  if (!link || body.text.includes(link)) return body;
  const cut = body.text.lastIndexOf('\n\n');
  const text = cut < 0 ? `${body.text}\n\n${link}` : `${body.text.slice(0, cut)}\n\n${link}${body.text.slice(cut)}`;
  const a = `<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>`;
  const at = body.html.lastIndexOf(footStyle);
  const html = at < 0 ? body.html.replace(/<\/body>/, `${a}</body>`) : body.html.slice(0, at) + a + body.html.slice(at);
  return { text, html };
}

/** The first CVE id among a finding's aliases, or null. */
export function cveOf(aliases: readonly string[]): string | null {
  return aliases.find((a) => /^CVE-\d{4}-\d+$/i.test(a)) ?? null;
}

function assemble(subject: string, message: string, foot: string, link: string | null): Rendered {
  const text = [message, link ?? '', foot].filter(Boolean).join('\n\n');
  const html =
    `<!doctype html><html><body style="font-family: sans-serif; line-height: 1.4">`
    + `<p>${escapeHtml(message)}</p>`
    + (link ? `<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>` : '')
    + `${footStyle}${escapeHtml(foot)}</p></body></html>`;
  return { subject: oneLine(subject), text, html };
}

const oneLine = (s: string): string => s.replace(/[\r\n]+/g, ' ');

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
