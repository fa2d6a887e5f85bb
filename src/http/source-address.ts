/** The address a request came from, as the failed-authentication limits count it. */
import type { Context as HonoContext, MiddlewareHandler } from 'hono';
import { isIP } from 'node:net';
import type { Env } from './sub-app.ts';

/**
 * The caller's address: the socket's remote address, or, when that is one of the proxies named in
 * ENTENTE_TRUSTED_PROXIES, the nearest address in X-Forwarded-For that is not one of them (every earlier entry is
 * the client's to write, so it is never believed). @hono/node-server passes the Node request as the environment;
 * without one (`app.request` in tests, another runtime) every caller shares one key.
 */
export function sourceAddress(c: HonoContext): string {
  const set = (c as HonoContext<Env>).get('sourceAddress');
  return set ?? socketAddress(c);
}

function socketAddress(c: HonoContext): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return normal(env?.incoming?.socket?.remoteAddress ?? 'unknown');
}

// "::ffff:10.0.0.1" is 10.0.0.1 arriving on a dual-stack socket.
function normal(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** Works out each request's source address once, believing X-Forwarded-For only from these proxies. */
export function sourceAddresses(trustedProxies: readonly string[]): MiddlewareHandler<Env> {
  const trusted = new Set(trustedProxies.map(normal));
  return async (c, next) => {
    let address = socketAddress(c);
    if (trusted.has(address)) {
      const hops = (c.req.header('x-forwarded-for') ?? '')
        .split(',')
        .map((s) => normal(s.trim()))
        .filter((s) => isIP(s) !== 0);
      while (hops.length && trusted.has(address)) address = hops.pop()!;
    }
    c.set('sourceAddress', address);
    await next();
  };
}
