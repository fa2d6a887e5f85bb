/**
 * The FTP story, for real: a helpful admin opens FTP for a client. A small FTP-speaking server runs on 127.0.0.1, real
 * nmap scans it, and the scan goes through exposure import; the gate asks for controls that fit an open port; the
 * share is requested, SFTP is offered first, FTP is kept with a reason and approved with its safeguards, each due on a
 * date that fits it, so the gate stays go that day and the next; once the lease has passed the finding is back and the
 * removal commitment is overdue. The same walk runs through the CLI on a local data folder, approvals going through
 * `entente serve` with each approver's own token.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeEachEngine, engines, type TestEnv } from './support/engines.ts';
import { cliWorld, entente, serveCli } from './support/cli.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { reprioritiseServiceWith } from '../src/findings/reprioritise.ts';
import { importExposure } from '../src/exposure/exposure-service.ts';
import { reportFromBuffer } from '../src/imports/report-input.ts';
import { expireLeases } from '../src/changes/leases.ts';
import { sweepMissedCommitments } from '../src/commitments/sweep.ts';

const hasNmap = !spawnSync('nmap', ['--version']).error;
const skip = hasNmap ? false : 'nmap is not installed here (apt-get install nmap; .ci/run installs it)';

let server: Server | undefined;
let port = 0;
let scanXml = '';

before(async () => {
  if (!hasNmap) return;
  server = createServer((s) => {
    s.write('220 (vsFTPd 3.0.3)\r\n');
    s.on('data', () => s.write('530 Please login with USER and PASS.\r\n'));
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  // Async, so this process's FTP server can answer nmap's probes while it scans.
  const { stdout } = await promisify(execFile)(
    'nmap',
    ['-oX', '-', '-sV', '--version-light', '-p', String(port), '127.0.0.1'],
    { timeout: 120_000 },
  );
  scanXml = stdout;
});

after(() => server?.close());

async function story(e: TestEnv) {
  const member = `${e.uniq('raj')}@example.com`;
  // The helpful admin runs the service's hosts, so the owning team lists them among its members.
  const admin = `${e.uniq('it')}@example.com`;
  const team = e.uniq('payments');
  const service = e.uniq('checkout');
  const yaml = `teams:\n  - name: ${team}\n    kind: engineering\n    members: [${member}, ${admin}]\nservices:\n  - name: ${service}\n    owner: ${team}\n    criticality: 4\n    exposure: internet\n    hosts: [127.0.0.1]\n`;
  await applyOrg(e.ctx.database.db, parseOrgFile(yaml, 'org.yaml'), {
    prune: false,
    actor: 'test',
    now: e.clock.now,
    reprioritise: reprioritiseServiceWith(e.ctx.policy),
  });
  const tokens = {
    admin: await e.token('engineer', admin),
    member: await e.token('engineer', member),
    security: await e.token('security', `${e.uniq('sam')}@example.com`),
  };
  const scan = () =>
    importExposure(
      { db: e.ctx.database.db, policy: e.ctx.policy, now: () => e.clock.now },
      { input: reportFromBuffer('scan.xml', Buffer.from(scanXml)), actor: 'nmap-job' },
    );
  const findings = async () =>
    (await e.call('GET', `/api/findings?service=${service}&status=all`, { token: tokens.member })).body.items as any[];
  return { service, tokens, scan, findings };
}

const dayMs = 86_400_000;

describeEachEngine('the FTP story', (env) => {
  test('FTP nobody approved is a finding whose gate asks for controls that fit a port; kept with a reason, the share is approved with safeguards due on sensible dates, the gate stays go that day and the next, and after the lease the finding is back with its removal overdue', {
    skip,
  }, async () => {
    const e = env();
    const s = await story(e);
    assert.match(scanXml, new RegExp(`portid="${port}"`), 'nmap saw the port');
    const gate = async () =>
      (await e.call('POST', '/api/gates', { token: s.tokens.member, json: { service: s.service, env: 'prod' } })).body;

    await s.scan();
    let [finding] = await s.findings();
    assert.ok(finding, 'the open FTP port became a finding');
    assert.equal(finding.title, `FTP open on 127.0.0.1:${port} with no approved change`);
    assert.equal(finding.status, 'open');
    assert.equal(finding.severity, 'high');
    const first = await gate();
    assert.equal(first.outcome, 'go_with_controls', 'the open port is the only finding');
    assert.deepEqual(
      first.controls.map((c: { id: string }) => c.id),
      ['close-port', 'ip-allow-list'],
    );

    const end = new Date(e.clock.now.getTime() + 5 * dayMs).toISOString();
    const asked = await e.call('POST', '/api/changes', {
      token: s.tokens.admin,
      json: {
        type: 'file-share',
        service: s.service,
        title: 'Upload folder for the Acme audit files',
        protocol: 'ftp',
        ports: [port],
        destination: ['127.0.0.1'],
        source: ['203.0.113.0/24'],
        authentication: 'password',
        client: 'Acme',
        end,
      },
    });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    const id = asked.body.id;
    assert.match(asked.body.riskCheck.message, /A safer way to the same goal: SFTP gives the same access/);
    assert.match(asked.body.summary, /Before the approvals, .* chooses/);
    assert.equal(
      (await e.call('POST', `/api/changes/${id}/approve`, { token: s.tokens.member })).status,
      409,
      'the requester answers the alternative first',
    );
    const kept = await e.call('POST', `/api/changes/${id}/keep-protocol`, {
      token: s.tokens.admin,
      json: { reason: "the client's system only speaks FTP" },
    });
    assert.equal(kept.body.fields.keepProtocol, "the client's system only speaks FTP");
    await e.call('POST', `/api/changes/${id}/approve`, { token: s.tokens.member });
    const approved = await e.call('POST', `/api/changes/${id}/approve`, { token: s.tokens.security });
    assert.equal(approved.body.status, 'approved_with_safeguards');
    const owed = (
      await e.call('GET', `/api/commitments?service=${s.service}`, { token: s.tokens.member })
    ).body.items.filter((c: any) => c.source.type === 'change');
    assert.deepEqual(owed.map((c: any) => c.title).sort(), [
      'a unique account with a strong password for this client',
      "limit access to the client's IP range",
      'log uploads and logins',
    ]);
    for (const c of owed)
      assert.ok(
        Date.parse(c.dueAt) - e.clock.now.getTime() >= 2 * dayMs,
        `${c.title} is due ${c.dueAt}, not on the day of the approval`,
      );
    assert.equal(
      (await e.call('POST', `/api/changes/${id}/implement`, { token: s.tokens.admin })).body.status,
      'implemented',
    );

    const covered = await s.scan();
    assert.equal(covered.covered, 1);
    [finding] = await s.findings();
    assert.equal(finding.status, 'fixed', 'the approved change covers the port');
    assert.notEqual((await gate()).outcome, 'no_go', 'the day of the approval');
    e.clock.advanceDays(1);
    assert.notEqual((await gate()).outcome, 'no_go', 'the day after');
    const open = (await e.call('GET', `/api/commitments?service=${s.service}&state=open`, { token: s.tokens.member }))
      .body.items as any[];
    assert.ok(
      !open.some((c) => c.controlId === 'close-port'),
      'closing or approving the port was verified by the change covering it',
    );
    for (const c of open)
      await e.call('POST', `/api/commitments/${c.id}/verify`, {
        token: s.tokens.member,
        json: { evidence: `in place: ${c.title}` },
      });

    e.clock.advanceDays(5);
    const lapsed = await s.scan();
    assert.equal(lapsed.services.find((x) => x.service === s.service)?.import.reopened, 1);
    [finding] = await s.findings();
    assert.equal(finding.status, 'open');
    assert.equal(finding.reopenedCount, 1);
    assert.match(finding.title, new RegExp(`FTP open on 127\\.0\\.0\\.1:${port}`));

    const expired = await expireLeases({ db: e.ctx.database.db, now: () => e.clock.now, policy: e.ctx.policy });
    assert.ok(expired.expired.includes(id));
    await sweepMissedCommitments(e.ctx.database.db, e.clock.now);
    const removal = await e.ctx.database.db
      .selectFrom('commitments')
      .select(['state', 'due_at'])
      .where('source_type', '=', 'change')
      .where('source_id', '=', id)
      .where('kind', '=', 'removal')
      .executeTakeFirstOrThrow();
    assert.equal(removal.state, 'missed', 'the removal was due when the lease ended and is overdue now');
    const view = await e.call('GET', `/api/changes/${id}`, { token: s.tokens.member });
    assert.equal(view.body.removal.overdue, true);
  });
});

const ftpScan = `<?xml version="1.0"?><nmaprun scanner="nmap"><scaninfo type="syn" protocol="tcp" numservices="1" services="21"/>
<host><status state="up"/><address addr="10.1.2.3" addrtype="ipv4"/><ports><port protocol="tcp" portid="21"><state state="open"/><service name="ftp" product="vsftpd"/></port></ports></host></nmaprun>`;

for (const engine of engines) {
  describe(`the FTP story through the CLI [${engine}]`, () => {
    const { dir, env } = cliWorld(engine, 'ftp-story');

    test('a user scans, gates, asks for FTP, keeps it with a reason, has it approved by two colleagues through a server, implements it, and the gate is not a no-go', async () => {
      const org = join(dir, 'org.yaml');
      writeFileSync(
        org,
        'teams:\n  - name: payments\n    kind: engineering\n    members: [raj@example.com]\n  - name: security\n    kind: security\n    members: [sam@example.com]\n'
          + 'services:\n  - name: checkout-api\n    owner: payments\n    criticality: 4\n    exposure: internet\n    hosts: [10.1.2.3]\n',
      );
      assert.equal(entente(env, 'org', 'apply', org).code, 0);
      const scan = join(dir, 'scan.xml');
      writeFileSync(scan, ftpScan);
      assert.equal(entente(env, 'exposure', 'import', scan).code, 0);

      const gate = entente(env, 'gate', '--service', 'checkout-api', '--env', 'prod', '--format', 'json');
      assert.equal(gate.code, 10, gate.err);
      assert.deepEqual(
        JSON.parse(gate.out).controls.map((c: { id: string }) => c.id),
        ['close-port', 'ip-allow-list'],
      );

      const end = new Date(Date.now() + 5 * dayMs).toISOString();
      const asked = entente(
        env,
        'change',
        'request',
        '--type',
        'file-share',
        '--service',
        'checkout-api',
        '--title',
        'Upload folder for Acme',
        '--protocol',
        'ftp',
        '--destination',
        '10.1.2.3',
        '--source',
        '203.0.113.0/24',
        '--authentication',
        'password',
        '--client',
        'Acme',
        '--end',
        end,
      );
      assert.equal(asked.code, 0, asked.err);
      assert.match(asked.out, /A safer way to the same goal: SFTP gives the same access with the traffic encrypted\./);
      assert.match(asked.out, /if FTP has to stay, say why \(`entente change keep-protocol 1 --reason "…"`\)/);
      const kept = entente(env, 'change', 'keep-protocol', '1', '--reason', "the client's system only speaks FTP");
      assert.equal(kept.code, 0, kept.err);
      assert.match(kept.out, /FTP stays as asked, because the client's system only speaks FTP\./);

      const raj = entente(
        env,
        'token',
        'create',
        '--role',
        'engineer',
        '--name',
        'raj',
        '--person',
        'raj@example.com',
      ).out.trim();
      const sam = entente(
        env,
        'token',
        'create',
        '--role',
        'security',
        '--name',
        'sam',
        '--person',
        'sam@example.com',
      ).out.trim();
      const server = await serveCli(env);
      try {
        assert.equal(entente({}, 'change', 'approve', '1', '--server', server.url, '--token', raj).code, 0);
        const twice = entente({}, 'change', 'approve', '1', '--server', server.url, '--token', raj);
        assert.equal(twice.code, 2);
        assert.match(
          twice.err,
          /You have approved change 1 already; it still needs Security, someone with the security role \(the security team\)\. They approve with their own token/,
        );
        const approved = entente({}, 'change', 'approve', '1', '--server', server.url, '--token', sam);
        assert.equal(approved.code, 0, approved.err);
        assert.match(approved.out, /\(approved_with_safeguards\)/);
        assert.match(approved.out, /log uploads and logins \(a commitment due \d{4}-\d\d-\d\d\)/);
      } finally {
        await server.stop();
      }

      const owed = entente(env, 'commitments', '--service', 'checkout-api', '--json')
        .out.trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((c: { source: { type: string } }) => c.source.type === 'change');
      assert.equal(owed.length, 3);
      for (const c of owed)
        assert.ok(Date.parse(c.dueAt) - Date.now() > 1.9 * dayMs && !/SFTP/.test(c.title), `${c.title} due ${c.dueAt}`);
      assert.equal(entente(env, 'change', 'implement', '1').code, 0);
      const again = entente(env, 'exposure', 'import', scan);
      assert.match(again.out, /checkout-api \(payments\): 1 open, 1 covered/);
      const after = entente(env, 'gate', '--service', 'checkout-api', '--env', 'prod');
      assert.notEqual(after.code, 1, after.out);
      assert.ok(after.code === 0 || after.code === 10, after.err);
    });
  });
}
