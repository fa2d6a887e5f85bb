/**
 * What an export says about a finding's status, in the words a partner would use: who decided, why, until when, and
 * what happens next. SARIF suppressions, VEX analysis details and the CSV's note column all read from here. People's
 * own words (a comment, an exception's reason) are quoted as they wrote them, on one line.
 */
import type { ExportFinding } from './finding-pages.ts';

/** The note for a finding's status, or undefined when the status needs none (open work speaks for itself). */
export function statusNote(f: ExportFinding): string | undefined {
  switch (f.status) {
    case 'false_positive':
      return falsePositiveNote(f);
    case 'accepted':
      return acceptedNote(f);
    case 'fixed':
      return fixedNote(f);
    case 'in_progress':
      return `We are working on this one; it is due on ${f.dueDate}${f.component.fixedVersion ? `, and updating to ${f.component.fixedVersion} fixes it` : ''}.`;
    default:
      return undefined;
  }
}

function falsePositiveNote(f: ExportFinding): string {
  const c = f.lastComment;
  if (!c)
    return 'We checked this together and it is a false positive; the reasoning is in its thread in Entente. If the code around it changes, we look at it again.';
  return `We checked this together and it is a false positive (${c.author}, ${c.createdOn}): ${quote(c.body)}. If the code around it changes, we look at it again.`;
}

function acceptedNote(f: ExportFinding): string {
  const e = f.exception;
  // Without an exception the report itself accepted it (a scanner suppression), so no end date is known.
  if (!e)
    return 'We accepted this risk; who decided it and why are in its thread in Entente, and we look at it again when it changes.';
  const approvers = [e.leadApprovedBy, e.securityApprovedBy].filter((a): a is string => Boolean(a));
  return [
    `We accepted this risk until ${e.validUntil} under exception #${e.id}: ${quote(e.reason)}.`,
    e.controls.length ? `Safeguards in place meanwhile: ${e.controls.map(quote).join('; ')}.` : '',
    approvers.length ? `Approved by ${approvers.join(' and ')}${e.approvedOn ? ` on ${e.approvedOn}` : ''}.` : '',
    "The day after, it comes back to the team's list as it was, with a fresh due date, unless we fix it first.",
  ]
    .filter(Boolean)
    .join(' ');
}

function fixedNote(f: ExportFinding): string {
  return `We fixed this: no scanner has reported it since ${f.fixedOn ?? f.lastSeenAt.slice(0, 10)}. If it comes back, Entente opens it again with a fresh due date.`;
}

// Quoted on one line, so a person's words read as theirs (and the tone check leaves them to them).
const quote = (s: string): string => `“${s.replace(/\s+/g, ' ').replace(/[“”]/g, '"').trim()}”`;
