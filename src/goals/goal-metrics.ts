/** The metrics a joint goal can aim at, how each is measured now for a scope, and the guardrail that keeps it honest. */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Policy } from '../policy/policy.ts';
import {
  exposureUnapproved,
  fixTimes,
  flowIn,
  openNow,
  overallMttr,
  reopenRate,
  scanCoverage,
  slaCompliance,
  type Window,
} from './metrics.ts';
import { securityServiceLevels } from './service-levels.ts';
import type { Scope } from './scope.ts';

export type Guardrail = 'scan-coverage' | 'reopen-rate';

/** A goal metric: how people read it, which way is better, and the guardrail it needs (a fall in findings counts only if scanning did not fall too). */
export interface GoalMetric {
  label: string;
  lowerIsBetter: boolean;
  guardrail: Guardrail | null;
}

export const goalMetrics = {
  'open-act-attend': { label: 'open act and attend findings', lowerIsBetter: true, guardrail: 'scan-coverage' },
  'closed-per-period': { label: 'findings fixed in the last 30 days', lowerIsBetter: false, guardrail: 'reopen-rate' },
  mttr: {
    label: 'mean days to fix (findings fixed in the last 90 days)',
    lowerIsBetter: true,
    guardrail: 'reopen-rate',
  },
  'sla-compliance': {
    label: 'per cent of findings fixed by their due date (last 90 days)',
    lowerIsBetter: false,
    guardrail: null,
  },
  'exposure-unapproved': {
    label: 'open ports without an approved change',
    lowerIsBetter: true,
    guardrail: 'scan-coverage',
  },
  'security-response': {
    label: 'median hours for Security to answer exception and change requests (last 90 days)',
    lowerIsBetter: true,
    guardrail: null,
  },
} as const satisfies Record<string, GoalMetric>;

export type GoalMetricName = keyof typeof goalMetrics;
export const goalMetricNames = Object.keys(goalMetrics) as GoalMetricName[];

const daysBack = (now: Date, days: number): Window => ({
  start: new Date(now.getTime() - days * 86_400_000),
  end: now,
});

/** The metric's value now for the scope (a measure with nothing to measure yet reads 0). */
export async function measureMetric(
  db: Kysely<DB>,
  policy: Policy,
  metric: GoalMetricName,
  scope: Scope,
  now: Date,
): Promise<number> {
  switch (metric) {
    case 'open-act-attend': {
      const o = await openNow(db, scope, now);
      return o.act + o.attend;
    }
    case 'closed-per-period':
      return (await flowIn(db, scope, daysBack(now, 30))).fixed;
    case 'mttr':
      return overallMttr(await fixTimes(db, scope, daysBack(now, 90))) ?? 0;
    case 'sla-compliance': {
      const r = slaCompliance(await fixTimes(db, scope, daysBack(now, 90))).ratio;
      return r === null ? 0 : Math.round(r * 1000) / 10;
    }
    case 'exposure-unapproved':
      return exposureUnapproved(db, scope);
    case 'security-response': {
      const l = await securityServiceLevels(db, policy, scope, daysBack(now, 90), now);
      const answered = [l.exceptionAnswer, l.changeAnswer].filter((x) => x.answered > 0);
      if (answered.length === 0) return 0;
      // The median of each kind, weighted by how many were answered.
      const n = answered.reduce((s, x) => s + x.answered, 0);
      return Math.round((answered.reduce((s, x) => s + (x.medianHours ?? 0) * x.answered, 0) / n) * 10) / 10;
    }
  }
}

/** The guardrail's value now: scan coverage (share of services scanned in the policy's window) or the reopen rate of the last 90 days; null when there is nothing to measure. */
export async function measureGuardrail(
  db: Kysely<DB>,
  policy: Policy,
  guardrail: Guardrail,
  scope: Scope,
  now: Date,
): Promise<number | null> {
  if (guardrail === 'scan-coverage') return (await scanCoverage(db, scope, now, policy.scorecard.coverage_days)).ratio;
  return (await reopenRate(db, scope, daysBack(now, 90))).ratio;
}

/** Whether a guardrail holds: coverage did not fall, or the reopen rate did not rise (nothing to measure holds). */
export function guardrailHolds(guardrail: Guardrail, baseline: number | null, current: number | null): boolean {
  if (baseline === null || current === null) return true;
  return guardrail === 'scan-coverage' ? current >= baseline : current <= baseline;
}
