/**
 * The CLI's typed client of a running server: Hono's `hc` over one area's route types (type-only imports of
 * src/http/*-routes.ts, so nothing of the server is bundled), sending every request through `fetchServer` for the
 * token and for the errors (a server that does not answer, an error reply) the CLI reports.
 */
import { hc, type ClientResponse } from 'hono/client';
import type { Hono } from 'hono';
import type { ResponseFormat } from 'hono/types';
import type { SuccessStatusCode } from 'hono/utils/http-status';
import { fetchServer } from '../shared.ts';

/** A running server and the token to call it with (--server, --token; ENTENTE_TOKEN when no --token). */
export interface Remote {
  server: string;
  token: string | undefined;
}

/** Hono's client for the routes of `App` on a running server; its replies are 2xx (any other has thrown). */
// biome-ignore lint/suspicious/noExplicitAny: any app's routes, whatever its environment, schema and base path
export function clientOf<App extends Hono<any, any, any>>(remote: Remote) {
  return hc<App>(remote.server, {
    fetch: (input: RequestInfo | URL, init?: RequestInit) =>
      fetchServer(remote.server, remote.token, String(input), init),
  });
}

/** Request options for a body that is not JSON (a report, a YAML file): the route reads it itself, so its type is not in the route's. */
export function rawBody(body: BodyInit, contentType: string): { init: RequestInit } {
  return { init: { body, headers: { 'content-type': contentType } } };
}

/** The body of a 2xx reply. A route that itself answers an error status (a 409) has that body in its reply's type
 * too; only 2xx replies reach here (fetchServer throws on any other), so this types the body by those alone. */
export async function okBody<R extends ClientResponse<unknown, number, ResponseFormat>>(
  reply: Promise<R>,
): Promise<OkBody<R>> {
  return (await reply).json() as Promise<OkBody<R>>;
}

type OkBody<R> = R extends ClientResponse<infer T, infer S, 'json'> ? (S extends SuccessStatusCode ? T : never) : never;
