/** `entente policy test FILE`: examples of facts with the outcome Security expects, checked against a policy. */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { badInput } from '../errors.ts';
import type { GateOutcome } from './vocabulary.ts';
import { decideGate, type GatePolicy } from './gate-decide.ts';
import type { GateFacts } from './gate-facts.ts';
import { calendarOf } from '../policy/calendar.ts';

const outcome = z.enum(['go', 'go_with_controls', 'no_go']);
const exampleSchema = z
  .object({
    name: z.string().min(1),
    service: z
      .object({
        criticality: z.number().int().min(1).max(4).default(3),
        exposure: z.enum(['internet', 'internal', 'isolated']).default('internal'),
        data: z.enum(['public', 'internal', 'confidential', 'restricted']).default('internal'),
      })
      .strict()
      .default({ criticality: 3, exposure: 'internal', data: 'internal' }),
    environment: z.string().min(1).default('prod'),
    findings: z
      .array(
        z
          .object({
            priority: z.enum(['act', 'attend', 'track*', 'track']),
            kind: z
              .string()
              .min(1)
              .default('dependency')
              .describe('a finding kind, or open-port: an open port no approved change covers (a host finding)'),
            severity: z.enum(['critical', 'high', 'medium', 'low', 'info']).default('high'),
            kev: z.boolean().default(false),
            due_in_days: z.number().int().default(10).describe('negative: past its due date'),
            covered: z.boolean().default(false),
            title: z.string().optional(),
          })
          .strict(),
      )
      .default([]),
    commitments: z
      .array(
        z
          .object({
            state: z.enum(['open', 'missed', 'verified']),
            kind: z.string().default('control'),
            control: z.string().optional(),
            title: z.string().optional(),
          })
          .strict(),
      )
      .default([]),
    expect: outcome,
    controls: z.array(z.string()).optional().describe('the control ids the decision should ask for, in any order'),
  })
  .strict();

const examplesSchema = z.object({ policy: z.string().optional(), examples: z.array(exampleSchema).min(1) }).strict();
export type PolicyExamples = z.infer<typeof examplesSchema>;

export interface ExampleResult {
  name: string;
  ok: boolean;
  expected: GateOutcome;
  got: GateOutcome;
  expectedControls?: string[];
  gotControls: string[];
  reasons: string[];
}

/** Reads an examples file; a mistake is named with its path. */
export function parseExamples(text: string, source: string): PolicyExamples {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw badInput(`${source}: not valid YAML: ${(e as Error).message}`, { file: source });
  }
  const r = examplesSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw badInput(`${source}: ${issue.path.join('.') || 'file'}: ${issue.message}`, {
      file: source,
      path: issue.path.join('.'),
    });
  }
  return r.data;
}

const at = '2026-01-01T00:00:00.000Z';

/** Decides each example under the policy and compares with what it expects. */
export function runExamples(policy: GatePolicy, file: PolicyExamples): ExampleResult[] {
  // A finding due in n days is due at the end of that day, as findings are; the day the examples are decided on is `at`'s.
  const cal = calendarOf(policy.time_zone ?? 'UTC');
  const inDays = (n: number): string => cal.dueIn(new Date(at), n).toISOString();
  return file.examples.map((ex) => {
    const facts: GateFacts = {
      at,
      environment: ex.environment,
      version: null,
      commit: null,
      service: { id: 1, name: ex.name, ...ex.service, ownerTeamId: 1, ownerTeam: 'the owning team' },
      findings: ex.findings.map((f, i) => ({
        id: i + 1,
        title: f.title ?? `finding ${i + 1}`,
        priority: f.priority,
        kind: f.kind === 'open-port' ? 'host' : f.kind,
        severity: f.severity,
        kev: f.kev,
        dueAt: inDays(f.due_in_days),
        covered: f.covered,
        exceptionId: f.covered ? i + 1 : null,
        ...(f.kind === 'open-port' ? { openPort: true } : {}),
      })),
      commitments: ex.commitments.map((c, i) => ({
        id: i + 1,
        kind: c.kind,
        controlId: c.control ?? null,
        title: c.title ?? c.control ?? `commitment ${i + 1}`,
        findingId: null,
        state: c.state,
        dueAt: inDays(c.state === 'missed' ? -1 : 5),
        ownerTeam: 'the owning team',
      })),
    };
    const d = decideGate(policy, facts);
    const gotControls = d.controls.map((c) => c.id).sort();
    const controlsOk = !ex.controls || JSON.stringify([...ex.controls].sort()) === JSON.stringify(gotControls);
    return {
      name: ex.name,
      ok: d.outcome === ex.expect && controlsOk,
      expected: ex.expect,
      got: d.outcome,
      ...(ex.controls ? { expectedControls: [...ex.controls].sort() } : {}),
      gotControls,
      reasons: d.reasons.map((r) => r.ruleId),
    };
  });
}
