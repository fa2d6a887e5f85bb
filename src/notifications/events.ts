/** The events people can be notified of, how a preference can route each, and what each does by default. */

/** Every event the outbox writes rows for. */
export const notificationEvents = [
  'finding.new_act',
  'finding.new_attend',
  'finding.due_soon',
  'finding.overdue',
  'finding.attend_due',
  'exception.waiting',
  'exception.ending',
  'change.waiting',
  'change.lease_ending',
  'change.recertification_due',
  'commitment.waiting',
  'commitment.missed',
  'gate.decision',
  'goal.at_risk',
  'review.agenda_ready',
] as const;
export type NotificationEvent = (typeof notificationEvents)[number];

/** What a preference can say: an e-mail at once, a line in the daily digest, or nothing. */
export const prefChannels = ['email', 'digest', 'none'] as const;
export type PrefChannel = (typeof prefChannels)[number];

/**
 * Without a preference: a new act finding, an act finding due soon or overdue, temporary access about to end and a
 * missed commitment (it can hold a release) are e-mailed at once; the rest go into the daily digest; track never interrupts anyone (it has no event).
 */
export const defaultChannel: Record<NotificationEvent, PrefChannel> = {
  'finding.new_act': 'email',
  'finding.new_attend': 'digest',
  'finding.due_soon': 'email',
  'finding.overdue': 'email',
  'finding.attend_due': 'digest',
  'exception.waiting': 'digest',
  'exception.ending': 'digest',
  'change.waiting': 'digest',
  'change.lease_ending': 'email',
  'change.recertification_due': 'digest',
  'commitment.waiting': 'digest',
  'commitment.missed': 'email',
  'gate.decision': 'digest',
  'goal.at_risk': 'digest',
  'review.agenda_ready': 'digest',
};

/** What each event is, as `entente notifications prefs` and the Settings page describe it. */
export const eventLabels: Record<NotificationEvent, string> = {
  'finding.new_act': 'a new finding to act on',
  'finding.new_attend': 'a new finding to attend to',
  'finding.due_soon': 'a finding to act on is due soon',
  'finding.overdue': 'a finding to act on is past its due date',
  'finding.attend_due': 'a finding to attend to is due soon or past its date',
  'exception.waiting': 'an exception waits for your approval',
  'exception.ending': "an exception for your team's findings ends soon",
  'change.waiting': 'a change waits for your approval',
  'change.lease_ending': 'temporary access ends soon',
  'change.recertification_due': 'long-lived access of your team is due for recertification',
  'commitment.waiting': 'a commitment of your team is due to be shown done',
  'commitment.missed': 'a commitment of your team passed its date without being shown done',
  'gate.decision': 'a release gate held or added controls for your service',
  'goal.at_risk': 'a goal of your team is at risk or off track',
  'review.agenda_ready': 'a review agenda for your team is ready',
};

/** The team channels (Slack, Teams, a webhook) hear of the events that interrupt by default; a digest is for people. */
export const teamChannelEvent = (event: NotificationEvent): boolean => defaultChannel[event] === 'email';

/** The pseudo-channel of rows waiting for a person's digest: never sent on their own. */
export const digestChannel = 'digest';

/** Retry delays after each failed attempt, in seconds: 1 min, 5 min, 30 min, 2 h; the attempt after the last fails for good. */
export const retryDelays: readonly number[] = [60, 300, 1_800, 7_200];
