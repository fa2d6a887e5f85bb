// The interface every delivery channel implements (e-mail here; Slack, Teams, webhooks and Jira in
// src/notifications/channels/). The outbox renders a notification once, stores it, and hands the stored row to
// the channel as an OutgoingNotification; a channel only sends.
export interface OutgoingNotification {
  id: string;
  idempotencyKey: string;
  event: string; // e.g. 'finding.new_act'
  recipient: { email: string | null; name: string | null };
  subject: string;
  text: string;
  html: string;
  link: string | null; // absolute URL to the web app's page, when known
  facts: Record<string, string | number | null>; // e.g. { service, title, cve, priority, dueDate }
}
export interface Channel {
  readonly name: string;
  send(n: OutgoingNotification): Promise<{ externalId?: string }>;
}
