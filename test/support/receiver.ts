/** A local HTTP server on 127.0.0.1 that records what it receives and answers as a test tells it to (Slack, Teams, webhooks, Jira). */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  json: any;
}

/** What to answer one request with. */
export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Answers the next requests with these, in order; then with `fallback`. */
  queue(...answers: Answer[]): void;
  close(): Promise<void>;
}

/** Starts a receiver; `handle` answers when it returns an Answer (a protocol fake), else the queue or 200 "ok". */
export async function startReceiver(handle?: (r: Received) => Answer | undefined): Promise<Receiver> {
  const received: Received[] = [];
  const queued: Answer[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    let json: unknown;
    try {
      json = body ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
    );
    const r: Received = { method: req.method ?? '', path: req.url ?? '', headers, body, json };
    received.push(r);
    const answer = queued.shift() ?? handle?.(r) ?? { status: 200, body: 'ok' };
    const text =
      typeof answer.body === 'string' ? answer.body : answer.body === undefined ? '' : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      'content-type': typeof answer.body === 'string' ? 'text/plain' : 'application/json',
      ...answer.headers,
    });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    queue: (...a) => {
      queued.push(...a);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
