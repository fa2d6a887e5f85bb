/**
 * Load: a real `entente serve` on PostgreSQL with 1,000,000 findings, driven at a fixed rate (BENCH_RATE, 200/s) for
 * BENCH_LOAD_SECONDS (600) with a mix of reads and writes — lists, finding pages, patches, gates, small imports — as
 * an open loop (requests leave on schedule whether or not earlier ones came back, so a slow server shows as latency,
 * not as a lower rate). Prints p50/p95/p99 per kind and overall, errors, and the server's RSS at start and end.
 * Then one gate on a service with 60,000 open findings, and how long the server left other requests waiting meanwhile.
 * The limit measured in the same run: GET /api/health's p99 at the same rate (the server doing no database work).
 * The server's own event-loop delay (max and p99) and CPU time are read through bench/event-loop-probe.mjs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/connect.ts';
import { createToken } from '../src/people/tokens.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { createScratchPg } from '../test/support/scratch-pg.ts';
import { sarif } from '../test/support/reports.ts';
import { benchOrg, figure, seedFindings } from './support.ts';
import { bulkLoadLimit, type Limit } from './limits.ts';

const stored = Number(process.env.BENCH_STORED ?? 1_000_000);
const rate = Number(process.env.BENCH_RATE ?? 200);
const seconds = Number(process.env.BENCH_LOAD_SECONDS ?? 600);
const bigGate = Number(process.env.BENCH_GATE_FINDINGS ?? 60_000);

const bulkLoad = await bulkLoadLimit('postgres');
const scratch = await createScratchPg('entente_bench_load');
const auditKey = randomBytes(32).toString('hex');
const dataDir = mkdtempSync(join(tmpdir(), 'entente-bench-load-'));
let server: ChildProcess | undefined;
try {
  const database = await openDatabase({ url: scratch.url, auditKey });
  const db = database.db;
  await benchOrg(database);
  const more = ['bench-gate', 'bench-gate-big', 'bench-import']
    .map((name) => `  - name: ${name}\n    owner: bench-team\n    criticality: 3\n    exposure: internal\n`)
    .join('');
  await applyOrg(
    db,
    parseOrgFile(
      `teams:\n  - name: bench-team\n    kind: engineering\n    members: [bench-ci@example.com]\nservices:\n${more}`,
      'bench',
    ),
    { prune: false, actor: 'bench', now: new Date() },
  );
  let t0 = performance.now();
  await seedFindings(db, stored);
  await seedFindings(db, 500, 'bench-gate');
  await seedFindings(db, bigGate, 'bench-gate-big');
  await sql`analyze`.execute(db);
  figure(
    'load: seeded findings [postgres]',
    (stored + 500 + bigGate) / ((performance.now() - t0) / 1000),
    'rows/s',
    undefined,
    bulkLoad,
  );
  const { token } = await createToken(db, {
    name: 'bench-load',
    role: 'admin',
    actor: 'bench',
    now: new Date(),
    expires: null,
  });
  const { rows: idRows } = await sql<{
    id: number;
  }>`select id from findings where service_id = (select id from services where name = 'bench-other') and status in ('open', 'in_progress') order by id limit 5000`.execute(
    db,
  );
  const ids = idRows.map((r) => r.id);
  await database.close();

  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const base = `http://127.0.0.1:${port}`;
  // BENCH_ENTENTE=path/to/entente.js runs another build (alternating runs of before and after on a loaded machine).
  // BENCH_CPU_PROF=DIR writes the server's CPU profile there (node --cpu-prof), to see where its time goes.
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
  server = spawn(
    process.execPath,
    [
      ...prof,
      '--import',
      './bench/event-loop-probe.mjs',
      process.env.BENCH_ENTENTE ?? 'dist/entente.js',
      'serve',
      '--port',
      String(port),
    ],
    {
      env: { ...process.env, DATABASE_URL: scratch.url, ENTENTE_AUDIT_KEY: auditKey, ENTENTE_DATA: dataDir },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    server!.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes('listening on')) resolve();
    });
    server!.once('exit', (code) => reject(new Error(`the server exited with ${code}: ${seen}`)));
  });
  const headers = { authorization: `Bearer ${token}` };
  // The server's event-loop delay since the last reset, and its CPU time so far (bench/event-loop-probe.mjs).
  type Probe = { max: number; p99: number; mean: number; cpu: { user: number; system: number } };
  const ask = <T>(m: string): Promise<T> =>
    new Promise((resolve) => {
      server!.once('message', (r) => resolve(r as T));
      server!.send(m);
    });
  const loopReset = (): Promise<unknown> => ask('reset');
  const loopRead = (): Promise<Probe> => ask<Probe>('read');
  const cpuMs = (p: Probe): number => (p.cpu.user + p.cpu.system) / 1000;
  const rssMiB = (): number =>
    Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server!.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
  const lists = [
    '/api/findings',
    '/api/findings?service=bench-svc&priority=act,attend',
    '/api/findings?severity=critical&sort=due',
    '/api/findings?team=bench-team&status=open&sort=newest',
    '/api/findings?cwe=42&limit=100',
    '/api/findings?service=bench-other&priority=act',
  ];
  const small = (i: number): string =>
    sarif(
      'LoadScanner',
      Array.from({ length: 10 }, (_, k) => ({
        rule: `L${k}`,
        file: `src/load${(i + k) % 30}.ts`,
        line: k + 1,
        cwe: 79,
      })),
    );
  let imports = 0;
  let toggle = 0;
  // The mix, by weight: mostly reads, as people and CI use it.
  const mix: [string, number, () => Promise<Response>][] = [
    ['list', 40, () => fetch(base + pick(lists), { headers })],
    ['finding', 20, () => fetch(`${base}/api/findings/${pick(ids)}`, { headers })],
    [
      'other lists',
      10,
      () =>
        fetch(base + pick(['/api/commitments', '/api/exceptions', '/api/changes', '/api/teams', '/api/services']), {
          headers,
        }),
    ],
    [
      'patch',
      15,
      () =>
        fetch(`${base}/api/findings/${pick(ids)}`, {
          method: 'PATCH',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ status: toggle++ % 2 ? 'open' : 'in_progress' }),
        }),
    ],
    [
      'gate',
      10,
      () =>
        fetch(`${base}/api/gates`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ service: 'bench-gate', env: 'prod' }),
        }),
    ],
    [
      'import',
      5,
      () =>
        fetch(`${base}/api/scans?service=bench-import&name=load.sarif`, {
          method: 'POST',
          headers,
          body: small(imports++),
        }),
    ],
  ];
  const total = mix.reduce((s, [, w]) => s + w, 0);
  const choose = (): (typeof mix)[number] => {
    let r = Math.random() * total;
    for (const m of mix) if ((r -= m[1]) < 0) return m;
    return mix[0]!;
  };

  // Sends `send()` at `perSecond` for `secs`, returning each kind's latencies and the errors.
  async function drive(
    perSecond: number,
    secs: number,
    send: () => [string, () => Promise<Response>],
  ): Promise<{ lat: Map<string, number[]>; errors: Map<string, number>; sent: number }> {
    const lat = new Map<string, number[]>();
    const errors = new Map<string, number>();
    const pending = new Set<Promise<void>>();
    const start = performance.now();
    let sent = 0;
    while (performance.now() - start < secs * 1000) {
      const due = Math.floor(((performance.now() - start) / 1000) * perSecond);
      for (; sent < due; sent++) {
        const [kind, go] = send();
        const s = performance.now();
        const p = go()
          .then(
            async (res) => {
              await res.arrayBuffer();
              if (res.status >= 400)
                errors.set(`${kind} HTTP ${res.status}`, (errors.get(`${kind} HTTP ${res.status}`) ?? 0) + 1);
            },
            (e: Error) => {
              errors.set(`${kind} ${e.message}`, (errors.get(`${kind} ${e.message}`) ?? 0) + 1);
            },
          )
          .finally(() => {
            (lat.get(kind) ?? lat.set(kind, []).get(kind)!).push(performance.now() - s);
            pending.delete(p);
          });
        pending.add(p);
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all(pending);
    return { lat, errors, sent };
  }
  const pct = (xs: number[], q: number): number =>
    [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? 0;

  // What each kind of request costs the server, one at a time (CPU time is what a loaded machine does not inflate
  // much, unlike latency): the server's CPU over `samples` sequential requests of the kind.
  const samples = Number(process.env.BENCH_CPU_SAMPLES ?? 40);
  for (const [kind, , go] of mix) {
    for (let i = 0; i < 3; i++) await (await go()).arrayBuffer(); // warm
    const c0 = cpuMs(await loopRead());
    const w0 = performance.now();
    for (let i = 0; i < samples; i++) await (await go()).arrayBuffer();
    const w = (performance.now() - w0) / samples;
    figure(
      `load: server CPU per ${kind} request, one at a time [postgres]`,
      (cpuMs(await loopRead()) - c0) / samples,
      `ms (${w.toFixed(1)} ms each)`,
    );
  }

  const floor = await drive(rate, Math.min(20, seconds), () => ['health', () => fetch(`${base}/api/health`)]);
  const healthP99 = pct(floor.lat.get('health') ?? [], 0.99);
  figure(`load: GET /api/health p99 at ${rate}/s (the floor) [postgres]`, healthP99, 'ms');
  const health: Limit = { name: 'GET /api/health p99', value: Math.max(healthP99, 0.01), unit: 'ms' };
  const healthP50: Limit = {
    name: 'GET /api/health p50',
    value: Math.max(pct(floor.lat.get('health') ?? [], 0.5), 0.01),
    unit: 'ms',
  };

  const rssStart = rssMiB();
  await loopReset();
  const before = await loopRead();
  t0 = performance.now();
  const run = await drive(rate, seconds, () => {
    const [kind, , go] = choose();
    return [kind, go];
  });
  const elapsed = (performance.now() - t0) / 1000;
  const after = await loopRead();
  const rssEnd = rssMiB();
  const all = [...run.lat.values()].flat();
  figure(
    `load: requests/s achieved (asked ${rate}/s for ${seconds} s, ${stored.toLocaleString('en')} findings) [postgres]`,
    run.sent / elapsed,
    'req/s',
    undefined,
    { name: 'the rate asked', value: rate, unit: 'req/s' },
  );
  for (const [kind, xs] of run.lat)
    figure(
      `load: ${kind} p50 / p95 / p99 [postgres]`,
      pct(xs, 0.5),
      `ms / ${pct(xs, 0.95).toFixed(1)} ms / ${pct(xs, 0.99).toFixed(1)} ms (${xs.length} requests)`,
      undefined,
      healthP50,
    );
  figure('load: all requests p99 [postgres]', pct(all, 0.99), 'ms', '<= 100 ms', health);
  const errorCount = [...run.errors.values()].reduce((s, n) => s + n, 0);
  figure(
    'load: errors [postgres]',
    errorCount,
    `of ${run.sent}${errorCount ? ` (${[...run.errors].map(([k, n]) => `${k}: ${n}`).join(', ')})` : ''}`,
    '0',
  );
  figure('load: server RSS at start / end [postgres]', rssStart, `MiB / ${rssEnd.toFixed(0)} MiB`);
  figure('load: server CPU time per request [postgres]', (cpuMs(after) - cpuMs(before)) / run.sent, 'ms');
  figure(
    'load: server event-loop delay max / p99 during the run [postgres]',
    after.max,
    `ms / ${after.p99.toFixed(1)} ms`,
  );

  // One gate on a big service, with health pings every 10 ms meanwhile: the longest ping is how long it held the server.
  const waits: number[] = [];
  let pingErrors = 0;
  let stop = false;
  await loopReset();
  const gateBefore = await loopRead();
  const pings = (async () => {
    while (!stop) {
      const s = performance.now();
      await fetch(`${base}/api/health`).then(
        (r) => r.arrayBuffer(),
        () => {
          pingErrors++;
        },
      );
      waits.push(performance.now() - s);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const g0 = performance.now();
  const gate = await fetch(`${base}/api/gates`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ service: 'bench-gate-big', env: 'prod' }),
  });
  const gateBytes = (await gate.arrayBuffer()).byteLength;
  const gateMs = performance.now() - g0;
  stop = true;
  await pings;
  const gateAfter = await loopRead();
  figure(
    `load: gate on a service with ${bigGate.toLocaleString('en')} findings (HTTP ${gate.status}, ${(gateBytes / 1024).toFixed(0)} kB) [postgres]`,
    gateMs,
    'ms',
    undefined,
    health,
  );
  figure('load: server CPU time of that gate [postgres]', cpuMs(gateAfter) - cpuMs(gateBefore), 'ms');
  figure(
    'load: other requests during that gate, p99 / longest [postgres]',
    pct(waits, 0.99),
    `ms / ${Math.max(0, ...waits).toFixed(1)} ms (${waits.length} requests, ${pingErrors} errors)`,
    'p99 <= 100 ms',
    health,
  );
  figure(
    'load: server event-loop delay max / p99 during that gate [postgres]',
    gateAfter.max,
    `ms / ${gateAfter.p99.toFixed(1)} ms`,
  );
} finally {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server!.once('exit', r));
  }
  rmSync(dataDir, { recursive: true, force: true });
  await scratch.drop();
}
