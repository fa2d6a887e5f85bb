/** Every text the Jira sync writes for people: the issue it files and the notes it adds to a finding. */
import { day, template, withVariants, type TemplateSet } from '../../voice/template.ts';
import type { Day } from '../../policy/calendar.ts';

interface IssueText {
  id: number;
  title: string;
  service: string;
  team: string;
  priority: string;
  due: Day;
}
const issue: IssueText = {
  id: 42,
  title: 'xz backdoor in liblzma 5.6.0',
  service: 'checkout-api',
  team: 'payments',
  priority: 'act',
  due: '2026-03-16',
};

/** Jira messages. */
export const jiraMessages = {
  /** The summary of the issue filed for a finding (Jira keeps it to 255 characters). */
  issueSummary: template<IssueText>((p) => `${p.title} on ${p.service}`.slice(0, 255), [issue]),

  /** The first paragraphs of the issue's description. */
  issueDescription: template<IssueText>(
    (p) =>
      `Entente tracks finding #${p.id} for ${p.team}: priority ${p.priority}, due ${day(p.due)}. `
      + `When the fix is deployed, the next scan of ${p.service} confirms it, and we move this issue to Done for you.`,
    [issue],
  ),

  /** The label of the link from the issue back to the finding in the web app. */
  openInEntente: template<{ id: number }>((p) => `Open finding #${p.id} in Entente`, [{ id: 42 }]),

  /** The summary of the issue filed for a commitment. */
  commitmentSummary: template<{ title: string; service: string | null }>(
    (p) => `${p.title}${p.service ? ` for ${p.service}` : ''}`.slice(0, 255),
    [
      { title: 'A WAF rule (virtual patch) in front of the affected path', service: 'checkout-api' },
      { title: 'Remove the FTP share', service: null },
    ],
  ),

  /** The first paragraph of a commitment's issue: how it ends, which depends on how it is verified. */
  commitmentDescription: withVariants(
    template<{ id: number; team: string; due: Day; byEvidence: boolean }>(
      (p) =>
        `Entente tracks commitment #${p.id} for ${p.team}, due ${day(p.due)}. `
        + (p.byEvidence
          ? 'Moving this issue to Done records the commitment as kept, with this issue as the evidence; verifying it in Entente moves this issue to Done for you.'
          : 'Entente checks by itself when it is in place, and we then move this issue to Done for you.'),
      [
        { id: 12, team: 'payments', due: '2026-03-16', byEvidence: true },
        { id: 13, team: 'it-ops', due: '2026-03-16', byEvidence: false },
      ],
    ),
    { evidence: (p) => p.byEvidence, check: (p) => !p.byEvidence },
  ),

  /** The evidence a commitment is verified with when its issue goes to Done. */
  commitmentEvidence: template<{ key: string; status: string; url: string }>(
    (p) => `${p.key} is ${p.status} in Jira: ${p.url}`,
    [{ key: 'PAY-12', status: 'Done', url: 'https://acme.atlassian.net/browse/PAY-12' }],
  ),

  /** The label of the link from a commitment's issue back to Entente. */
  openCommitment: template<{ id: number }>((p) => `Open commitment #${p.id} in Entente`, [{ id: 12 }]),

  /** The note a finding gets when its Jira issue goes to Done (a scan still decides whether it is fixed). */
  fixReported: withVariants(
    template<{ key: string; status: string; service: string; fixed: boolean }>(
      (p) =>
        p.fixed
          ? `${p.key} is ${p.status} in Jira, and the scans of ${p.service} already agree: this one is fixed.`
          : `Fix reported in Jira: ${p.key} is ${p.status}. Thank you! The next scan of ${p.service} confirms it, and the finding closes then.`,
      [
        { key: 'PAY-12', status: 'Done', service: 'checkout-api', fixed: false },
        { key: 'PAY-12', status: 'Done', service: 'checkout-api', fixed: true },
      ],
    ),
    { 'waits for a scan': (p) => !p.fixed, 'already fixed': (p) => p.fixed },
  ),

  /** The note when an issue Entente noted as Done is reopened in Jira. */
  reopened: template<{ key: string; status: string }>(
    (p) => `${p.key} is back to ${p.status} in Jira, so the fix is still under way; we keep following it with you.`,
    [{ key: 'PAY-12', status: 'In Progress' }],
  ),
} satisfies TemplateSet;
