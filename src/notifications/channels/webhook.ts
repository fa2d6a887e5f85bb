/**
 * A webhook signed per Standard Webhooks (standardwebhooks.com): headers webhook-id (the notification's idempotency key,
 * so a receiver can refuse a replay or a retry it already has), webhook-timestamp and webhook-signature
 * (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">` with the whsec_ secret).
 */
import { Webhook } from 'standardwebhooks';
import type { Channel, OutgoingNotification } from '../channel.ts';
import { postJson } from './post-json.ts';

/** The body a webhook receives: the Standard Webhooks envelope (type, timestamp, data). */
function webhookPayload(n: OutgoingNotification, at: Date): Record<string, unknown> {
  return {
    type: n.event,
    timestamp: at.toISOString(),
    data: {
      id: n.id,
      event: n.event,
      subject: n.subject,
      text: n.text,
      link: n.link,
      facts: n.facts,
      recipient: n.recipient,
    },
  };
}

/** A channel that posts signed events to one URL; `now` is the signing time (the receiver checks it is recent). */
export function webhookChannel(target: { url: string; secret: string }, now: () => Date = () => new Date()): Channel {
  const signer = new Webhook(target.secret);
  return {
    name: 'webhook',
    async send(n) {
      const at = now();
      const body = JSON.stringify(webhookPayload(n, at));
      const timestamp = Math.floor(at.getTime() / 1000);
      await postJson('webhook', target.url, body, {
        'webhook-id': n.idempotencyKey,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signer.sign(n.idempotencyKey, new Date(timestamp * 1000), body),
      });
      return { externalId: n.idempotencyKey };
    },
  };
}
