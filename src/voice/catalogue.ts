/** Every template set Entente renders messages from; the voice test checks the tone of each example of each. */
import type { TemplateSet } from './template.ts';

/** Area → its template set (loaded lazily so that a command pays only for what it renders). Add a line per set. */
export const templateSets: Record<string, () => Promise<TemplateSet>> = {
  imports: async () => (await import('./messages/imports.ts')).importMessages,
  findings: async () => (await import('./messages/findings.ts')).findingMessages,
  exceptions: async () => (await import('./messages/exceptions.ts')).exceptionMessages,
  tone: async () => (await import('./messages/tone.ts')).toneMessages,
  gates: () => import('../gates/gate-messages.ts').then((m) => m.gateMessages),
  changes: () => import('../changes/change-messages.ts').then((m) => m.changeMessages),
  exposure: () => import('../exposure/exposure-messages.ts').then((m) => m.exposureMessages),
  scorecard: () => import('../goals/goal-messages.ts').then((m) => m.scorecardMessages),
};
