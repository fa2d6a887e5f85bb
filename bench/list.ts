/** Listing speed: GET /api/findings first page, filtered, with 1,000,000 findings stored (p50 and p95 over many calls). */
import { sql } from 'kysely';
import { createApp } from '../src/http/app.ts';
import { defaultPolicy } from '../src/policy/policy.ts';
import { createToken } from '../src/people/tokens.ts';
import { benchOrg, engineArg, figure, scratchDatabase } from './support.ts';

const n = Number(process.env.BENCH_STORED ?? 1_000_000);
const engine = engineArg();
const { database, drop } = await scratchDatabase(engine);
try {
  await benchOrg(database);
  const db = database.db;
  const t0 = performance.now();
  // Seeding goes straight to SQL: this measures reading, the import has its own benchmark.
  const chunk = 100_000;
  for (let start = 0; start < n; start += chunk) {
    await sql`insert into findings (service_id, fingerprint, recipe, kind, tool, rule_id, title, severity, severity_rank, aliases, cwes,
        file_path, line, status, priority, priority_rank, due_at, owner_team_id, first_seen_at, status_changed_at)
      select case when g % 4 = 0 then (select id from services where name = 'bench-other') else (select id from services where name = 'bench-svc') end,
        md5(g::text), 'code/v1', 'code', 'BenchScanner', 'R' || (g % 50), 'Finding ' || g,
        (array['critical','high','medium','low','info'])[g % 5 + 1], g % 5 + 1,
        case when g % 10 = 0 then array['CVE-2024-' || (10000 + g % 5000)] else '{}' end, array[20 + g % 50],
        'src/m' || (g / 100) || '/f' || (g % 100) || '.ts', g % 700 + 1,
        (array['open','open','open','in_progress','fixed','false_positive'])[g % 6 + 1],
        (array['act','attend','track*','track'])[g % 4 + 1], g % 4 + 1,
        now() + make_interval(days => g % 200), (select id from teams where name = 'bench-team'), now(), now()
      from generate_series(${start + 1}::int, ${Math.min(start + chunk, n)}::int) g`.execute(db);
  }
  await sql`analyze findings`.execute(db);
  figure(`seeded findings [${engine}]`, n / ((performance.now() - t0) / 1000), 'rows/s');
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
  const times: number[] = [];
  for (let i = 0; i < 40; i++) {
    for (const q of queries) {
      const s = performance.now();
      await call(q);
      times.push(performance.now() - s);
    }
  }
  times.sort((a, b) => a - b);
  figure(`GET /api/findings first page, filtered, ${n.toLocaleString('en')} stored, p50 [${engine}]`, times[Math.floor(times.length * 0.5)]!, 'ms');
  figure(`GET /api/findings first page, filtered, ${n.toLocaleString('en')} stored, p95 [${engine}]`, times[Math.floor(times.length * 0.95)]!, 'ms', '<= 50 ms');

  async function call(path: string): Promise<void> {
    const res = await app.request(path, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  }
} finally {
  await drop();
}
