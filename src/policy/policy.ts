/** The policy: time zone, SLA days per priority, exploitation bands and exception limits — defaults, YAML overrides, validation. */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { parse as parseYaml, stringify } from 'yaml';
import { z } from 'zod';
import { badInput } from '../errors.ts';
import type { Priority } from '../findings/vocabulary.ts';
import {
  checkGateReferences,
  controlsSchema,
  defaultControls,
  defaultGates,
  gatesSchema,
} from '../gates/gate-policy.ts';
import { changesSchema, checkChangeReferences, defaultChanges } from '../changes/change-policy.ts';
import { isTimeZone, policyCalendar, timeZoneHint } from './calendar.ts';

const days = z.number().int().min(1).max(3650);
const perPriority = z.object({ act: days, attend: days, 'track*': days, track: days }).strict();

const hours = z
  .number()
  .positive()
  .max(24 * 365);
const serviceLevelsSchema = z
  .object({
    triage_hours: hours.describe(
      'from a new act or attend finding to its first triage (a status, an assignee or a comment)',
    ),
    exception_answer_hours: hours.describe('from an exception request to its answer (approved or declined)'),
    change_answer_hours: hours.describe('from a change request to its answer (approved or declined)'),
    gate_review_hours: hours.describe(
      'from a release held by a no-go to the next go (or go with controls) for the same service and environment',
    ),
  })
  .strict();
const scorecardSchema = z
  .object({
    coverage_days: days.describe('a service counts as scanned when it had a scan in this many days'),
    expiring_days: days.describe('an approved exception ending within this many days counts as expiring'),
    period_days: days.describe('the period a scorecard covers when no --from is given'),
  })
  .strict();

const policySchema = z
  .object({
    time_zone: z
      .string()
      .refine(isTimeZone, { error: (issue) => `"${String(issue.input)}" ${timeZoneHint}` })
      .describe(
        "the organisation's time zone (IANA name): what today, tomorrow and a due date mean, and when a date has passed",
      ),
    sla: perPriority.describe('days from first seen (or reopened) until a finding is due'),
    exceptions: z
      .object({
        default_days: days,
        max_days: perPriority.describe('longest an exception may run, by the priority of its findings'),
        controls_due_days: days.describe(
          'days after approval by which each compensating control is shown to be in place with evidence',
        ),
        reminder_days: days
          .optional()
          .describe('days before an approved exception ends that its team hears of it (default 7)'),
      })
      .strict(),
    epss: z
      .object({
        high: z
          .number()
          .min(0)
          .max(1)
          .describe('EPSS probability at or above which exploitation counts as likely (poc)'),
      })
      .strict(),
    // Checked by src/voice/voice-config.ts when the tone rules are built (kept out of here so that loading the
    // policy does not load the language library every command would then pay for).
    voice: z
      .unknown()
      .optional()
      .describe('tone rules: { disable: [rule id…], phrases: [{ id, category, pattern, why, suggestion }] }'),
    gates: gatesSchema.describe('release gate rules (src/gates/gate-policy.ts)'),
    controls: controlsSchema.describe('the control catalogue: safeguards, how each is verified, what it serves'),
    changes: changesSchema.describe(
      'change requests: protocols, risk rules, safeguards, leases (src/changes/change-policy.ts)',
    ),
    service_levels: serviceLevelsSchema.describe(
      "Security's own service levels to IT, in hours: the targets the scorecard measures Security against",
    ),
    scorecard: scorecardSchema.describe(
      'the shared scorecard: how recent a scan counts for coverage, how soon an exception counts as expiring, the default period',
    ),
  })
  .strict()
  .superRefine(checkGateReferences)
  .superRefine(checkChangeReferences);

export type Policy = z.infer<typeof policySchema>;

/** The defaults Entente ships: act 7, attend 30, track* 90, track 180 days. */
export const defaultPolicy: Policy = {
  time_zone: 'UTC',
  sla: { act: 7, attend: 30, 'track*': 90, track: 180 },
  // Compensating controls are claimed to be in place already, so showing the evidence is a matter of days.
  exceptions: { default_days: 90, max_days: { act: 30, attend: 90, 'track*': 180, track: 365 }, controls_due_days: 7 },
  epss: { high: 0.1 },
  gates: defaultGates,
  controls: defaultControls,
  changes: defaultChanges,
  // What Security owes IT in return: an answer within a working day or two.
  service_levels: { triage_hours: 24, exception_answer_hours: 72, change_answer_hours: 48, gate_review_hours: 24 },
  scorecard: { coverage_days: 30, expiring_days: 14, period_days: 90 },
};

/** A policy file's contents merged over the defaults; a bad field is named with its path. */
export function parsePolicy(text: string, source: string): Policy {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw badInput(`${source}: not valid YAML: ${(e as Error).message}`, { file: source });
  }
  const merged = deepMerge(defaultPolicy, raw ?? {});
  const result = policySchema.safeParse(merged);
  if (!result.success) {
    // Every mistake at once, each with its path.
    const mistakes = result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    throw badInput(mistakes.map((m) => `${source}: ${m.path || 'policy'}: ${m.message}`).join('\n'), {
      file: source,
      path: mistakes[0]!.path,
      mistakes: mistakes.map((m) => m.path),
    });
  }
  return result.data;
}

/** Reads the policy file at `path`, or the defaults when there is none. */
export function loadPolicy(path: string | undefined): Policy {
  if (!path) return defaultPolicy;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw badInput(`cannot read the policy file ${path}: ${(e as Error).message}`, { file: path });
  }
  return parsePolicy(text, path);
}

/** The policy as YAML, as `entente policy show` prints it. */
export function formatPolicy(policy: Policy): string {
  return stringify(policy);
}

/** A short digest that names a policy's content (recorded with decisions). */
export function policyDigest(policy: Policy): string {
  return createHash('sha256').update(JSON.stringify(policy)).digest('hex').slice(0, 16);
}

/** When a finding first seen (or reopened) at `now` is due, by priority: the end of the day its SLA days away, in the policy's time zone. */
export function dueAtOf(policy: Policy, now: Date): (p: Priority) => Date {
  const cal = policyCalendar(policy);
  const due = Object.fromEntries(
    (Object.keys(policy.sla) as Priority[]).map((p) => [p, cal.dueIn(now, policy.sla[p])]),
  ) as Record<Priority, Date>;
  return (p) => due[p];
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
    return out;
  }
  return over === undefined ? base : over;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
