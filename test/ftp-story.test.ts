/**
 * The FTP story, for real: a helpful admin opens FTP for a client. A small FTP-speaking server runs on 127.0.0.1, real
 * nmap scans it, and the scan goes through exposure import; a change with a one-day lease covers it, and once the lease
 * has passed the finding is back and the removal commitment is overdue.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { importExposure } from '../src/exposure/exposure-service.ts';
import { reportFromBuffer } from '../src/findings/report-input.ts';
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
  const { stdout } = await promisify(execFile)('nmap', ['-oX', '-', '-sV', '--version-light', '-p', String(port), '127.0.0.1'], { timeout: 120_000 });
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
  await applyOrg(e.ctx.database.db, parseOrgFile(yaml, 'org.yaml'), { prune: false, actor: 'test', now: e.clock.now, policy: e.ctx.policy });
  const tokens = { admin: await e.token('engineer', admin), member: await e.token('engineer', member), security: await e.token('security', `${e.uniq('sam')}@example.com`) };
  const scan = () => importExposure({ db: e.ctx.database.db, policy: e.ctx.policy, now: () => e.clock.now }, { input: reportFromBuffer('scan.xml', Buffer.from(scanXml)), actor: 'nmap-job' });
  const findings = async () => (await e.call('GET', `/api/findings?service=${service}&status=all`, { token: tokens.member })).body.items as any[];
  return { service, tokens, scan, findings };
}

describeEachEngine('the FTP story', (env) => {
  test('FTP nobody approved is a finding; an approved one-day lease covers it; after the lease it is back and its removal is overdue', { skip }, async () => {
    const e = env();
    const s = await story(e);
    assert.match(scanXml, new RegExp(`portid="${port}"`), 'nmap saw the port');

    await s.scan();
    let [finding] = await s.findings();
    assert.ok(finding, 'the open FTP port became a finding');
    assert.equal(finding.title, `FTP open on 127.0.0.1:${port} with no approved change`);
    assert.equal(finding.status, 'open');
    assert.equal(finding.severity, 'high');

    const end = new Date(e.clock.now.getTime() + 86_400_000).toISOString();
    const asked = await e.call('POST', '/api/changes', { token: s.tokens.admin, json: {
      type: 'file-share', service: s.service, title: 'Upload folder for the Acme audit files', protocol: 'ftp', ports: [port],
      destination: ['127.0.0.1'], source: ['203.0.113.0/24'], authentication: 'password', client: 'Acme', end,
    } });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    assert.match(asked.body.riskCheck.message, /use SFTP instead of FTP/);
    await e.call('POST', `/api/changes/${asked.body.id}/approve`, { token: s.tokens.member });
    const approved = await e.call('POST', `/api/changes/${asked.body.id}/approve`, { token: s.tokens.security });
    assert.equal(approved.body.status, 'approved_with_safeguards');

    const covered = await s.scan();
    assert.equal(covered.covered, 1);
    [finding] = await s.findings();
    assert.equal(finding.status, 'fixed', 'the approved change covers the port');

    e.clock.advanceDays(2);
    const lapsed = await s.scan();
    assert.equal(lapsed.services.find((x) => x.service === s.service)?.import.reopened, 1);
    [finding] = await s.findings();
    assert.equal(finding.status, 'open');
    assert.equal(finding.reopenedCount, 1);
    assert.match(finding.title, new RegExp(`FTP open on 127\\.0\\.0\\.1:${port}`));

    const expired = await expireLeases({ db: e.ctx.database.db, now: () => e.clock.now, policy: e.ctx.policy });
    assert.ok(expired.expired.includes(asked.body.id));
    await sweepMissedCommitments(e.ctx.database.db, e.clock.now);
    const removal = await e.ctx.database.db.selectFrom('commitments').select(['state', 'due_at']).where('source_type', '=', 'change')
      .where('source_id', '=', asked.body.id).where('kind', '=', 'removal').executeTakeFirstOrThrow();
    assert.equal(removal.state, 'missed', 'the removal was due when the lease ended and is overdue now');
    const view = await e.call('GET', `/api/changes/${asked.body.id}`, { token: s.tokens.member });
    assert.equal(view.body.removal.overdue, true);
  });
});
