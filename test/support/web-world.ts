/**
 * One web test file's world on an engine: a data folder, `entente serve` on it, the organisation applied, people who
 * sign in with the tests' password, API tokens of their own, and one Chromium page. All of it is made once per
 * describe block, in `before`, through the server's API as an admin (the local admin token, or PostgreSQL's first one):
 * the set-up spawns no CLI command besides the server (each one opened the database again, seconds of CPU apiece).
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Engine } from '../../src/db/connect.ts';
import { cliWorld, serveCli } from './cli.ts';
import { openBrowser, password, type BrowserWorld } from './browser.ts';

/** What a web test file asks of its world. */
export interface WebWorldSpec<K extends string> {
  /** The organisation file (YAML), applied first. */
  org: string;
  /** The people who sign in to the web app (with `password`). */
  signIn?: string[];
  /** Tokens to make, by the name the tests use: its role and the person it acts for. */
  tokens?: Record<K, { role: string; person: string }>;
  /** HTTP error statuses the page provokes on purpose (see openBrowser); [401] by default. */
  expectedStatuses?: number[];
}

/** The world, filled in by the describe block's `before` (read its fields inside hooks and tests only). */
export interface WebWorld<K extends string = string> {
  dir: string;
  env: Record<string, string>;
  /** The server's address. */
  url: string;
  /** The Chromium page, its problems (console errors, page errors, CSP violations), and the browser. */
  page: Page;
  browser: BrowserWorld;
  /** The tokens the spec asked for, by name, and the local admin token. */
  tokens: Record<K, string>;
  admin: string;
  /** Calls the API as `token` and fails the test unless it answers 2xx: a JSON body, or `raw` bytes as a file. */
  call<T>(token: string, method: string, path: string, body?: unknown, raw?: string): Promise<T>;
  /** Imports a report (its file name tells its format) into a service, as the local admin. */
  importReport(service: string, name: string, text: string): Promise<void>;
}

/** Inside a describe block: the web world on `engine`, made before its tests and closed after them. */
export function webWorld<K extends string = never>(engine: Engine, prefix: string, spec: WebWorldSpec<K>): WebWorld<K> {
  const { dir, env } = cliWorld(engine, prefix);
  let server: { url: string; stop: () => Promise<void> } | undefined;
  const w = { dir, env, tokens: {} as Record<K, string> } as WebWorld<K>;
  w.call = async <T>(token: string, method: string, path: string, body?: unknown, raw?: string): Promise<T> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (raw !== undefined) headers['content-type'] = 'application/octet-stream';
    const res = await fetch(`${w.url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : raw !== undefined ? { body: raw } : {}),
    });
    const got = (await res.json()) as T;
    assert.ok(res.ok, `${method} ${path}: ${JSON.stringify(got)}`);
    return got;
  };
  w.importReport = async (service, name, text) => {
    const query = new URLSearchParams({ service, name });
    await w.call(w.admin, 'POST', `/api/scans?${query}`, undefined, text);
  };

  before(async () => {
    const started = await serveCli(env);
    server = started;
    w.url = started.url;
    // On PGlite the server keeps a local admin token in its folder; a new PostgreSQL database gets the first admin
    // token, printed once at start.
    const tokenFile = join(env.ENTENTE_DATA!, 'local-admin.token');
    const first = /an admin token was created[^\n]*\n\s*(\S+)/.exec(started.output)?.[1];
    w.admin = existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : first!;
    assert.ok(w.admin, `no admin token: the server printed ${started.output}`);
    const org = await fetch(`${w.url}/api/org?prune=false`, {
      method: 'POST',
      headers: { authorization: `Bearer ${w.admin}`, 'content-type': 'application/yaml' },
      body: spec.org,
    });
    assert.equal(org.status, 200, await org.text());
    for (const who of spec.signIn ?? [])
      await w.call(w.admin, 'PUT', `/api/people/${encodeURIComponent(who)}/password`, { password });
    for (const [name, { role, person }] of Object.entries<{ role: string; person: string }>(spec.tokens ?? {}))
      w.tokens[name as K] = (
        await w.call<{ token: string }>(w.admin, 'POST', '/api/tokens', { name, role, person })
      ).token;
    w.browser = await openBrowser(spec.expectedStatuses ?? [401]);
    w.page = w.browser.page;
  });
  after(async () => {
    await w.browser?.close();
    await server?.stop();
  });
  return w;
}
