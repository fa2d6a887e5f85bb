/** One POST of a JSON body to a channel's endpoint; a refusal becomes an error the outbox can retry on. */

/** A channel's endpoint refused or did not answer: which channel, the HTTP status (0: no answer), and when to try again. */
export class ChannelError extends Error {
  readonly channel: string;
  readonly status: number;
  /** From a 429's Retry-After: the outbox waits this long before the next try. */
  readonly retryAfterSeconds: number | undefined;
  constructor(channel: string, status: number, message: string, retryAfterSeconds?: number) {
    super(message);
    this.name = 'ChannelError';
    this.channel = channel;
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** What a channel's send gets back from its endpoint. */
export interface PostAnswer {
  status: number;
  headers: Headers;
  body: string;
}

/** How long one delivery may take before it counts as not answered (the outbox tries again later). */
const sendTimeoutMs = 15_000;

/** POSTs `body` (already serialised JSON) to `url`; throws a ChannelError for a non-2xx answer or no answer. */
export async function postJson(
  channel: string,
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<PostAnswer> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(sendTimeoutMs),
      redirect: 'error',
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new ChannelError(
      channel,
      0,
      `${channel}: ${hostOf(url)} did not answer (${cause?.code ?? cause?.message ?? (e as Error).message}); the delivery will be tried again`,
    );
  }
  const text = await res.text();
  if (res.status >= 200 && res.status < 300) return { status: res.status, headers: res.headers, body: text };
  const firstLine =
    text
      .split(/\r?\n/)
      .find((l) => l.trim() !== '')
      ?.trim()
      .slice(0, 200) ?? '';
  const retryAfter =
    res.status === 429 || res.status === 503 ? retryAfterSeconds(res.headers.get('retry-after')) : undefined;
  throw new ChannelError(
    channel,
    res.status,
    `${channel}: ${hostOf(url)} answered ${res.status}${firstLine ? `: ${firstLine}` : ''}${retryAfter !== undefined ? `; it asks us to try again in ${retryAfter} s` : ''}`,
    retryAfter,
  );
}

/** Retry-After as seconds: a number of seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterSeconds(value: string | null, now: Date = new Date()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

// Only the host: the rest of a Slack or Teams webhook URL is its secret, and error messages end up in logs.
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the endpoint';
  }
}
