/**
 * This machine's limits, measured in the same run as the figures printed beside them (issue 23): the same code gave
 * 20,000 and 7,800 findings/s on two machines a day apart, so each figure also says how close it comes to what the
 * engine or the runtime does at best here. Limits that take seconds are measured once per run and kept in
 * `.bench/limits-<run>.json` (`npm run bench` sets BENCH_RUN to its pid), so every benchmark process reuses them.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../src/db/schema.ts';
import type { Engine } from '../src/db/connect.ts';
import { benchOrg, scratchDatabase } from './support.ts';

/** A limit as printed beside a figure: "ratio 0.42 of <name> <value> <unit>". */
export interface Limit {
  name: string;
  value: number;
  unit: string;
}

const run = process.env.BENCH_RUN ?? String(process.pid);
const cacheFile = `.bench/limits-${run}.json`;

/** The limit cached in this run under `key`, or measured now (and cached). */
async function cached(key: string, measure: () => Promise<Limit>): Promise<Limit> {
  let all: Record<string, Limit> = {};
  try {
    all = JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, Limit>;
  } catch {
    // first limit of this run
  }
  if (all[key]) return all[key];
  const limit = await measure();
  mkdirSync('.bench', { recursive: true });
  writeFileSync(cacheFile, JSON.stringify({ ...all, [key]: limit }));
  return limit;
}

/**
 * The engine's bulk-load rate of finding-shaped rows: one `insert … select` from generate_series of BENCH_LIMIT_ROWS
 * (50,000) rows with a SARIF result's columns and sizes into the findings table (all its indexes) of a scratch
 * migrated database. An import can only come near it: it also parses, fingerprints, decides priorities, sends its rows
 * and writes their sources and the scan's summary.
 */
export function bulkLoadLimit(engine: Engine): Promise<Limit> {
  return cached(`bulk-load:${engine}`, async () => {
    const rows = Number(process.env.BENCH_LIMIT_ROWS ?? 50_000);
    const { database, drop } = await scratchDatabase(engine);
    try {
      await benchOrg(database);
      const t0 = performance.now();
      await sql`insert into findings (service_id, fingerprint, recipe, kind, tool, rule_id, title, description, severity, severity_rank,
          aliases, cwes, file_path, line, status, priority, priority_rank, due_at, owner_team_id, first_seen_at, status_changed_at, detail)
        select s.id, encode(sha256(g::text::bytea), 'hex'), 'code/v1', 'code', 'BenchScanner', 'R' || (g % 50), 'Rule ' || (g % 50),
          'Possible problem number ' || g || ' found by the analysis of this file',
          (array['critical','high','medium','low','info'])[g % 5 + 1], g % 5 + 1, '{}', array[20 + g % 50],
          'src/module' || (g / 100) || '/file' || (g % 100) || '.ts', g % 700 + 1, 'open',
          (array['act','attend','track*','track'])[g % 4 + 1], g % 4 + 1, now() + make_interval(days => 7 + g % 200),
          s.owner_team_id, now(), now(), jsonb_build_object('column', 5)
        from generate_series(1, ${rows}::int) g, (select id, owner_team_id from services where name = 'bench-svc') s`.execute(
        database.db,
      );
      const seconds = (performance.now() - t0) / 1000;
      return {
        name: `the ${engine === 'pglite' ? 'PGlite' : 'PostgreSQL'} bulk load (insert … select, ${rows.toLocaleString('en')} rows)`,
        value: rows / seconds,
        unit: 'rows/s',
      };
    } finally {
      await drop();
    }
  });
}

/** A bare `node -e 0`, cold, median of `runs`: the runtime's own start, below which no command can start. */
export function nodeStartLimit(runs: number): Promise<Limit> {
  return cached('node-start', async () => ({
    name: 'a bare node start (node -e 0)',
    value: medianOf(runs, () => timed(() => spawnSync(process.execPath, ['-e', '0']))),
    unit: 'ms',
  }));
}

/** A bare `select * from findings order by id limit 100` round trip on this database, median of 200: the least a page
 * of findings costs on this engine, before filters, sorting, counting and JSON. */
export async function roundTripLimit(db: Kysely<DB>): Promise<Limit> {
  const once = () => sql`select * from findings order by id limit 100`.execute(db);
  for (let i = 0; i < 20; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const s = performance.now();
    await once();
    times.push(performance.now() - s);
  }
  return { name: 'a bare select … limit 100', value: median(times), unit: 'ms' };
}

/** One `select count(*) from findings` on this database, median of 5: a pass over the whole table, the least a figure
 * that reads every finding (the organisation's scorecard, the daily snapshot) can cost. */
export async function scanLimit(db: Kysely<DB>): Promise<Limit> {
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    const s = performance.now();
    await sql`select count(*) from findings`.execute(db);
    if (i > 0) times.push(performance.now() - s);
  }
  return { name: 'a count(*) over findings', value: median(times), unit: 'ms' };
}

/** The median time in ms of `runs` calls of `f` after one warm-up call. */
export function medianOf(runs: number, f: () => number): number {
  f();
  return median(Array.from({ length: runs }, f));
}

function timed(f: () => unknown): number {
  const s = performance.now();
  f();
  return performance.now() - s;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/** The same limit in seconds, for a figure printed in seconds. */
export function inSeconds(limit: Limit): Limit {
  return limit.unit === 'ms' ? { ...limit, value: limit.value / 1000, unit: 's' } : limit;
}
