/** The address a request came from, as the failed-authentication limits count it. */
import type { Context as HonoContext } from 'hono';

/**
 * The socket's remote address. @hono/node-server passes the Node request as the environment; without one (`app.request`
 * in tests, another runtime) every caller shares one key. Behind a proxy this is the proxy's address: X-Forwarded-For
 * is anyone's to write.
 */
export function sourceAddress(c: HonoContext): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}
