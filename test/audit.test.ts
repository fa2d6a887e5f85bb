import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../src/db/schema.ts';
import { runDueJobs, startJobRunner, type JobRun } from '../src/jobs/runner.ts';
import { auditVerifyJob } from '../src/jobs/audit-verify-job.ts';
import { defaultJobs } from '../src/jobs/jobs.ts';
import { migrateTo, migrateToLatest } from '../src/db/migrate.ts';
import { openAuditTrail } from '../src/audit/audit-trail.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { reprioritiseServiceWith } from '../src/findings/reprioritise.ts';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { trivy } from './support/reports.ts';
import { recipeHash } from './support/audit-recipe.ts';
import { verifyAudit, type AuditVerification } from '../src/audit/audit.ts';

let cveCounter = 0;
const newCve = (): string => `CVE-2026-${50000 + ++cveCounter}`;

async function auditRows(e: TestEnv) {
  const rows = await e.ctx.database.db.selectFrom('audit_log').selectAll().orderBy('id').execute();
  return rows.map((r) => ({ ...r, id: String(r.id) }));
}

async function entriesFor(e: TestEnv, entity: string, entityId: string | number) {
  return (await auditRows(e)).filter((r) => r.entity === entity && r.entity_id === String(entityId));
}

/** A few writes of each kind, so the chain has a middle: an org apply, an import and a PATCH. */
async function someWrites(e: TestEnv): Promise<void> {
  const { service } = await e.makeService();
  await e.importText(service, 'trivy.json', trivy([{ cve: newCve(), pkg: 'ws', version: '7.0.0' }]));
  const admin = await e.token('admin');
  const [f] = (await e.call('GET', `/api/findings?service=${service}`, { token: admin })).body.items;
  const r = await e.call('PATCH', `/api/findings/${f.id}`, { token: admin, json: { status: 'in_progress' } });
  assert.equal(r.status, 200);
  await e.importText(service, 'trivy.json', trivy([{ cve: newCve(), pkg: 'ws', version: '7.0.0' }]));
}

describeEachEngine('audit log', (env) => {
  test('an import through the API records who imported what', async () => {
    const e = env();
    const dev = `${e.uniq('dev')}@example.com`;
    const { service } = await e.makeService({ members: [dev] });
    const r = await e.call('POST', `/api/scans?service=${service}`, {
      token: await e.token('engineer', dev),
      body: trivy([{ cve: newCve(), pkg: 'ws', version: '7.0.0' }]),
    });
    assert.equal(r.status, 201);
    const [entry, ...more] = await entriesFor(e, 'scan', r.body.scanId);
    assert.equal(more.length, 0);
    assert.equal(entry!.actor, dev);
    assert.equal(entry!.action, 'scan.import');
    assert.equal(entry!.before, null);
    assert.deepEqual(entry!.after, r.body);
    assert.equal(new Date(entry!.at).getTime(), e.clock.now.getTime());
  });

  test('a PATCH records the status and assignee before and after, and the comment', async () => {
    const e = env();
    const dev = `${e.uniq('dev')}@example.com`;
    const { service } = await e.makeService({ members: [dev] });
    await e.importText(service, 'trivy.json', trivy([{ cve: newCve(), pkg: 'ws', version: '7.0.0' }]));
    const token = await e.token('engineer', dev);
    const [f] = (await e.call('GET', `/api/findings?service=${service}`, { token })).body.items;
    const r = await e.call('PATCH', `/api/findings/${f.id}`, {
      token,
      json: { status: 'in_progress', assignee: dev, comment: 'on it' },
    });
    assert.equal(r.status, 200);
    const entries = await entriesFor(e, 'finding', f.id);
    assert.deepEqual(
      entries.map((x) => [x.actor, x.action]),
      [[dev, 'finding.update']],
    );
    const { before, after } = entries[0]! as unknown as {
      before: Record<string, unknown>;
      after: Record<string, unknown>;
    };
    assert.deepEqual(before, { status: 'open', assignee_id: null });
    assert.equal(after.status, 'in_progress');
    assert.equal(typeof after.assignee_id, 'number');
    assert.equal(after.comment, 'on it');
  });

  test('a refused PATCH records nothing', async () => {
    const e = env();
    const { service } = await e.makeService();
    await e.importText(service, 'trivy.json', trivy([{ cve: newCve(), pkg: 'ws', version: '7.0.0' }]));
    const admin = await e.token('admin');
    const [f] = (await e.call('GET', `/api/findings?service=${service}`, { token: admin })).body.items;
    const r = await e.call('PATCH', `/api/findings/${f.id}`, {
      token: await e.token('auditor'),
      json: { status: 'fixed' },
    });
    assert.equal(r.status, 403);
    assert.deepEqual(await entriesFor(e, 'finding', f.id), []);
  });

  test('an org apply through the API records each team and service it creates or changes', async () => {
    const e = env();
    const adminEmail = `${e.uniq('admin')}@example.com`;
    const admin = await e.token('admin', adminEmail);
    const team = e.uniq('team');
    const service = e.uniq('svc');
    const yaml = (criticality: number) =>
      `teams:\n  - name: ${team}\n    kind: security\nservices:\n  - name: ${service}\n    owner: ${team}\n    criticality: ${criticality}\n    exposure: internal\n`;
    assert.equal((await e.call('POST', '/api/org', { token: admin, body: yaml(2) })).status, 200);
    assert.equal((await e.call('POST', '/api/org', { token: admin, body: yaml(3) })).status, 200);
    const rows = (await auditRows(e)).filter((r) => r.actor === adminEmail);
    assert.deepEqual(
      rows.map((r) => r.action),
      ['team.create', 'service.create', 'service.update'],
    );
    const [teamCreate, serviceCreate, serviceUpdate] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
    assert.equal(teamCreate.before, null);
    assert.equal((teamCreate.after as { name: string }).name, team);
    assert.equal((serviceCreate.after as { criticality: number }).criticality, 2);
    assert.equal((serviceUpdate.before as { criticality: number }).criticality, 2);
    assert.equal((serviceUpdate.after as { criticality: number }).criticality, 3);
  });

  test('verifyAudit accepts the untouched chain and counts every entry', async () => {
    const e = env();
    await someWrites(e);
    const rows = await auditRows(e);
    assert.ok(rows.length >= 6);
    const v = await verifyAudit(e.ctx.database.db);
    assert.deepEqual([v.ok, v.entries, v.problem, v.brokenAt], [true, rows.length, undefined, undefined]);
    assert.match(v.message, new RegExp(`^The audit log is intact: ${rows.length} entries`));
    for (let i = 1; i < rows.length; i++) assert.equal(rows[i]!.prev_hash, rows[i - 1]!.hash);
  });

  test('creating a token is audited without the token or its hash', async () => {
    const e = env();
    const name = e.uniq('ci');
    const { createToken } = await import('../src/people/tokens.ts');
    const { token } = await createToken(e.ctx.database.db, { name, role: 'auditor', actor: 'admin@example.com' });
    const row = (await auditRows(e)).find((r) => r.action === 'token.create' && JSON.stringify(r.after).includes(name));
    assert.ok(row, 'a token.create entry names the token');
    assert.equal(row.actor, 'admin@example.com');
    const hash = (await import('node:crypto')).createHash('sha256').update(token).digest('hex');
    assert.ok(!JSON.stringify(row).includes(token) && !JSON.stringify(row).includes(hash));
  });

  test('GET /api/audit/verify answers admin, auditor and security, and refuses engineer and manager with 403', async () => {
    const e = env();
    await someWrites(e);
    for (const role of ['admin', 'auditor', 'security']) {
      const token = await e.token(role);
      const count = (await auditRows(e)).length;
      const r = await e.call('GET', '/api/audit/verify', { token });
      assert.equal(r.status, 200, role);
      assert.deepEqual([r.body.ok, r.body.entries], [true, count], role);
    }
    const engineer = `${e.uniq('eng')}@example.com`;
    await e.makeService({ members: [engineer] });
    for (const [role, person] of [
      ['engineer', engineer],
      ['manager', undefined],
    ] as const) {
      const r = await e.call('GET', '/api/audit/verify', { token: await e.token(role, person) });
      assert.equal(r.status, 403, role);
      assert.equal(r.body.error.code, 'forbidden');
    }
  });
});

// Breaking the chain is permanent for a database, so each tampering test has one of its own.
describeEachEngine('audit log, altered', (env) => {
  test("altering one entry's after is reported at that entry, and putting it back heals the chain", async () => {
    const e = env();
    await someWrites(e);
    const rows = await auditRows(e);
    const index = rows.findIndex((r) => r.action === 'scan.import');
    assert.ok(index > 0 && index < rows.length - 1, 'the import sits in the middle of the chain');
    const target = rows[index]!;
    const db = e.ctx.database.db;
    await asOwner(e, (db) =>
      sql`update audit_log set after = jsonb_set(after, '{created}', '99'::jsonb) where id = ${target.id}`.execute(db),
    );
    const v = await verifyAudit(db);
    assert.deepEqual([v.ok, v.entries, v.brokenAt, v.problem], [false, index, target.id, 'altered']);
    assert.equal(
      v.message,
      `Entry #${target.id} was altered: its content no longer matches its hash; the ${index} entries before it are intact.`,
    );
    const api = await e.call('GET', '/api/audit/verify', { token: await e.token('auditor') });
    assert.deepEqual(api.body, v);
    await asOwner(e, (db) =>
      sql`update audit_log set after = ${JSON.stringify(target.after)}::jsonb where id = ${target.id}`.execute(db),
    );
    assert.equal((await verifyAudit(db)).ok, true);
    await asOwner(e, (db) => sql`update audit_log set actor = 'someone-else' where id = ${target.id}`.execute(db));
    assert.equal((await verifyAudit(db)).brokenAt, target.id);
  });
});

describeEachEngine('audit log, deleted', (env) => {
  test('deleting an entry in the middle is reported at the entry that followed it', async () => {
    const e = env();
    await someWrites(e);
    const rows = await auditRows(e);
    const middle = Math.floor(rows.length / 2);
    await asOwner(e, (db) => sql`delete from audit_log where id = ${rows[middle]!.id}`.execute(db));
    const v = await verifyAudit(e.ctx.database.db);
    assert.deepEqual([v.ok, v.entries, v.brokenAt, v.problem], [false, middle, rows[middle + 1]!.id, 'missing']);
    assert.match(
      v.message,
      new RegExp(`^Entry #${rows[middle + 1]!.id} does not link to the entry before it \\(#${rows[middle - 1]!.id}\\)`),
    );
  });
});

/** Runs `fn` with the table's triggers off, as the table's owner could. */
async function asOwner(e: TestEnv, fn: (db: Kysely<DB>) => Promise<unknown>): Promise<void> {
  const db = e.ctx.database.db;
  await sql`alter table audit_log disable trigger user`.execute(db);
  try {
    await fn(db);
  } finally {
    await sql`alter table audit_log enable trigger user`.execute(db);
  }
}

describeEachEngine('audit log, rewritten', (env) => {
  test('editing an entry and recomputing every later hash is reported at the edited entry', async () => {
    const e = env();
    await someWrites(e);
    const rows = await auditRows(e);
    const index = rows.findIndex((r) => r.action === 'scan.import');
    const target = rows[index]!;
    await asOwner(e, async (db) => {
      await sql`update audit_log set actor = 'someone-else' where id = ${target.id}`.execute(db);
      let prev = index === 0 ? '0'.repeat(64) : rows[index - 1]!.hash;
      for (const r of rows.slice(index)) {
        const hash = recipeHash(prev, { ...r, actor: r.id === target.id ? 'someone-else' : r.actor });
        await sql`update audit_log set prev_hash = ${prev}, hash = ${hash} where id = ${r.id}`.execute(db);
        prev = hash;
      }
    });
    const v = await verifyAudit(e.ctx.database.db);
    assert.deepEqual([v.ok, v.problem, v.brokenAt, v.entries], [false, 'altered', target.id, index]);
    assert.equal(
      v.message,
      `Entry #${target.id} was altered: its seal does not match, so it was rewritten by someone without the audit key; the ${index} entries before it are intact.`,
    );
  });
});

describeEachEngine('audit log, rewritten without seals', (env) => {
  test('recomputing the hashes and removing the seals from an entry onwards is reported at that entry, not taken for entries older than sealing', async () => {
    const e = env();
    await someWrites(e);
    const rows = await auditRows(e);
    const index = rows.length - 3;
    const target = rows[index]!;
    await asOwner(e, async (db) => {
      let prev = rows[index - 1]!.hash;
      for (const r of rows.slice(index)) {
        const actor = r.id === target.id ? 'someone-else' : r.actor;
        const hash = recipeHash(prev, { ...r, actor });
        await sql`update audit_log set actor = ${actor}, prev_hash = ${prev}, hash = ${hash}, key_id = null, seal = null where id = ${r.id}`.execute(
          db,
        );
        prev = hash;
      }
    });
    const v = await verifyAudit(e.ctx.database.db);
    assert.deepEqual([v.ok, v.problem, v.brokenAt, v.entries], [false, 'altered', target.id, index]);
    assert.match(v.message, /carries no seal, although it was written after entries were sealed/);
  });
});

describeEachEngine('audit log, cut short', (env) => {
  test('deleting the last entries after a scheduled verification is reported as entries missing at the end', async () => {
    const e = env();
    await someWrites(e);
    const runs = await runDueJobs({ db: e.ctx.database.db, policy: e.ctx.policy, now: () => e.clock.now }, defaultJobs);
    assert.ok(
      runs.every((r) => r.ok),
      JSON.stringify(runs),
    );
    const rows = await auditRows(e);
    const kept = rows.slice(0, -2);
    await asOwner(e, async (db) => {
      await sql`delete from audit_log where id > ${kept.at(-1)!.id}`.execute(db);
    });
    const v = await verifyAudit(e.ctx.database.db);
    assert.deepEqual([v.ok, v.problem, v.brokenAt, v.entries], [false, 'missing_at_end', rows.at(-1)!.id, kept.length]);
    assert.match(
      v.message,
      new RegExp(
        `^Entries are missing from the end of the audit log: it ends at #${kept.at(-1)!.id} after ${kept.length} entries, but the checkpoint of 2026-03-02T09:00:00.000Z recorded ${rows.length} entries up to #${rows.at(-1)!.id}\\.$`,
      ),
    );
  });
});

describeEachEngine('audit log, append only', (env) => {
  test('the database refuses UPDATE, DELETE and TRUNCATE on the audit log, and changes nothing', async () => {
    const e = env();
    await someWrites(e);
    const before = await auditRows(e);
    const db = e.ctx.database.db;
    for (const statement of [
      sql`update audit_log set actor = 'someone-else' where id = ${before[0]!.id}`,
      sql`delete from audit_log where id = ${before.at(-1)!.id}`,
      sql`truncate audit_log`,
    ]) {
      await assert.rejects(statement.execute(db), /audit_log is append-only/);
    }
    assert.deepEqual(await auditRows(e), before);
  });
});

describeEachEngine('audit log, written before entries were sealed', (env) => {
  test("entries written before sealing still verify after the upgrade, new entries continue their chain, and rewriting them is caught by the upgrade's checkpoint", async () => {
    const e = env();
    const raw = e.ctx.database.db;
    // The schema as it was before sealing, and a chain written the way it was then.
    await migrateTo(raw, '007-index-only-what-is-set');
    const old = [1, 2, 3].map((n) => ({
      at: new Date(`2026-01-0${n}T10:00:00Z`),
      actor: 'ana@example.com',
      action: 'service.update',
      entity: 'service',
      entity_id: String(n),
      before: { criticality: n },
      after: { criticality: n + 1, tags: { b: 1, a: [n] } },
    }));
    let prev = '0'.repeat(64);
    for (const r of old) {
      const hash = recipeHash(prev, r);
      await sql`insert into audit_log (at, actor, action, entity, entity_id, before, after, prev_hash, hash)
        values (${r.at}, ${r.actor}, ${r.action}, ${r.entity}, ${r.entity_id}, ${JSON.stringify(r.before)}::jsonb, ${JSON.stringify(r.after)}::jsonb, ${prev}, ${hash})`.execute(
        raw,
      );
      prev = hash;
    }
    const legacyHead = prev;
    await migrateToLatest(raw);
    const db = await openAuditTrail(raw, { anchor: true });
    await applyOrg(db, parseOrgFile(`teams:\n  - name: ${e.uniq('team')}\n    kind: security\n`, 'org'), {
      prune: false,
      actor: 'test',
      now: e.clock.now,
      reprioritise: reprioritiseServiceWith(e.ctx.policy),
    });
    const rows = await auditRows(e);
    assert.equal(rows.length, 4);
    assert.deepEqual(
      rows.map((r) => r.seal === null),
      [true, true, true, false],
    );
    assert.equal(rows[3]!.prev_hash, legacyHead);
    const v = await verifyAudit(db);
    assert.deepEqual(
      [v.ok, v.entries, v.message],
      [true, 4, 'The audit log is intact: 4 entries, consistent with 1 checkpoint.'],
    );

    await asOwner(e, async (db) => {
      await sql`update audit_log set actor = 'someone-else' where id = ${rows[1]!.id}`.execute(db);
      let prev = rows[0]!.hash;
      for (const r of rows.slice(1, 3)) {
        const hash = recipeHash(prev, { ...r, actor: r.id === rows[1]!.id ? 'someone-else' : r.actor });
        await sql`update audit_log set prev_hash = ${prev}, hash = ${hash} where id = ${r.id}`.execute(db);
        prev = hash;
      }
    });
    const broken = await verifyAudit(db);
    assert.deepEqual([broken.ok, broken.problem, broken.brokenAt, broken.entries], [false, 'altered', rows[2]!.id, 2]);
    assert.match(broken.message, /it differs from the checkpoint of/);
  });
});

describeEachEngine('audit log, scheduled verification', (env) => {
  test('the verification is one of the scheduled jobs, checkpoints the head when it moved, and runs again whenever the job runner starts', async () => {
    const e = env();
    assert.ok(defaultJobs.some((j) => j.name === 'audit-verify' && j.everySeconds === 3_600 && j.atStart));
    const deps = { db: e.ctx.database.db, policy: e.ctx.policy, now: () => e.clock.now };
    const breaks: unknown[] = [];
    const job = auditVerifyJob((v) => void breaks.push(v));
    await someWrites(e);
    const [first] = await runDueJobs(deps, [job]);
    assert.deepEqual(first!.result, {
      ok: true,
      entries: (await auditRows(e)).length,
      checkpointed: true,
      message: `The audit log is intact: ${(await auditRows(e)).length} entries, consistent with 1 checkpoint.`,
    });
    e.clock.advanceDays(1);
    const [quiet] = await runDueJobs(deps, [job]);
    assert.equal(
      (quiet!.result as { checkpointed: boolean }).checkpointed,
      false,
      'nothing was written since the last checkpoint',
    );
    await someWrites(e);
    const runs = await new Promise<JobRun[]>((resolve) => {
      const runner = startJobRunner(deps, [job], {
        tickMs: 3_600_000,
        onRun: (r) => void runner.stop().then(() => resolve(r)),
      });
    });
    assert.deepEqual(
      runs.map((r) => [r.name, r.ok, (r.result as { checkpointed: boolean }).checkpointed]),
      [['audit-verify', true, true]],
    );
    assert.deepEqual(breaks, []);
  });
});

describeEachEngine('audit log, scheduled verification of a broken log', (env) => {
  test("a break is reported through the Security hook and in the job's last result, and the job is not retried as a failure", async () => {
    const e = env();
    const deps = { db: e.ctx.database.db, policy: e.ctx.policy, now: () => e.clock.now };
    const breaks: [AuditVerification, Date][] = [];
    const job = auditVerifyJob((v, at) => void breaks.push([v, at]));
    await someWrites(e);
    const target = (await auditRows(e))[2]!;
    await asOwner(e, (db) => sql`update audit_log set actor = 'someone-else' where id = ${target.id}`.execute(db));
    const [run] = await runDueJobs(deps, [job]);
    assert.equal(run!.ok, true);
    assert.equal(breaks.length, 1);
    const [v, at] = breaks[0]!;
    assert.deepEqual([v.problem, v.brokenAt, at.getTime()], ['altered', target.id, e.clock.now.getTime()]);
    const row = await e.ctx.database.db
      .selectFrom('job_schedule')
      .select(['last_result', 'last_error'])
      .where('name', '=', 'audit-verify')
      .executeTakeFirstOrThrow();
    assert.deepEqual(row.last_result, {
      ok: false,
      entries: 2,
      checkpointed: false,
      message: v.message,
      problem: 'altered',
      brokenAt: target.id,
    });
    assert.equal(row.last_error, null);
  });
});
