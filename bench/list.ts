/** Listing speed: GET /api/findings first page, filtered, with 1,000,000 findings stored (p50 and p95 over many calls). */
import { sql } from 'kysely';
import { createApp } from '../src/http/app.ts';
import { defaultPolicy } from '../src/policy/policy.ts';
import { createToken } from '../src/people/tokens.ts';
import { benchOrg, engineArg, figure, scratchDatabase, seedFindings } from './support.ts';
import { bulkLoadLimit, roundTripLimit } from './limits.ts';

const n = Number(process.env.BENCH_STORED ?? 1_000_000);
const engine = engineArg();
const bulkLoad = await bulkLoadLimit(engine);
const { database, drop } = await scratchDatabase(engine);
try {
  await benchOrg(database);
  const db = database.db;
  const t0 = performance.now();
  // Seeding goes straight to SQL: this measures reading, the import has its own benchmark.
  await seedFindings(db, n);
  await sql`analyze findings`.execute(db);
  figure(`seeded findings [${engine}]`, n / ((performance.now() - t0) / 1000), 'rows/s', undefined, bulkLoad);
  const app = createApp({ database, policy: defaultPolicy, now: () => new Date() });
  const { token } = await createToken(db, { name: 'bench', role: 'auditor' });
  const queries = [
    '/api/findings',
    '/api/findings?service=bench-svc&priority=act,attend',
    '/api/findings?severity=critical&sort=due',
    '/api/findings?team=bench-team&status=open&sort=newest',
    '/api/findings?cwe=42&limit=100',
    '/api/findings?service=bench-other&severity=high,critical&priority=act',
  ];
  for (const q of queries) await call(q); // warm up
  const roundTrip = await roundTripLimit(db);
  const times: number[] = [];
  for (let i = 0; i < 40; i++) {
    for (const q of queries) {
      const s = performance.now();
      await call(q);
      times.push(performance.now() - s);
    }
  }
  times.sort((a, b) => a - b);
  figure(
    `GET /api/findings first page, filtered, ${n.toLocaleString('en')} stored, p50 [${engine}]`,
    times[Math.floor(times.length * 0.5)]!,
    'ms',
    undefined,
    roundTrip,
  );
  figure(
    `GET /api/findings first page, filtered, ${n.toLocaleString('en')} stored, p95 [${engine}]`,
    times[Math.floor(times.length * 0.95)]!,
    'ms',
    '<= 50 ms',
    roundTrip,
  );

  async function call(path: string): Promise<void> {
    const res = await app.request(path, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  }
} finally {
  await drop();
}
