// A big report is read into temporary files by fingerprint and written a file at a time (src/imports/report-rows.ts),
// and new findings are written while the rest of a report is read (EarlyWrites in src/findings/early-writes.ts).
// These tests import the same reports with and without either and require the same outcome, to the byte.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { sql } from 'kysely';
import { describeEachEngine } from './support/engines.ts';
import { kev, sarif, trivy } from './support/reports.ts';
import { importFeed } from '../src/feeds/feed-service.ts';
import { ReportRows } from '../src/imports/report-rows.ts';
import type { ParsedFinding } from '../src/imports/types.ts';
import type { ImportRow } from '../src/imports/normalise.ts';
import type { ImportSummary } from '../src/scans/import-service.ts';

const spillDirs = (): string[] => readdirSync(tmpdir()).filter((d) => d.startsWith('entente-import-'));

/** Runs `fn` with environment variables set, and puts them back. */
async function withEnv<T>(vars: Record<string, number>, fn: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) process.env[k] = String(v);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Runs `fn` with rows spilling to disk every `n` rows (and nothing written before the report is read). */
const spillingEvery = <T>(n: number, fn: () => Promise<T>): Promise<T> =>
  withEnv({ ENTENTE_SPILL_ROWS: n, ENTENTE_EARLY_ROWS: 1e9 }, fn);

// Two tools in one log, results that share a fingerprint across the log (same CWE, file and line), one listing
// suppressed and another of the same place open: the cases where merging order could show.
function twoTools(round: number): string {
  const a = Array.from({ length: 40 }, (_, i) => ({
    rule: `A${i % 7}`,
    file: `src/f${i % 13}.ts`,
    line: 10 + (i % 5),
    cwe: 79 + (i % 3),
  }));
  const b = Array.from({ length: 25 }, (_, i) => ({
    rule: `B${i % 4}`,
    file: `src/f${i % 13}.ts`,
    line: 10 + (i % 5),
    cwe: 79 + (i % 3),
  }));
  const log = JSON.parse(sarif('ToolA', round === 2 ? a.slice(0, 30) : a, `round ${round}`)) as { runs: any[] };
  log.runs.push(JSON.parse(sarif('ToolB', b, `round ${round}`)).runs[0]);
  log.runs[0].results[3].suppressions = [{ kind: 'external', justification: 'false positive: sanitised upstream' }];
  log.runs[0].results[5].suppressions = [{ kind: 'inSource' }];
  return JSON.stringify(log);
}

// One tool's several rules with one CWE on one line (a finding each), listed so that a rule sorting first comes after
// the others (it takes the place's fingerprint from a row already written early), and a second tool at some of those
// lines. Round 2 drops rule A1, so another rule of the tool holds those places.
function rulesOnOneLine(round: number, reversed = false): string {
  const rulesAt = (p: number): string[] =>
    [['A3', 'A1', 'A2'], ['A2'], ['A2', 'A1']][p % 3]!.filter((r) => round !== 2 || r !== 'A1');
  const levels: Record<string, 'error' | 'warning' | 'note'> = {
    A1: 'warning',
    A2: 'note',
    A3: 'error',
    B1: 'warning',
  };
  const a = [0, 1, 2]
    .flatMap((k) =>
      Array.from({ length: 12 }, (_, p) => rulesAt(p)[k]).flatMap((rule, p) => (rule ? [{ rule, p }] : [])),
    )
    .map(({ rule, p }) => ({ rule, file: `src/f${p % 4}.py`, line: 10 + p, cwe: 78, level: levels[rule] }));
  const b = Array.from({ length: 6 }, (_, i) => ({
    rule: 'B1',
    file: `src/f${(2 * i) % 4}.py`,
    line: 10 + 2 * i,
    cwe: 78,
    level: levels.B1,
  }));
  const order = <T>(list: T[]): T[] => (reversed ? [...list].reverse() : list);
  const log = JSON.parse(sarif('ToolA', order(a), `round ${round}`)) as { runs: any[] };
  log.runs.push(JSON.parse(sarif('ToolB', order(b), `round ${round}`)).runs[0]);
  if (reversed) log.runs.reverse();
  return JSON.stringify(log);
}

describeEachEngine('an import that spills to disk', (env) => {
  test('ends as the same findings, sources and summaries as one held in memory, and leaves no files behind', async () => {
    const before = spillDirs();
    const held = await env().makeService();
    const spilled = await env().makeService();
    for (const round of [1, 2, 1, 3]) {
      const inMemory = await env().importText(held.service, 'scan.sarif', twoTools(round));
      const onDisk = await spillingEvery(4, () => env().importText(spilled.service, 'scan.sarif', twoTools(round)));
      const { scanId: _a, service: _b, ...expected } = inMemory;
      const { scanId: _c, service: _d, ...actual } = onDisk;
      assert.deepEqual(actual, expected, `round ${round}`);
      assert.ok(expected.findings > 4, 'the report is bigger than the spill size');
    }
    assert.deepEqual(await stored(spilled.service), await stored(held.service));
    assert.deepEqual(spillDirs(), before);
  });

  test('a report broken after rows have spilled stores nothing and removes its files', async () => {
    const before = spillDirs();
    const { service } = await env().makeService();
    const good = JSON.parse(twoTools(1)) as { runs: any[] };
    good.runs[1].results.push({ ruleId: 'B9', message: { text: 'x' }, locations: 'not a list' });
    const bad = JSON.stringify(good).replace('"not a list"', '{"physicalLocation": ');
    await assert.rejects(
      spillingEvery(2, () => env().importText(service, 'broken.sarif', bad)),
      /not valid JSON at line 1, column \d+/,
    );
    assert.deepEqual(await stored(service), []);
    assert.deepEqual(spillDirs(), before);
  });

  test('written while it is read, ends as the same findings, sources and summaries as one written at the end', async () => {
    // ToolB's run comes after ToolA's 40 results and lists some of the same places (same CWE, file and line): those
    // listings merge into rows already written early, which must be written again (sources, severity, state).
    const atEnd = await env().makeService();
    const early = await env().makeService();
    const spilledAfter = await env().makeService();
    for (const round of [1, 2, 1, 3]) {
      const expected = summaryOf(
        await withEnv({ ENTENTE_EARLY_ROWS: 1e9 }, () =>
          env().importText(atEnd.service, 'scan.sarif', twoTools(round)),
        ),
      );
      const actual = summaryOf(
        await withEnv({ ENTENTE_EARLY_ROWS: 3 }, () => env().importText(early.service, 'scan.sarif', twoTools(round))),
      );
      assert.deepEqual(actual, expected, `round ${round}`);
      // Written early, then the report outgrows memory: the early writes are undone and the files written instead.
      const spilled = summaryOf(
        await withEnv({ ENTENTE_EARLY_ROWS: 3, ENTENTE_SPILL_ROWS: 20 }, () =>
          env().importText(spilledAfter.service, 'scan.sarif', twoTools(round)),
        ),
      );
      assert.deepEqual(spilled, expected, `round ${round}, spilled`);
      assert.ok(expected.findings > 20, 'the report is bigger than the spill size');
      // Each round, not only the last: the first import of a service takes a path of its own (nothing stored to look
      // up, each batch made ready while the previous one is written).
      const want = await stored(atEnd.service);
      assert.ok(
        want.some((r) => (r.sources as string[]).length === 2),
        'some findings have both tools as sources',
      );
      assert.deepEqual(await stored(early.service), want, `round ${round}`);
      assert.deepEqual(await stored(spilledAfter.service), want, `round ${round}, spilled`);
    }
  });

  test('several rules of one tool on one line end as the same findings whatever the order, written early, at the end or spilled', async () => {
    const services = await Promise.all([0, 1, 2, 3, 4].map(() => env().makeService()));
    const ways: (() => Promise<ImportSummary>)[] = [];
    for (const round of [1, 2, 1, 3]) {
      const report = rulesOnOneLine(round);
      const [atEnd, early, spilled, earlyThenSpilled, reversed] = services.map((s) => s.service);
      ways.splice(
        0,
        ways.length,
        () => withEnv({ ENTENTE_EARLY_ROWS: 1e9 }, () => env().importText(atEnd!, 'scan.sarif', report)),
        () => withEnv({ ENTENTE_EARLY_ROWS: 1 }, () => env().importText(early!, 'scan.sarif', report)),
        () => spillingEvery(2, () => env().importText(spilled!, 'scan.sarif', report)),
        () =>
          withEnv({ ENTENTE_EARLY_ROWS: 3, ENTENTE_SPILL_ROWS: 15 }, () =>
            env().importText(earlyThenSpilled!, 'scan.sarif', report),
          ),
        () =>
          withEnv({ ENTENTE_EARLY_ROWS: 2 }, () =>
            env().importText(reversed!, 'scan.sarif', rulesOnOneLine(round, true)),
          ),
      );
      const summaries = [];
      for (const way of ways) summaries.push(summaryOf(await way()));
      for (const [i, actual] of summaries.entries()) assert.deepEqual(actual, summaries[0], `round ${round}, way ${i}`);
      const want = await stored(atEnd!);
      assert.equal(
        want.filter((r) => r.status !== 'fixed').length,
        round === 2 ? 16 : 24,
        `round ${round}: a finding per rule and line`,
      );
      assert.ok(
        want.some((r) => (r.sources as string[]).length === 2),
        'ToolB merges with the rule that holds its line',
      );
      for (const [i, s] of services.entries())
        assert.deepEqual(await stored(s.service), want, `round ${round}, way ${i}`);
    }
  });

  test('a first import written early decides priorities from the feeds as one written at the end does', async () => {
    // A service's first import looks nothing up and makes each batch ready (feeds read, priorities decided) while
    // the previous batch is written: the feed look-ups wait behind that write on the import's connection.
    const cves = Array.from({ length: 30 }, (_, i) => `CVE-2026-${41000 + i}`);
    const e = env();
    await importFeed(
      { db: e.ctx.database.db, policy: e.ctx.policy, now: () => e.clock.now },
      'kev.json',
      Buffer.from(kev(cves.filter((_, i) => i % 3 === 0))),
      'test',
    );
    const report = trivy(
      cves.map((cve, i) => ({ cve, pkg: `pkg${i % 7}`, version: `1.${i % 4}.0`, severity: i % 2 ? 'LOW' : 'HIGH' })),
    );
    const atEnd = await e.makeService();
    const early = await e.makeService();
    const expected = summaryOf(
      await withEnv({ ENTENTE_EARLY_ROWS: 1e9 }, () => e.importText(atEnd.service, 'trivy.json', report)),
    );
    const actual = summaryOf(
      await withEnv({ ENTENTE_EARLY_ROWS: 4 }, () => e.importText(early.service, 'trivy.json', report)),
    );
    assert.deepEqual(actual, expected);
    assert.equal(expected.act, 10, 'the ten CVEs in KEV are act');
    const want = await stored(atEnd.service);
    assert.equal(want.filter((r) => r.kev).length, 10);
    assert.deepEqual(await stored(early.service), want);
  });

  test('a write that fails mid-import reports its own error, not the aborted transaction, and stores nothing', async () => {
    // The database refuses one finding (a trigger stands in for any failure of a batch's insert). The next batch's
    // feed look-up then runs in the aborted transaction; the error the user sees must still be the batch's own.
    const e = env();
    const db = e.ctx.database.db;
    const marker = e.uniq('refused').replace(/-/g, '_');
    await sql
      .raw(
        `create function ${marker}() returns trigger language plpgsql as $$ begin raise exception 'the database refused %', new.title; end $$`,
      )
      .execute(db);
    await sql
      .raw(
        `create trigger ${marker} before insert on findings for each row when (new.title like '${marker}%') execute function ${marker}()`,
      )
      .execute(db);
    try {
      const { service } = await e.makeService();
      const report = trivy(
        Array.from({ length: 40 }, (_, i) => ({
          cve: `CVE-2026-${42000 + i}`,
          pkg: i === 2 ? marker : `lib${i}`,
          version: '1.0.0',
        })),
      );
      await assert.rejects(
        withEnv({ ENTENTE_EARLY_ROWS: 4 }, () => e.importText(service, 'trivy.json', report)),
        (err: Error) => {
          assert.match(err.message, new RegExp(`the database refused ${marker}`));
          return true;
        },
      );
      assert.deepEqual(await stored(service), []);
    } finally {
      await sql.raw(`drop trigger ${marker} on findings`).execute(db);
      await sql.raw(`drop function ${marker}()`).execute(db);
    }
  });

  test('a report broken after findings were written early stores nothing', async () => {
    const { service } = await env().makeService();
    const good = JSON.parse(twoTools(1)) as { runs: any[] };
    good.runs[1].results.push({ ruleId: 'B9', message: { text: 'x' }, locations: 'not a list' });
    const bad = JSON.stringify(good).replace('"not a list"', '{"physicalLocation": ');
    await assert.rejects(
      withEnv({ ENTENTE_EARLY_ROWS: 2 }, () => env().importText(service, 'broken.sarif', bad)),
      /not valid JSON at line 1, column \d+/,
    );
    assert.deepEqual(await stored(service), []);
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from scans c join services s on s.id = c.service_id where s.name = ${service}`.execute(
      env().ctx.database.db,
    );
    assert.equal(rows[0]!.n, 0);
  });

  function summaryOf(s: ImportSummary): Omit<ImportSummary, 'scanId' | 'service'> {
    const { scanId: _a, service: _b, ...rest } = s;
    return rest;
  }

  async function stored(service: string): Promise<Record<string, unknown>[]> {
    const { rows } = await sql<
      Record<string, unknown>
    >`select f.fingerprint, f.status, f.title, f.severity, f.aliases, f.cwes, f.file_path,
        f.line, f.priority, f.detail, f.due_at, f.fixed_at, f.reopened_count, f.kev, (select array_agg(fs.tool || ':' || fs.rule_id || ':' || fs.present order by fs.tool)
        from finding_sources fs where fs.finding_id = f.id) as sources
      from findings f join services s on s.id = f.service_id where s.name = ${service} order by f.fingerprint`.execute(
      env().ctx.database.db,
    );
    return rows;
  }
});

describe('report rows', () => {
  const listing = (i: number, extra: Partial<ParsedFinding> = {}): ParsedFinding => ({
    tool: i % 5 < 2 ? 'Semgrep' : 'CodeQL',
    ruleId: `r${i % 3}`,
    kind: 'code',
    title: `t${i}`,
    severity: (['low', 'high', 'medium'] as const)[i % 3]!,
    aliases: i % 4 ? [] : [`CVE-2024-${1000 + (i % 5)}`],
    cwes: [79 + (i % 2)],
    location: { file: `a${i % 6}.ts`, line: i % 4 },
    detail: { occurrence: { listing: i } },
    ...(i % 5 === 0 ? { state: { status: 'accepted', reason: 'suppressed' } } : {}),
    ...extra,
  });

  async function collect(rows: ReportRows): Promise<ImportRow[]> {
    const out: ImportRow[] = [];
    for await (const g of rows.groups()) out.push(...g);
    return out.sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
  }

  test('merge listings across spills exactly as in memory: severity, aliases, CWEs, sources, occurrences and state', async () => {
    const memory = new ReportRows({ spillAt: 1_000_000 });
    const disk = new ReportRows({ spillAt: 3 });
    try {
      for (let i = 0; i < 200; i++) {
        memory.add(listing(i));
        disk.add(listing(i));
      }
      assert.equal(disk.spilled, true);
      assert.equal(memory.spilled, false);
      const expected = await collect(memory);
      assert.ok(
        expected.some((r) => r.sources.size === 2 && Number(r.finding.detail?.occurrenceCount) > 2),
        'the listings do merge',
      );
      assert.deepEqual(await collect(disk), expected);
    } finally {
      memory.dispose();
      disk.dispose();
    }
  });

  test('rows depend on which listings a report has, not on their order: the same fingerprints, sources and readings', async () => {
    const shape = (rows: ImportRow[]) =>
      rows.map((r) => [
        r.fingerprint,
        r.recipe,
        [...r.sources].sort(),
        r.finding.severity,
        r.finding.cwes,
        [...r.finding.aliases].sort(),
      ]);
    const listings = Array.from({ length: 120 }, (_, i) => listing(i, { ruleId: `r${i % 5}` }));
    let expected: unknown;
    for (let seed = 1; seed <= 6; seed++) {
      const order = shuffled(listings, seed);
      const rows = new ReportRows({ spillAt: seed % 2 ? 1_000_000 : 7 });
      try {
        for (const l of order) rows.add(l);
        const got = shape(await collect(rows));
        if (expected === undefined) expected = got;
        else assert.deepEqual(got, expected, `order ${seed}`);
      } finally {
        rows.dispose();
      }
    }
    assert.ok((expected as unknown[]).length > 24, 'two rules of one tool at one place are two rows');
  });

  // A fixed permutation per seed (a small linear congruential generator), so a failure can be replayed.
  function shuffled<T>(list: T[], seed: number): T[] {
    const out = [...list];
    let x = seed;
    for (let i = out.length - 1; i > 0; i--) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const k = x % (i + 1);
      [out[i], out[k]] = [out[k]!, out[i]!];
    }
    return out;
  }
});

describeEachEngine('a big upload', (env) => {
  test('a raw body over 16 MB streams to a temporary file, imports whole, and the file is removed', async () => {
    const before = readdirSync(tmpdir()).filter((d) => d.startsWith('entente-upload-'));
    const { service } = await env().makeService();
    const results = Array.from({ length: 9000 }, (_, i) => ({
      rule: `R${i % 50}`,
      file: `src/m${i}.ts`,
      line: 1 + (i % 90),
      cwe: 79,
      message: `${'long message '.repeat(140)}${i}`,
    }));
    const text = sarif('BigTool', results);
    assert.ok(text.length > 16 << 20, `the report is ${text.length} bytes`);
    const token = await env().token('security');
    const res = await env().call('POST', `/api/scans?service=${service}&name=big.sarif`, {
      token,
      body: text,
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.created, 9000);
    // Rows of ~2 kB each go in several insert statements, sized by their documents (src/findings/insert-new.ts):
    // every row once, each with its own message.
    const {
      rows: [stored],
    } = await sql<{
      n: number;
      messages: number;
    }>`select count(*)::int as n, count(distinct f.description)::int as messages
      from findings f join services s on s.id = f.service_id where s.name = ${service}`.execute(env().ctx.database.db);
    assert.deepEqual(stored, { n: 9000, messages: 9000 });
    assert.deepEqual(
      readdirSync(tmpdir()).filter((d) => d.startsWith('entente-upload-')),
      before,
    );
  });
});
