/**
 * A small SMTP server on 127.0.0.1 for tests: it speaks enough of the protocol for nodemailer (EHLO, MAIL, RCPT, DATA,
 * QUIT; no TLS, no auth) and records a message only when it answers "250" to its data, as a real server takes it on.
 * `stall(n)` makes it hold the next n messages without answering (a sender killed meanwhile never hears back).
 */
import { createServer, type Server, type Socket } from 'node:net';

export interface SunkMail {
  from: string;
  rcpt: string[];
  data: string;
  subject: string;
  messageId: string;
}

export interface SmtpSink {
  port: number;
  url: string;
  mails: SunkMail[];
  stall(n: number): void;
  held(): number;
  close(): Promise<void>;
}

/** Starts a sink on a free port (or `port`, to come back on the same one). */
export async function startSmtpSink(port = 0): Promise<SmtpSink> {
  const mails: SunkMail[] = [];
  const sockets = new Set<Socket>();
  let stalls = 0;
  let holding = 0;
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    let buf = '';
    let data: string | null = null;
    let from = '';
    let rcpt: string[] = [];
    s.write('220 sink ESMTP\r\n');
    s.on('data', (d) => {
      buf += d.toString('utf8');
      for (;;) {
        if (data !== null) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          data += buf.slice(0, end);
          buf = buf.slice(end + 5);
          if (stalls > 0) {
            stalls--;
            holding++;
            data = null;
            return;
          } // never answered: the message is not taken
          const head = data.split('\r\n\r\n')[0]!.replace(/\r\n[ \t]+/g, ' '); // folded header lines unfolded
          const header = (name: string) => new RegExp(`^${name}: *(.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
          mails.push({ from, rcpt, data, subject: header('Subject'), messageId: header('Message-ID') });
          data = null;
          rcpt = [];
          s.write('250 queued\r\n');
          continue;
        }
        const i = buf.indexOf('\r\n');
        if (i < 0) return;
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') s.write('250-sink\r\n250 8BITMIME\r\n');
        else if (verb === 'HELO') s.write('250 sink\r\n');
        else if (verb === 'MAIL') {
          from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          s.write('250 ok\r\n');
        } else if (verb === 'RCPT') {
          rcpt.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          s.write('250 ok\r\n');
        } else if (verb === 'DATA') {
          data = '';
          s.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') {
          s.write('221 bye\r\n');
          s.end();
        } else s.write('250 ok\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as { port: number }).port;
  return {
    port: bound,
    url: `smtp://127.0.0.1:${bound}`,
    mails,
    stall(n) {
      stalls = n;
    },
    held: () => holding,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on (taken, then let go). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
