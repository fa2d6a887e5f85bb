/** The gate decision: a pure function of (policy, facts) → go / go with controls / no-go, with reasons, controls and the path to go. */
import type { GateOutcome } from './vocabulary.ts';
import type { Control, GateRule } from './gate-policy.ts';
import type {
  FindingFact,
  GateDecision,
  GateFacts,
  GateReason,
  PlannedCommitment,
  RequiredControl,
} from './gate-facts.ts';
import { classify, compileGates, matchRules, type CompiledGates, type RuleMatch } from './gate-compile.ts';
import { findPathToGo } from './path-to-go.ts';
import { gateMessages as m } from './gate-messages.ts';
import type { Calendar } from '../policy/calendar.ts';

export type GatePolicy = { gates: { rules: GateRule[] }; controls: Control[]; time_zone?: string };

const severity: Record<GateOutcome, number> = { go: 0, go_with_controls: 1, no_go: 2 };

/** The worse of two outcomes. */
function worse(a: GateOutcome, b: GateOutcome): GateOutcome {
  return severity[a] >= severity[b] ? a : b;
}

/** Decides a release from the policy's gate rules and the facts; compiles the policy once per policy object. */
export function decideGate(policy: GatePolicy, facts: GateFacts): GateDecision {
  const compiled = compileGates(policy);
  const core = decideOutcome(compiled, facts);
  const pathToGo =
    core.outcome === 'no_go'
      ? findPathToGo(compiled, facts, core.matches, (f) => decideOutcome(compiled, f).outcome)
      : [];
  const summary = summaryOf(
    facts,
    core.outcome,
    core.controls,
    core.commitments.length,
    core.relied.commitments.length,
    pathToGo,
    core.warnings.length,
  );
  const { matches: _m, ...decision } = core;
  return { ...decision, summary, pathToGo };
}

type Core = Omit<GateDecision, 'summary' | 'pathToGo'> & { matches: RuleMatch[] };

/** The outcome, reasons and controls without the path to go (which re-decides hypothetical facts with this). */
function decideOutcome(compiled: CompiledGates, facts: GateFacts): Core {
  const at = Date.parse(facts.at);
  const all = matchRules(compiled, facts, classify(facts.findings, facts.at));
  const matches = all.filter((x) => x.held);
  let outcome: GateOutcome = 'go';
  const reasons: GateReason[] = [];
  const warnings: GateReason[] = [];
  const relied = { exceptions: new Set<number>(), commitments: new Set<number>() };
  for (const x of all) if (!x.held) for (const e of x.reliedExceptions) relied.exceptions.add(e);
  for (const match of matches) {
    const reason = reasonOf(match, facts, at, compiled.calendar);
    if (match.compiled.rule.mode === 'warn') {
      warnings.push(reason);
      continue;
    }
    outcome = worse(outcome, match.compiled.rule.outcome);
    reasons.push(reason);
    for (const e of match.reliedExceptions) relied.exceptions.add(e);
  }
  const { controls, commitments, reliedCommitments } = controlsOf(compiled, facts, matches, at);
  for (const c of reliedCommitments) relied.commitments.add(c);
  const requirements = [...new Set(controls.flatMap((c) => c.requirements))].sort();
  return {
    outcome,
    reasons,
    warnings,
    controls,
    commitments,
    requirements,
    matches,
    relied: {
      exceptions: [...relied.exceptions].sort((a, b) => a - b),
      commitments: [...relied.commitments].sort((a, b) => a - b),
    },
  };
}

function reasonOf(match: RuleMatch, facts: GateFacts, at: number, cal: Calendar): GateReason {
  const { rule } = match.compiled;
  const findings = match.findings;
  let text: string;
  if (match.compiled.commitment) {
    text = m.missedReason.render({
      description: rule.description,
      commitments: match.commitments.map((c) => ({
        id: c.id,
        title: c.title,
        team: c.ownerTeam,
        due: cal.dayOf(c.dueAt),
      })),
    });
  } else if (match.compiled.finding) {
    text = m.findingsReason.render({
      description: rule.description,
      service: facts.service.name,
      total: findings.length,
      shown: soonest(findings, 5).map((f) => ({
        id: f.id,
        title: f.title,
        priority: f.priority,
        due: cal.dayOf(f.dueAt),
        overdue: Date.parse(f.dueAt) < at,
      })),
    });
  } else {
    text = m.serviceReason.render({
      description: rule.description,
      service: facts.service.name,
      environment: facts.environment,
    });
  }
  if (rule.mode === 'warn') text = m.warnReason.render({ ruleId: rule.id, outcome: rule.outcome, text });
  return {
    ruleId: rule.id,
    outcome: rule.outcome,
    mode: rule.mode,
    text,
    findingIds: idsOf(findings),
    commitmentIds: match.commitments.map((c) => c.id),
  };
}

// The n findings due soonest (ties by id), without sorting them all: a rule can hold thousands.
function soonest(findings: readonly FindingFact[], n: number): FindingFact[] {
  const top: FindingFact[] = [];
  const before = (a: FindingFact, b: FindingFact) => a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.id < b.id);
  for (const f of findings) {
    if (top.length === n && !before(f, top[n - 1]!)) continue;
    let i = top.length < n ? top.length : n - 1;
    while (i > 0 && before(f, top[i - 1]!)) i--;
    top.splice(i, 0, f);
    if (top.length > n) top.pop();
  }
  return top;
}

// In the order the rule matched them (by class, then by id): sorting thousands of ids per rule cost more than the rest.
function idsOf(findings: readonly FindingFact[]): number[] {
  const ids = new Array<number>(findings.length);
  for (let i = 0; i < findings.length; i++) ids[i] = findings[i]!.id;
  return ids;
}

/** Controls the enforced go_with_controls rules ask for, the commitments still to agree, and the open ones relied on. */
function controlsOf(compiled: CompiledGates, facts: GateFacts, matches: RuleMatch[], at: number) {
  // An open or verified commitment to the same control for the same finding (or the service, 0) is relied on, not asked again.
  const open = new Map<string, Map<number, number>>();
  for (const c of facts.commitments) {
    if (c.state === 'missed' || !c.controlId) continue;
    let byFinding = open.get(c.controlId);
    if (!byFinding) open.set(c.controlId, (byFinding = new Map()));
    byFinding.set(c.findingId ?? 0, c.id);
  }
  const controls = new Map<string, RequiredControl>();
  const planned: PlannedCommitment[] = [];
  const seen = new Map<string, Set<number>>();
  const relied = new Set<number>();
  for (const match of matches) {
    const { rule } = match.compiled;
    if (rule.mode === 'warn' || rule.outcome !== 'go_with_controls') continue;
    const fitting = fittingControls(compiled, rule.controls);
    for (const controlId of rule.controls) {
      const control = compiled.controls.get(controlId)!;
      let done = seen.get(controlId);
      if (!done) seen.set(controlId, (done = new Set()));
      const existingFor = open.get(controlId);
      const verification = verificationOf(control);
      const due = dueDates(control, at);
      const targets = match.compiled.finding ? match.findings : [null];
      let required = controls.get(controlId);
      for (const f of targets) {
        if (f && !fitting(f).has(controlId)) continue;
        if (!required)
          controls.set(
            controlId,
            (required = {
              id: control.id,
              title: control.title,
              kind: control.kind,
              verification,
              requirements: control.requirements,
              findingIds: [],
            }),
          );
        const key = f?.id ?? 0;
        if (done.has(key)) continue;
        done.add(key);
        if (f) required.findingIds.push(f.id);
        const existing = existingFor?.get(key);
        if (existing !== undefined) {
          relied.add(existing);
          continue;
        }
        planned.push({
          kind: control.kind,
          controlId,
          title: f ? `${control.title}: #${f.id} ${f.title}` : control.title,
          findingId: f?.id ?? null,
          dueAt: control.due === 'finding' && f && f.dueAt > facts.at ? f.dueAt : f ? due.late : due.fixed,
          verification,
          ruleId: rule.id,
        });
      }
    }
  }
  for (const c of controls.values()) c.findingIds = Array.from(Int32Array.from(c.findingIds).sort());
  return { controls: [...controls.values()], commitments: planned, reliedCommitments: relied };
}

const day = 86_400_000;

// A rule's controls that fit a finding (an open port is closed or allow-listed, not patched behind a WAF), worked out once
// per kind of finding; when none of them fits, all of them are asked, as the rule's author named them for it.
function fittingControls(compiled: CompiledGates, ids: readonly string[]): (f: FindingFact) => Set<string> {
  const byKind = new Map<string, Set<string>>();
  return (f) => {
    const kind = f.openPort ? 'open-port' : f.kind;
    let set = byKind.get(kind);
    if (!set) {
      const fit = ids.filter((id) => {
        const fits = compiled.controls.get(id)!.fits;
        return !fits || (fits as readonly string[]).includes(kind);
      });
      byKind.set(kind, (set = new Set(fit.length > 0 ? fit : ids)));
    }
    return set;
  };
}

// A control due with its finding is due on the finding's date, or `overdue_days` after the gate when that has passed.
function dueDates(control: Control, at: number): { fixed: string; late: string } {
  const late = new Date(at + control.overdue_days * day).toISOString();
  return {
    fixed: typeof control.due === 'number' ? new Date(at + control.due * day).toISOString() : late,
    late: typeof control.due === 'number' ? new Date(at + control.due * day).toISOString() : late,
  };
}

function verificationOf(control: Control): RequiredControl['verification'] {
  return 'check' in control.verify
    ? { method: 'check', detail: control.verify.check }
    : { method: 'evidence', detail: control.verify.evidence };
}

function summaryOf(
  facts: GateFacts,
  outcome: GateOutcome,
  controls: RequiredControl[],
  fresh: number,
  agreed: number,
  path: GateDecision['pathToGo'],
  warnings: number,
): string {
  const what = { service: facts.service.name, version: facts.version, environment: facts.environment, warnings };
  if (outcome === 'go') return m.summaryGo.render(what);
  if (outcome === 'go_with_controls')
    return m.summaryControls.render({ ...what, controls: controls.map((c) => c.title), fresh, agreed });
  return m.summaryNoGo.render({ ...what, path: path[0]?.text ?? null });
}
