import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { reprioritiseServiceWith } from '../src/findings/reprioritise.ts';
import { defaultPolicy, parsePolicy } from '../src/policy/policy.ts';
import { checkRisk } from '../src/changes/risk-check.ts';
import { normaliseFields, parseChangeRequest } from '../src/changes/change-request.ts';
import { changeMessages } from '../src/changes/change-messages.ts';
import { exposureMessages } from '../src/exposure/exposure-messages.ts';
import { expireLeases, remindLeases, remindRecertification } from '../src/changes/leases.ts';
import { checkTone } from '../src/voice/check-tone.ts';
import { rulesFor } from '../src/voice/voice-config.ts';
import { verifyAudit } from '../src/audit/audit.ts';
import { policyCalendar } from '../src/policy/calendar.ts';

const changes = defaultPolicy.changes;
type ServiceFacts = { hosts: string[]; exposure: 'internet' | 'internal' | 'isolated' };
const webService: ServiceFacts = { hosts: ['10.1.2.3', 'shop.example'], exposure: 'internet' };
const riskOf = (body: Record<string, unknown>, service: ServiceFacts = webService) => {
  const req = parseChangeRequest({ service: 's', title: 't', ...body });
  return checkRisk(changes, {
    fields: normaliseFields(req, 'internal', changes),
    longLived: req.end === undefined,
    service,
  });
};
const ftpShare = {
  type: 'file-share',
  protocol: 'ftp',
  destination: ['10.1.2.3'],
  authentication: 'password',
  internetFacing: true,
  source: ['any'],
  client: 'Acme',
  keepProtocol: "the client's system only speaks FTP",
};

describe('risk check', () => {
  test('an FTP share open to the internet is high risk, offers SFTP as the alternative, and goes with a source range, a unique account, upload logs and a short end', () => {
    const r = riskOf(ftpShare);
    assert.equal(r.risk, 'high');
    assert.deepEqual(
      r.safeguards.map((s) => s.title),
      [
        "limit access to the client's IP range",
        'a unique account with a strong password for this client',
        'log uploads and logins',
        'an end date within 7 days',
      ],
    );
    assert.match(r.alternative ?? '', /SFTP gives the same access/);
    assert.equal(r.alternativeFirst, true, 'the requester answers the alternative before the approvals');
    assert.equal(r.maxLeaseDays, 7);
    assert.equal(r.needsEnd, true);
    assert.equal(r.approval, 'owner_and_security');
    assert.ok(r.reasons.some((x) => /clear text/.test(x)));
  });

  test('the risk text says once that a request is reachable from the internet, in the words of the rule that fits best', () => {
    const open = riskOf(ftpShare);
    assert.deepEqual(
      open.reasons.filter((x) => /internet/.test(x)),
      ['it is open to the whole internet, where scanners find a new service within hours'],
    );
    assert.ok(!open.rules.includes('internet-facing'));
    const ranged = riskOf({ ...ftpShare, source: ['203.0.113.0/24'] });
    assert.deepEqual(
      ranged.reasons.filter((x) => /internet/.test(x)),
      ['it is reachable from the internet'],
    );
  });

  test("safeguards fit the request: remote access gets MFA and recorded sessions, never upload logs; a file share gets upload logs and the client's range", () => {
    const rdp = riskOf({
      type: 'remote-access',
      protocol: 'rdp',
      destination: ['10.1.2.3'],
      authentication: 'password',
      source: ['198.51.100.7'],
      internetFacing: true,
      dataClass: 'confidential',
    });
    assert.deepEqual(
      rdp.safeguards.map((s) => s.id),
      ['mfa', 'limit-source', 'encrypt-in-transit', 'session-logging'],
    );
    assert.equal(
      rdp.safeguards.find((s) => s.id === 'session-logging')!.title,
      'record each session (who connected, when, and what they did)',
    );
    const share = riskOf({ ...ftpShare, source: ['203.0.113.0/24'], dataClass: 'confidential' });
    const ids = share.safeguards.map((s) => s.id);
    assert.ok(
      ids.includes('limit-source') && ids.includes('log-uploads') && ids.includes('unique-account'),
      ids.join(),
    );
    assert.ok(
      !ids.includes('encrypt-in-transit'),
      'FTP is encrypted by taking the alternative, not by a safeguard beside it',
    );
    const api = riskOf({
      type: 'firewall',
      protocol: 'https',
      destination: ['partner-gw.example'],
      source: ['198.51.100.0/24'],
      internetFacing: true,
      dataClass: 'confidential',
    });
    assert.deepEqual(
      api.safeguards.map((s) => s.id),
      ['encrypt-in-transit', 'log-access'],
    );
  });

  test('HTTPS to a web host is low risk from the standard template; a database on the internet is critical with a one-week lease', () => {
    const https = riskOf({
      type: 'firewall',
      protocol: 'https',
      destination: ['10.1.2.3'],
      source: ['203.0.113.0/24'],
    });
    assert.deepEqual(
      [https.risk, https.approval, https.standard, https.needsEnd],
      ['low', 'standard', 'https-to-web-host', false],
    );
    assert.deepEqual(https.reasons, []);
    const db = riskOf({
      type: 'firewall',
      protocol: 'postgresql',
      destination: ['10.1.2.3'],
      source: ['203.0.113.7'],
      internetFacing: true,
    });
    assert.equal(db.risk, 'critical');
    assert.equal(db.maxLeaseDays, 7);
    assert.match(db.alternative ?? '', /VPN/);
  });

  test("HTTPS from anywhere to one of the service's own web hosts is the standard change: low risk, approved on submit, no end date", () => {
    for (const dataClass of ['internal', 'confidential'] as const) {
      const r = riskOf({
        type: 'firewall',
        protocol: 'https',
        destination: ['shop.example'],
        source: ['any'],
        dataClass,
      });
      assert.deepEqual(
        [r.risk, r.approval, r.standard, r.needsEnd, r.maxLeaseDays],
        ['low', 'standard', 'https-to-web-host', false, 365],
        dataClass,
      );
      assert.deepEqual([r.reasons, r.safeguards], [[], []]);
    }
  });

  test('a genuinely risky HTTPS request stays off the standard template: another host, another port, restricted data, an internal service', () => {
    const web = { type: 'firewall', protocol: 'https', destination: ['shop.example'], source: ['any'] };
    const cases: [string, ReturnType<typeof riskOf>, RegExp][] = [
      [
        'a host the service does not list',
        riskOf({ ...web, destination: ['db.example'] }),
        /open to the whole internet/,
      ],
      ['every port', riskOf({ ...web, ports: ['1-65535'] }), /open to the whole internet/],
      ['port 8443', riskOf({ ...web, ports: [8443] }), /open to the whole internet/],
      ['restricted data', riskOf({ ...web, dataClass: 'restricted' }), /restricted data/],
      [
        'a service kept internal',
        riskOf(web, { hosts: ['shop.example'], exposure: 'internal' }),
        /puts a service we run internally on the internet/,
      ],
      ['HTTP', riskOf({ ...web, protocol: 'http' }), /clear text/],
    ];
    for (const [what, r, why] of cases) {
      assert.equal(r.standard, null, what);
      assert.equal(r.approval, 'owner_and_security', what);
      assert.ok(
        r.reasons.some((x) => why.test(x)),
        `${what}: ${r.reasons.join('; ')}`,
      );
    }
  });

  test("the rules are policy data: an organisation can raise a protocol's risk and name its own safeguard", () => {
    const policy = parsePolicy(
      'changes:\n  safeguards:\n    - { id: bastion, title: "go through the bastion host", verify: "the bastion rule" }\n  rules:\n    - { id: ssh-anywhere, when: { types: [firewall] }, risk: critical, reason: "we keep SSH behind the bastion", safeguards: [bastion] }\n',
      'policy.yaml',
    );
    const req = parseChangeRequest({
      service: 's',
      title: 't',
      type: 'firewall',
      protocol: 'ssh',
      destination: ['h'],
      source: ['10.0.0.0/8'],
    });
    const r = checkRisk(policy.changes, { fields: normaliseFields(req, 'internal', policy.changes), longLived: true });
    assert.equal(r.risk, 'critical');
    assert.deepEqual(
      r.safeguards.map((s) => s.id),
      ['bastion'],
    );
    assert.throws(
      () =>
        parsePolicy(
          'changes:\n  rules:\n    - { id: x, when: {}, risk: high, reason: "r", safeguards: [nope] }\n',
          'p.yaml',
        ),
      /changes\.rules\.0\.safeguards\.0: no safeguard "nope"/,
    );
  });

  test("a request missing its type's fields names the field", () => {
    assert.throws(
      () => parseChangeRequest({ type: 'file-share', service: 's', title: 't', destination: ['h'] }),
      /protocol: a file-share change names its protocol/,
    );
    assert.throws(() => parseChangeRequest({ type: 'teleport', service: 's', title: 't' }), /type/);
    assert.throws(
      () =>
        parseChangeRequest({
          type: 'firewall',
          service: 's',
          title: 't',
          destination: ['h'],
          source: ['any'],
          ports: ['70000'],
        }),
      /ports\.0/,
    );
  });

  test("every change and exposure message, and every reason, safeguard and alternative the default policy ships, reads as a partner's", () => {
    const rules = rulesFor(undefined);
    const texts = [
      ...[changeMessages, exposureMessages].flatMap((set) =>
        Object.values(set).flatMap((t) => t.examples.map((e: any) => t.render(e))),
      ),
      ...changes.rules.flatMap((r) => [r.reason, r.alternative ?? '']).filter(Boolean),
      ...changes.safeguards.map((s) => s.title),
    ];
    const flagged = texts.flatMap((t) => checkTone(t, rules).flags.map((f) => `"${f.text}" (${f.ruleId}) in: ${t}`));
    assert.deepEqual(flagged, []);
    for (const word of [/\bdenied\b/i, /\bnot allowed\b/i, /\bblocked\b/i, /\bviolation\b/i, /\bcannot\b/i])
      assert.ok(!texts.some((t) => word.test(t)), String(word));
  });
});

/** A team with a member, a lead and a service listing a host; tokens for everyone who takes part. */
async function world(e: TestEnv) {
  const member = `${e.uniq('eng')}@example.com`;
  const lead = `${e.uniq('lead')}@example.com`;
  const team = e.uniq('team');
  const service = e.uniq('svc');
  const host = `10.9.${process.pid % 200}.${Math.floor(Math.random() * 250) + 1}`;
  // The requester runs the service's hosts, so the team lists them; the outsider belongs to another team.
  const requester = `${e.uniq('it')}@example.com`;
  const outsider = `${e.uniq('other')}@example.com`;
  const yaml =
    `teams:\n  - name: ${team}\n    kind: engineering\n    lead: ${lead}\n    members: [${member}, ${lead}, ${requester}]\n  - name: ${team}-other\n    kind: engineering\n    members: [${outsider}]\n`
    + `services:\n  - name: ${service}\n    owner: ${team}\n    criticality: 3\n    exposure: internet\n    data: confidential\n    hosts: [${host}]\n`;
  await applyOrg(e.ctx.database.db, parseOrgFile(yaml, 'org'), {
    prune: false,
    actor: 'test',
    now: e.clock.now,
    reprioritise: reprioritiseServiceWith(e.ctx.policy),
  });
  return {
    team,
    service,
    host,
    member,
    tokens: {
      requester: await e.token('engineer', requester),
      member: await e.token('engineer', member),
      lead: await e.token('engineer', lead),
      security: await e.token('security', `${e.uniq('sec')}@example.com`),
      outsider: await e.token('engineer', outsider),
    },
  };
}

const inDays = (e: TestEnv, d: number) => new Date(e.clock.now.getTime() + d * 86_400_000).toISOString();

async function ask(e: TestEnv, token: string, body: Record<string, unknown>) {
  const r = await e.call('POST', '/api/changes', { token, json: body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

const step = (e: TestEnv, token: string, id: number, name: string, json: unknown = {}) =>
  e.call('POST', `/api/changes/${id}/${name}`, { token, json });
const deps = (e: TestEnv) => ({ db: e.ctx.database.db, now: () => e.clock.now, policy: e.ctx.policy });

describeEachEngine('change requests', (env) => {
  test('an FTP share for a client is risk-checked at once and approved by the owner team and Security, never by the requester', async () => {
    const e = env();
    const w = await world(e);
    const c = await ask(e, w.tokens.requester, {
      ...ftpShare,
      service: w.service,
      destination: [w.host],
      title: 'Upload folder for Acme',
      end: inDays(e, 5),
    });
    assert.equal(c.status, 'submitted');
    assert.equal(c.risk, 'high');
    assert.match(c.riskCheck.message, /^We can do this safely with: limit access to the client's IP range, /);
    assert.deepEqual(c.approvals.awaiting, [w.team, 'Security']);
    const own = await step(e, w.tokens.requester, c.id, 'approve');
    assert.equal(own.status, 403);
    assert.match(own.body.error.message, /approval comes from someone else/);
    assert.equal((await step(e, w.tokens.outsider, c.id, 'approve')).status, 403);
    const half = await step(e, w.tokens.member, c.id, 'approve');
    assert.equal(half.body.status, 'submitted');
    assert.deepEqual(half.body.approvals.awaiting, ['Security']);
    assert.equal((await step(e, w.tokens.member, c.id, 'approve')).status, 409);
    const done = await step(e, w.tokens.security, c.id, 'approve');
    assert.equal(done.body.status, 'approved_with_safeguards');
    const owed = done.body.riskCheck.safeguards.filter((s: any) => s.id !== 'short-lease');
    assert.ok(owed.length >= 3);
    assert.equal(
      done.body.commitmentIds.length,
      owed.length,
      'every safeguard but the end date (the lease enforces it) is a commitment',
    );
    const commitments = await e.ctx.database.db
      .selectFrom('commitments')
      .select(['title', 'kind', 'source_type'])
      .where('id', 'in', done.body.commitmentIds)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      commitments.map((x) => [x.kind, x.source_type]),
      Array(owed.length).fill(['safeguard', 'change']),
    );
    assert.equal(commitments[0]!.title, "limit access to the client's IP range");
  });

  test('an FTP share offers SFTP before the approvals; once the requester keeps FTP with a reason, the approval carries the FTP safeguards and never "use SFTP"', async () => {
    const e = env();
    const w = await world(e);
    const { keepProtocol: _kept, ...asked } = ftpShare;
    const c = await ask(e, w.tokens.requester, {
      ...asked,
      service: w.service,
      destination: [w.host],
      title: 'Upload folder for Acme',
      end: inDays(e, 5),
    });
    assert.equal(c.riskCheck.alternativeFirst, true);
    assert.ok(
      !c.riskCheck.safeguards.some((s: any) => /SFTP/.test(s.title)),
      'the alternative is not a safeguard of the request it replaces',
    );
    assert.match(
      c.summary,
      /A safer way to the same goal: SFTP gives the same access with the traffic encrypted\. .*Before the approvals, .* chooses: .* if FTP has to stay, say why \(`entente change keep-protocol \d+ --reason "…"`\)/,
    );
    const early = await step(e, w.tokens.member, c.id, 'approve');
    assert.equal(early.status, 409);
    assert.match(
      early.body.error.message,
      new RegExp(
        `Change ${c.id} waits for .* to choose first: SFTP gives the same access .*, or FTP stays with a reason`,
      ),
    );
    assert.equal(
      (await step(e, w.tokens.member, c.id, 'keep-protocol', { reason: 'the client only has FTP' })).status,
      403,
      'the requester chooses',
    );
    assert.equal((await step(e, w.tokens.requester, c.id, 'keep-protocol', { reason: '  ' })).status, 400);
    const kept = await step(e, w.tokens.requester, c.id, 'keep-protocol', {
      reason: "the client's system only speaks FTP",
    });
    assert.equal(kept.status, 200, JSON.stringify(kept.body));
    assert.equal(kept.body.fields.keepProtocol, "the client's system only speaks FTP");
    assert.match(kept.body.riskCheck.message, /FTP stays as asked, because the client's system only speaks FTP\./);
    assert.match(kept.body.summary, /Waiting for the approval of/);
    await step(e, w.tokens.member, c.id, 'approve');
    const done = await step(e, w.tokens.security, c.id, 'approve');
    assert.equal(done.body.status, 'approved_with_safeguards');
    assert.doesNotMatch(done.body.summary, /SFTP instead/);
    const titles = (
      await e.ctx.database.db
        .selectFrom('commitments')
        .select('title')
        .where('id', 'in', done.body.commitmentIds)
        .execute()
    )
      .map((x) => x.title)
      .sort();
    assert.deepEqual(titles, [
      'a unique account with a strong password for this client',
      "limit access to the client's IP range",
      'log uploads and logins',
    ]);
    const audit = await e.ctx.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity', '=', 'change')
      .where('entity_id', '=', String(c.id))
      .execute();
    assert.ok(audit.some((x) => x.action === 'change.keep_protocol'));
  });

  test('keeping the protocol where nothing safer is offered is refused, naming the field, and stores nothing', async () => {
    const e = env();
    const w = await world(e);
    const https = {
      type: 'firewall',
      service: w.service,
      title: 'HTTPS for partners',
      protocol: 'https',
      destination: [w.host],
      source: ['203.0.113.0/24'],
    };
    const r = await e.call('POST', '/api/changes', {
      token: w.tokens.requester,
      json: { ...https, keepProtocol: 'we like it' },
    });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /^keepProtocol: the risk check offers no safer alternative to HTTPS here/);
    assert.deepEqual(
      (await e.call('GET', `/api/changes?service=${w.service}`, { token: w.tokens.requester })).body.items,
      [],
    );
    const c = await ask(e, w.tokens.requester, https);
    assert.equal((await step(e, w.tokens.requester, c.id, 'keep-protocol', { reason: 'x' })).status, 409);
  });

  test("an approval never makes the service's gate fail the same day or the next: each safeguard is due by its catalogue date", async () => {
    const e = env();
    const w = await world(e);
    const gate = async () =>
      (await e.call('POST', '/api/gates', { token: w.tokens.member, json: { service: w.service, env: 'prod' } })).body;
    const c = await ask(e, w.tokens.requester, {
      ...ftpShare,
      service: w.service,
      destination: [w.host],
      title: 'Upload folder for Acme',
      end: inDays(e, 6),
    });
    await step(e, w.tokens.member, c.id, 'approve');
    const approvedAt = e.clock.now.getTime();
    const done = await step(e, w.tokens.security, c.id, 'approve');
    assert.equal(done.body.status, 'approved_with_safeguards');
    const owed = await e.ctx.database.db
      .selectFrom('commitments')
      .select(['title', 'due_at'])
      .where('id', 'in', done.body.commitmentIds)
      .orderBy('id')
      .execute();
    // Due dates are days in the organisation's calendar: the end of the day so many days after the approval's.
    const cal = policyCalendar(e.ctx.policy);
    assert.ok(owed.every((x) => new Date(x.due_at).getTime() === cal.endOf(cal.dayOf(x.due_at)).getTime()));
    const dueIn = new Map(
      owed.map((x) => [x.title, cal.daysBetween(cal.dayOf(new Date(approvedAt)), cal.dayOf(x.due_at))]),
    );
    assert.equal(
      dueIn.get("limit access to the client's IP range"),
      2,
      'in place when the access starts, and the access starts at once: two days to show it',
    );
    assert.equal(dueIn.get('a unique account with a strong password for this client'), 2);
    assert.equal(dueIn.get('log uploads and logins'), 3, 'logging gets a few days after the access opens');
    assert.match(done.body.summary, /log uploads and logins \(a commitment due \d{4}-\d\d-\d\d\)/);
    assert.notEqual((await gate()).outcome, 'no_go', 'the day of the approval');
    await step(e, w.tokens.requester, c.id, 'implement');
    e.clock.advanceDays(1);
    assert.notEqual((await gate()).outcome, 'no_go', 'the day after');
    const listed = (await e.call('GET', `/api/commitments?service=${w.service}`, { token: w.tokens.member })).body
      .items as any[];
    assert.deepEqual(
      listed.map((x) => [x.state, x.overdue]),
      Array(owed.length).fill(['open', false]),
    );
  });

  test('a change that starts later owes what must be in place first by its start, and logging within its lease', async () => {
    const e = env();
    const w = await world(e);
    const c = await ask(e, w.tokens.requester, {
      ...ftpShare,
      service: w.service,
      destination: [w.host],
      title: 'Upload next week',
      start: inDays(e, 4),
      end: inDays(e, 6),
    });
    await step(e, w.tokens.member, c.id, 'approve');
    const done = await step(e, w.tokens.security, c.id, 'approve');
    const owed = await e.ctx.database.db
      .selectFrom('commitments')
      .select(['title', 'due_at'])
      .where('id', 'in', done.body.commitmentIds)
      .execute();
    const due = new Map(owed.map((x) => [x.title, new Date(x.due_at).toISOString()]));
    const cal = policyCalendar(e.ctx.policy);
    assert.equal(
      due.get('a unique account with a strong password for this client'),
      cal.endOf(cal.dayOf(inDays(e, 4))).toISOString(),
      'all of the day the access starts',
    );
    assert.equal(
      due.get('log uploads and logins'),
      inDays(e, 6),
      'three days after the start is past the end, so by the end',
    );
  });

  test('a refused approval says who approves instead and how, never "approved by X; waiting for X"', async () => {
    const e = env();
    const w = await world(e);
    const sec = e.uniq('security');
    await applyOrg(e.ctx.database.db, parseOrgFile(`teams:\n  - name: ${sec}\n    kind: security\n`, 'org'), {
      prune: false,
      actor: 'test',
      now: e.clock.now,
      reprioritise: reprioritiseServiceWith(e.ctx.policy),
    });
    const c = await ask(e, w.tokens.requester, {
      ...ftpShare,
      service: w.service,
      destination: [w.host],
      title: 'Upload',
      end: inDays(e, 3),
    });
    const how = new RegExp(
      `with their own token: \`entente change approve ${c.id} --server URL --token T\`, or \`POST /api/changes/${c.id}/approve\`\\.$`,
    );
    const securityPlace = /Security, someone with the security role \(the .*security-[^)]* team\)/;
    const own = (await step(e, w.tokens.requester, c.id, 'approve')).body.error.message;
    assert.match(
      own,
      new RegExp(
        `^You asked for change ${c.id}, so the approval comes from someone else: a member of ${w.team} \\(eng-[^ ]+@example\\.com or lead-[^ ]+@example\\.com\\) and Security`,
      ),
    );
    assert.match(own, securityPlace);
    assert.match(own, how);
    const outsider = await step(e, w.tokens.outsider, c.id, 'approve');
    assert.equal(outsider.status, 403);
    assert.match(
      outsider.body.error.message,
      new RegExp(
        `^Change ${c.id} is approved by a member of ${w.team} .* and Security, someone with the security role`,
      ),
    );
    await step(e, w.tokens.member, c.id, 'approve');
    const again = await step(e, w.tokens.member, c.id, 'approve');
    assert.equal(again.status, 409);
    assert.match(
      again.body.error.message,
      new RegExp(`^You have approved change ${c.id} already; it still needs Security, someone with the security role`),
    );
    assert.match(again.body.error.message, how);
    const colleague = await step(e, w.tokens.lead, c.id, 'approve');
    assert.equal(colleague.status, 409);
    assert.match(
      colleague.body.error.message,
      new RegExp(
        `^Change ${c.id} already has the approval you could give \\(for ${w.team}, from eng-[^ ]+@example\\.com\\); it still needs Security, someone with the security role`,
      ),
    );
    assert.doesNotMatch(colleague.body.error.message, new RegExp(`waiting for ${w.team}`));
  });

  test('an end date past what the risk allows is refused with the latest date, and nothing is stored', async () => {
    const e = env();
    const w = await world(e);
    const r = await e.call('POST', '/api/changes', {
      token: w.tokens.requester,
      json: { ...ftpShare, service: w.service, title: 'Upload', end: inDays(e, 30) },
    });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /up to 7 days .* on or before \d{4}-\d\d-\d\d/);
    const missing = await e.call('POST', '/api/changes', {
      token: w.tokens.requester,
      json: { ...ftpShare, service: w.service, title: 'Upload' },
    });
    assert.match(missing.body.error.message, /Add an end date/);
    const unknown = await e.call('POST', '/api/changes', {
      token: w.tokens.requester,
      json: { ...ftpShare, service: 'no-such-service', title: 'Upload', end: inDays(e, 2) },
    });
    assert.equal(unknown.status, 404);
    const list = await e.call('GET', `/api/changes?service=${w.service}`, { token: w.tokens.requester });
    assert.deepEqual(list.body.items, []);
  });

  test('a request with a lone surrogate in its fields is stored with U+FFFD in its place; a NUL is refused naming the field', async () => {
    const e = env();
    const w = await world(e);
    const c = await ask(e, w.tokens.requester, {
      ...ftpShare,
      client: 'Acme \ud800',
      service: w.service,
      title: 'Upload',
      end: inDays(e, 3),
    });
    const stored = await e.ctx.database.db
      .selectFrom('change_requests')
      .select('fields')
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    assert.equal((stored.fields as { extra: { client: string } }).extra.client, 'Acme \ufffd');
    const nul = await e.call('POST', '/api/changes', {
      token: w.tokens.requester,
      json: { ...ftpShare, client: 'Ac\u0000me', service: w.service, title: 'Upload', end: inDays(e, 3) },
    });
    assert.equal(nul.status, 400);
    assert.deepEqual(nul.body.error.details.path, ['client']);
  });

  test('a decline says why and offers the safer alternative', async () => {
    const e = env();
    const w = await world(e);
    const c = await ask(e, w.tokens.requester, {
      ...ftpShare,
      service: w.service,
      destination: [w.host],
      title: 'Upload',
      end: inDays(e, 3),
    });
    const r = await step(e, w.tokens.security, c.id, 'decline', { reason: 'the client can use SFTP' });
    assert.equal(r.body.status, 'declined');
    assert.match(
      r.body.summary,
      /We did not approve this one as asked, for this reason: the client can use SFTP\. We can get you to the same goal this way: SFTP gives the same access/,
    );
    assert.equal((await step(e, w.tokens.member, c.id, 'approve')).status, 409);
  });

  test('a standard HTTPS rule is approved as soon as it is submitted, and a draft waits for submit', async () => {
    const e = env();
    const w = await world(e);
    const c = await ask(e, w.tokens.requester, {
      type: 'firewall',
      service: w.service,
      title: 'HTTPS for the shop',
      protocol: 'https',
      destination: [w.host],
      source: ['203.0.113.0/24'],
    });
    assert.equal(c.status, 'approved');
    assert.match(c.summary, /standard template/);
    assert.ok(c.recertification, 'long-lived access has a recertification date');
    const open = await ask(e, w.tokens.requester, {
      type: 'firewall',
      service: w.service,
      title: 'HTTPS for everyone',
      protocol: 'https',
      destination: [w.host],
      source: ['any'],
    });
    assert.deepEqual(
      [open.status, open.risk, open.riskCheck.standard, open.endsAt, open.commitmentIds],
      ['approved', 'low', 'https-to-web-host', null, []],
      'a confidential-data service on the internet opening HTTPS to its own host to anyone',
    );
    const draft = await ask(e, w.tokens.requester, {
      type: 'firewall',
      service: w.service,
      title: 'HTTPS again',
      protocol: 'https',
      destination: [w.host],
      source: ['203.0.113.0/24'],
      draft: true,
    });
    assert.equal(draft.status, 'draft');
    assert.equal((await step(e, w.tokens.member, draft.id, 'submit')).status, 403);
    assert.equal((await step(e, w.tokens.requester, draft.id, 'submit')).body.status, 'approved');
  });

  test('an emergency change goes ahead at once and shows its review overdue after 24 hours until both review it', async () => {
    const e = env();
    const w = await world(e);
    const c = await ask(e, w.tokens.requester, {
      type: 'remote-access',
      service: w.service,
      title: 'Vendor fixes the outage',
      protocol: 'rdp',
      destination: [w.host],
      authentication: 'password',
      emergency: true,
      end: inDays(e, 1),
    });
    assert.equal(c.status, 'approved_with_safeguards');
    assert.equal(c.review.overdue, false);
    const owed = await e.ctx.database.db
      .selectFrom('commitments')
      .select('due_at')
      .where('id', 'in', c.commitmentIds)
      .execute();
    assert.ok(
      owed.length > 0 && owed.every((x) => new Date(x.due_at).getTime() - e.clock.now.getTime() >= 2 * 86_400_000),
      'going ahead at once does not make its safeguards due at once',
    );
    assert.match(c.summary, /goes ahead now; .* review it by/);
    e.clock.advanceDays(1.5);
    const late = await e.call('GET', `/api/changes/${c.id}`, { token: w.tokens.requester });
    assert.equal(late.body.review.overdue, true);
    await step(e, w.tokens.lead, c.id, 'approve');
    const reviewed = await step(e, w.tokens.security, c.id, 'approve');
    assert.notEqual(reviewed.body.review.reviewedAt, null);
    assert.equal(reviewed.body.review.overdue, false);
  });

  test('a lease is reminded before its end, extended once with a reason, and at its end expires with a removal overdue until confirmed', async () => {
    const e = env();
    const w = await world(e);
    const c = await ask(e, w.tokens.requester, {
      ...ftpShare,
      service: w.service,
      destination: [w.host],
      title: 'Upload',
      end: inDays(e, 3),
    });
    await step(e, w.tokens.member, c.id, 'approve');
    await step(e, w.tokens.security, c.id, 'approve');
    assert.equal((await step(e, w.tokens.requester, c.id, 'implement')).body.status, 'implemented');
    assert.deepEqual(await remindLeases(deps(e)), [], 'nothing is due for a reminder three days ahead of the end');
    e.clock.advanceDays(1.5);
    const reminders = (await remindLeases(deps(e))).filter((r) => r.id === c.id);
    assert.equal(reminders.length, 1);
    assert.match(reminders[0]!.message, /extend it once with a reason/);
    assert.deepEqual(
      (await remindLeases(deps(e))).filter((r) => r.id === c.id),
      [],
      'one reminder per lease',
    );
    const mails = await e.ctx.database.db
      .selectFrom('notifications')
      .select(['event', 'subject'])
      .where('entity', '=', 'change')
      .where('entity_id', '=', String(c.id))
      .where('event', '<>', 'change.waiting')
      .execute();
    assert.equal(mails.length, 3, "an e-mail to each of the team's three members, once");
    assert.ok(
      mails.every(
        (m) =>
          m.event === 'change.lease_ending' && /^Access ends on \d{4}-\d{2}-\d{2}: change #\d+ Upload$/.test(m.subject),
      ),
      JSON.stringify(mails),
    );
    const tooFar = await step(e, w.tokens.requester, c.id, 'extend', { end: inDays(e, 30), reason: 'client is late' });
    assert.equal(tooFar.status, 400);
    const ext = await step(e, w.tokens.requester, c.id, 'extend', {
      end: inDays(e, 4),
      reason: 'the client sends the last files on Monday',
    });
    assert.equal(ext.status, 200, JSON.stringify(ext.body));
    assert.equal(ext.body.extended.reason, 'the client sends the last files on Monday');
    assert.equal(
      (await step(e, w.tokens.requester, c.id, 'extend', { end: inDays(e, 5), reason: 'again' })).status,
      409,
    );
    e.clock.advanceDays(5);
    const expired = await expireLeases(deps(e));
    assert.ok(expired.expired.includes(c.id));
    const view = (await e.call('GET', `/api/changes/${c.id}`, { token: w.tokens.requester })).body;
    assert.equal(view.status, 'expired');
    assert.equal(view.removal.overdue, true);
    assert.match(view.summary, /the removal is due now/);
    const removal = await e.ctx.database.db
      .selectFrom('commitments')
      .selectAll()
      .where('source_type', '=', 'change')
      .where('source_id', '=', c.id)
      .where('kind', '=', 'removal')
      .executeTakeFirstOrThrow();
    assert.ok(new Date(removal.due_at) < e.clock.now, 'the removal commitment is overdue at once');
    assert.deepEqual(
      (await expireLeases(deps(e))).expired.filter((id) => id === c.id),
      [],
      'expiry runs once per lease',
    );
    const removed = await step(e, w.tokens.member, c.id, 'remove', { note: 'account deleted, port 21 closed' });
    assert.equal(removed.body.status, 'removed');
    assert.equal(removed.body.removal.overdue, false);
    const after = await e.ctx.database.db
      .selectFrom('commitments')
      .select(['state', 'evidence'])
      .where('id', '=', removal.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual([after.state, after.evidence], ['verified', 'account deleted, port 21 closed']);
    const safeguards = await e.ctx.database.db
      .selectFrom('commitments')
      .select(['state', 'release_reason'])
      .where('source_type', '=', 'change')
      .where('source_id', '=', c.id)
      .where('kind', '!=', 'removal')
      .execute();
    assert.ok(safeguards.length > 0, 'the FTP share was approved with safeguards');
    assert.deepEqual(
      safeguards.filter((r) => r.state === 'open' || r.state === 'missed'),
      [],
      'no safeguard of removed access is still owed',
    );
    assert.ok(safeguards.some((r) => r.state === 'released' && r.release_reason === `change ${c.id} was removed`));
  });

  test('long-lived access is reminded before its recertification and recertified on schedule', async () => {
    const e = env();
    const w = await world(e);
    const c = await ask(e, w.tokens.requester, {
      type: 'firewall',
      service: w.service,
      title: 'Partner API',
      protocol: 'https',
      destination: [w.host],
      source: ['203.0.113.0/24'],
    });
    const due = new Date(c.recertification.dueAt);
    assert.equal(
      Math.round((due.getTime() - e.clock.now.getTime()) / 86_400_000),
      defaultPolicy.changes.recertify_days,
    );
    e.clock.advanceDays(defaultPolicy.changes.recertify_days - 1);
    const reminders = (await remindRecertification(deps(e))).filter((r) => r.id === c.id);
    assert.equal(reminders.length, 1);
    assert.match(reminders[0]!.message, /due for recertification/);
    const member = await e.token('engineer', w.member); // half a year on, the first token has ended: a fresh one
    const r = await step(e, member, c.id, 'recertify');
    assert.equal(r.body.status, 'recertified');
    assert.ok(new Date(r.body.recertification.dueAt) > due);
    assert.equal((await step(e, member, c.id, 'extend', { end: inDays(e, 3), reason: 'x' })).status, 409);
  });

  test('every step is in the audit log, and the chain still verifies', async () => {
    const e = env();
    const w = await world(e);
    const c = await ask(e, w.tokens.requester, {
      ...ftpShare,
      service: w.service,
      destination: [w.host],
      title: 'Upload',
      end: inDays(e, 2),
    });
    await step(e, w.tokens.member, c.id, 'approve');
    await step(e, w.tokens.security, c.id, 'approve');
    await step(e, w.tokens.requester, c.id, 'implement');
    await step(e, w.tokens.requester, c.id, 'remove');
    const rows = await e.ctx.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity', '=', 'change')
      .where('entity_id', '=', String(c.id))
      .orderBy('id')
      .execute();
    assert.deepEqual(
      rows.map((r) => r.action),
      [
        'change.request',
        'change.submit',
        'change.approve',
        'change.approve',
        'change.approved',
        'change.implement',
        'change.remove',
      ],
    );
    assert.equal((await verifyAudit(e.ctx.database.db)).ok, true);
  });
});
