import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { sarif } from './support/reports.ts';
import { resolveScope, type Scope } from '../src/goals/scope.ts';
import { findingsIn, openNow, type Window } from '../src/goals/metrics.ts';
import { securityServiceLevels } from '../src/goals/service-levels.ts';
import { dailySnapshot } from '../src/goals/snapshots.ts';
import { periodOf } from '../src/goals/scorecard.ts';
import { policyCalendar } from '../src/policy/calendar.ts';
import type { DB } from '../src/db/schema.ts';

// The card's open-now counts come from trigger-kept deltas (migration 022) and its triage figures from the window's
// answers; these are the live answers they replace, read from the findings themselves as before.
async function liveOpenNow(db: Kysely<DB>, scope: Scope, now: Date) {
  const { rows } = await sql<{ rank: number; n: number; late: number }>`select f.priority_rank rank, count(*)::int n,
      count(*) filter (where f.due_at < ${now})::int late
    from findings f where f.status in ('open', 'in_progress') and ${findingsIn(scope)} group by 1`.execute(db);
  const out = { act: 0, attend: 0, 'track*': 0, track: 0, total: 0, overdue: 0 };
  for (const r of rows) {
    out[(['act', 'attend', 'track*', 'track'] as const)[r.rank - 1]!] += r.n;
    out.total += r.n;
    out.overdue += r.late;
  }
  return out;
}

async function liveTriage(db: Kysely<DB>, scope: Scope, w: Window, now: Date) {
  const { rows } = await sql<Record<string, number | null>>`
    with q as materialized (select f.first_seen_at started,
        least((select min(a.at) from audit_log a where a.entity = 'finding' and a.entity_id = f.id::text
                 and a.action = 'finding.update' and a.at >= ${w.start}),
              (select min(e.created_at) from exception_findings ef join exceptions e on e.id = ef.exception_id
                 where ef.finding_id = f.id and e.created_at >= ${w.start})) answered,
        f.status not in ('open', 'in_progress') closed
      from findings f where coalesce(f.peak_rank, f.priority_rank) <= 2 and f.first_seen_at >= ${w.start}
        and f.first_seen_at < ${w.end} and ${findingsIn(scope)}),
    r as (select *, extract(epoch from answered - started) / 3600.0 h from q where answered is not null or not closed)
    select count(*) filter (where answered is not null)::int answered,
      round((percentile_cont(0.5) within group (order by h) filter (where answered is not null))::numeric, 1)::float8 median,
      round((percentile_cont(0.8) within group (order by h) filter (where answered is not null))::numeric, 1)::float8 p80,
      count(*) filter (where answered is not null and h <= 24)::int within_target,
      count(*) filter (where answered is null)::int waiting,
      round((max(extract(epoch from ${now}::timestamptz - started) / 3600.0) filter (where answered is null))::numeric, 1)::float8 oldest
    from r`.execute(db);
  return rows[0]!;
}

const hour = 3_600_000;

// Two teams' findings through a history: imported, re-prioritised (some lowered, some raised), closed in each way,
// reopened, answered by people and by exception requests, the deltas folded by the daily job halfway, then a service
// moved to the other team, a finding deleted and another import, so the deltas after the fold matter too.
async function buildHistory(e: TestEnv): Promise<{ teams: string[]; services: string[] }> {
  const db = e.ctx.database.db;
  const a = await e.makeService();
  const b = await e.makeService();
  const ids: number[] = [];
  for (const s of [a.service, b.service]) {
    await e.importText(
      s,
      'history.sarif',
      sarif(
        'History',
        Array.from({ length: 16 }, (_, i) => ({
          rule: `h/${String(i).padStart(2, '0')}`,
          file: `h${i}.ts`,
          line: i + 1,
        })),
      ),
    );
    const rows = await db
      .selectFrom('findings as f')
      .innerJoin('services as v', 'v.id', 'f.service_id')
      .select('f.id')
      .where('v.name', '=', s)
      .orderBy('f.rule_id')
      .execute();
    ids.push(...rows.map((r) => r.id));
  }
  const now = e.clock.now.getTime();
  const ranks = ['act', 'attend', 'track*', 'track'] as const;
  for (const [i, id] of ids.entries()) {
    const rank = (i % 4) + 1;
    await db
      .updateTable('findings')
      .set({
        priority: ranks[rank - 1]!,
        priority_rank: rank,
        first_seen_at: new Date(now - ((i * 37) % 120) * 24 * hour - (i % 5) * hour),
        due_at: new Date(now + ((i % 7) - 3) * 24 * hour),
      })
      .where('id', '=', id)
      .execute();
  }
  // Lowered (peak_rank kept by its trigger) and raised in one statement each.
  await db
    .updateTable('findings')
    .set({ priority: 'track', priority_rank: 4 })
    .where('id', 'in', [ids[0]!, ids[17]!])
    .execute();
  await db
    .updateTable('findings')
    .set({ priority: 'act', priority_rank: 1 })
    .where('id', 'in', [ids[3]!, ids[19]!])
    .execute();
  const security = await e.token('security', `${e.uniq('sam')}@example.com`);
  for (const [id, json] of [
    [ids[1]!, { comment: 'Looking.' }],
    [ids[4]!, { status: 'in_progress' }],
    [ids[5]!, { status: 'false_positive', comment: 'Test code.' }],
    [ids[16]!, { comment: 'Pairing on it.' }],
  ] as const) {
    e.clock.now = new Date(e.clock.now.getTime() + 5 * hour);
    assert.equal((await e.call('PATCH', `/api/findings/${id}`, { token: security, json })).status, 200);
  }
  const team = await db.selectFrom('teams').select('id').where('name', '=', a.team).executeTakeFirstOrThrow();
  const [x] = await db
    .insertInto('exceptions')
    .values({
      status: 'requested',
      reason: 'Vendor fix next quarter.',
      controls: [],
      requested_by: 'ana@example.com',
      team_id: team.id,
      expires_at: new Date(now + 30 * 24 * hour),
      created_at: new Date(now - 2 * hour),
    })
    .returning('id')
    .execute();
  await db
    .insertInto('exception_findings')
    .values({ exception_id: x!.id, finding_id: ids[8]!, priority_rank_at_request: 1 })
    .execute();
  await db
    .updateTable('findings')
    .set({ status: 'fixed', fixed_at: e.clock.now, status_changed_at: e.clock.now })
    .where('id', 'in', [ids[2]!, ids[9]!, ids[18]!, ids[21]!])
    .execute();
  await db
    .updateTable('findings')
    .set({ status: 'accepted', status_changed_at: e.clock.now })
    .where('id', '=', ids[12]!)
    .execute();
  await dailySnapshot({ db, policy: e.ctx.policy, now: () => e.clock.now });
  // After the fold: one comes back, a service changes team, one is deleted, and the next import brings new ones.
  await db
    .updateTable('findings')
    .set({ status: 'open', fixed_at: null, reopened_count: 1 })
    .where('id', '=', ids[9]!)
    .execute();
  await db
    .updateTable('findings')
    .set({ owner_team_id: team.id })
    .where('service_id', '=', ((await resolveScope(db, { service: b.service })) as { serviceId: number }).serviceId)
    .execute();
  await db.deleteFrom('findings').where('id', '=', ids[13]!).execute();
  await e.importText(
    a.service,
    'later.sarif',
    sarif('History', [
      { rule: 'h/99', file: 'late.ts', line: 1 },
      { rule: 'h/00', file: 'h0.ts', line: 1 },
    ]),
  );
  return { teams: [a.team, b.team], services: [a.service, b.service] };
}

describeEachEngine('the scorecard read from kept counts agrees with the live answers', (env) => {
  test('open now by priority, overdue and Security triage, for the organisation, each team and each service', async () => {
    const e = env();
    const db = e.ctx.database.db;
    const { teams, services } = await buildHistory(e);
    const now = e.clock.now;
    const cal = policyCalendar(e.ctx.policy);
    const period = periodOf(e.ctx.policy, now, {});
    const w: Window = { start: cal.startOf(period.from), end: now };
    const scopes: Scope[] = [
      { kind: 'org' },
      ...(await Promise.all(teams.map((team) => resolveScope(db, { team })))),
      ...(await Promise.all(services.map((service) => resolveScope(db, { service })))),
    ];
    let open = 0;
    let answered = 0;
    for (const scope of scopes) {
      const kept = await openNow(db, scope, now);
      assert.deepEqual(kept, await liveOpenNow(db, scope, now), `open now, ${JSON.stringify(scope)}`);
      const t = (await securityServiceLevels(db, e.ctx.policy, scope, w, now)).triage;
      const live = await liveTriage(db, scope, w, now);
      assert.deepEqual(
        [t.answered, t.medianHours, t.p80Hours, t.withinTarget, t.waiting, t.oldestWaitingHours],
        [live.answered, live.median, live.p80, live.within_target, live.waiting, live.oldest],
        `triage, ${JSON.stringify(scope)}`,
      );
      open += kept.total;
      answered += t.answered;
    }
    // The history reached every case: open findings counted, answers found, some overdue.
    assert.ok(open > 20 && answered >= 3, `open ${open}, answered ${answered}`);
    assert.ok((await openNow(db, scopes[1]!, now)).overdue > 0);
    // The job's fold leaves one row per key, and the sums as they were.
    const before = await liveOpenNow(db, { kind: 'org' }, now);
    await dailySnapshot({ db, policy: e.ctx.policy, now: () => now });
    const { rows } = await sql<{ n: number; keys: number }>`select count(*)::int n,
        count(distinct (team_id, service_id, priority_rank))::int keys from finding_open_counts`.execute(db);
    assert.equal(rows[0]!.n, rows[0]!.keys);
    assert.deepEqual(await openNow(db, { kind: 'org' }, now), before);
  });
});
