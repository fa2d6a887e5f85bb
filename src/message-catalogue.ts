/** Every template set Entente renders messages from; the voice test checks the tone of each example of each. */
import type { TemplateSet } from './voice/template.ts';

/** Area → its template set (loaded lazily so that a command pays only for what it renders). Add a line per set. */
export const templateSets: Record<string, () => Promise<TemplateSet>> = {
  imports: async () => (await import('./voice/messages/imports.ts')).importMessages,
  findings: async () => (await import('./voice/messages/findings.ts')).findingMessages,
  exceptions: async () => (await import('./voice/messages/exceptions.ts')).exceptionMessages,
  tone: async () => (await import('./voice/messages/tone.ts')).toneMessages,
  notifications: async () => (await import('./voice/messages/notifications.ts')).notificationMessages,
  gates: () => import('./gates/gate-messages.ts').then((m) => m.gateMessages),
  changes: () => import('./changes/change-messages.ts').then((m) => m.changeMessages),
  exposure: () => import('./exposure/exposure-messages.ts').then((m) => m.exposureMessages),
  reviews: () => import('./reviews/review-messages.ts').then((m) => m.reviewMessages),
  jira: () => import('./integrations/jira/jira-messages.ts').then((m) => m.jiraMessages),
  scorecard: () => import('./goals/goal-messages.ts').then((m) => m.scorecardMessages),
};
