/** The e-mail channel: SMTP through nodemailer (STARTTLS when the server offers it; user:password from the URL). */
import { createHash } from 'node:crypto';
import { createTransport } from 'nodemailer';
import type { Channel, OutgoingNotification } from './channel.ts';

/** A channel that sends each notification as one message, plain text and HTML, to its recipient's address. */
export function emailChannel(smtp: { url: string; from: string }): Channel {
  // Bounded waits: a send never outlasts the outbox's claim on the row (ENTENTE_NOTIFY_CLAIM_SECONDS, 120 by default).
  const transport = createTransport({
    url: smtp.url,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
  const host = /@([^>\s]+)>?\s*$/.exec(smtp.from)?.[1] ?? 'entente.invalid';
  return {
    name: 'email',
    async send(n: OutgoingNotification) {
      if (!n.recipient.email) throw new Error('the person has no e-mail address');
      const info = await transport.sendMail({
        from: smtp.from,
        to: n.recipient.name ? { name: n.recipient.name, address: n.recipient.email } : n.recipient.email,
        subject: n.subject,
        text: n.text,
        html: n.html,
        // The same notification always carries the same Message-ID: if a crash makes us send it twice, mail
        // systems and clients that de-duplicate by Message-ID show it once.
        messageId: `<${createHash('sha256').update(n.idempotencyKey).digest('hex').slice(0, 32)}@${host}>`,
        headers: { 'X-Entente-Event': n.event, 'X-Entente-Notification': String(n.id) },
      });
      return { externalId: info.messageId };
    },
  };
}
