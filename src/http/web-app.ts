/**
 * Serves the built web app (dist/web) at /: hashed assets cached for a year, index.html (never cached) for every
 * other non-/api path so the app's own router shows the page, and a plain 404 page when the app is not built.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MiddlewareHandler } from 'hono';
import type { Env } from './sub-app.ts';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** Where `npm run build` puts the web app: dist/web in the package's root, found from this file (source or bundle). */
export function webAppDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'entente')
      return join(dir, 'dist', 'web');
    const up = dirname(dir);
    if (up === dir) return resolve('dist', 'web');
    dir = up;
  }
}

/** True when the folder holds a built app. */
export const webAppBuilt = (dir: string): boolean => existsSync(join(dir, 'index.html'));

const notBuilt = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Entente: web app not built</title></head>
<body><main><h1>The web app is not built</h1><p>This server answers the API at <a href="/api/openapi.json">/api</a>. Run <code>npm run build</code> (or <code>npm start</code>) in Entente's folder and restart <code>entente serve</code> to get the web app here.</p></main></body></html>`;

/** Middleware answering GET and HEAD outside /api from `dir`; everything else passes on. */
export function webApp(dir: string): MiddlewareHandler<Env> {
  const root = resolve(dir);
  return async (c, next) => {
    const path = c.req.path;
    if (path === '/api' || path.startsWith('/api/') || (c.req.method !== 'GET' && c.req.method !== 'HEAD'))
      return next();
    const head = c.req.method === 'HEAD';
    const index = join(root, 'index.html');
    if (!existsSync(index)) return c.html(head ? '' : notBuilt, 404);
    const file = await fileFor(root, path);
    if (file) {
      const hashed = path.startsWith('/assets/');
      // Vite names every asset by its content's hash: a new build makes new names, so an old name never changes.
      return send(
        head ? null : await readFile(file),
        types[extname(file)] ?? 'application/octet-stream',
        hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    }
    // A missing asset is a 404, not the app's page: a script answered with HTML fails in ways that are hard to read.
    if (path.startsWith('/assets/') || extname(path) !== '') return c.text('not found', 404);
    return send(head ? null : await readFile(index), types['.html']!, 'no-cache');
  };
}

function send(body: Buffer | null, type: string, cache: string): Response {
  return new Response(
    body === null ? null : (new Uint8Array(body.buffer, body.byteOffset, body.byteLength) as Uint8Array<ArrayBuffer>),
    { status: 200, headers: { 'Content-Type': type, 'Cache-Control': cache } },
  );
}

// The file a path names inside root, or undefined (outside root, a folder, undecodable or missing).
async function fileFor(root: string, path: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded === '/') return undefined;
  const file = resolve(root, `.${decoded}`);
  if (!file.startsWith(root + sep)) return undefined;
  const info = await stat(file).catch(() => undefined);
  return info?.isFile() ? file : undefined;
}
