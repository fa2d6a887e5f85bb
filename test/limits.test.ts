// Input limits: bodies refused by size before they are read, decompression capped, YAML alias bombs, upload names,
// ids in paths, and the security headers on every answer. Real HTTP through a real listening server where it matters.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { sql } from 'kysely';
import { describeEachEngine, engines, type TestEnv } from './support/engines.ts';
import { cliWorld, entente, serveCli } from './support/cli.ts';
import { sarif, trivy } from './support/reports.ts';
import { createApp } from '../src/http/app.ts';
import { parsePolicy } from '../src/policy/policy.ts';
import { EntenteError } from '../src/errors.ts';
import { loadConfig } from '../src/config.ts';

const csp =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

/** Serves `app` on a free local port, as `entente serve` does. */
async function listen(app: ReturnType<typeof createApp>): Promise<{ url: string; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
  });
}

/**
 * POSTs up to `total` bytes in 64 KB chunks (chunked, unless `headers` declare a length), and stops sending as soon
 * as the server answers. Resolves with the answer and how much was sent by then.
 */
function streamPost(
  url: string,
  headers: Record<string, string>,
  total: number,
  frame: { prefix?: string; suffix?: string } = {},
  chunk = Buffer.alloc(64 << 10, 0x61),
): Promise<{ status: number; headers: Record<string, unknown>; body: any; sent: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers });
    let sent = 0;
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => {
        req.destroy();
        const text = Buffer.concat(parts).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode!, headers: res.headers, body, sent });
      });
      res.on('error', reject);
    });
    req.on('error', (e) => {
      if (!answered) reject(e);
    });
    if (frame.prefix) req.write(frame.prefix);
    const pump = (): void => {
      while (!answered && sent < total) {
        const piece = total - sent < chunk.length ? chunk.subarray(0, total - sent) : chunk;
        sent += piece.length;
        if (!req.write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered) req.end(frame.suffix);
    };
    if (headers['content-length'] !== undefined && total === 0) req.flushHeaders();
    else pump();
  });
}

/** A body that arrives in pieces with no Content-Length, as a chunked upload does. */
function chunkedBody(total: number, fill = 0x61): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) return controller.close();
      const n = Math.min(64 << 10, total - sent);
      sent += n;
      controller.enqueue(new Uint8Array(n).fill(fill));
    },
  });
}

/** Calls `app` like a client would, with a streamed body when given one. */
async function send(
  app: ReturnType<typeof createApp>,
  method: string,
  path: string,
  token: string,
  body?: BodyInit | Buffer,
  headers: Record<string, string> = {},
) {
  const res = await app.request(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...headers },
    ...(body === undefined ? {} : { body, duplex: 'half' }),
  } as RequestInit);
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

async function countRows(e: TestEnv, table: 'scans' | 'feed_kev'): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(
    e.ctx.database.db,
  );
  return rows[0]!.n;
}

const uploadDirs = (): string[] => readdirSync(tmpdir()).filter((d) => d.startsWith('entente-upload-'));

/** `n` MiB of zeros as `n` gzip members one after the other: about 1 KB each, and gunzip reads them all. */
function gzipBomb(mib: number): Buffer {
  const member = gzipSync(Buffer.alloc(1 << 20), { level: 9 });
  return Buffer.concat(Array.from({ length: mib }, () => member));
}

// Nine levels of nine references: a few hundred bytes that would expand to 9^9 strings.
const aliasBomb =
  [
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
  ].join('\n') + '\n';

describeEachEngine('input limits', (env) => {
  test('450 MB posted chunked to /api/tone by the read-only auditor is 413 at once, and the server does not hold it', async () => {
    const e = env();
    const server = await listen(e.app);
    try {
      const auditor = await e.token('auditor');
      global.gc?.();
      const before = process.memoryUsage().rss;
      const r = await streamPost(
        `${server.url}/api/tone`,
        { authorization: `Bearer ${auditor}`, 'content-type': 'application/json' },
        450 << 20,
      );
      const grown = process.memoryUsage().rss - before;
      assert.equal(r.status, 413, JSON.stringify(r.body));
      assert.equal(r.body.error.code, 'bad_input');
      assert.match(r.body.error.message, /at most 1 MB \(1048576 bytes\)/);
      assert.match(r.body.error.message, /ENTENTE_MAX_JSON_BYTES/);
      // Answered long before the client had sent it all, and memory grew by nothing like the body's size.
      assert.ok(r.sent < 200 << 20, `the client had sent ${r.sent} bytes before the answer`);
      assert.ok(grown < 150 << 20, `RSS grew by ${grown} bytes`);
    } finally {
      await server.close();
    }
  });

  test('a Content-Length past the limit is 413 before a byte of the body is sent', async () => {
    const e = env();
    const server = await listen(e.app);
    try {
      const r = await streamPost(
        `${server.url}/api/tone`,
        {
          authorization: `Bearer ${await e.token('auditor')}`,
          'content-type': 'application/json',
          'content-length': String(450 << 20),
        },
        0,
      );
      assert.equal(r.status, 413);
      assert.equal(r.sent, 0);
      assert.match(r.body.error.message, /471859200 bytes: at most 1 MB/);
      const upload = await streamPost(
        `${server.url}/api/scans?service=any`,
        { authorization: `Bearer ${await e.token('admin')}`, 'content-length': String(2 ** 31) },
        0,
      );
      assert.equal(upload.status, 413);
      assert.match(
        upload.body.error.message,
        /the upload is 2147483648 bytes: at most 1 GB \(1073741824 bytes\).*ENTENTE_MAX_UPLOAD_BYTES/,
      );
    } finally {
      await server.close();
    }
  });

  test('a 300 MB multipart upload streams to a temporary file, not into memory, and the file is removed after', async () => {
    const e = env();
    const { service } = await e.makeService();
    const server = await listen(e.app);
    try {
      const dirs = uploadDirs().length;
      global.gc?.();
      const before = process.memoryUsage().rss;
      const boundary = 'entente-limits-boundary';
      const r = await streamPost(
        `${server.url}/api/scans?service=${service}`,
        {
          authorization: `Bearer ${await e.token('admin')}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
        },
        300 << 20,
        {
          prefix: `--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nnightly\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n`,
          suffix: `\r\n--${boundary}--\r\n`,
        },
      );
      const grown = process.memoryUsage().rss - before;
      // All of it was read (it is within the upload limit), then refused as no report format we know.
      assert.equal(r.sent, 300 << 20);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error.code, 'unknown_format');
      assert.ok(grown < 150 << 20, `RSS grew by ${grown} bytes`);
      assert.equal(uploadDirs().length, dirs);
    } finally {
      await server.close();
    }
  });

  test('uploads past the configured limit, raw or multipart, chunked or not, are 413 and import nothing', async () => {
    const e = env();
    const { service } = await e.makeService();
    const admin = await e.token('admin');
    const app = createApp(e.ctx, { limits: { uploadBytes: 100_000 } });
    const scans = await countRows(e, 'scans');
    const dirs = uploadDirs().length;
    const raw = await send(app, 'POST', `/api/scans?service=${service}`, admin, chunkedBody(300_000));
    assert.equal(raw.status, 413, JSON.stringify(raw.body));
    assert.match(raw.body.error.message, /at most 97.7 KB \(100000 bytes\)/);
    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(300_000, 0x61)]), 'big.sarif');
    const multipart = await send(app, 'POST', `/api/scans?service=${service}`, admin, form);
    assert.equal(multipart.status, 413, JSON.stringify(multipart.body));
    for (const path of ['/api/exposure', '/api/feeds', '/api/org']) {
      const r = await send(app, 'POST', path, admin, chunkedBody(300_000));
      assert.equal(r.status, 413, `${path}: ${JSON.stringify(r.body)}`);
    }
    // Within the limit, the same route takes a report (the limit is the upload's, not the JSON one's).
    const ok = await send(
      app,
      'POST',
      `/api/scans?service=${service}`,
      admin,
      sarif('Semgrep', [{ rule: 'r1', file: 'a.py', line: 1, cwe: 89 }]),
    );
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal(await countRows(e, 'scans'), scans + 1);
    assert.equal(uploadDirs().length, dirs);
  });

  test('a JSON body past the limit is 413 even where the route would read it as malformed', async () => {
    const e = env();
    const app = createApp(e.ctx, { limits: { jsonBytes: 1000 } });
    const r = await send(app, 'POST', '/api/tone', await e.token('auditor'), chunkedBody(5000), {
      'content-type': 'application/json',
    });
    assert.equal(r.status, 413, JSON.stringify(r.body));
    assert.match(r.body.error.message, /at most 1000 bytes/);
    const small = await send(
      app,
      'POST',
      '/api/tone',
      await e.token('auditor'),
      JSON.stringify({ text: 'Thanks for the fix.' }),
      { 'content-type': 'application/json' },
    );
    assert.equal(small.status, 200);
  });

  test('a 1 MB gzip that expands to 1 GiB is refused by its ratio, and the server answers meanwhile', async () => {
    const e = env();
    const server = await listen(e.app);
    try {
      const bomb = gzipBomb(1024);
      assert.ok(bomb.length < 1.5 * (1 << 20));
      const kev = await countRows(e, 'feed_kev');
      const admin = await e.token('admin');
      const [r, health] = await Promise.all([
        fetch(`${server.url}/api/feeds`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}` },
          body: new Uint8Array(bomb),
        }),
        fetch(`${server.url}/api/health`),
      ]);
      const body = (await r.json()) as any;
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(body.error.message, /expands to more than 100 times its compressed size/);
      assert.match(body.error.message, /ENTENTE_MAX_EXPANSION/);
      assert.equal(health.status, 200);
      assert.equal(await countRows(e, 'feed_kev'), kev);
      const { service } = await e.makeService();
      const scan = await fetch(`${server.url}/api/scans?service=${service}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}` },
        body: new Uint8Array(bomb),
      });
      assert.equal(scan.status, 400);
      assert.match(((await scan.json()) as any).error.message, /expands to more than 100 times/);
    } finally {
      await server.close();
    }
  });

  test('a compressed upload that expands past the upload limit is 413; one within it is read, by its bytes or its Content-Encoding', async () => {
    const e = env();
    const { service } = await e.makeService();
    const admin = await e.token('admin');
    const app = createApp(e.ctx, { limits: { uploadBytes: 1 << 20, expansionRatio: 100_000 } });
    const big = await send(app, 'POST', `/api/scans?service=${service}`, admin, gzipBomb(2));
    assert.equal(big.status, 413, JSON.stringify(big.body));
    assert.match(big.body.error.message, /expands to more than 1 MB.*ENTENTE_MAX_UPLOAD_BYTES/);
    const report = trivy([{ cve: 'CVE-2026-70001', pkg: e.uniq('pkg'), version: '1.0.0' }]);
    const byBytes = await send(
      app,
      'POST',
      `/api/scans?service=${service}&name=trivy.json.gz`,
      admin,
      gzipSync(report),
    );
    assert.equal(byBytes.status, 201, JSON.stringify(byBytes.body));
    assert.equal(byBytes.body.created, 1);
    const scan = await e.ctx.database.db
      .selectFrom('scans')
      .select('file_name')
      .where('id', '=', byBytes.body.scanId)
      .executeTakeFirstOrThrow();
    assert.equal(scan.file_name, 'trivy.json');
    const { deflateSync } = await import('node:zlib');
    const byHeader = await send(app, 'POST', `/api/scans?service=${service}`, admin, deflateSync(report), {
      'content-encoding': 'deflate',
    });
    assert.equal(byHeader.status, 201, JSON.stringify(byHeader.body));
    assert.equal(byHeader.body.unchanged, 1);
    const unknown = await send(app, 'POST', `/api/scans?service=${service}`, admin, report, {
      'content-encoding': 'compress',
    });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /Content-Encoding "compress"/);
    const broken = await send(app, 'POST', '/api/feeds', admin, gzipSync('cve,epss\n').subarray(0, 12));
    assert.equal(broken.status, 400);
    assert.match(broken.body.error.message, /cannot be decompressed/);
  });

  test('a YAML alias bomb to POST /api/org is 400 and changes nothing; the policy refuses one too', async () => {
    const e = env();
    const r = await e.call('POST', '/api/org', {
      token: await e.token('admin'),
      body: aliasBomb,
      headers: { 'content-type': 'application/yaml' },
    });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'bad_input');
    assert.match(r.body.error.message, /request body: .*alias/i);
    assert.throws(
      () => parsePolicy(aliasBomb, 'policy.yaml'),
      (err: unknown) =>
        err instanceof EntenteError && err.code === 'bad_input' && /policy\.yaml: .*alias/i.test(err.message),
    );
  });

  test('an upload name given in the query loses CR, LF and other control characters, like a multipart one', async () => {
    const e = env();
    const { service } = await e.makeService();
    const admin = await e.token('admin');
    const report = sarif('Semgrep', [{ rule: 'r2', file: 'b.py', line: 2, cwe: 79 }]);
    const r = await e.call(
      'POST',
      `/api/scans?service=${service}&name=${encodeURIComponent('scan\r\nX-Injected: 1\u0007.sarif')}`,
      { token: admin, body: report },
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const scan = await e.ctx.database.db
      .selectFrom('scans')
      .select('file_name')
      .where('id', '=', r.body.scanId)
      .executeTakeFirstOrThrow();
    assert.equal(scan.file_name, 'scanX-Injected: 1.sarif');
    const nmap =
      '<?xml version="1.0"?>\n<nmaprun scanner="nmap" args="nmap -oX -" start="1772442000" version="7.93" xmloutputversion="1.05">\n'
      + '<scaninfo type="syn" protocol="tcp" numservices="1" services="22"/>\n<runstats><finished time="1772442010" elapsed="10"/><hosts up="0" down="0" total="0"/></runstats>\n</nmaprun>';
    const x = await e.call('POST', `/api/exposure?name=${encodeURIComponent('nmap\n.xml')}`, {
      token: admin,
      body: nmap,
    });
    assert.equal(x.status, 201, JSON.stringify(x.body));
    const row = await e.ctx.database.db
      .selectFrom('exposure_imports')
      .select('file_name')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    assert.equal(row.file_name, 'nmap.xml');
  });

  test('ids that only look like numbers (0x10, " 1", 1e3, 01, -1, 1.0) are 400 on every route with an id in its path', async () => {
    const e = env();
    const admin = await e.token('admin');
    const doc = (await e.call('GET', '/api/openapi.json')).body;
    const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .filter(([p]) => p.includes('{id}'))
      .flatMap(([p, methods]) => Object.keys(methods).map((m) => ({ method: m.toUpperCase(), path: p })));
    assert.ok(routes.length >= 15, `only ${routes.length} routes with an id`);
    for (const { method, path } of routes) {
      for (const id of ['0x10', ' 1', '1e3', '01', '-1', '1.0', '+1', '0']) {
        const r = await e.call(method, path.replace('{id}', encodeURIComponent(id)), {
          token: admin,
          ...(method === 'GET' ? {} : { json: {} }),
        });
        assert.equal(
          r.status,
          400,
          `${method} ${path} with id ${JSON.stringify(id)}: ${r.status} ${JSON.stringify(r.body)}`,
        );
        assert.match(
          r.body.error.message,
          /^id: an id is a whole number in plain digits/,
          `${method} ${path} with id ${JSON.stringify(id)}`,
        );
      }
    }
    const missing = await e.call('GET', '/api/findings/2147483647', { token: admin });
    assert.equal(missing.status, 404);
  });

  test('every answer carries the security headers, pages and errors included; API answers are not cached', async () => {
    const e = env();
    const small = createApp(e.ctx, { limits: { jsonBytes: 10 } });
    const answers = {
      health: await e.app.request('/api/health'),
      unauthenticated: await e.app.request('/api/findings'),
      page: await e.app.request('/'),
      tooLarge: await small.request('/api/tone', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '29' },
        body: JSON.stringify({ text: 'a long enough text' }),
      }),
      openapi: await e.app.request('/api/openapi.json'),
    };
    assert.equal(answers.unauthenticated.status, 401);
    assert.equal(answers.tooLarge.status, 413);
    for (const [name, res] of Object.entries(answers)) {
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', name);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer', name);
      assert.equal(res.headers.get('x-frame-options'), 'DENY', name);
      assert.equal(res.headers.get('content-security-policy'), csp, name);
      if (name !== 'page') assert.equal(res.headers.get('cache-control'), 'no-store', name);
    }
  });
});

test('the limits come from the environment in bytes or with a unit, and a bad one names its variable', () => {
  assert.deepEqual(loadConfig({}).limits, { jsonBytes: 1 << 20, uploadBytes: 1 << 30, expansionRatio: 100 });
  assert.deepEqual(
    loadConfig({ ENTENTE_MAX_JSON_BYTES: '512KB', ENTENTE_MAX_UPLOAD_BYTES: '2 GB', ENTENTE_MAX_EXPANSION: '20' })
      .limits,
    { jsonBytes: 512 << 10, uploadBytes: 2 * (1 << 30), expansionRatio: 20 },
  );
  assert.equal(loadConfig({ ENTENTE_MAX_UPLOAD_BYTES: '1048576' }).limits.uploadBytes, 1 << 20);
  for (const [name, value] of [
    ['ENTENTE_MAX_UPLOAD_BYTES', 'lots'],
    ['ENTENTE_MAX_JSON_BYTES', '0'],
    ['ENTENTE_MAX_JSON_BYTES', '1.5MB'],
    ['ENTENTE_MAX_EXPANSION', '0'],
  ]) {
    assert.throws(
      () => loadConfig({ [name!]: value }),
      (err: unknown) =>
        err instanceof EntenteError
        && err.code === 'bad_input'
        && err.message.startsWith(`environment variable ${name}: `),
      `${name}=${value}`,
    );
  }
  assert.deepEqual(loadConfig({}).trustedProxies, []);
  assert.deepEqual(loadConfig({ ENTENTE_TRUSTED_PROXIES: '10.0.0.5, fd00::1' }).trustedProxies, [
    '10.0.0.5',
    'fd00::1',
  ]);
  assert.throws(
    () => loadConfig({ ENTENTE_TRUSTED_PROXIES: '10.0.0.5,proxy.internal' }),
    /environment variable ENTENTE_TRUSTED_PROXIES: must be a comma list of IP addresses/,
  );
});

test('a feed file read from disk (entente feeds import) that expands like a bomb is refused, not expanded', async () => {
  const { readFeedFile } = await import('../src/feeds/feed-files.ts');
  assert.throws(
    () => readFeedFile('epss.csv.gz', gzipBomb(64)),
    (err: unknown) =>
      err instanceof EntenteError
      && err.code === 'bad_input'
      && /epss\.csv\.gz: expands to more than 100 times/.test(err.message),
  );
});

for (const engine of engines) {
  describe(`input limits on the command line [${engine}]`, () => {
    const world = cliWorld(engine, 'limits');
    test('entente org apply with a YAML alias bomb exits with a clear error, no stack trace', () => {
      const file = join(world.dir, 'org.yaml');
      writeFileSync(file, aliasBomb);
      const r = entente(world.env, 'org', 'apply', file);
      assert.notEqual(r.code, 0);
      assert.notEqual(r.code, null);
      assert.match(r.err, /org\.yaml: .*alias/i);
      assert.doesNotMatch(r.err, /\n\s+at /);
    });

    test('entente serve takes its limits from the environment', async () => {
      const server = await serveCli({ ...world.env, ENTENTE_MAX_JSON_BYTES: '100' });
      try {
        const r = await fetch(`${server.url}/api/tone`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: 'x'.repeat(200) }),
        });
        assert.equal(r.status, 413);
        assert.match(((await r.json()) as any).error.message, /at most 100 bytes.*ENTENTE_MAX_JSON_BYTES/);
      } finally {
        await server.stop();
      }
    });
  });
}

test('the import row limits (ENTENTE_EARLY_ROWS, ENTENTE_SPILL_ROWS) are read with the configuration, and a bad one names its variable', () => {
  assert.deepEqual(loadConfig({}).importRows, { early: undefined, spill: undefined });
  assert.deepEqual(loadConfig({ ENTENTE_EARLY_ROWS: '3', ENTENTE_SPILL_ROWS: '200000' }).importRows, {
    early: 3,
    spill: 200_000,
  });
  for (const [name, value] of [
    ['ENTENTE_EARLY_ROWS', '0'],
    ['ENTENTE_SPILL_ROWS', 'many'],
    ['ENTENTE_SPILL_ROWS', '1.5'],
  ]) {
    assert.throws(
      () => loadConfig({ [name!]: value }),
      (err: unknown) =>
        err instanceof EntenteError
        && err.code === 'bad_input'
        && err.message.startsWith(`environment variable ${name}: `),
      `${name}=${value}`,
    );
  }
});
