// kill -9 during a gate decision: a real `entente serve` decides a release that creates thousands of commitments, and is
// killed with SIGKILL at several points of that decision. After each kill the server starts again on the same data
// folder or database, and the decision is there whole (its row, every commitment it names, its audit entry) or not at
// all; the audit log verifies; a new decision works.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { cliWorld, entente, serveCli } from './support/cli.ts';
import { engines } from './support/engines.ts';
import { sarif } from './support/reports.ts';
import { openDatabase } from '../src/db/connect.ts';

/**
 * Urgent findings per service: SQL injection on an internet-facing criticality-4 service, each asking for controls
 * (two each: 2,000 commitments per decision, ~0.4 s on PGlite on a quiet machine, long enough for six kill points).
 */
const perService = 1_000;
/** Where in the measured decision's duration each kill lands; 'answered': at once when the answer arrives (the
 * decision the client was told about must survive, i.e. be on disk, not only in the server's memory). */
const killPoints: (number | 'answered')[] = [0.05, 0.25, 0.5, 0.75, 0.95, 'answered'];

function ok(env: Record<string, string>, ...args: string[]): string {
  const r = entente(env, ...args);
  assert.equal(r.code, 0, `entente ${args.join(' ')}: ${r.err}`);
  return r.out;
}

interface Consistency {
  decisions: number;
  created: number;
}

/** Opens the database the server used (while no server runs) and checks every gate decision of `service` is whole,
 * and no gate commitment of it points at a missing decision. */
async function checkWhole(env: Record<string, string>, service: string): Promise<Consistency> {
  const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.ENTENTE_DATA });
  try {
    const db = database.db;
    const { id: serviceId } = await db
      .selectFrom('services')
      .select('id')
      .where('name', '=', service)
      .executeTakeFirstOrThrow();
    const decisions = await db
      .selectFrom('gate_decisions')
      .select(['id', 'outcome', 'created_commitments'])
      .where('service_id', '=', serviceId)
      .execute();
    let created = 0;
    for (const d of decisions) {
      assert.equal(d.outcome, 'go_with_controls');
      const made = await db
        .selectFrom('commitments')
        .select('id')
        .where('source_type', '=', 'gate')
        .where('source_id', '=', d.id)
        .execute();
      assert.deepEqual(
        made.map((c) => Number(c.id)).sort((a, b) => a - b),
        [...d.created_commitments].map(Number).sort((a, b) => a - b),
        `decision ${d.id}: the commitments it names are the ones that point at it`,
      );
      const audit = await db
        .selectFrom('audit_log')
        .select('id')
        .where('action', '=', 'gate.decide')
        .where('entity', '=', 'gate_decision')
        .where('entity_id', '=', String(d.id))
        .execute();
      assert.equal(audit.length, 1, `decision ${d.id} has its audit entry`);
      created += made.length;
    }
    const { rows: orphans } = await sql<{ n: string }>`select count(*)::text as n from commitments c
      where c.source_type = 'gate' and not exists (select 1 from gate_decisions g where g.id = c.source_id)`.execute(
      db,
    );
    assert.equal(orphans[0]!.n, '0', 'no gate commitment without its decision');
    const { rows: loose } = await sql<{
      n: string;
    }>`select count(*)::text as n from audit_log a where a.action = 'gate.decide'
      and not exists (select 1 from gate_decisions g where g.id::text = a.entity_id)`.execute(db);
    assert.equal(loose[0]!.n, '0', 'no audit entry for a decision that is not there');
    return { decisions: decisions.length, created };
  } finally {
    await database.close();
  }
}

async function gate(url: string, token: string, service: string): Promise<{ status: number; body: any }> {
  const r = await fetch(`${url}/api/gates`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ service, env: 'prod' }),
  });
  return { status: r.status, body: await r.json() };
}

for (const engine of engines) {
  describe(`kill -9 during a gate decision [${engine}]`, () => {
    const world = cliWorld(engine, `gate-crash-${engine}`);

    test('after each kill the decision is whole or absent, the audit log verifies, and a new decision works', async () => {
      const env = { ...world.env, DATABASE_URL: world.env.DATABASE_URL ?? '' };
      const services = ['measure', ...killPoints.map((_, i) => `kill-${i}`)];
      const org =
        'teams:\n  - name: payments\n    kind: engineering\n    lead: ana@example.com\n    members: [ana@example.com]\nservices:\n'
        + services
          .map((s) => `  - name: ${s}\n    owner: payments\n    criticality: 4\n    exposure: internet\n`)
          .join('');
      writeFileSync(join(world.dir, 'org.yaml'), org);
      ok(env, 'org', 'apply', join(world.dir, 'org.yaml'));
      for (const service of services) {
        const file = join(world.dir, `${service}.sarif`);
        writeFileSync(
          file,
          sarif(
            'BigScanner',
            Array.from({ length: perService }, (_, i) => ({
              rule: 'SQLI',
              file: `src/${service}/q${i}.ts`,
              line: 1 + (i % 500),
              cwe: 89,
            })),
          ),
        );
        ok(env, 'import', file, '--service', service);
      }
      const token = ok(env, 'token', 'create', '--role', 'security', '--name', 'crash-test').split('\n')[0]!.trim();

      // The decision's duration, measured on a running server.
      let server = await serveCli(env);
      const started = Date.now();
      const measured = await gate(server.url, token, 'measure');
      const duration = Date.now() - started;
      assert.equal(measured.status, 201, JSON.stringify(measured.body).slice(0, 300));
      assert.ok(
        measured.body.createdCommitments.length >= 2 * perService,
        `${measured.body.createdCommitments.length} commitments`,
      );
      await server.stop();

      const seen: string[] = [];
      for (const [i, point] of killPoints.entries()) {
        const service = `kill-${i}`;
        server = await serveCli(env);
        const sent = gate(server.url, token, service).then(
          (r) => `answered ${r.status}`,
          () => 'cut off',
        );
        if (point === 'answered') await sent;
        else await new Promise((resolve) => setTimeout(resolve, Math.round(point * duration)));
        await server.kill();
        const answer = await sent;
        if (point === 'answered') assert.equal(answer, 'answered 201');
        const before = await checkWhole(env, service);
        assert.ok(before.decisions <= 1, `${before.decisions} decisions`);
        if (answer === 'answered 201')
          assert.equal(before.decisions, 1, 'a decision the client was told about is kept');
        seen.push(
          `${point === 'answered' ? 'after the answer' : `${Math.round(point * duration)} ms`}: ${answer}, ${before.decisions ? `kept (${before.created} commitments)` : 'absent'}`,
        );

        server = await serveCli(env);
        try {
          const verify = await fetch(`${server.url}/api/audit/verify`, {
            headers: { authorization: `Bearer ${token}` },
          });
          const verdict = (await verify.json()) as { ok: boolean; message: string };
          assert.equal(verify.status, 200);
          assert.equal(verdict.ok, true, verdict.message);
          const again = await gate(server.url, token, service);
          assert.equal(again.status, 201, JSON.stringify(again.body).slice(0, 300));
          assert.equal(again.body.outcome, 'go_with_controls');
          if (before.decisions)
            assert.equal(again.body.createdCommitments.length, 0, "the kept decision's commitments are relied on");
          else
            assert.ok(again.body.createdCommitments.length >= 2 * perService, 'the lost decision is made whole again');
        } finally {
          await server.stop();
        }
        const after = await checkWhole(env, service);
        assert.equal(after.decisions, before.decisions + 1);
      }
      // What the kills hit (not asserted: it depends on the machine's speed).
      console.log(`[${engine}] decision took ${duration} ms; kills: ${seen.join('; ')}`);
    });
  });
}
