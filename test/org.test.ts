import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { stringify } from 'yaml';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { trivy } from './support/reports.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { EntenteError } from '../src/errors.ts';

interface TeamIn {
  name: string;
  kind: string;
  lead?: string;
  members?: string[];
}
interface ServiceIn {
  name: string;
  owner: string;
  criticality: number;
  exposure: string;
  data?: string;
  repositories?: string[];
  hosts?: string[];
  compliance?: string[];
}

const orgYaml = (teams: TeamIn[], services: ServiceIn[]): string => stringify({ teams, services });

function apply(e: TestEnv, yaml: string, prune = false) {
  return applyOrg(e.ctx.database.db, parseOrgFile(yaml, 'org.yaml'), { prune, actor: 'test', now: e.clock.now });
}

async function auditCount(e: TestEnv): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from audit_log`.execute(e.ctx.database.db);
  return rows[0]!.n;
}

function badInputError(pattern: RegExp, check: (err: EntenteError) => void = () => {}) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof EntenteError, String(err));
    assert.equal(err.code, 'bad_input');
    assert.match(err.message, pattern);
    check(err);
    return true;
  };
}

/** Two teams (one led, with members) and two services, all with names no other test uses. */
function sampleOrg(e: TestEnv) {
  const payments = e.uniq('payments');
  const platform = e.uniq('platform');
  const lead = `${e.uniq('lead')}@example.com`;
  const dev = `${e.uniq('dev')}@example.com`;
  const ops = `${e.uniq('ops')}@example.com`;
  const teams: TeamIn[] = [
    { name: payments, kind: 'engineering', lead, members: [dev.toUpperCase()] },
    { name: platform, kind: 'it-operations', members: [ops] },
  ];
  const services: ServiceIn[] = [
    {
      name: e.uniq('checkout'),
      owner: payments,
      criticality: 4,
      exposure: 'internet',
      data: 'restricted',
      repositories: ['git@example.com:shop/checkout.git'],
      compliance: ['PCI-DSS'],
    },
    { name: e.uniq('ldap'), owner: platform, criticality: 3, exposure: 'internal', hosts: ['10.0.0.5'] },
  ];
  return { teams, services, lead, dev, ops };
}

describeEachEngine('organisation file', (env) => {
  test('applying a file creates its teams, people, memberships and services', async () => {
    const e = env();
    const { teams, services, lead, dev, ops } = sampleOrg(e);
    const summary = await apply(e, orgYaml(teams, services));
    assert.deepEqual(summary.teams, { created: teams.map((t) => t.name), updated: [], unchanged: [] });
    assert.deepEqual(
      summary.services.created,
      services.map((s) => s.name),
    );
    const db = e.ctx.database.db;
    const members = await db
      .selectFrom('team_members')
      .innerJoin('teams', 'teams.id', 'team_members.team_id')
      .innerJoin('people', 'people.id', 'team_members.person_id')
      .select(['teams.name as team', 'people.email'])
      .where(
        'teams.name',
        'in',
        teams.map((t) => t.name),
      )
      .orderBy('teams.name')
      .orderBy('people.email')
      .execute();
    assert.deepEqual(
      members.map((m) => [m.team, m.email]),
      [
        [teams[0]!.name, dev],
        [teams[0]!.name, lead],
        [teams[1]!.name, ops],
      ].sort(),
    );
    const team = await db.selectFrom('teams').selectAll().where('name', '=', teams[0]!.name).executeTakeFirstOrThrow();
    assert.equal(team.kind, 'engineering');
    assert.equal(team.lead_email, lead);
    const checkout = await db
      .selectFrom('services')
      .innerJoin('teams', 'teams.id', 'services.owner_team_id')
      .select(['teams.name as owner', 'criticality', 'exposure', 'data_class', 'repositories', 'compliance'])
      .where('services.name', '=', services[0]!.name)
      .executeTakeFirstOrThrow();
    assert.deepEqual(checkout, {
      owner: teams[0]!.name,
      criticality: 4,
      exposure: 'internet',
      data_class: 'restricted',
      repositories: ['git@example.com:shop/checkout.git'],
      compliance: ['PCI-DSS'],
    });
  });

  test('applying the same file again reports everything unchanged and writes no audit entries', async () => {
    const e = env();
    const { teams, services } = sampleOrg(e);
    const yaml = orgYaml(teams, services);
    await apply(e, yaml);
    const entries = await auditCount(e);
    e.clock.advanceDays(1);
    const again = await apply(e, yaml);
    assert.deepEqual(again.teams, { created: [], updated: [], unchanged: teams.map((t) => t.name) });
    assert.deepEqual(again.services.created, []);
    assert.deepEqual(again.services.updated, []);
    assert.deepEqual(
      again.services.unchanged,
      services.map((s) => s.name),
    );
    assert.equal(await auditCount(e), entries);
  });

  test("changing a service's criticality reports it updated and records the before and after", async () => {
    const e = env();
    const { teams, services } = sampleOrg(e);
    await apply(e, orgYaml(teams, services));
    const changed = services.map((s, i) => (i === 1 ? { ...s, criticality: 1 } : s));
    const summary = await apply(e, orgYaml(teams, changed));
    assert.deepEqual(summary.services.updated, [services[1]!.name]);
    assert.deepEqual(summary.services.unchanged, [services[0]!.name]);
    assert.deepEqual(
      summary.teams.unchanged,
      teams.map((t) => t.name),
    );
    const db = e.ctx.database.db;
    const row = await db
      .selectFrom('services')
      .select(['id', 'criticality'])
      .where('name', '=', services[1]!.name)
      .executeTakeFirstOrThrow();
    assert.equal(row.criticality, 1);
    const audit = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'service.update')
      .where('entity_id', '=', String(row.id))
      .execute();
    assert.equal(audit.length, 1);
    assert.equal((audit[0]!.before as { criticality: number }).criticality, 3);
    assert.equal((audit[0]!.after as { criticality: number }).criticality, 1);
  });

  test('a service missing from the file is reported as missing and stays active', async () => {
    const e = env();
    const { teams, services } = sampleOrg(e);
    await apply(e, orgYaml(teams, services));
    const summary = await apply(e, orgYaml(teams, services.slice(0, 1)));
    assert.ok(summary.services.missing.includes(services[1]!.name));
    assert.deepEqual(summary.services.archived, []);
    const row = await e.ctx.database.db
      .selectFrom('services')
      .select('archived_at')
      .where('name', '=', services[1]!.name)
      .executeTakeFirstOrThrow();
    assert.equal(row.archived_at, null);
    const imported = await e.importText(
      services[1]!.name,
      'trivy.json',
      trivy([{ cve: 'CVE-2026-40001', pkg: 'a', version: '1' }]),
    );
    assert.equal(imported.created, 1);
  });

  test('a service whose owner team is unknown is refused with bad_input naming it, and nothing is written', async () => {
    const e = env();
    const { teams, services } = sampleOrg(e);
    const ghost = e.uniq('ghost-team');
    const broken = [services[0]!, { ...services[1]!, owner: ghost }];
    await assert.rejects(
      apply(e, orgYaml(teams, broken)),
      badInputError(new RegExp(`service "${services[1]!.name}": owner team "${ghost}"`)),
    );
    const made = await e.ctx.database.db
      .selectFrom('teams')
      .select('name')
      .where(
        'name',
        'in',
        teams.map((t) => t.name),
      )
      .execute();
    assert.deepEqual(made, []);
  });

  test('YAML that does not parse is refused with the line it breaks on', () => {
    const yaml = 'teams:\n  - name: web\n    kind: engineering\n  members: [a@example.com\n';
    assert.throws(
      () => parseOrgFile(yaml, 'org.yaml'),
      badInputError(/org\.yaml: not valid YAML at line 4:/, (err) => assert.equal(err.details?.line, 4)),
    );
  });

  test('a misspelt key is refused with its path and line', () => {
    const yaml =
      'teams:\n  - name: web\n    kind: engineering\nservices:\n  - name: shop\n    owner: web\n    critically: 3\n    exposure: internet\n';
    assert.throws(
      () => parseOrgFile(yaml, 'org.yaml'),
      badInputError(/org\.yaml:7: services\.0\.critically: .*"critically"/, (err) => {
        assert.equal(err.details?.line, 7);
        assert.equal(err.details?.path, 'services.0.critically');
      }),
    );
  });

  test('a value out of range is refused with its path and line', () => {
    const yaml =
      'teams:\n  - name: web\n    kind: engineering\nservices:\n  - name: shop\n    owner: web\n    criticality: 9\n    exposure: internet\n';
    assert.throws(() => parseOrgFile(yaml, 'org.yaml'), badInputError(/org\.yaml:7: services\.0\.criticality:/));
  });

  test('a host or repository with a control character (a NUL cannot be stored) is refused with its path and line', () => {
    const yaml =
      'teams:\n  - name: web\n    kind: engineering\nservices:\n  - name: shop\n    owner: web\n    criticality: 2\n    exposure: internet\n    hosts: ["shop.example", "h\\0st"]\n';
    assert.throws(
      () => parseOrgFile(yaml, 'org.yaml'),
      badInputError(/org\.yaml:9: services\.0\.hosts\.1: use one line of text/),
    );
    assert.equal(parseOrgFile(yaml.replace('h\\0st', 'db.example'), 'org.yaml').services[0]!.hosts[1], 'db.example');
  });

  test('a team named twice is refused with bad_input', () => {
    const yaml = orgYaml(
      [
        { name: 'web', kind: 'engineering' },
        { name: 'web', kind: 'security' },
      ],
      [],
    );
    assert.throws(() => parseOrgFile(yaml, 'org.yaml'), badInputError(/teams\.1\.name: team "web" appears twice/));
  });

  test('a service whose owner changes takes its open findings to the new owner team', async () => {
    const e = env();
    const oldDev = `${e.uniq('old')}@example.com`;
    const newDev = `${e.uniq('new')}@example.com`;
    const { team, service } = await e.makeService({ criticality: 4, exposure: 'internet', members: [oldDev] });
    await e.importText(service, 'trivy.json', trivy([{ cve: 'CVE-2026-40002', pkg: 'b', version: '1' }]));
    const newTeam = e.uniq('new-owner');
    const summary = await apply(
      e,
      orgYaml(
        [{ name: newTeam, kind: 'engineering', members: [newDev] }],
        [{ name: service, owner: newTeam, criticality: 4, exposure: 'internet' }],
      ),
    );
    assert.deepEqual(summary.services.updated, [service]);
    const admin = await e.token('admin');
    const [f] = (await e.call('GET', `/api/findings?service=${service}`, { token: admin })).body.items;
    assert.equal(f.ownerTeam, newTeam);
    assert.equal((await e.call('GET', `/api/findings?team=${team}`, { token: admin })).body.items.length, 0);
    const oldTry = await e.call('PATCH', `/api/findings/${f.id}`, {
      token: await e.token('engineer', oldDev),
      json: { status: 'in_progress' },
    });
    assert.equal(oldTry.status, 403);
    const newTry = await e.call('PATCH', `/api/findings/${f.id}`, {
      token: await e.token('engineer', newDev),
      json: { status: 'in_progress' },
    });
    assert.equal(newTry.status, 200);
  });

  test('POST /api/org applies a file for an admin', async () => {
    const e = env();
    const { teams, services } = sampleOrg(e);
    const r = await e.call('POST', '/api/org', {
      token: await e.token('admin'),
      body: orgYaml(teams, services),
      headers: { 'content-type': 'application/yaml' },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(
      r.body.teams.created,
      teams.map((t) => t.name),
    );
    assert.deepEqual(
      r.body.services.created,
      services.map((s) => s.name),
    );
    const listed = await e.call('GET', '/api/services', { token: await e.token('auditor') });
    assert.ok(
      listed.body.items.some(
        (s: { name: string; owner: string }) => s.name === services[0]!.name && s.owner === teams[0]!.name,
      ),
    );
  });

  test('POST /api/org refuses an engineer with 403 and writes nothing', async () => {
    const e = env();
    const { teams, services } = sampleOrg(e);
    const engineer = `${e.uniq('eng')}@example.com`;
    await e.makeService({ members: [engineer] });
    const r = await e.call('POST', '/api/org', {
      token: await e.token('engineer', engineer),
      body: orgYaml(teams, services),
    });
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'forbidden');
    const made = await e.ctx.database.db
      .selectFrom('services')
      .select('name')
      .where(
        'name',
        'in',
        services.map((s) => s.name),
      )
      .execute();
    assert.deepEqual(made, []);
  });

  test('POST /api/org answers a broken file with 400 and the line', async () => {
    const e = env();
    const r = await e.call('POST', '/api/org', {
      token: await e.token('admin'),
      body: 'teams:\n  - name: web\n   kind: engineering\n',
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'bad_input');
    assert.match(r.body.error.message, /line 3/);
  });
});

// Pruning archives every service the file leaves out, so it runs on a database of its own.
describeEachEngine('organisation file with prune', (env) => {
  test('prune archives a service missing from the file, and importing for it then fails with not_found', async () => {
    const e = env();
    const { teams, services } = sampleOrg(e);
    await apply(e, orgYaml(teams, services));
    const summary = await apply(e, orgYaml(teams, services.slice(0, 1)), true);
    assert.ok(summary.services.archived.includes(services[1]!.name));
    assert.ok(!summary.services.archived.includes(services[0]!.name));
    assert.deepEqual(summary.services.missing, []);
    assert.deepEqual(summary.services.unchanged, [services[0]!.name]);
    await assert.rejects(
      e.importText(services[1]!.name, 'trivy.json', trivy([{ cve: 'CVE-2026-40003', pkg: 'c', version: '1' }])),
      (err: unknown) => {
        assert.ok(err instanceof EntenteError);
        assert.equal(err.code, 'not_found');
        assert.ok(err.message.includes(services[1]!.name));
        return true;
      },
    );
    const listed = (await e.call('GET', '/api/services', { token: await e.token('admin') })).body.items.map(
      (s: { name: string }) => s.name,
    );
    assert.ok(listed.includes(services[0]!.name) && !listed.includes(services[1]!.name), listed.join(', '));
    const archivedId = (
      await e.ctx.database.db
        .selectFrom('services')
        .select('id')
        .where('name', '=', services[1]!.name)
        .executeTakeFirstOrThrow()
    ).id;
    const audit = await e.ctx.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity', '=', 'service')
      .where('entity_id', '=', String(archivedId))
      .orderBy('id')
      .execute();
    assert.deepEqual(
      audit.map((a) => a.action),
      ['service.create', 'service.archive'],
    );
  });

  test('a file that lists no services is refused with prune (it would archive them all), and nothing changes', async () => {
    const e = env();
    const { teams, services } = sampleOrg(e);
    await apply(e, orgYaml(teams, services));
    const admin = await e.token('admin');
    for (const body of ['{}', 'teams: []\n', orgYaml(teams, [])]) {
      const r = await e.call('POST', '/api/org?prune=true', { token: admin, body });
      assert.equal(r.status, 400, body);
      assert.match(r.body.error.message, /lists no services, so pruning would archive every service \(\d+\)/);
    }
    const listed = (await e.call('GET', '/api/services', { token: admin })).body.items.map(
      (s: { name: string }) => s.name,
    );
    for (const s of services) assert.ok(listed.includes(s.name), s.name);
  });

  test('POST /api/org?prune=true archives through the API', async () => {
    const e = env();
    const { teams, services } = sampleOrg(e);
    const admin = await e.token('admin');
    await apply(e, orgYaml(teams, services));
    const r = await e.call('POST', '/api/org?prune=true', { token: admin, body: orgYaml(teams, services.slice(1)) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.services.archived.includes(services[0]!.name));
    const row = await e.ctx.database.db
      .selectFrom('services')
      .select('archived_at')
      .where('name', '=', services[0]!.name)
      .executeTakeFirstOrThrow();
    assert.notEqual(row.archived_at, null);
  });
});
