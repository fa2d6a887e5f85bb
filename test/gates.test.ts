import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { trivy } from './support/reports.ts';
import { parsePolicy } from '../src/policy/policy.ts';
import { backtestPolicy } from '../src/gates/gate-history.ts';
import { storedInputs } from '../src/gates/gate-service.ts';
import { formatGate } from '../src/gates/gate-formats.ts';
import { verifyAudit } from '../src/audit/audit.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { reprioritiseServiceWith } from '../src/findings/reprioritise.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { importExposure } from '../src/exposure/exposure-service.ts';
import { reportFromBuffer } from '../src/imports/report-input.ts';

// Critical, network-reachable without privileges: on an internet-facing criticality-4 service that is "attend" (no exploitation known).
const urgent = {
  cve: 'CVE-2024-0001',
  pkg: 'left-pad',
  version: '1.0.0',
  fixed: '1.0.1',
  severity: 'CRITICAL',
  vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
};
const secretReport = JSON.stringify({
  SchemaVersion: 2,
  ArtifactName: 'x',
  ArtifactType: 'filesystem',
  Results: [
    {
      Target: 'deploy/.env',
      Class: 'secret',
      Secrets: [
        {
          RuleID: 'aws-access-key-id',
          Category: 'AWS',
          Severity: 'CRITICAL',
          Title: 'AWS Access Key ID',
          StartLine: 3,
          EndLine: 3,
          Match: 'AWS_ACCESS_KEY_ID=****',
        },
      ],
    },
  ],
});

async function gate(env: TestEnv, token: string, service: string, extra: Record<string, string> = {}) {
  return env.call('POST', '/api/gates', { token, json: { service, env: 'prod', ...extra } });
}

/** A service whose team lists a CI account, and that account's engineer token (engineers gate their own teams' services). */
async function ciService(e: TestEnv, opts: Parameters<TestEnv['makeService']>[0] = {}) {
  const account = `${e.uniq('ci')}@example.com`;
  const { service } = await e.makeService({ ...opts, members: [account] });
  return { service, ci: await e.token('engineer', account) };
}

describeEachEngine('release gates', (env) => {
  test('a service whose only open finding is an FTP port nobody approved goes with controls that fit a port: closing or approving it, and an IP allow-list', async () => {
    const team = env().uniq('team');
    const service = env().uniq('svc');
    const host = `10.7.${process.pid % 200}.${Math.floor(Math.random() * 250) + 1}`;
    const member = `${env().uniq('eng')}@example.com`;
    const org = `teams:\n  - name: ${team}\n    kind: engineering\n    members: [${member}]\nservices:\n  - name: ${service}\n    owner: ${team}\n    criticality: 4\n    exposure: internet\n    hosts: [${host}]\n`;
    await applyOrg(env().ctx.database.db, parseOrgFile(org, 'org.yaml'), {
      prune: false,
      actor: 'test',
      now: env().clock.now,
      reprioritise: reprioritiseServiceWith(env().ctx.policy),
    });
    const scan =
      `<?xml version="1.0"?><nmaprun scanner="nmap"><scaninfo type="syn" protocol="tcp" numservices="1" services="21"/><host><status state="up"/><address addr="${host}" addrtype="ipv4"/>`
      + '<ports><port protocol="tcp" portid="21"><state state="open"/><service name="ftp" product="vsftpd"/></port></ports></host></nmaprun>';
    await importExposure(
      { db: env().ctx.database.db, policy: env().ctx.policy, now: () => env().clock.now },
      { input: reportFromBuffer('scan.xml', Buffer.from(scan)), actor: 'nmap' },
    );
    const r = await gate(env(), await env().token('engineer', member), service);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.outcome, 'go_with_controls');
    assert.deepEqual(
      r.body.controls.map((c: { id: string }) => c.id),
      ['close-port', 'ip-allow-list'],
    );
    assert.doesNotMatch(JSON.stringify(r.body.commitments), /WAF|patch or change the code/);
    assert.match(
      r.body.commitments.find((c: any) => c.controlId === 'close-port').title,
      new RegExp(
        `^Close the port, or cover it with an approved change: #\\d+ FTP open on ${host.replace(/\./g, '\\.')}:21`,
      ),
    );
  });

  test('a gate that asks for many commitments shows the first 100 and counts all of them per control; GET /api/commitments?gate= pages through them', async () => {
    const { service, ci } = await ciService(env());
    const many = Array.from({ length: 70 }, (_, i) => ({ ...urgent, cve: `CVE-2024-${1000 + i}`, pkg: `pkg-${i}` }));
    await env().importText(service, 'trivy.json', trivy(many));
    const first = await gate(env(), ci, service);
    assert.equal(first.status, 201, JSON.stringify(first.body).slice(0, 500));
    assert.equal(first.body.outcome, 'go_with_controls');
    assert.equal(first.body.createdCommitments.length, 140, 'a fix and a WAF rule per finding');
    assert.equal(first.body.commitmentCount, 140);
    assert.equal(first.body.commitments.length, 100, 'the receipt shows the first 100');
    assert.deepEqual(
      first.body.commitmentsByControl.map((c: any) => [c.controlId, c.created, c.relied, c.open]).sort(),
      [
        ['fix-finding', 70, 0, 70],
        ['waf-virtual-patch', 70, 0, 70],
      ],
    );
    assert.match(
      formatGate(first.body, 'text'),
      new RegExp(
        `140 commitments in all, one per finding and control; \`entente commitments list --gate ${first.body.id}\` lists them`,
      ),
    );
    assert.match(formatGate(first.body, 'text'), /^ {2}- A WAF rule .*: 70 new commitments \(70 open\)$/m);
    const audit = await env()
      .ctx.database.db.selectFrom('audit_log')
      .select('after')
      .where('action', '=', 'commitment.create')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    const groups = (
      audit.after as {
        groups: { controlId: string; source: string; ids: number[]; findingIds: number[]; dueAt: string[] }[];
      }
    ).groups;
    assert.deepEqual(
      groups.map((g) => [g.controlId, g.source, g.ids.length, g.findingIds.length, g.dueAt.length]).sort(),
      [
        ['fix-finding', `gate:${first.body.id}`, 70, 70, 70],
        ['waf-virtual-patch', `gate:${first.body.id}`, 70, 70, 70],
      ],
      'the audit groups them by what they share',
    );
    assert.equal((await verifyAudit(env().ctx.database.db)).ok, true);
    const replay = await env().call('GET', `/api/gates/${first.body.id}/replay`, { token: ci });
    assert.equal(replay.body.matches, true, 'the stored decision keeps what replay compares');

    const seen: number[] = [];
    for (let offset = 0; offset < 200; offset += 60) {
      const page = await env().call('GET', `/api/commitments?gate=${first.body.id}&limit=60&offset=${offset}`, {
        token: ci,
      });
      assert.equal(page.status, 200, JSON.stringify(page.body));
      seen.push(...page.body.items.map((c: { id: number }) => c.id));
    }
    assert.equal(seen.length, 140, 'every commitment once, across the pages');
    assert.deepEqual(
      seen.slice().sort((a, b) => a - b),
      first.body.createdCommitments.slice().sort((a: number, b: number) => a - b),
    );

    const again = await gate(env(), ci, service);
    assert.equal(again.body.commitmentCount, 140);
    assert.deepEqual(again.body.commitmentsByControl.map((c: any) => [c.controlId, c.created, c.relied]).sort(), [
      ['fix-finding', 0, 70],
      ['waf-virtual-patch', 0, 70],
    ]);
    const other = await ciService(env());
    assert.equal(
      (await env().call('GET', `/api/commitments?gate=${first.body.id}`, { token: other.ci })).status,
      403,
      'another team reads no gate of this one',
    );
  });

  test('an urgent finding within its SLA gives go with controls, stores a receipt and creates each commitment once', async () => {
    const { service, ci } = await ciService(env());
    await env().importText(service, 'trivy.json', trivy([urgent]));
    const first = await gate(env(), ci, service, { version: '1.4.2', commit: 'abc1234' });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.outcome, 'go_with_controls');
    assert.equal(first.body.exitCode, 10);
    assert.match(first.body.summary, /^We can release .* 1\.4\.2 to prod with these safeguards in place/);
    assert.deepEqual(first.body.commitments.map((c: { controlId: string }) => c.controlId).sort(), [
      'fix-finding',
      'waf-virtual-patch',
    ]);
    assert.ok(
      first.body.commitments.every(
        (c: { source: { type: string; id: number } }) => c.source.type === 'gate' && c.source.id === first.body.id,
      ),
    );
    assert.match(first.body.policy.digest, /^[0-9a-f]{16}$/);
    assert.match(first.body.inputDigest, /^[0-9a-f]{32}$/);
    const again = await gate(env(), ci, service);
    assert.equal(again.body.outcome, 'go_with_controls');
    assert.deepEqual(again.body.createdCommitments, []);
    assert.deepEqual(
      again.body.relied.commitments,
      first.body.createdCommitments.slice().sort((a: number, b: number) => a - b),
    );
    const read = await env().call('GET', `/api/gates/${first.body.id}`, { token: await env().token('auditor') });
    assert.equal(read.status, 200);
    assert.equal(read.body.inputDigest, first.body.inputDigest);
    assert.equal((await verifyAudit(env().ctx.database.db)).ok, true);
  });

  test('an unknown service is a 404 and a bad environment a 400, and neither stores a decision', async () => {
    const { service, ci } = await ciService(env());
    const before = await env()
      .ctx.database.db.selectFrom('gate_decisions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const unknown = await gate(env(), ci, 'no-such-service');
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error.message, /unknown service "no-such-service"/);
    const bad = await env().call('POST', '/api/gates', { token: ci, json: { service, env: 'prod env!' } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /env: "prod env!" is not an environment name/);
    const after = await env()
      .ctx.database.db.selectFrom('gate_decisions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(after.n), Number(before.n));
    assert.equal((await gate(env(), await env().token('auditor'), service)).status, 403);
  });

  test("a secret closed by the scanner's own suppression is neither open work nor an exception: the gate is go", async () => {
    const { service, ci } = await ciService(env(), { exposure: 'isolated', criticality: 1 });
    const log = {
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'gitleaks', rules: [{ id: 'aws-access-token' }] } },
          results: [
            {
              ruleId: 'aws-access-token',
              message: { text: 'AWS access token' },
              locations: [
                { physicalLocation: { artifactLocation: { uri: 'test/fixtures/fake.env' }, region: { startLine: 2 } } },
              ],
              suppressions: [{ kind: 'external', status: 'accepted', justification: 'a fake key used by the tests' }],
            },
          ],
        },
      ],
    };
    const summary = await env().importText(service, 'gitleaks.sarif', JSON.stringify(log));
    assert.equal(summary.closedInReport, 1);
    const r = await gate(env(), ci, service);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.outcome, 'go');
    assert.deepEqual(r.body.relied.exceptions, []);
    const { facts } = await storedInputs(env().ctx.database.db, r.body.id);
    assert.deepEqual(facts.findings, [], 'a finding the report closed is not among the facts the gate decided on');
  });

  test('a committed secret is a no-go whose path to go is rotating it or an exception', async () => {
    const { service, ci } = await ciService(env(), { exposure: 'isolated', criticality: 1 });
    await env().importText(service, 'secret.json', secretReport);
    const r = await gate(env(), ci, service);
    assert.equal(r.body.outcome, 'no_go');
    assert.equal(r.body.exitCode, 1);
    assert.equal(r.body.reasons[0].ruleId, 'committed-secret');
    assert.deepEqual(
      r.body.pathToGo.map((p: { steps: { action: string }[] }) => p.steps[0]!.action),
      ['fix', 'exception'],
    );
    assert.deepEqual(r.body.createdCommitments, [], 'a no-go creates no commitments');
  });

  test('a commitment past its date makes the next gate a no-go naming it; verifying it late turns it back into go with controls', async () => {
    const { service, ci } = await ciService(env());
    await env().importText(service, 'trivy.json', trivy([urgent]));
    const first = await gate(env(), ci, service);
    const waf = first.body.commitments.find((c: { controlId: string }) => c.controlId === 'waf-virtual-patch');
    env().clock.advanceDays(3);
    try {
      const late = await gate(env(), ci, service);
      assert.equal(late.body.outcome, 'no_go');
      const reason = late.body.reasons.find((r: { ruleId: string }) => r.ruleId === 'missed-commitment');
      assert.deepEqual(reason.commitmentIds, [waf.id]);
      assert.match(reason.text, new RegExp(`Commitment #${waf.id}, A WAF rule`));
      assert.deepEqual(
        late.body.pathToGo[0].steps.map((s: { action: string; commitmentId: number }) => [s.action, s.commitmentId]),
        [['verify', waf.id]],
      );
      const security = await env().token('security');
      const verified = await env().call('POST', `/api/commitments/${waf.id}/verify`, {
        token: security,
        json: { evidence: 'rule 9001 in the edge WAF' },
      });
      assert.equal(verified.body.state, 'verified');
      const back = await gate(env(), ci, service);
      assert.equal(back.body.outcome, 'go_with_controls');
      assert.deepEqual(back.body.createdCommitments, [], 'the verified WAF rule and the open fix are relied on');
      const changes = await env().call('GET', `/api/gates/${late.body.id}/changes`, { token: ci });
      assert.equal(changes.body.since.id, first.body.id);
      assert.ok(
        changes.body.changes.some((c: string) => c.startsWith('commitment now past its date')),
        JSON.stringify(changes.body),
      );
    } finally {
      env().clock.advanceDays(-3);
    }
  });

  test('a stored decision replays to the same result, and a backtest shows which outcomes a candidate policy would change', async () => {
    const { service, ci } = await ciService(env());
    await env().importText(service, 'trivy.json', trivy([urgent]));
    const d = await gate(env(), ci, service);
    const replay = await env().call('GET', `/api/gates/${d.body.id}/replay`, { token: ci });
    assert.equal(replay.status, 200);
    assert.equal(replay.body.matches, true, JSON.stringify(replay.body));
    assert.equal(replay.body.underCurrentPolicy.samePolicy, true);
    assert.match(replay.body.text, /it comes out the same \(go with controls\)/);
    const stricter = parsePolicy(
      'gates:\n  rules:\n    - id: attend-waits\n      description: Attend findings get fixed before release for now.\n      when: { findings: { priority: [attend] } }\n      outcome: no_go\n',
      'candidate.yaml',
    );
    const bt = await backtestPolicy({ db: env().ctx.database.db, now: env().ctx.now }, stricter, 90);
    const mine = bt.changed.find((c) => c.id === d.body.id);
    assert.deepEqual(mine && [mine.was, mine.wouldBe], ['go_with_controls', 'no_go']);
    assert.ok(bt.decisions >= 1);
    assert.match(bt.text, /^We re-decided \d+ gate decisions? of the last 90 days under the candidate policy/);
  });
});
