/** A gate decision as CI and people read it: text, JSON, SARIF 2.1.0, JUnit XML and Markdown (a pull request comment). */
import type { GateRecord as StoredGate } from './gate-service.ts';
import type { GateReason } from './gate-facts.ts';
import type { PlainDays } from '../policy/calendar.ts';
import { gateMessages as m } from './gate-messages.ts';

export const gateFormats = ['text', 'json', 'sarif', 'junit', 'markdown'] as const;
export type GateFormat = (typeof gateFormats)[number];

/** A decision as stored, or as the API's JSON gives it back (days as plain strings). */
export type GateRecord = PlainDays<StoredGate>;

/** Renders a decision in one of the formats. */
export function formatGate(g: GateRecord, format: GateFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(g, null, 2);
    case 'sarif':
      return JSON.stringify(sarif(g), null, 2);
    case 'junit':
      return junit(g);
    case 'markdown':
      return markdown(g);
    default:
      return text(g);
  }
}

const h = (key: Parameters<typeof m.heading.render>[0]['key']) => m.heading.render({ key });
const title = (g: GateRecord) =>
  `${m.outcomeLabel.render({ outcome: g.outcome })}: ${g.service}${g.version ? ` ${g.version}` : ''} to ${g.environment}`;
const commitmentLine = (c: GateRecord['commitments'][number]) =>
  `#${c.id} ${c.title} (${c.ownerTeam}, due ${c.dueDate}, ${c.state}); ${c.verification.method === 'check' ? m.checkHow.render({ check: c.verification.detail }) : `evidence: ${c.verification.detail}`}`;

function text(g: GateRecord): string {
  const lines = [`${title(g)} (gate decision ${g.id})`, g.summary];
  if (g.reasons.length) lines.push('', h('why'), ...g.reasons.map((r) => `  - [${r.ruleId}] ${r.text}`));
  if (g.commitmentCount > 50)
    lines.push(
      '',
      h('safeguards'),
      ...g.commitmentsByControl.map((c) => `  - ${m.controlCommitments.render(c)}`),
      `  ${m.allCommitments.render({ n: g.commitmentCount, gate: g.id })}`,
    );
  else if (g.commitments.length)
    lines.push('', h('safeguards'), ...g.commitments.map((c) => `  - ${commitmentLine(c)}`));
  else if (g.controls.length) lines.push('', h('controls'), ...g.controls.map((c) => `  - ${c.title}`));
  if (g.requirements.length) lines.push('', `${h('serves')} ${g.requirements.join(', ')}`);
  if (g.pathToGo.length) lines.push('', h('path'), ...g.pathToGo.map((p) => `  ${p.rank}. ${p.text}`));
  if (g.warnings.length) lines.push('', h('notes'), ...g.warnings.map((r) => `  - ${r.text}`));
  lines.push('', m.receipt.render({ id: g.id, policy: g.policy.digest, input: g.inputDigest }));
  return lines.join('\n');
}

function markdown(g: GateRecord): string {
  const lines = [`## ${title(g)}`, '', `> ${g.summary}`];
  if (g.commitmentCount > 50)
    lines.push(
      '',
      `### ${h('safeguards')}`,
      ...g.commitmentsByControl.map((c) => `- ${md(m.controlCommitments.render(c))}`),
      '',
      md(m.allCommitments.render({ n: g.commitmentCount, gate: g.id })),
    );
  else if (g.commitments.length)
    lines.push(
      '',
      `### ${h('safeguards')}`,
      ...g.commitments.map((c) => `- [${c.state === 'verified' ? 'x' : ' '}] ${md(commitmentLine(c))}`),
    );
  else if (g.controls.length) lines.push('', `### ${h('controls')}`, ...g.controls.map((c) => `- ${md(c.title)}`));
  if (g.reasons.length) lines.push('', `### ${h('why')}`, ...g.reasons.map((r) => `- **${r.ruleId}**: ${md(r.text)}`));
  if (g.pathToGo.length) lines.push('', `### ${h('path')}`, ...g.pathToGo.map((p) => `${p.rank}. ${md(p.text)}`));
  if (g.warnings.length) lines.push('', `### ${h('notes')}`, ...g.warnings.map((r) => `- ${md(r.text)}`));
  if (g.requirements.length) lines.push('', `${h('serves')} ${g.requirements.map((r) => `\`${r}\``).join(', ')}`);
  lines.push('', `<sub>${md(m.receipt.render({ id: g.id, policy: g.policy.digest, input: g.inputDigest }))}</sub>`);
  return lines.join('\n');
}

// Markdown special characters in titles that come from scanners must not turn into markup.
function md(s: string): string {
  return s.replace(/([\\*_[\]<>|])/g, '\\$1');
}

function sarif(g: GateRecord) {
  const all: GateReason[] = [...g.reasons, ...g.warnings];
  const rules = [...new Map(all.map((r) => [r.ruleId, r])).keys()].map((id) => ({
    id,
    shortDescription: { text: id },
  }));
  return {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: {
          driver: { name: 'entente-gate', informationUri: 'https://github.com/entente', version: '0.1.0', rules },
        },
        results: all.map((r) => ({
          ruleId: r.ruleId,
          level: r.mode === 'warn' ? 'note' : r.outcome === 'no_go' ? 'error' : 'warning',
          kind: r.mode === 'warn' ? 'informational' : 'review',
          message: { text: r.text },
          properties: { outcome: r.outcome, mode: r.mode, findingIds: r.findingIds, commitmentIds: r.commitmentIds },
        })),
        properties: {
          decisionId: g.id,
          outcome: g.outcome,
          summary: g.summary,
          controls: g.controls.map((c) => c.id),
          commitments: [...g.createdCommitments, ...g.relied.commitments],
          pathToGo: g.pathToGo.map((p) => p.text),
          policyDigest: g.policy.digest,
          inputDigest: g.inputDigest,
        },
      },
    ],
  };
}

function junit(g: GateRecord): string {
  const cases = g.reasons.map((r) => {
    const body =
      r.outcome === 'no_go'
        ? `<failure message="${x(r.text)}" type="no_go">${x(r.text)}</failure>`
        : `<system-out>${x(r.text)}</system-out>`;
    return `    <testcase classname="entente.gate.${x(g.service)}" name="${x(r.ruleId)}">${body}</testcase>`;
  });
  const decision =
    g.outcome === 'no_go'
      ? `<failure message="${x(g.summary)}" type="no_go">${x([g.summary, ...g.pathToGo.map((p) => `${p.rank}. ${p.text}`)].join('\n'))}</failure>`
      : `<system-out>${x([g.summary, ...(g.commitmentCount > 50 ? [...g.commitmentsByControl.map((c) => m.controlCommitments.render(c)), m.allCommitments.render({ n: g.commitmentCount, gate: g.id })] : g.commitments.map(commitmentLine))].join('\n'))}</system-out>`;
  cases.unshift(
    `    <testcase classname="entente.gate.${x(g.service)}" name="release decision">${decision}</testcase>`,
  );
  const failures = (g.outcome === 'no_go' ? 1 : 0) + g.reasons.filter((r) => r.outcome === 'no_go').length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="entente gate" tests="${cases.length}" failures="${failures}">`,
    `  <testsuite name="${x(title(g))}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" timestamp="${g.decidedAt}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
  ].join('\n');
}

function x(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
