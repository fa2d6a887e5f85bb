/**
 * Compiles the gate rules once per policy into predicates, and matches them against facts. Findings are grouped into
 * classes by the attributes rules look at (priority, kind, severity, KEV, overdue, covered), so each rule is tested once
 * per class rather than once per finding: 10,000 findings usually form a few dozen classes.
 */
import type { Control, GateRule } from './gate-policy.ts';
import type { CommitmentFact, FindingFact, GateFacts } from './gate-facts.ts';
import { calendarOf, type Calendar } from '../policy/calendar.ts';

interface ClassKey {
  priority: string;
  kind: string;
  severity: string;
  kev: boolean;
  overdue: boolean;
  covered: boolean;
}
export interface FindingClass extends ClassKey {
  findings: FindingFact[];
}

export interface CompiledRule {
  rule: GateRule;
  service: (s: GateFacts['service'], environment: string) => boolean;
  /** Tests a class on everything but `covered` (null: the rule has no findings condition). */
  finding: ((c: ClassKey) => boolean) | null;
  covered: boolean | undefined;
  minCount: number;
  commitment: ((c: CommitmentFact) => boolean) | null;
}

export interface CompiledGates {
  rules: CompiledRule[];
  controls: Map<string, Control>;
  calendar: Calendar;
}

export interface RuleMatch {
  compiled: CompiledRule;
  findings: FindingFact[];
  commitments: CommitmentFact[];
  /** Exceptions that kept covered findings out of this rule. */
  reliedExceptions: number[];
  /** False when the rule does not hold, listed only for the exceptions that kept it from holding. */
  held: boolean;
}

const compiledByPolicy = new WeakMap<object, CompiledGates>();

/** The compiled form of a policy's gates and controls, built once per policy object. */
export function compileGates(policy: {
  gates: { rules: GateRule[] };
  controls: Control[];
  time_zone?: string;
}): CompiledGates {
  let compiled = compiledByPolicy.get(policy);
  if (!compiled) {
    compiled = {
      rules: policy.gates.rules.map(compileRule),
      controls: new Map(policy.controls.map((c) => [c.id, c])),
      calendar: calendarOf(policy.time_zone ?? 'UTC'),
    };
    compiledByPolicy.set(policy, compiled);
  }
  return compiled;
}

function oneOf<T>(allowed: readonly T[] | undefined): ((v: T) => boolean) | null {
  if (!allowed) return null;
  const set = new Set(allowed);
  return (v) => set.has(v);
}

function all<T>(tests: (((v: T) => boolean) | null)[]): (v: T) => boolean {
  const live = tests.filter((t): t is (v: T) => boolean => t !== null);
  return (v) => live.every((t) => t(v));
}

function compileRule(rule: GateRule): CompiledRule {
  const s = rule.when.service;
  const crit = oneOf(s?.criticality);
  const exposure = oneOf(s?.exposure);
  const data = oneOf(s?.data);
  const env = oneOf(s?.environment);
  const service = (svc: GateFacts['service'], environment: string): boolean =>
    (!crit || crit(svc.criticality))
    && (!exposure || exposure(svc.exposure))
    && (!data || data(svc.data))
    && (!env || env(environment));
  const f = rule.when.findings;
  const finding = f
    ? all<ClassKey>([
        map(oneOf(f.priority as string[] | undefined), (c) => c.priority),
        map(oneOf(f.kind), (c) => c.kind),
        map(oneOf(f.severity as string[] | undefined), (c) => c.severity),
        f.kev === undefined ? null : (c) => c.kev === f.kev,
        f.overdue === undefined ? null : (c) => c.overdue === f.overdue,
      ])
    : null;
  const cm = rule.when.commitments;
  const commitment = cm
    ? all<CommitmentFact>([map(oneOf<string>(cm.state), (c) => c.state), map(oneOf(cm.kind), (c) => c.kind)])
    : null;
  return { rule, service, finding, covered: f?.covered, minCount: f?.min_count ?? 1, commitment };
}

function map<T, V>(test: ((v: V) => boolean) | null, get: (t: T) => V): ((t: T) => boolean) | null {
  return test ? (t) => test(get(t)) : null;
}

/** Groups findings by the attributes rules test, measuring "overdue" at `at` (an ISO time, as facts store every date). */
export function classify(findings: readonly FindingFact[], at: string): FindingClass[] {
  // A numeric key over interned attribute values: building a string key per finding was most of the decision's time.
  const classes = new Map<number, FindingClass>();
  const values = new Map<string, number>();
  const code = (v: string): number => {
    let n = values.get(v);
    if (n === undefined) values.set(v, (n = values.size));
    return n;
  };
  for (const f of findings) {
    const overdue = f.dueAt < at;
    const key =
      ((code(f.priority) * 64 + code(f.kind)) * 64 + code(f.severity)) * 8
      + (f.kev ? 4 : 0)
      + (overdue ? 2 : 0)
      + (f.covered ? 1 : 0);
    let c = classes.get(key);
    if (!c)
      classes.set(
        key,
        (c = {
          priority: f.priority,
          kind: f.kind,
          severity: f.severity,
          kev: f.kev,
          overdue,
          covered: f.covered,
          findings: [],
        }),
      );
    c.findings.push(f);
  }
  return [...classes.values()];
}

/** The rules (enforced and warn) that match the facts, in policy order (plus those only exceptions kept from matching). */
export function matchRules(compiled: CompiledGates, facts: GateFacts, classes: FindingClass[]): RuleMatch[] {
  const matches: RuleMatch[] = [];
  for (const r of compiled.rules) {
    if (!r.service(facts.service, facts.environment)) continue;
    let findings: FindingFact[] = [];
    const relied: number[] = [];
    if (r.finding) {
      for (const c of classes) {
        if (!r.finding(c)) continue;
        if (r.covered === undefined || c.covered === r.covered)
          findings = findings.length ? findings.concat(c.findings) : c.findings.slice();
        else if (c.covered && r.covered === false)
          for (const f of c.findings) if (f.exceptionId !== null) relied.push(f.exceptionId);
      }
      // Exceptions count as relied on when, without them, the rule would have matched.
      if (findings.length < r.minCount) {
        if (
          findings.length + relied.length >= r.minCount
          && r.rule.mode === 'enforce'
          && (!r.commitment || facts.commitments.some(r.commitment))
        ) {
          matches.push({ compiled: r, findings: [], commitments: [], reliedExceptions: relied, held: false });
        }
        continue;
      }
    }
    let commitments: CommitmentFact[] = [];
    if (r.commitment) {
      commitments = facts.commitments.filter(r.commitment);
      if (commitments.length === 0) continue;
    }
    matches.push({ compiled: r, findings, commitments, reliedExceptions: relied, held: true });
  }
  return matches;
}
