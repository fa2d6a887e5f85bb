/** Request bodies refused by size before they are read, and the security headers every answer carries. */
import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { Limits } from '../config.ts';
import { EntenteError } from '../errors.ts';
import type { Env } from './sub-app.ts';

/** Routes whose body is a file (a report, a scan, a feed, the organisation file): the upload limit; any other body: the JSON limit. */
const uploadPaths: readonly string[] = ['/api/scans', '/api/exposure', '/api/feeds', '/api/org'];

/** "1 MB (1048576 bytes)": how a limit is said to people. */
export function sizeText(bytes: number): string {
  const units: [number, string][] = [
    [1 << 30, 'GB'],
    [1 << 20, 'MB'],
    [1 << 10, 'KB'],
  ];
  const [size, unit] = units.find(([s]) => bytes >= s) ?? [1, 'bytes'];
  const n = Math.round((bytes / size) * 10) / 10;
  return unit === 'bytes' ? `${bytes} bytes` : `${n} ${unit} (${bytes} bytes)`;
}

/** A body past its limit: 413, saying the limit and how to raise it. */
export class TooLarge extends EntenteError {
  constructor(what: string, limit: number, variable: string, seen?: number) {
    super(
      'bad_input',
      `${what} is ${seen === undefined ? 'larger than allowed' : `${seen} bytes`}: at most ${sizeText(limit)} is accepted here; `
        + `the server's ${variable} raises the limit`,
      { limit, setting: variable },
    );
  }
  override get status(): number {
    return 413;
  }
}

// The client may still be sending: the connection closes after this answer rather than read the rest.
const tooLargeAnswer = (e: TooLarge): Response =>
  new Response(JSON.stringify({ error: { code: e.code, message: e.message, details: e.details ?? {} } }), {
    status: 413,
    headers: { 'content-type': 'application/json', connection: 'close' },
  });

/**
 * Refuses a body past its limit: at once from its Content-Length, else while it streams in (chunked bodies have none),
 * so no more than the limit is ever read. Whatever the route made of a cut-off body, the answer is 413.
 */
export function bodyLimits(limits: Limits): MiddlewareHandler<Env> {
  return async (c, next) => {
    c.set('limits', limits);
    const body = c.req.raw.body;
    if (!body) return next();
    const upload = uploadPaths.includes(c.req.path);
    const limit = upload ? limits.uploadBytes : limits.jsonBytes;
    const variable = upload ? 'ENTENTE_MAX_UPLOAD_BYTES' : 'ENTENTE_MAX_JSON_BYTES';
    const what = upload ? 'the upload' : 'the request body';
    const declared = c.req.header('content-length');
    if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > limit) {
      return tooLargeAnswer(new TooLarge(what, limit, variable, Number(declared)));
    }
    let seen = 0;
    let over: TooLarge | undefined;
    const counted = body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > limit) {
            over = new TooLarge(what, limit, variable);
            controller.error(over);
          } else controller.enqueue(chunk);
        },
      }),
    );
    c.req.raw = new Request(c.req.raw, { body: counted, duplex: 'half' } as RequestInit);
    await next();
    if (over) c.res = tooLargeAnswer(over);
  };
}

/** The Content-Security-Policy of the web app (a Vite-built React app: its own scripts and styles, nothing inline). */
const contentSecurityPolicy = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  objectSrc: ["'none'"],
};

/** Security headers on every answer (pages and errors included), and `Cache-Control: no-store` on the API's. */
export function securityHeaders(): MiddlewareHandler<Env> {
  const secure = secureHeaders({
    contentSecurityPolicy,
    xFrameOptions: 'DENY',
    referrerPolicy: 'no-referrer',
    xContentTypeOptions: 'nosniff',
    // Served over plain HTTP on 127.0.0.1 by default; HSTS is for the TLS proxy in front, when there is one.
    strictTransportSecurity: false,
  });
  return async (c, next) => {
    await secure(c, async () => {
      await next();
      if (c.req.path === '/api' || c.req.path.startsWith('/api/')) c.header('Cache-Control', 'no-store');
    });
  };
}
