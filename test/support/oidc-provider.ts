/**
 * A real OpenID Connect provider on 127.0.0.1 for sign-in tests (oidc-provider, with its development login and consent
 * pages): one client, and any login name is an account whose e-mail is that name, verified unless it starts with
 * "unverified".
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  stop(): Promise<void>;
}

/** Starts the provider for a client whose redirect address is `redirectUri`. */
export async function startProvider(redirectUri: string): Promise<TestProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'entente-test';
  const clientSecret = 'a-client-secret-for-tests-only-0123456789';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    cookies: { keys: ['test-cookie-key-0123456789abcdef'] },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, sub) {
      return {
        accountId: sub,
        async claims() {
          return { sub, email: sub, email_verified: !sub.startsWith('unverified') };
        },
      };
    },
  });
  // The provider warns about its development settings on every start; the test knows.
  provider.on('server_error', (_ctx, err) => process.stderr.write(`oidc-provider: ${err.message}\n`));
  server.on('request', provider.callback());
  return {
    issuer,
    clientId,
    clientSecret,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A browser's cookies, per host and port (enough for two local servers), for a fetch client that follows redirects itself. */
export function cookieJar() {
  const jars = new Map<string, Map<string, string>>();
  const jarOf = (url: URL) => jars.get(url.host) ?? jars.set(url.host, new Map()).get(url.host)!;
  return {
    get(url: URL, name: string): string | undefined {
      return jarOf(url).get(name);
    },
    delete(url: URL, name: string): void {
      jarOf(url).delete(name);
    },
    /** A request with this jar's cookies; keeps the cookies of the answer. */
    async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
      const u = new URL(url);
      const jar = jarOf(u);
      const headers = new Headers(init.headers);
      if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
      const res = await fetch(u, { ...init, headers, redirect: 'manual' });
      for (const set of res.headers.getSetCookie()) {
        const [pair, ...attrs] = set.split(';');
        const eq = pair!.indexOf('=');
        const [name, value] = [pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim()];
        const gone =
          value === '' || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
        if (gone) jar.delete(name);
        else jar.set(name, value);
      }
      return res;
    },
  };
}

export type CookieJar = ReturnType<typeof cookieJar>;

/**
 * Goes from Entente's SSO start address through the provider's login and consent pages, as `login`, and stops at the
 * redirect back to Entente's callback: returns that address (not yet requested).
 */
export async function throughProvider(jar: CookieJar, startUrl: string, login: string): Promise<URL> {
  let url = new URL(startUrl);
  let res = await jar.fetch(url);
  for (let step = 0; step < 20; step++) {
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url);
      if (url.pathname === '/api/session/oidc/callback') return url;
      res = await jar.fetch(url);
      continue;
    }
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    if (res.status !== 200 || !action || !prompt)
      throw new Error(`the provider answered ${res.status} at ${url}: ${html.slice(0, 500)}`);
    const form = new URLSearchParams({ prompt, ...(prompt === 'login' ? { login, password: 'any' } : {}) });
    url = new URL(action.replace(/&amp;/g, '&'), url);
    res = await jar.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
  }
  throw new Error('too many steps at the provider');
}
