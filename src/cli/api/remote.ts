/**
 * The CLI's typed client of a running server: Hono's `hc` over one area's route types (type-only imports of
 * src/http/*-routes.ts, so nothing of the server is bundled), sending every request through `fetchServer` for the
 * token and for the errors (a server that does not answer, an error reply) the CLI reports.
 */
import { hc } from 'hono/client';
import type { Hono } from 'hono';
import { fetchServer } from '../shared.ts';

/** A running server and the token to call it with (--server, --token; ENTENTE_TOKEN when no --token). */
export interface Remote { server: string; token: string | undefined }

/** Hono's client for the routes of `App` on a running server; its replies are 2xx (any other has thrown). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function clientOf<App extends Hono<any, any, any>>(remote: Remote) {
  return hc<App>(remote.server, { fetch: (input: RequestInfo | URL, init?: RequestInit) => fetchServer(remote.server, remote.token, String(input), init) });
}

/** Request options for a body that is not JSON (a report, a YAML file): the route reads it itself, so its type is not in the route's. */
export function rawBody(body: BodyInit, contentType: string): { init: RequestInit } {
  return { init: { body, headers: { 'content-type': contentType } } };
}
