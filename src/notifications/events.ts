/** The events people can be notified of, the channels a preference can name, and what each event does by default. */

/** Every event the outbox writes rows for today. */
export const notificationEvents = ['finding.new_act', 'finding.due_soon', 'finding.overdue', 'change.lease_ending'] as const;
export type NotificationEvent = (typeof notificationEvents)[number];

/** What a preference can say: by e-mail, or not at all. */
export const prefChannels = ['email', 'none'] as const;
export type PrefChannel = (typeof prefChannels)[number];

/** Without a preference, each event is e-mailed at once (act-priority findings, and temporary access about to end). */
export const defaultChannel: Record<NotificationEvent, PrefChannel> = {
  'finding.new_act': 'email',
  'finding.due_soon': 'email',
  'finding.overdue': 'email',
  'change.lease_ending': 'email',
};

/** Retry delays after each failed attempt, in seconds: 1 min, 5 min, 30 min, 2 h; the attempt after the last fails for good. */
export const retryDelays: readonly number[] = [60, 300, 1_800, 7_200];
