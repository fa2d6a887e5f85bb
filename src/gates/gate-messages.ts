/** Every text gates and commitments write for people, as typed templates with examples of each variant. */
import { command, placeholder } from '../voice/suggest.ts';
import { count, day, list, template, type TemplateSet } from '../voice/template.ts';
import type { Day } from '../policy/calendar.ts';

const d1: Day = '2026-03-09';

interface CommitmentText {
  title: string;
  team: string;
  service: string | null;
  due: Day;
}
const forService = (service: string | null): string => (service ? ` for ${service}` : '');

const checkHow = template<{ check: string }>(
  ({ check }) =>
    check === 'finding-fixed'
      ? 'Entente checks it by itself once the finding is fixed'
      : `Entente runs the ${check} check`,
  [{ check: 'finding-fixed' }, { check: 'other' }],
);

const commitmentOpen = template<CommitmentText & { how: string }>(
  (p) => `${p.title}${forService(p.service)}: ${p.team} has it in hand by ${day(p.due)}; to verify it: ${p.how}.`,
  [
    {
      title: 'A WAF rule (virtual patch) in front of the affected path',
      team: 'payments',
      service: 'checkout-api',
      due: d1,
      how: "the WAF rule's id and a test request it stops",
    },
    { title: 'Remove the FTP share', team: 'it-ops', service: null, due: d1, how: 'a screenshot of the closed share' },
  ],
);

const commitmentVerified = template<CommitmentText & { by: string; at: Day }>(
  (p) => `${p.title}${forService(p.service)} is in place: verified by ${p.by} on ${day(p.at)}.`,
  [
    {
      title: 'Extra monitoring and an alert on the affected component',
      team: 'payments',
      service: 'checkout-api',
      due: d1,
      by: 'sam@example.com',
      at: d1,
    },
  ],
);

const commitmentMissed = template<CommitmentText & { id: number }>(
  (p) =>
    `${p.title}${forService(p.service)} was due on ${day(p.due)} and we have no evidence yet that it is in place. `
    + `${p.team} can add it with \`${command('commitments verify', { evidence: placeholder('…') }, p.id)}\`, or talk with Security about a new date.`,
  [
    {
      title: 'A WAF rule (virtual patch) in front of the affected path',
      team: 'payments',
      service: 'checkout-api',
      due: d1,
      id: 12,
    },
  ],
);

const commitmentReleased = template<CommitmentText & { at: Day; reason: string | null }>(
  (p) =>
    `${p.title}${forService(p.service)} is no longer owed since ${day(p.at)}${p.reason ? `: ${p.reason.replace(/[.\s]+$/, '')}` : ''}. Nothing more to do here.`,
  [
    {
      title: 'WAF rule 9421 blocks the payload',
      team: 'payments',
      service: 'checkout-api',
      due: d1,
      at: d1,
      reason: 'exception 4, which it supported, was revoked',
    },
    { title: 'Extra monitoring', team: 'payments', service: null, due: d1, at: d1, reason: null },
  ],
);

type Outcome = 'go' | 'go_with_controls' | 'no_go';
const desc =
  'A finding to act on that is past its due date, on an internet-facing service, needs a fix or an agreed exception first.';
const more = (total: number, shown: number): string =>
  total > shown ? ` and ${count(total - shown, 'more', 'more')}` : '';

interface ShownFinding {
  id: number;
  title: string;
  priority: string;
  due: Day;
  overdue: boolean;
}
const findingsReason = template<{ description: string; service: string; total: number; shown: ShownFinding[] }>(
  (p) =>
    `${p.description} On ${p.service}: ${count(p.total, 'finding')} — `
    + `${p.shown.map((f) => `#${f.id} ${f.title} (${f.priority}, due ${day(f.due)}${f.overdue ? ', past its date' : ''})`).join('; ')}${more(p.total, p.shown.length)}.`,
  [
    {
      description: desc,
      service: 'checkout-api',
      total: 1,
      shown: [
        { id: 12, title: 'log4j-core: Remote code execution in Log4j 2.x', priority: 'act', due: d1, overdue: true },
      ],
    },
    {
      description:
        'Urgent findings still within their SLA: we go with a fix by the due date and extra monitoring meanwhile.',
      service: 'billing',
      total: 7,
      shown: [
        { id: 3, title: 'openssl: buffer over-read', priority: 'attend', due: d1, overdue: false },
        { id: 4, title: 'lodash: prototype pollution', priority: 'act', due: d1, overdue: false },
      ],
    },
  ],
);

interface MissedItem {
  id: number;
  title: string;
  team: string;
  due: Day;
}
const missedReason = template<{ description: string; commitments: MissedItem[] }>(
  (p) =>
    `${p.description} ${p.commitments.map((c) => `Commitment #${c.id}, ${c.title} (${c.team}, due ${day(c.due)})`).join('; ')}. `
    + `${list([...new Set(p.commitments.map((c) => c.team))])} and Security can verify ${p.commitments.length === 1 ? 'it' : 'them'} with evidence, or agree a new date together.`,
  [
    {
      description: 'A safeguard we agreed on for this service is past its date without being verified.',
      commitments: [
        { id: 5, title: 'A WAF rule (virtual patch) in front of the affected path', team: 'payments', due: d1 },
      ],
    },
    {
      description: 'A safeguard we agreed on is past its date.',
      commitments: [
        { id: 5, title: 'Extra monitoring', team: 'payments', due: d1 },
        { id: 6, title: 'MFA', team: 'it-ops', due: d1 },
      ],
    },
  ],
);

const serviceReason = template<{ description: string; service: string; environment: string }>(
  (p) => `${p.description} This applies to every release of ${p.service} to ${p.environment}.`,
  [
    {
      description: 'Mission-critical services get extra monitoring for each release.',
      service: 'checkout-api',
      environment: 'prod',
    },
  ],
);

const outcomeWords: Record<Outcome, string> = { go: 'go', go_with_controls: 'go with controls', no_go: 'a no-go' };
const warnReason = template<{ ruleId: string; outcome: Outcome; text: string }>(
  (p) =>
    `Heads-up from rule ${p.ruleId} (warn mode, not counted yet): once it is enforced, this release would be ${outcomeWords[p.outcome]}. ${p.text}`,
  [
    { ruleId: 'overdue-attend', outcome: 'no_go', text: 'Attend findings past their date need a plan first.' },
    { ruleId: 'mfa-admin', outcome: 'go_with_controls', text: 'Admin paths get MFA.' },
  ],
);

interface Release {
  service: string;
  version: string | null;
  environment: string;
  warnings: number;
}
const release = (p: Release): string => `${p.service}${p.version ? ` ${p.version}` : ''} to ${p.environment}`;
const warned = (n: number): string =>
  n ? ` ${count(n, 'rule')} in warn mode had something to say; see the notes below.` : '';

const summaryGo = template<Release>(
  (p) => `We can release ${release(p)}: nothing in the policy asks for more.${warned(p.warnings)}`,
  [
    { service: 'wiki', version: null, environment: 'prod', warnings: 0 },
    { service: 'checkout-api', version: '1.4.2', environment: 'prod', warnings: 2 },
  ],
);

const summaryControls = template<Release & { controls: string[]; fresh: number; agreed: number }>(
  (p) =>
    `We can release ${release(p)} with these safeguards in place: ${list(p.controls)}. `
    + `Each one is a commitment with an owner and a date (${p.fresh} new${p.agreed ? `, ${p.agreed} agreed earlier` : ''}); \`${command('commitments list', { service: p.service })}\` lists them.${warned(p.warnings)}`,
  [
    {
      service: 'checkout-api',
      version: '1.4.2',
      environment: 'prod',
      warnings: 0,
      controls: [
        'Fix the finding (upgrade, patch or change the code)',
        'A WAF rule (virtual patch) in front of the affected path',
      ],
      fresh: 2,
      agreed: 0,
    },
    {
      service: 'billing',
      version: null,
      environment: 'staging',
      warnings: 1,
      controls: ['Extra monitoring and an alert on the affected component'],
      fresh: 0,
      agreed: 3,
    },
  ],
);

const summaryNoGo = template<Release & { path: string | null }>(
  (p) =>
    `We are not ready to release ${release(p)} yet. `
    + (p.path
      ? `To go, we need to ${p.path}`
      : 'To go, we need to talk with Security about the rules below; the reasons say what each one looks for.')
    + warned(p.warnings),
  [
    {
      service: 'checkout-api',
      version: '1.4.2',
      environment: 'prod',
      warnings: 0,
      path: 'fix #12 log4j-core: Remote code execution in Log4j 2.x; then it is go.',
    },
    { service: 'wiki', version: null, environment: 'prod', warnings: 1, path: null },
  ],
);

const stepFix = template<{ id: number; title: string }>(
  (p) => `fix #${p.id} ${p.title}`,
  [{ id: 12, title: 'log4j-core: Remote code execution in Log4j 2.x' }],
);

const stepException = template<{ id: number; title: string }>(
  (p) =>
    `agree an exception for #${p.id} ${p.title} with the team's lead and Security (\`${command('exceptions request', { finding: p.id, reason: placeholder('"<why it can wait>"'), control: placeholder('"<what protects it meanwhile>"') })}\`)`,
  [{ id: 12, title: 'log4j-core: Remote code execution in Log4j 2.x' }],
);

const stepVerify = template<{ id: number; title: string }>(
  (p) =>
    `verify commitment #${p.id} (${p.title}) with evidence (\`${command('commitments verify', { evidence: placeholder('…') }, p.id)}\`)`,
  [{ id: 5, title: 'A WAF rule (virtual patch) in front of the affected path' }],
);

const stepPolicy = template<{ ruleId: string; service: string }>(
  (p) => `talk with Security about rule ${p.ruleId}, which applies to every release of ${p.service}`,
  [{ ruleId: 'no-friday-releases', service: 'checkout-api' }],
);

const pathOption = template<{ steps: string[]; outcome: Outcome }>(
  (p) =>
    `${list(p.steps.slice(0, 5))}${more(p.steps.length, Math.min(p.steps.length, 5))}; `
    + (p.outcome === 'no_go'
      ? 'that is a start, and Security can help with the rest.'
      : `then it is ${outcomeWords[p.outcome]}.`),
  [
    { steps: ['fix #12 log4j-core'], outcome: 'go' },
    { steps: ['fix #1 a', 'fix #2 b', 'fix #3 c', 'fix #4 d', 'fix #5 e', 'fix #6 f'], outcome: 'go_with_controls' },
    { steps: ['talk with Security about rule x'], outcome: 'no_go' },
  ],
);

const outcomeLabel = template<{ outcome: Outcome }>(
  ({ outcome }) => ({ go: 'Go', go_with_controls: 'Go with controls', no_go: 'Not yet (no-go)' })[outcome],
  [{ outcome: 'go' }, { outcome: 'go_with_controls' }, { outcome: 'no_go' }],
);

const replayResult = template<{
  id: number;
  matches: boolean;
  outcome: Outcome;
  differences: string[];
  current: Outcome;
  samePolicy: boolean;
}>(
  (p) =>
    (p.matches
      ? `Replayed gate decision ${p.id} from its stored facts and policy: it comes out the same (${outcomeWords[p.outcome]}).`
      : `Replayed gate decision ${p.id} from its stored facts and policy: it comes out differently in ${list(p.differences)}; please tell us, the decision should be reproducible.`)
    + (p.samePolicy ? '' : ` Under the policy in force today the same facts would be ${outcomeWords[p.current]}.`),
  [
    {
      id: 4,
      matches: true,
      outcome: 'go_with_controls',
      differences: [],
      current: 'go_with_controls',
      samePolicy: true,
    },
    { id: 4, matches: false, outcome: 'go', differences: ['reasons', 'controls'], current: 'no_go', samePolicy: false },
  ],
);

const changesNoGo = template<{ service: string; environment: string }>(
  (p) =>
    `This is the first time ${p.service} goes to ${p.environment} with a go, so there is nothing earlier to compare with.`,
  [{ service: 'checkout-api', environment: 'prod' }],
);

const changesSince = template<{ id: number; at: Day; outcome: Outcome; now: Outcome; count: number }>(
  (p) =>
    `Since the last go (decision ${p.id} on ${day(p.at)}, ${outcomeWords[p.outcome]}) ${p.count ? `${count(p.count, 'thing')} changed` : 'nothing changed'}; now it is ${outcomeWords[p.now]}.`,
  [
    { id: 3, at: d1, outcome: 'go', now: 'no_go', count: 2 },
    { id: 3, at: d1, outcome: 'go_with_controls', now: 'go_with_controls', count: 0 },
  ],
);

type ChangeKind = 'new' | 'gone' | 'priority' | 'covered' | 'uncovered' | 'overdue' | 'missed' | 'policy';
const changeWords: Record<ChangeKind, string> = {
  new: 'new finding',
  gone: 'no longer open',
  priority: 'priority changed',
  covered: 'now covered by an exception',
  uncovered: 'its exception ended',
  overdue: 'now past its due date',
  missed: 'commitment now past its date',
  policy: 'the policy changed',
};
const change = template<{ kind: ChangeKind; what: string }>(
  (p) => `${changeWords[p.kind]}: ${p.what}`,
  (Object.keys(changeWords) as ChangeKind[]).map((kind) => ({
    kind,
    what: '#12 log4j-core: Remote code execution in Log4j 2.x',
  })),
);

const backtestSummary = template<{ days: number; decisions: number; changed: number }>(
  (p) =>
    `We re-decided ${count(p.decisions, 'gate decision')} of the last ${count(p.days, 'day')} under the candidate policy: `
    + (p.changed ? `${count(p.changed, 'outcome')} would change (listed below).` : 'every outcome stays the same.'),
  [
    { days: 90, decisions: 41, changed: 3 },
    { days: 1, decisions: 1, changed: 0 },
  ],
);

const headings = {
  why: 'Why:',
  safeguards: 'Safeguards we agreed on (each a commitment with an owner and a date):',
  controls: 'Safeguards this release would ask for:',
  serves: 'These safeguards also serve:',
  path: 'Path to go:',
  notes: 'Notes from rules in warn mode:',
} as const;
const heading = template<{ key: keyof typeof headings }>(
  ({ key }) => headings[key],
  (Object.keys(headings) as (keyof typeof headings)[]).map((key) => ({ key })),
);

const receipt = template<{ id: number; policy: string; input: string }>(
  (p) =>
    `Receipt: gate decision ${p.id}, policy ${p.policy}, inputs ${p.input}. Replay it with \`${command('gate replay', {}, p.id)}\`; see what changed since the last go with \`${command('gate changes', {}, p.id)}\`.`,
  [{ id: 3, policy: '9f2c41d07a1b2c3d', input: '5e1a9b7c' }],
);

/** One control's commitments in a decision, counted: what a person reads when a gate asked for thousands. */
const controlCommitments = template<{
  title: string;
  created: number;
  relied: number;
  open: number;
  missed: number;
  verified: number;
  released: number;
}>(
  (p) => {
    const made = [p.created ? `${count(p.created, 'new commitment')}` : '', p.relied ? `${p.relied} agreed before` : '']
      .filter(Boolean)
      .join(' and ');
    const states = (
      [
        ['open', p.open],
        ['missed', p.missed],
        ['verified', p.verified],
        ['released', p.released],
      ] as const
    )
      .filter(([, n]) => n > 0)
      .map(([w, n]) => `${n} ${w}`);
    return `${p.title}: ${made}${states.length ? ` (${list(states)})` : ''}`;
  },
  [
    {
      title: 'A WAF rule (virtual patch) in front of the affected path',
      created: 13_333,
      relied: 0,
      open: 13_333,
      missed: 0,
      verified: 0,
      released: 0,
    },
    { title: 'Fix it', created: 2, relied: 40, open: 30, missed: 2, verified: 10, released: 0 },
  ],
);

const allCommitments = template<{ n: number; gate: number }>(
  (p) =>
    `${count(p.n, 'commitment')} in all, one per finding and control; \`${command('commitments list', { gate: p.gate })}\` lists them.`,
  [{ n: 26_666, gate: 12 }],
);

const policyCheckOk = template<{ source: string; rules: number; warn: number; controls: number; notes: number }>(
  (p) =>
    `${p.source} reads well: ${count(p.rules, 'gate rule')} (${p.warn} in warn mode) and ${count(p.controls, 'control')} in the catalogue.`
    + (p.notes ? ` ${count(p.notes, 'wording note')} below: people read these texts in every gate decision.` : ''),
  [
    { source: 'policy.yaml', rules: 6, warn: 0, controls: 7, notes: 0 },
    { source: 'the default policy', rules: 1, warn: 1, controls: 1, notes: 2 },
  ],
);

const toneNote = template<{ where: string; text: string; suggestion: string }>(
  (p) => `${p.where}: "${p.text}" may read as gatekeeping or blame; ${p.suggestion}`,
  [{ where: 'gates.rules.2.description', text: 'prohibited', suggestion: 'say what would make it possible instead.' }],
);

const exampleResult = template<{
  name: string;
  ok: boolean;
  expected: Outcome;
  got: Outcome;
  expectedControls?: string[] | undefined;
  gotControls: string[];
  reasons: string[];
}>(
  (p) =>
    p.ok
      ? `ok       ${p.name}: ${outcomeWords[p.got]}`
      : `differs  ${p.name}: expected ${outcomeWords[p.expected]}${p.expectedControls ? ` with ${p.expectedControls.join(', ') || 'no controls'}` : ''}, `
        + `the policy gives ${outcomeWords[p.got]}${p.gotControls.length ? ` with ${p.gotControls.join(', ')}` : ''}${p.reasons.length ? ` (rules: ${p.reasons.join(', ')})` : ''}`,
  [
    {
      name: 'KEV within SLA',
      ok: true,
      expected: 'go_with_controls',
      got: 'go_with_controls',
      gotControls: ['fix-finding'],
      reasons: ['urgent-within-sla'],
    },
    {
      name: 'secret',
      ok: false,
      expected: 'no_go',
      got: 'go',
      expectedControls: ['rotate-secret'],
      gotControls: [],
      reasons: [],
    },
    {
      name: 'overdue',
      ok: false,
      expected: 'go',
      got: 'no_go',
      gotControls: ['fix-finding'],
      reasons: ['overdue-act-internet'],
    },
  ],
);

const examplesSummary = template<{ total: number; differ: number }>(
  (p) =>
    p.differ
      ? `${count(p.differ, 'example')} of ${p.total} came out differently from what they expect.`
      : `All ${count(p.total, 'example')} came out as expected.`,
  [
    { total: 4, differ: 0 },
    { total: 4, differ: 1 },
  ],
);

const backtestLine = template<{
  id: number;
  service: string;
  environment: string;
  at: Day;
  was: Outcome;
  wouldBe: Outcome;
}>(
  (p) =>
    `gate ${p.id}  ${day(p.at)}  ${p.service} to ${p.environment}: was ${outcomeWords[p.was]}, would be ${outcomeWords[p.wouldBe]}`,
  [{ id: 7, service: 'checkout-api', environment: 'prod', at: d1, was: 'go_with_controls', wouldBe: 'no_go' }],
);

/** The gate and commitment templates (registered in src/message-catalogue.ts). */
export const gateMessages = {
  checkHow,
  commitmentOpen,
  commitmentVerified,
  commitmentMissed,
  commitmentReleased,
  findingsReason,
  missedReason,
  serviceReason,
  warnReason,
  summaryGo,
  summaryControls,
  summaryNoGo,
  stepFix,
  stepException,
  stepVerify,
  stepPolicy,
  pathOption,
  outcomeLabel,
  replayResult,
  changesNoGo,
  changesSince,
  change,
  backtestSummary,
  heading,
  receipt,
  controlCommitments,
  allCommitments,
  policyCheckOk,
  toneNote,
  exampleResult,
  examplesSummary,
  backtestLine,
} satisfies TemplateSet;
