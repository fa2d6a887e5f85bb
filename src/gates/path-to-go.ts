/**
 * The path to go for a no-go: the smallest set of fixes, exceptions and verifications that removes every enforced
 * no-go match, each option re-decided on hypothetical facts to say what the outcome would then be, best first.
 */
import type { GateOutcome } from './vocabulary.ts';
import type { CompiledGates, RuleMatch } from './gate-compile.ts';
import type { FindingFact, GateFacts, PathOption, PathStep } from './gate-facts.ts';
import { gateMessages as m } from './gate-messages.ts';

const rank: Record<GateOutcome, number> = { go: 0, go_with_controls: 1, no_go: 2 };

/** Options that would turn a no-go into go or go with controls, ranked: better outcome, fewer steps, fewer exceptions. */
export function findPathToGo(
  _compiled: CompiledGates,
  facts: GateFacts,
  matches: RuleMatch[],
  decide: (f: GateFacts) => GateOutcome,
): PathOption[] {
  const blocking = matches.filter((x) => x.compiled.rule.mode === 'enforce' && x.compiled.rule.outcome === 'no_go');
  const chosen = chooseFindings(blocking);
  const commitments = new Map(blocking.flatMap((x) => x.commitments).map((c) => [c.id, c]));
  const policySteps: PathStep[] = blocking
    .filter((x) => !x.compiled.finding && !x.compiled.commitment)
    .map((x) => ({
      action: 'policy',
      ruleId: x.compiled.rule.id,
      text: m.stepPolicy.render({ ruleId: x.compiled.rule.id, service: facts.service.name }),
    }));
  const verifySteps: PathStep[] = [...commitments.values()].map((c) => ({
    action: 'verify',
    commitmentId: c.id,
    text: m.stepVerify.render({ id: c.id, title: c.title }),
  }));
  // An exception helps only where every no-go rule that holds the finding leaves covered findings out.
  const excusable = (f: FindingFact) => blocking.every((x) => x.compiled.covered === false || !x.findings.includes(f));
  const plans: { fix: FindingFact[]; except: FindingFact[] }[] = [{ fix: chosen, except: [] }];
  const except = chosen.filter(excusable);
  if (except.length > 0) plans.push({ fix: chosen.filter((f) => !excusable(f)), except });
  const options = plans.map((plan) => {
    const steps: PathStep[] = [
      ...plan.fix.map(
        (f): PathStep => ({ action: 'fix', findingId: f.id, text: m.stepFix.render({ id: f.id, title: f.title }) }),
      ),
      ...plan.except.map(
        (f): PathStep => ({
          action: 'exception',
          findingId: f.id,
          text: m.stepException.render({ id: f.id, title: f.title }),
        }),
      ),
      ...verifySteps,
      ...policySteps,
    ];
    const outcome = policySteps.length ? 'no_go' : decide(hypothetical(facts, plan.fix, plan.except, commitments));
    return { outcome, steps, exceptions: plan.except.length };
  });
  options.sort(
    (a, b) => rank[a.outcome] - rank[b.outcome] || a.steps.length - b.steps.length || a.exceptions - b.exceptions,
  );
  return options.map((o, i) => ({
    rank: i + 1,
    outcome: o.outcome,
    steps: o.steps,
    text: m.pathOption.render({ steps: o.steps.map((s) => s.text), outcome: o.outcome }),
  }));
}

// Every no-go rule must lose enough findings to fall under its min_count; findings several rules share are taken first.
function chooseFindings(blocking: RuleMatch[]): FindingFact[] {
  const chosen = new Map<number, FindingFact>();
  for (const x of blocking)
    if (x.compiled.finding && x.compiled.minCount === 1) for (const f of x.findings) chosen.set(f.id, f);
  for (const x of blocking) {
    if (!x.compiled.finding || x.compiled.minCount === 1) continue;
    let need = x.findings.length - x.compiled.minCount + 1 - x.findings.filter((f) => chosen.has(f.id)).length;
    const rest = x.findings
      .filter((f) => !chosen.has(f.id))
      .sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.id - b.id);
    for (const f of rest) {
      if (need-- <= 0) break;
      chosen.set(f.id, f);
    }
  }
  return [...chosen.values()].sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.id - b.id);
}

function hypothetical(
  facts: GateFacts,
  fix: FindingFact[],
  except: FindingFact[],
  verified: Map<number, unknown>,
): GateFacts {
  const fixed = new Set(fix.map((f) => f.id));
  const covered = new Set(except.map((f) => f.id));
  return {
    ...facts,
    findings: facts.findings
      .filter((f) => !fixed.has(f.id))
      .map((f) => (covered.has(f.id) ? { ...f, covered: true } : f)),
    commitments: facts.commitments.filter((c) => !verified.has(c.id)),
  };
}
