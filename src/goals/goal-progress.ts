/** Where a goal stands: progress from baseline to target, the forecast at the current pace, and the guardrail — a pure function. */

export type GoalStatus = 'met' | 'on_track' | 'at_risk' | 'off_track' | 'missed';

export interface GoalFacts {
  baseline: number;
  target: number;
  current: number;
  lowerIsBetter: boolean;
  setAt: Date;
  /** The end of the deadline's day. */
  deadlineEnd: Date;
  now: Date;
  /** False when the guardrail does not hold: the progress then does not count. */
  guardrailHolds: boolean;
}

export interface GoalAssessment {
  /** Share of the way from baseline to target, 0 to 1 (0 while the guardrail does not hold). */
  progress: number;
  met: boolean;
  /** The value expected at the deadline at the pace since the goal was set (null in its first day: too early to say). */
  projected: number | null;
  status: GoalStatus;
}

const dayMs = 86_400_000;

/** Assesses a goal: met, on track (the pace reaches the target by the deadline), at risk (it gets most of the way, or the guardrail does not hold) or off track. */
export function assessGoal(f: GoalFacts): GoalAssessment {
  const gap = f.target - f.baseline;
  const reached = (v: number): boolean => (gap < 0 || (gap === 0 && f.lowerIsBetter) ? v <= f.target : v >= f.target);
  const raw = gap === 0 ? (reached(f.current) ? 1 : 0) : (f.current - f.baseline) / gap;
  const progress = f.guardrailHolds ? Math.min(1, Math.max(0, raw)) : 0;
  const met = f.guardrailHolds && reached(f.current);
  const elapsed = (f.now.getTime() - f.setAt.getTime()) / dayMs;
  const remaining = (f.deadlineEnd.getTime() - f.now.getTime()) / dayMs;
  const projected =
    elapsed < 1 ? null : round(f.current + ((f.current - f.baseline) / elapsed) * Math.max(0, remaining));
  let status: GoalStatus;
  if (met) status = 'met';
  else if (remaining <= 0) status = 'missed';
  else if (projected === null) status = f.guardrailHolds ? 'on_track' : 'at_risk';
  else {
    const share = gap === 0 ? (reached(projected) ? 1 : 0) : (projected - f.baseline) / gap;
    status = share >= 1 ? 'on_track' : share >= 0.7 ? 'at_risk' : 'off_track';
    if (!f.guardrailHolds && status === 'on_track') status = 'at_risk';
  }
  return { progress: Math.round(progress * 1000) / 1000, met, projected, status };
}

/** The target a goal aims at: "-30%" and "+20%" from the baseline, or a number. */
export function targetValue(target: { percent: number } | { value: number }, baseline: number): number {
  return 'value' in target ? target.value : round(baseline * (1 + target.percent / 100));
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
