// Upgrades from every earlier schema version: a database migrated only up to each migration holds the rows an Entente of
// that version wrote (plain SQL, that version's columns only); opening it with this Entente migrates it to the newest
// schema, keeps every row with sensible values in the newer columns, keeps the audit log verifiable, and an import and a
// gate decision work on it. Both engines.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { openDatabase } from '../src/db/connect.ts';
import { migrateTo, migrationNames } from '../src/db/migrate.ts';
import { chainHash, genesis } from '../src/audit/chain.ts';
import { canonicalJson } from '../src/canonical-json.ts';
import { verifyAudit } from '../src/audit/verify.ts';
import { importReport } from '../src/scans/import-service.ts';
import { reportFromBuffer } from '../src/imports/report-input.ts';
import { runGate } from '../src/gates/gate-service.ts';
import { expireExceptionsNow } from '../src/exceptions/exceptions-service.ts';
import { localAdmin } from '../src/people/tokens.ts';
import { defaultPolicy } from '../src/policy/policy.ts';
import { engines } from './support/engines.ts';
import { createScratchPg } from './support/scratch-pg.ts';
import { trivy } from './support/reports.ts';
import { seedEmptyDataFolder } from './support/template.ts';

const dir = mkdtempSync(join(tmpdir(), 'entente-upgrade-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const at = (day: number): string => `2026-01-${String(day).padStart(2, '0')}T10:00:00.000Z`;
const since = (name: string, version: string): boolean => name >= version;

/** The rows an Entente at schema `version` held: a team and its lead, a service, a token, a scan, a finding with its
 * source, a comment, a finding accepted under an approved exception, a commitment (from 002), and two audit entries chained the way it chained them. */
async function writeOldRows(db: Kysely<any>, version: string): Promise<void> {
  const q = (text: string): Promise<unknown> => sql.raw(text).execute(db);
  await q(`insert into teams (name, kind, lead_email) values ('payments', 'engineering', 'ana@example.com')`);
  await q(`insert into people (email, name) values ('ana@example.com', 'Ana')`);
  await q(`insert into team_members (team_id, person_id) select t.id, p.id from teams t, people p`);
  await q(
    `insert into services (name, owner_team_id, criticality, exposure, repositories) select 'checkout-api', id, 4, 'internet', '{git.example.com/checkout}' from teams`,
  );
  await q(`insert into api_tokens (name, role, token_hash) values ('ci-checkout', 'security', 'old-hash')`);
  await q(`insert into scans (service_id, format, tools, file_name, actor, summary, created_at)
    select id, 'trivy', '{Trivy}', 'old.json', 'token:ci-checkout', '{"created": 1}', '${at(2)}' from services`);
  await q(`insert into findings (service_id, fingerprint, recipe, kind, tool, rule_id, title, severity, severity_rank, aliases, cwes,
      component_name, component_version, priority, priority_rank, due_at, owner_team_id, first_seen_at, status_changed_at)
    select s.id, 'old-fingerprint', 'dependency:v1', 'dependency', 'Trivy', 'CVE-2023-0001', 'Old library flaw', 'high', 1, '{GHSA-old}', '{79}',
      'old-lib', '1.0.0', 'attend', 1, '${at(30)}', s.owner_team_id, '${at(2)}', '${at(2)}' from services s`);
  await q(`insert into finding_sources (finding_id, tool, rule_id, first_scan_id, changed_scan_id)
    select f.id, 'Trivy', 'CVE-2023-0001', s.id, s.id from findings f, scans s`);
  await q(
    `insert into finding_comments (finding_id, author, body) select id, 'ana@example.com', 'on it' from findings`,
  );
  // A second finding accepted under an approved exception that has since run out.
  await q(`insert into findings (service_id, fingerprint, recipe, kind, tool, rule_id, title, severity, severity_rank,
      priority, priority_rank, due_at, owner_team_id, first_seen_at, status_changed_at, status)
    select s.id, 'accepted-fingerprint', 'code:v1', 'code', 'Semgrep', 'xss', 'Accepted flaw', 'medium', 2,
      'track', 3, '${at(30)}', s.owner_team_id, '${at(2)}', '${at(3)}', 'accepted' from services s`);
  await q(`insert into finding_sources (finding_id, tool, rule_id, first_scan_id, changed_scan_id)
    select f.id, 'Semgrep', 'xss', s.id, s.id from findings f, scans s where f.fingerprint = 'accepted-fingerprint'`);
  await q(`insert into exceptions (status, reason, requested_by, team_id, expires_at, lead_approved_by, security_approved_by, decided_at)
    select 'approved', 'behind the VPN until the rewrite', 'ana@example.com', id, '${at(25)}', 'ana@example.com', 'sec@example.com', '${at(3)}' from teams`);
  await q(`insert into exception_findings (exception_id, finding_id, priority_rank_at_request)
    select e.id, f.id, 3 from exceptions e, findings f where f.fingerprint = 'accepted-fingerprint'`);
  if (since(version, '002-gates')) {
    await q(`insert into commitments (kind, title, owner_team_id, service_id, finding_id, due_at, verification, source_type, source_id, created_by)
      select 'waf-rule', 'Block the old flaw', f.owner_team_id, f.service_id, f.id, '${at(20)}', '{"how": "evidence"}', 'review', 1, 'ana@example.com' from findings f`);
  }
  let prev = genesis;
  for (const [i, e] of [
    { action: 'org.apply', entity: 'team', entityId: '1', after: { name: 'payments' } },
    { action: 'import', entity: 'scan', entityId: '1', after: { created: 1, file: 'old.json' } },
  ].entries()) {
    const when = at(2 + i);
    const hash = chainHash(prev, {
      at: when,
      actor: 'local-cli',
      action: e.action,
      entity: e.entity,
      entityId: e.entityId,
      before: null,
      after: canonicalJson(e.after),
    });
    await sql`insert into audit_log (at, actor, action, entity, entity_id, after, prev_hash, hash)
      values (${when}, 'local-cli', ${e.action}, ${e.entity}, ${e.entityId}, ${JSON.stringify(e.after)}::jsonb, ${prev}, ${hash})`.execute(
      db,
    );
    prev = hash;
  }
}

for (const engine of engines) {
  describe(`an upgrade from every earlier schema version [${engine}]`, () => {
    for (const version of migrationNames) {
      test(`from ${version}: the rows stay, the newer columns are sensible, the audit log verifies, imports and gates work`, async () => {
        const dataDir = join(dir, `${engine}-${version}`);
        const scratch =
          engine === 'postgres' ? await createScratchPg(`entente_upgrade_${version.slice(0, 3)}`) : undefined;
        try {
          const where = { url: scratch?.url, dataDir };
          if (engine === 'pglite') await seedEmptyDataFolder(dataDir);
          const old = await openDatabase({ ...where, migrate: false });
          try {
            await migrateTo(old.db, version);
            await writeOldRows(old.db, version);
          } finally {
            await old.close();
          }
          const database = await openDatabase(where);
          try {
            const db = database.db;
            const {
              rows: [applied],
            } = await sql<{ name: string }>`select max(name) as name from entente_migrations`.execute(db);
            assert.equal(applied!.name, migrationNames.at(-1));
            const finding = await db
              .selectFrom('findings')
              .selectAll()
              .where('fingerprint', '=', 'old-fingerprint')
              .executeTakeFirstOrThrow();
            assert.equal(finding.fingerprint, 'old-fingerprint');
            assert.equal(finding.status, 'open');
            assert.deepEqual(finding.aliases, ['GHSA-old']);
            assert.deepEqual(finding.cwes, [79]);
            assert.equal(finding.reminded_due_at, null, 'no reminder was sent yet');
            assert.equal((await db.selectFrom('finding_sources').selectAll().execute()).length, 2);
            assert.equal((await db.selectFrom('finding_comments').selectAll().execute()).length, 1);
            assert.equal((await db.selectFrom('scans').selectAll().execute()).length, 1);
            const service = await db.selectFrom('services').selectAll().executeTakeFirstOrThrow();
            assert.deepEqual(
              [service.name, service.criticality, service.exposure, service.repositories],
              ['checkout-api', 4, 'internet', ['git.example.com/checkout']],
            );
            const team = await db
              .selectFrom('team_members')
              .innerJoin('people', 'people.id', 'team_members.person_id')
              .select('email')
              .execute();
            assert.deepEqual(
              team.map((m) => m.email),
              ['ana@example.com'],
            );
            const token = await db
              .selectFrom('api_tokens')
              .selectAll()
              .where('name', '=', 'ci-checkout')
              .executeTakeFirstOrThrow();
            assert.equal(token.expires_at, null, 'a token made before tokens expired keeps working');
            assert.equal(token.revoked_at, null);
            if (since(version, '002-gates')) {
              const commitment = await db.selectFrom('commitments').selectAll().executeTakeFirstOrThrow();
              assert.deepEqual(
                [commitment.state, commitment.released_at, commitment.finding_id],
                ['open', null, finding.id],
              );
            }
            const audit = await db.selectFrom('audit_log').selectAll().orderBy('id').execute();
            assert.deepEqual(
              audit.map((a) => [a.action, a.key_id, a.seal]),
              [
                ['org.apply', null, null],
                ['import', null, null],
              ],
            );
            const verified = await verifyAudit(db);
            assert.equal(verified.ok, true, verified.message);

            // The app works on it: the run-out exception expires and its finding is open again (the exception was
            // approved before 011 kept each finding's earlier status), an import and a gate decision.
            const deps = { db, policy: defaultPolicy, now: () => new Date('2026-02-01T09:00:00Z') };
            assert.equal((await expireExceptionsNow(deps, 'local-cli')).expired, 1);
            const back = await db
              .selectFrom('findings')
              .select('status')
              .where('fingerprint', '=', 'accepted-fingerprint')
              .executeTakeFirstOrThrow();
            assert.equal(back.status, 'open');
            const summary = await importReport(deps, {
              service: 'checkout-api',
              actor: 'local-cli',
              input: reportFromBuffer(
                'new.json',
                Buffer.from(trivy([{ cve: 'CVE-2024-0001', pkg: 'left-pad', version: '1.0.0', fixed: '1.0.1' }])),
              ),
            });
            assert.equal(summary.created, 1);
            assert.equal((await db.selectFrom('findings').select('id').execute()).length, 3);
            const gate = await runGate(deps, localAdmin, { service: 'checkout-api', env: 'prod' });
            assert.ok(['go', 'go_with_controls', 'no_go'].includes(gate.outcome), gate.outcome);
            const after = await verifyAudit(db);
            assert.equal(after.ok, true, after.message);
            assert.ok(after.entries >= 5, `${after.entries} entries`);
          } finally {
            await database.close();
          }
        } finally {
          await scratch?.drop();
        }
      });
    }
  });
}
