/**
 * A review as people read it: Markdown (for a wiki or a chat), HTML (escaped, nothing inline to run: the web app's CSP
 * allows neither inline scripts nor inline styles), JSON (the stored view), or an iCalendar invitation for the series
 * (RRULE weekly or monthly from the next meeting) with the agenda's summary in its description.
 */
import ical, { ICalEventRepeatingFreq } from 'ical-generator';
import { badInput } from '../errors.ts';
import type { ReviewJson } from './reviews-service.ts';
import { reviewMessages as m } from './review-messages.ts';

export const reviewFormats = ['markdown', 'html', 'json', 'ics'] as const;
export type ReviewFormat = (typeof reviewFormats)[number];

/** Checks a --format / ?format= value, naming it when it is not one. */
export function reviewFormatOf(text: string | undefined): ReviewFormat {
  const f = text ?? 'markdown';
  if (!reviewFormats.includes(f as ReviewFormat))
    throw badInput(`format: "${f}" is not a review format; use ${reviewFormats.join(', ')}`, { field: 'format' });
  return f as ReviewFormat;
}

/** The media type each format is served as. */
export const reviewMediaTypes: Record<ReviewFormat, string> = {
  markdown: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  json: 'application/json',
  ics: 'text/calendar; charset=utf-8',
};

/** Renders a review in a format. */
export function renderReview(v: ReviewJson, format: ReviewFormat): string {
  switch (format) {
    case 'markdown':
      return markdown(v);
    case 'html':
      return html(v);
    case 'json':
      return JSON.stringify(v, null, 2);
    case 'ics':
      return ics(v);
  }
}

// Markdown renderers read HTML in the text as HTML: a finding's title ("<script>…") stays text.
const md = (s: string): string => s.replace(/[<>]/g, (c) => `\\${c}`);

function markdown(v: ReviewJson): string {
  const a = v.agenda;
  const lines = [`# ${md(a.title)}`, '', md(a.periodText), ''];
  for (const s of a.sections) {
    lines.push(`## ${md(s.heading)}`, '', md(s.intro), '');
    if (s.items.length) {
      for (const i of s.items) lines.push(`- ${md(i.text)}`);
      if (s.moreText) lines.push(`- ${md(s.moreText)}`);
      lines.push('');
    }
  }
  lines.push(
    ...closedPart(
      v,
      (h) => `## ${md(h)}`,
      (t) => `- ${md(t)}`,
    ),
  );
  return `${lines.join('\n').trimEnd()}\n`;
}

function closedPart(v: ReviewJson, heading: (h: string) => string, item: (t: string) => string): string[] {
  if (!v.attendees.length && !v.decisions.length && !v.actions.length) return [];
  const out: string[] = [];
  if (v.attendees.length) out.push(heading('Attendees'), '', ...v.attendees.map(item), '');
  if (v.decisions.length) out.push(heading('Decisions'), '', ...v.decisions.map((d) => item(d.text)), '');
  if (v.actions.length) out.push(heading('Action items'), '', ...v.actions.map((x) => item(actionText(x))), '');
  return out;
}

const actionText = (x: ReviewJson['actions'][number]): string =>
  `${x.title}: ${x.ownerTeam}, due ${x.dueDate}${x.commitmentId ? ` (commitment #${x.commitmentId})` : ''}`;

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
// Escaped first, then `code spans` (suggested commands) become <code>: the backticks themselves are never HTML.
const text = (s: string): string => esc(s).replace(/`([^`]+)`/g, '<code>$1</code>');

function html(v: ReviewJson): string {
  const a = v.agenda;
  const body: string[] = [`<h1>${text(a.title)}</h1>`, `<p>${text(a.periodText)}</p>`];
  for (const s of a.sections) {
    body.push(`<section id="${s.id}">`, `<h2>${text(s.heading)}</h2>`, `<p>${text(s.intro)}</p>`);
    if (s.items.length)
      body.push(
        '<ul>',
        ...s.items.map((i) => `<li>${text(i.text)}</li>`),
        ...(s.moreText ? [`<li>${text(s.moreText)}</li>`] : []),
        '</ul>',
      );
    body.push('</section>');
  }
  const list = (h: string, items: string[]) =>
    items.length ? [`<h2>${text(h)}</h2>`, '<ul>', ...items.map((t) => `<li>${text(t)}</li>`), '</ul>'] : [];
  const record = [
    ...list('Attendees', v.attendees),
    ...list(
      'Decisions',
      v.decisions.map((d) => d.text),
    ),
    ...list('Action items', v.actions.map(actionText)),
  ];
  if (record.length) body.push('<section id="record">', ...record, '</section>');
  const html = body.join('\n');
  return `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${esc(a.title)}</title>\n</head>\n<body>\n<main>\n${html}\n</main>\n</body>\n</html>\n`;
}

function ics(v: ReviewJson): string {
  const a = v.agenda;
  const start = new Date(v.next);
  const cal = ical({
    prodId: { company: 'Entente', product: 'reviews', language: 'EN' },
    name: m.seriesSummary.render({ team: v.team, cadence: v.cadence }),
  });
  const description = [v.summary, a.periodText, '', ...a.sections.map((s) => `${s.heading}: ${s.intro}`)].join('\n');
  cal.createEvent({
    id: `entente-review-${v.team === null ? 'org' : `team-${v.team}`}-${v.id}@entente`,
    start,
    end: new Date(start.getTime() + 60 * 60_000),
    timezone: null,
    summary: m.seriesSummary.render({ team: v.team, cadence: v.cadence }),
    description,
    repeating: { freq: v.cadence === 'weekly' ? ICalEventRepeatingFreq.WEEKLY : ICalEventRepeatingFreq.MONTHLY },
    stamp: new Date(v.createdAt),
  });
  // RFC 5545 ends every content line with CRLF, the last one too.
  const text = cal.toString();
  return text.endsWith('\r\n') ? text : `${text}\r\n`;
}
