import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { sarif, trivy } from './support/reports.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { reprioritiseServiceWith } from '../src/findings/reprioritise.ts';
import { importExposure } from '../src/exposure/exposure-service.ts';
import { reportFromBuffer } from '../src/imports/report-input.ts';

let hostCounter = 10;
let cveCounter = 0;

/** An nmap -oX report of one host that scanned `port` and saw it in `state`. */
const nmap = (
  host: string,
  port: number,
  state: 'open' | 'closed',
) => `<?xml version="1.0"?><nmaprun scanner="nmap" version="7.93">
<scaninfo type="syn" protocol="tcp" numservices="1" services="${port}"/><host><status state="up"/><address addr="${host}" addrtype="ipv4"/>
<ports><port protocol="tcp" portid="${port}"><state state="${state}"/><service name="ftp"/></port></ports></host></nmaprun>`;

/**
 * Two teams, each owning a service (A's lists a host); an engineer in each, one who has left every team, Security and
 * an admin, each with a token of their own.
 */
async function world(e: TestEnv) {
  const [a, b, c] = [e.uniq('team-a'), e.uniq('team-b'), e.uniq('team-c')];
  const [serviceA, serviceB] = [e.uniq('svc-a'), e.uniq('svc-b')];
  const host = `198.51.${150 + (process.pid % 50)}.${hostCounter++}`;
  const [engA, engB, leaver] = [
    `${e.uniq('ana')}@example.com`,
    `${e.uniq('ben')}@example.com`,
    `${e.uniq('lee')}@example.com`,
  ];
  const org = (leaverTeam: string[]) => `teams:
  - { name: ${a}, kind: engineering, lead: ${engA}, members: [${engA}] }
  - { name: ${b}, kind: engineering, members: [${engB}] }
  - { name: ${c}, kind: it-operations, members: [${leaverTeam.join(', ')}] }
services:
  - { name: ${serviceA}, owner: ${a}, criticality: 4, exposure: internet, hosts: [${host}] }
  - { name: ${serviceB}, owner: ${b}, criticality: 2, exposure: internal }
`;
  const apply = (yaml: string) =>
    applyOrg(e.ctx.database.db, parseOrgFile(yaml, 'test org'), {
      prune: false,
      actor: 'test',
      now: e.clock.now,
      reprioritise: reprioritiseServiceWith(e.ctx.policy),
    });
  await apply(org([leaver]));
  const tokens = {
    engA: await e.token('engineer', engA),
    engB: await e.token('engineer', engB),
    leaver: await e.token('engineer', leaver),
    security: await e.token('security', `${e.uniq('sam')}@example.com`),
    admin: await e.token('admin', `${e.uniq('root')}@example.com`),
  };
  await apply(org([])); // the leaver's token outlives their membership
  return { a, b, serviceA, serviceB, host, engA, tokens };
}

const raw = (body: string) => ({ body, headers: { 'content-type': 'application/octet-stream' } });

async function findingsOf(e: TestEnv, service: string) {
  const svc = await e.ctx.database.db
    .selectFrom('services')
    .select('id')
    .where('name', '=', service)
    .executeTakeFirstOrThrow();
  return e.ctx.database.db
    .selectFrom('findings')
    .select(['id', 'status', 'title'])
    .where('service_id', '=', svc.id)
    .orderBy('id')
    .execute();
}

describeEachEngine('authorisation by team', (env) => {
  test("an engineer imports reports only for their own teams' services; another team's empty report fixes nothing", async () => {
    const e = env();
    const w = await world(e);
    await e.importText(
      w.serviceA,
      'codeql.sarif',
      sarif('CodeQL', [{ rule: 'js/sql-injection', file: 'src/db.ts', line: 4, cwe: 89 }]),
    );
    const empty = sarif('CodeQL', []);
    for (const who of [w.tokens.engB, w.tokens.leaver]) {
      const r = await e.call('POST', `/api/scans?service=${w.serviceA}`, { token: who, ...raw(empty) });
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.equal(r.body.error.code, 'forbidden');
      assert.match(r.body.error.message, new RegExp(`${w.serviceA} belongs to ${w.a}`));
    }
    assert.deepEqual(
      (await findingsOf(e, w.serviceA)).map((f) => f.status),
      ['open'],
    );
    const own = await e.call('POST', `/api/scans?service=${w.serviceA}`, { token: w.tokens.engA, ...raw(empty) });
    assert.equal(own.status, 201, JSON.stringify(own.body));
    assert.equal(own.body.fixed, 1, 'the same report from the owning team does fix it');
  });

  test("a host scan is Security's or an admin's to send: an engineer, even of the owning team, gets 403 and no port closes", async () => {
    const e = env();
    const w = await world(e);
    const deps = { db: e.ctx.database.db, policy: e.ctx.policy, now: () => e.clock.now };
    await importExposure(deps, {
      input: reportFromBuffer('scan.xml', Buffer.from(nmap(w.host, 21, 'open'))),
      actor: 'test',
    });
    assert.deepEqual(
      (await findingsOf(e, w.serviceA)).map((f) => f.status),
      ['open'],
    );
    for (const who of [w.tokens.engB, w.tokens.leaver, w.tokens.engA]) {
      const r = await e.call('POST', '/api/exposure', { token: who, ...raw(nmap(w.host, 21, 'closed')) });
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.match(r.body.error.message, /Security/);
    }
    assert.deepEqual(
      (await findingsOf(e, w.serviceA)).map((f) => f.status),
      ['open'],
    );
    const bySecurity = await e.call('POST', '/api/exposure', {
      token: w.tokens.security,
      ...raw(nmap(w.host, 21, 'closed')),
    });
    assert.equal(bySecurity.status, 201, JSON.stringify(bySecurity.body));
    assert.deepEqual(
      (await findingsOf(e, w.serviceA)).map((f) => f.status),
      ['fixed'],
    );
  });

  test('an engineer of another team cannot file a change on a service their team does not own, not even an emergency', async () => {
    const e = env();
    const w = await world(e);
    const change = {
      type: 'file-share',
      service: w.serviceA,
      title: 'Upload folder',
      protocol: 'ftp',
      ports: ['21'],
      destination: [w.host],
      source: ['203.0.113.0/24'],
      authentication: 'password',
      emergency: true,
      end: new Date(e.clock.now.getTime() + 3 * 86_400_000).toISOString(),
    };
    for (const who of [w.tokens.engB, w.tokens.leaver]) {
      const r = await e.call('POST', '/api/changes', { token: who, json: change });
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.match(r.body.error.message, new RegExp(`${w.serviceA} belongs to ${w.a}`));
    }
    const rows = await e.ctx.database.db
      .selectFrom('change_requests as c')
      .innerJoin('services as s', 's.id', 'c.service_id')
      .select('c.id')
      .where('s.name', '=', w.serviceA)
      .execute();
    assert.deepEqual(rows, []);
    const own = await e.call('POST', '/api/changes', { token: w.tokens.engA, json: change });
    assert.equal(own.status, 201, JSON.stringify(own.body));
  });

  test("a gate for another team's service is refused with 403 and neither records a decision nor creates commitments", async () => {
    const e = env();
    const w = await world(e);
    await e.importText(
      w.serviceA,
      'trivy.json',
      trivy([{ cve: `CVE-2026-${31000 + ++cveCounter}`, pkg: 'lodash', version: '4.17.20', severity: 'CRITICAL' }]),
    );
    const counts = async () => {
      const db = e.ctx.database.db;
      const svc = await db.selectFrom('services').select('id').where('name', '=', w.serviceA).executeTakeFirstOrThrow();
      const gates = await db.selectFrom('gate_decisions').select('id').where('service_id', '=', svc.id).execute();
      const owed = await db.selectFrom('commitments').select('id').where('service_id', '=', svc.id).execute();
      return [gates.length, owed.length];
    };
    for (const who of [w.tokens.engB, w.tokens.leaver]) {
      const r = await e.call('POST', '/api/gates', { token: who, json: { service: w.serviceA, env: 'prod' } });
      assert.equal(r.status, 403, JSON.stringify(r.body));
    }
    assert.deepEqual(await counts(), [0, 0]);
    const own = await e.call('POST', '/api/gates', {
      token: w.tokens.engA,
      json: { service: w.serviceA, env: 'prod' },
    });
    assert.equal(own.status, 201, JSON.stringify(own.body));
    assert.equal(own.body.outcome, 'go_with_controls');
    assert.ok((await counts())[1]! > 0, "the owning team's gate does create its commitments");
  });
});

/** Team A's records of every kind: a finding, an exception, a change, a gate decision with commitments, an open port. */
async function teamARecords(e: TestEnv, w: Awaited<ReturnType<typeof world>>) {
  const deps = { db: e.ctx.database.db, policy: e.ctx.policy, now: () => e.clock.now };
  await e.importText(
    w.serviceA,
    'trivy.json',
    trivy([{ cve: `CVE-2026-${31000 + ++cveCounter}`, pkg: 'lodash', version: '4.17.20', severity: 'CRITICAL' }]),
  );
  await importExposure(deps, {
    input: reportFromBuffer('scan.xml', Buffer.from(nmap(w.host, 21, 'open'))),
    actor: 'test',
  });
  const findings = await findingsOf(e, w.serviceA);
  const ok = (r: { status: number; body: any }, status: number) => {
    assert.equal(r.status, status, JSON.stringify(r.body));
    return r.body;
  };
  const exception = ok(
    await e.call('POST', '/api/exceptions', {
      token: w.tokens.engA,
      json: { findingIds: [findings[0]!.id], reason: 'vendor fix in May', controls: ['WAF rule'] },
    }),
    201,
  );
  const change = ok(
    await e.call('POST', '/api/changes', {
      token: w.tokens.engA,
      json: {
        type: 'firewall',
        service: w.serviceA,
        title: 'Partner API',
        protocol: 'https',
        destination: [w.host],
        source: ['203.0.113.0/24'],
      },
    }),
    201,
  );
  const gate = ok(
    await e.call('POST', '/api/gates', { token: w.tokens.engA, json: { service: w.serviceA, env: 'prod' } }),
    201,
  );
  assert.ok(gate.createdCommitments.length > 0);
  return {
    findingIds: findings.map((f) => f.id),
    exception: exception.id,
    change: change.id,
    gate: gate.id,
    commitment: gate.createdCommitments[0] as number,
    commitments: gate.createdCommitments.length as number,
  };
}

describeEachEngine('what each role reads', (env) => {
  test("an engineer lists and reads only their own teams' records; another team's by id is 403 without saying whose", async () => {
    const e = env();
    const w = await world(e);
    const r = await teamARecords(e, w);
    const reads = [
      `/api/findings/${r.findingIds[0]}`,
      `/api/exceptions/${r.exception}`,
      `/api/changes/${r.change}`,
      `/api/gates/${r.gate}`,
      `/api/gates/${r.gate}/replay`,
      `/api/gates/${r.gate}/changes`,
      `/api/commitments/${r.commitment}`,
    ];
    const lists = async (token: string) => ({
      findings: (await e.call('GET', `/api/findings?status=all&service=${w.serviceA}`, { token })).body.items.length,
      exceptions: (await e.call('GET', `/api/exceptions?team=${w.a}`, { token })).body.items.length,
      changes: (await e.call('GET', `/api/changes?service=${w.serviceA}`, { token })).body.items.length,
      commitments: (await e.call('GET', `/api/commitments?service=${w.serviceA}`, { token })).body.items.length,
      exposure: (await e.call('GET', `/api/exposure?host=${w.host}`, { token })).body.items.length,
      exported:
        (await e.call('GET', `/api/findings/export?format=csv&status=all&service=${w.serviceA}`, { token })).body
          .trim()
          .split('\n').length - 1,
    });
    const theirs = {
      findings: r.findingIds.length,
      exceptions: 1,
      changes: 1,
      commitments: r.commitments,
      exposure: 1,
      exported: r.findingIds.length,
    };
    assert.deepEqual(await lists(w.tokens.engA), theirs);
    for (const who of [w.tokens.engB, w.tokens.leaver]) {
      assert.deepEqual(await lists(who), {
        findings: 0,
        exceptions: 0,
        changes: 0,
        commitments: 0,
        exposure: 0,
        exported: 0,
      });
      for (const path of reads) {
        const got = await e.call('GET', path, { token: who });
        assert.equal(got.status, 403, `${path}: ${JSON.stringify(got.body)}`);
        assert.doesNotMatch(got.body.error.message, new RegExp(w.a), 'the message does not say which team owns it');
      }
    }
    for (const path of reads) assert.equal((await e.call('GET', path, { token: w.tokens.engA })).status, 200, path);
  });

  test("Security, admins, managers and auditors read every team's records", async () => {
    const e = env();
    const w = await world(e);
    const r = await teamARecords(e, w);
    const manager = await e.token('manager', `${e.uniq('mia')}@example.com`);
    const auditor = await e.token('auditor');
    for (const token of [w.tokens.security, w.tokens.admin, manager, auditor]) {
      assert.equal(
        (await e.call('GET', `/api/findings?status=all&service=${w.serviceA}`, { token })).body.items.length,
        r.findingIds.length,
      );
      assert.equal((await e.call('GET', `/api/exposure?host=${w.host}`, { token })).body.items.length, 1);
      for (const path of [
        `/api/findings/${r.findingIds[0]}`,
        `/api/exceptions/${r.exception}`,
        `/api/changes/${r.change}`,
        `/api/gates/${r.gate}`,
        `/api/commitments/${r.commitment}`,
      ]) {
        assert.equal((await e.call('GET', path, { token })).status, 200, path);
      }
    }
  });
});

describeEachEngine('two approvals are two people', (env) => {
  test('admin tokens not tied to a person cannot approve an exception, so two of them never make one approved', async () => {
    const e = env();
    const w = await world(e);
    await e.importText(
      w.serviceA,
      'codeql.sarif',
      sarif('CodeQL', [{ rule: 'js/xss', file: 'src/page.ts', line: 9, cwe: 79 }]),
    );
    const [finding] = await findingsOf(e, w.serviceA);
    const asked = await e.call('POST', '/api/exceptions', {
      token: w.tokens.engA,
      json: { findingIds: [finding!.id], reason: 'vendor fix in May', controls: ['WAF rule'] },
    });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    for (const name of ['ci-admin', 'backup-admin']) {
      const r = await e.call('POST', `/api/exceptions/${asked.body.id}/approve`, { token: await e.token('admin') });
      assert.equal(r.status, 403, `${name}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.error.message, /not tied to a person/);
    }
    const still = await e.call('GET', `/api/exceptions/${asked.body.id}`, { token: w.tokens.admin });
    assert.deepEqual([still.body.status, still.body.approvals], ['requested', { lead: null, security: null }]);
    assert.equal(
      (await e.call('POST', `/api/exceptions/${asked.body.id}/approve`, { token: w.tokens.admin })).status,
      200,
    );
    const done = await e.call('POST', `/api/exceptions/${asked.body.id}/approve`, { token: w.tokens.security });
    assert.equal(done.body.status, 'approved', JSON.stringify(done.body));
  });

  test('admin tokens not tied to a person cannot approve a change, so two of them never make one approved', async () => {
    const e = env();
    const w = await world(e);
    const asked = await e.call('POST', '/api/changes', {
      token: w.tokens.engA,
      json: {
        type: 'file-share',
        service: w.serviceA,
        title: 'Upload folder',
        protocol: 'ftp',
        ports: ['21'],
        destination: [w.host],
        source: ['203.0.113.0/24'],
        authentication: 'password',
        end: new Date(e.clock.now.getTime() + 3 * 86_400_000).toISOString(),
      },
    });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    assert.equal(asked.body.approvals.path, 'owner_and_security');
    for (let i = 0; i < 2; i++) {
      const r = await e.call('POST', `/api/changes/${asked.body.id}/approve`, {
        token: await e.token('admin'),
        json: {},
      });
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.match(r.body.error.message, /not tied to a person/);
    }
    assert.equal(
      (await e.call('GET', `/api/changes/${asked.body.id}`, { token: w.tokens.admin })).body.status,
      'submitted',
    );
  });
});
