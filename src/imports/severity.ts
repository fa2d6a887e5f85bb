/** Severity ordering shared by storage, sorting and decisions. */
import type { Severity } from './types.ts';

/** 1 for critical down to 5 for info: lower is more severe. */
export const severityRank: Record<Severity, number> = { critical: 1, high: 2, medium: 3, low: 4, info: 5 };
