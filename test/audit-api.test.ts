import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { recordAudit } from '../src/audit/audit.ts';
import { auditTrailOf } from '../src/audit/audit-trail.ts';
import { verifyExportFile } from '../src/audit/export-check.ts';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { trivy } from './support/reports.ts';
import { recipeHash } from './support/audit-recipe.ts';

let cveCounter = 0;
const newCve = (): string => `CVE-2026-${60000 + ++cveCounter}`;

async function allRows(e: TestEnv) {
  const rows = await e.ctx.database.db.selectFrom('audit_log').selectAll().orderBy('id').execute();
  return rows.map((r) => ({ ...r, id: String(r.id) }));
}

/** Writes on two days by two people: an org apply and an import on day one, a PATCH by a named admin on day two. */
async function twoDays(e: TestEnv) {
  const dayOne = e.clock.now.toISOString();
  const { service } = await e.makeService();
  await e.importText(service, 'trivy.json', trivy([{ cve: newCve(), pkg: 'ws', version: '7.0.0' }]));
  e.clock.advanceDays(1);
  const dayTwo = e.clock.now.toISOString();
  const adminEmail = `${e.uniq('admin')}@example.com`;
  const admin = await e.token('admin', adminEmail);
  const [f] = (await e.call('GET', `/api/findings?service=${service}`, { token: admin })).body.items;
  assert.equal(
    (await e.call('PATCH', `/api/findings/${f.id}`, { token: admin, json: { status: 'in_progress' } })).status,
    200,
  );
  return { dayOne, dayTwo, adminEmail, findingId: String(f.id), admin };
}

describeEachEngine('audit log API', (env) => {
  test('GET /api/audit lists entries newest first with their chain fields, in pages whose cursors cover each entry once', async () => {
    const e = env();
    const { admin } = await twoDays(e);
    const ids: string[] = [];
    let next: string | null = null;
    do {
      const r = await e.call('GET', `/api/audit?limit=3${next ? `&cursor=${next}` : ''}`, { token: admin });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.ok(r.body.items.length <= 3);
      ids.push(...r.body.items.map((x: { id: string }) => x.id));
      next = r.body.next;
    } while (next);
    const rows = await allRows(e);
    assert.deepEqual(ids, rows.map((r) => r.id).reverse());
    const newest = (await e.call('GET', '/api/audit?limit=1', { token: admin })).body.items[0];
    const last = rows.at(-1)!;
    assert.deepEqual(newest, {
      id: last.id,
      at: new Date(last.at).toISOString(),
      actor: last.actor,
      action: last.action,
      entity: last.entity,
      entityId: last.entity_id,
      before: last.before,
      after: last.after,
      prevHash: last.prev_hash,
      hash: last.hash,
      keyId: last.key_id,
      seal: last.seal,
    });
  });

  test('GET /api/audit filters by entity and id, actor, action and time range', async () => {
    const e = env();
    const { dayTwo, adminEmail, findingId, admin } = await twoDays(e);
    const list = async (q: string) =>
      (await e.call('GET', `/api/audit?${q}`, { token: admin })).body.items as {
        actor: string;
        action: string;
        entity: string;
        entityId: string;
        at: string;
      }[];
    assert.deepEqual(
      (await list(`entity=finding&entityId=${findingId}`)).map((x) => [x.entity, x.entityId, x.action]),
      [['finding', findingId, 'finding.update']],
    );
    assert.deepEqual(
      (await list(`actor=${encodeURIComponent(adminEmail)}`)).map((x) => x.action),
      ['finding.update'],
    );
    const imports = await list('action=scan.import&limit=500');
    assert.ok(imports.length >= 1 && imports.every((x) => x.action === 'scan.import'));
    const later = await list(`from=${dayTwo}&limit=500`);
    const earlier = await list(`to=${dayTwo}&limit=500`);
    assert.ok(later.length > 0 && later.every((x) => x.at >= dayTwo));
    assert.ok(earlier.length > 0 && earlier.every((x) => x.at < dayTwo));
    assert.equal(later.length + earlier.length, (await allRows(e)).length);
  });

  test('auditor, security and admin may read and export the log; engineer and manager get 403; a bad cursor or time is a 400 that names it', async () => {
    const e = env();
    for (const role of ['auditor', 'security', 'admin']) {
      const token = await e.token(role);
      assert.equal((await e.call('GET', '/api/audit', { token })).status, 200, role);
      assert.equal((await e.call('GET', '/api/audit/export', { token })).status, 200, role);
    }
    const engineer = `${e.uniq('eng')}@example.com`;
    await e.makeService({ members: [engineer] });
    for (const [role, person] of [
      ['engineer', engineer],
      ['manager', undefined],
    ] as const) {
      const token = await e.token(role, person);
      for (const path of ['/api/audit', '/api/audit/export']) {
        const r = await e.call('GET', path, { token });
        assert.deepEqual([r.status, r.body.error.code], [403, 'forbidden'], `${role} ${path}`);
      }
    }
    const token = await e.token('auditor');
    const cursor = await e.call('GET', '/api/audit?cursor=bm90LWEtY3Vyc29y', { token });
    assert.deepEqual(
      [cursor.status, cursor.body.error.message],
      [400, 'the cursor is not one this list gave out; start again without it'],
    );
    const from = await e.call('GET', '/api/audit/export?from=last%20week', { token });
    assert.deepEqual(
      [from.status, from.body.error.message],
      [400, 'from: "last week" is not a date or time; write 2026-03-01 or 2026-03-01T09:00:00Z'],
    );
  });

  test('GET /api/audit/export streams JSON lines or CSV, oldest first and contiguous, from which an auditor recomputes every hash', async () => {
    const e = env();
    const { dayTwo, admin } = await twoDays(e);
    const rows = await allRows(e);
    const res = await e.app.request('/api/audit/export?format=jsonl', {
      headers: { authorization: `Bearer ${admin}` },
    });
    assert.equal(res.headers.get('content-type'), 'application/jsonl; charset=utf-8');
    assert.equal(res.headers.get('content-disposition'), 'attachment; filename="entente-audit.jsonl"');
    const lines = (await res.text())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(lines.length >= rows.length - 1, 'every entry up to the export (reading the list may add a token entry)');
    let prev = '0'.repeat(64);
    for (const l of lines) {
      assert.equal(l.prevHash, prev);
      assert.equal(recipeHash(prev, { ...l, entity_id: l.entityId }), l.hash, `entry ${l.id}`);
      prev = l.hash;
    }
    const csv = await e.app.request(`/api/audit/export?format=csv&to=${dayTwo}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
    const records: Record<string, string>[] = parseCsv(await csv.text(), { columns: true });
    // Up to the last entry written before day two, and every entry before it even if its time is later (token entries carry the real time).
    const lastBefore = BigInt(rows.filter((r) => new Date(r.at).toISOString() < dayTwo).at(-1)!.id);
    assert.deepEqual(
      records.map((r) => r.id),
      rows.filter((r) => BigInt(r.id) <= lastBefore).map((r) => r.id),
    );
    const strip = (v: string | undefined) => (v === undefined || v === '' ? null : v.startsWith("'") ? v.slice(1) : v);
    for (const r of records) {
      const hash = recipeHash(r.prev_hash!, {
        at: r.at!,
        actor: strip(r.actor)!,
        action: r.action!,
        entity: r.entity!,
        entity_id: strip(r.entity_id),
        before: strip(r.before) && JSON.parse(strip(r.before)!),
        after: strip(r.after) && JSON.parse(strip(r.after)!),
      });
      assert.equal(hash, r.hash, `entry ${r.id}`);
    }
  });

  test('the OpenAPI document describes the audit routes', async () => {
    const e = env();
    const doc = (await e.call('GET', '/api/openapi.json')).body;
    for (const path of ['/api/audit', '/api/audit/export', '/api/audit/verify']) assert.ok(doc.paths[path]?.get, path);
    assert.deepEqual(
      [...new Set(doc.paths['/api/audit'].get.parameters.map((p: { name: string }) => p.name))],
      ['entity', 'entityId', 'actor', 'action', 'from', 'to', 'limit', 'cursor'],
    );
  });
});

describeEachEngine('audit log export, checked offline', (env) => {
  test('a CSV export keeps formulas from running yet verifies, seals included, even for text that starts with = or an apostrophe; an empty range verifies as empty', async () => {
    const e = env();
    const db = e.ctx.database.db;
    await db.transaction().execute(async (trx) => {
      await recordAudit(trx, {
        actor: '=HYPERLINK("http://x")',
        action: 'test.write',
        entity: "'quoted",
        entityId: '',
        after: { note: '-1+1', list: ['@a', "'b"] },
        at: e.clock.now,
      });
      await recordAudit(trx, {
        actor: "'already",
        action: 'test.write',
        entity: 'plain',
        entityId: null,
        at: e.clock.now,
      });
    });
    const admin = await e.token('admin');
    const dir = mkdtempSync(join(tmpdir(), 'entente-audit-export-'));
    try {
      const csv = await (
        await e.app.request('/api/audit/export?format=csv', { headers: { authorization: `Bearer ${admin}` } })
      ).text();
      assert.match(csv, /\r\n\d+,[^,]+,"'=HYPERLINK\(""http:\/\/x""\)",test\.write,''quoted,"",,/);
      assert.match(csv, /,''already,test\.write,plain,,,,/);
      writeFileSync(join(dir, 'audit.csv'), csv);
      const v = await verifyExportFile(join(dir, 'audit.csv'), auditTrailOf(db).keyring);
      assert.deepEqual([v.ok, v.entries], [true, (await allRows(e)).length], v.message);
      assert.match(v.message, /and their seals hold\.$/);
      const empty = await (
        await e.app.request('/api/audit/export?format=jsonl&from=2031-01-01', {
          headers: { authorization: `Bearer ${admin}` },
        })
      ).text();
      assert.equal(empty, '');
      writeFileSync(join(dir, 'empty.jsonl'), empty);
      assert.deepEqual(await verifyExportFile(join(dir, 'empty.jsonl'), undefined), {
        ok: true,
        entries: 0,
        checkpoints: 0,
        message: `The export ${join(dir, 'empty.jsonl')} holds no entries.`,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
