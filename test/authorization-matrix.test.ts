import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { kev, sarif } from './support/reports.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { createCommitment } from '../src/commitments/commitments-service.ts';
import { createToken } from '../src/people/tokens.ts';
import { createApp } from '../src/http/app.ts';
import { setPassword } from '../src/people/passwords.ts';

// Every route of the OpenAPI document, called by every kind of caller; the table says what each must answer. A route
// added without a row here fails the first test, and a route the document does not describe fails it too.

const callers = ['anonymous', 'badToken', 'auditor', 'manager', 'owner', 'otherTeam', 'noTeam', 'security', 'admin'] as const;
type Caller = (typeof callers)[number];

/** One request: path (with query), and a JSON or raw body. */
interface Call { path: string; json?: unknown; body?: string; type?: string }

type Build = (f: Fixture, who: Caller) => Promise<Call> | Call;

// FTP has a safer alternative (SFTP), so approvals wait for the requester's reason to keep it unless the body gives one.
const ftp = (f: Fixture, end = true, keep = true) => ({
  type: 'file-share', service: f.serviceA, title: 'Upload folder for a client', protocol: 'ftp', ports: ['21'], destination: [f.host],
  source: ['203.0.113.0/24'], authentication: 'password', ...(end ? { end: f.inDays(3) } : {}),
  ...(keep ? { keepProtocol: 'The client can only send over FTP.' } : {}),
});
const https = (f: Fixture, end: boolean) => ({
  type: 'firewall', service: f.serviceA, title: 'Partner API', protocol: 'https', destination: [f.host], source: ['203.0.113.0/24'], ...(end ? { end: f.inDays(20) } : {}),
});

/* eslint-disable no-multi-spaces */
// Columns: anonymous, bad token, auditor, manager, engineer of the owning team (also its lead), engineer of another
// team, engineer in no team (left it), Security, admin (a person). Fresh records are made for each call that changes one.
const table: Record<string, [number[], Build]> = {
  //                                              anon bad  aud  mgr  own  oth  none sec  adm
  'GET /api/health':                            [[200, 200, 200, 200, 200, 200, 200, 200, 200], () => ({ path: '/api/health' })],
  'GET /api/openapi.json':                      [[200, 200, 200, 200, 200, 200, 200, 200, 200], () => ({ path: '/api/openapi.json' })],
  'GET /api/findings':                          [[401, 401, 200, 200, 200, 200, 200, 200, 200], () => ({ path: '/api/findings' })],
  'GET /api/findings/export':                   [[401, 401, 200, 200, 200, 200, 200, 200, 200], () => ({ path: '/api/findings/export?format=csv' })],
  'GET /api/findings/{id}':                     [[401, 401, 200, 200, 200, 403, 403, 200, 200], (f) => ({ path: `/api/findings/${f.finding}` })],
  'PATCH /api/findings/{id}':                   [[401, 401, 403, 403, 200, 403, 403, 200, 200], (f) => ({ path: `/api/findings/${f.finding}`, json: { comment: 'Looking at it.' } })],
  'POST /api/scans':                            [[401, 401, 403, 403, 201, 403, 403, 201, 201], (f) => ({ path: `/api/scans?service=${f.serviceA}`, body: f.report, type: 'application/octet-stream' })],
  'POST /api/feeds':                            [[401, 401, 403, 403, 403, 403, 403, 200, 200], () => ({ path: '/api/feeds', body: kev(['CVE-2026-49999']), type: 'application/octet-stream' })],
  'POST /api/org':                              [[401, 401, 403, 403, 403, 403, 403, 403, 200], (f) => ({ path: '/api/org', body: f.org, type: 'application/yaml' })],
  'GET /api/teams':                             [[401, 401, 200, 200, 200, 200, 200, 200, 200], () => ({ path: '/api/teams' })],
  'GET /api/services':                          [[401, 401, 200, 200, 200, 200, 200, 200, 200], () => ({ path: '/api/services' })],
  'GET /api/audit/verify':                      [[401, 401, 200, 403, 403, 403, 403, 200, 200], () => ({ path: '/api/audit/verify' })],
  'GET /api/audit':                             [[401, 401, 200, 403, 403, 403, 403, 200, 200], () => ({ path: '/api/audit' })],
  'GET /api/audit/export':                      [[401, 401, 200, 403, 403, 403, 403, 200, 200], () => ({ path: '/api/audit/export?format=jsonl' })],
  'POST /api/tone':                             [[401, 401, 200, 200, 200, 200, 200, 200, 200], () => ({ path: '/api/tone', json: { text: 'Let us patch it together.' } })],
  'POST /api/exceptions':                       [[401, 401, 403, 403, 201, 403, 403, 201, 201], (f) => ({ path: '/api/exceptions', json: f.exceptionBody() })],
  'GET /api/exceptions':                        [[401, 401, 200, 200, 200, 200, 200, 200, 200], () => ({ path: '/api/exceptions' })],
  'GET /api/exceptions/{id}':                   [[401, 401, 200, 200, 200, 403, 403, 200, 200], (f) => ({ path: `/api/exceptions/${f.exception}` })],
  'POST /api/exceptions/{id}/approve':          [[401, 401, 403, 403, 200, 403, 403, 200, 200], async (f) => ({ path: `/api/exceptions/${await f.newException('member')}/approve` })],
  'POST /api/exceptions/{id}/decline':          [[401, 401, 403, 403, 200, 403, 403, 200, 200], async (f) => ({ path: `/api/exceptions/${await f.newException('member')}/decline`, json: { reason: 'Fix it first.' } })],
  'POST /api/exceptions/{id}/revoke':           [[401, 401, 403, 403, 200, 403, 403, 200, 200], async (f) => ({ path: `/api/exceptions/${await f.newException('owner')}/revoke`, json: { reason: 'Fixed after all.' } })],
  'POST /api/changes':                          [[401, 401, 403, 403, 201, 403, 403, 201, 201], (f) => ({ path: '/api/changes', json: https(f, false) })],
  'GET /api/changes':                           [[401, 401, 200, 200, 200, 200, 200, 200, 200], () => ({ path: '/api/changes' })],
  'GET /api/changes/{id}':                      [[401, 401, 200, 200, 200, 403, 403, 200, 200], (f) => ({ path: `/api/changes/${f.change}` })],
  // Only the person who wrote a draft submits it (or an admin): Security may write for every team but did not write it.
  'POST /api/changes/{id}/submit':              [[401, 401, 403, 403, 200, 403, 403, 403, 200], async (f) => ({ path: `/api/changes/${await f.newChange('owner', { ...https(f, false), draft: true })}/submit`, json: {} })],
  'POST /api/changes/{id}/approve':             [[401, 401, 403, 403, 200, 403, 403, 200, 200], async (f) => ({ path: `/api/changes/${await f.newChange('member', ftp(f))}/approve`, json: {} })],
  'POST /api/changes/{id}/keep-protocol':       [[401, 401, 403, 403, 200, 403, 403, 403, 200], async (f) => ({ path: `/api/changes/${await f.newChange('owner', ftp(f, true, false))}/keep-protocol`, json: { reason: 'The client can only send over FTP.' } })],
  'POST /api/changes/{id}/decline':             [[401, 401, 403, 403, 200, 403, 403, 200, 200], async (f) => ({ path: `/api/changes/${await f.newChange('member', ftp(f))}/decline`, json: { reason: 'SFTP instead.' } })],
  'POST /api/changes/{id}/implement':           [[401, 401, 403, 403, 200, 403, 403, 200, 200], async (f) => ({ path: `/api/changes/${await f.newChange('member', https(f, true))}/implement`, json: {} })],
  'POST /api/changes/{id}/extend':              [[401, 401, 403, 403, 200, 403, 403, 200, 200], async (f) => ({ path: `/api/changes/${await f.newChange('member', https(f, true))}/extend`, json: { end: f.inDays(30), reason: 'The partner needs a week more.' } })],
  'POST /api/changes/{id}/remove':              [[401, 401, 403, 403, 200, 403, 403, 200, 200], async (f) => ({ path: `/api/changes/${await f.newChange('member', https(f, true))}/remove`, json: {} })],
  'POST /api/changes/{id}/recertify':           [[401, 401, 403, 403, 200, 403, 403, 200, 200], async (f) => ({ path: `/api/changes/${await f.newChange('member', https(f, false))}/recertify`, json: {} })],
  'POST /api/exposure':                         [[401, 401, 403, 403, 403, 403, 403, 201, 201], (f) => ({ path: '/api/exposure', body: f.scan, type: 'application/octet-stream' })],
  'GET /api/exposure':                          [[401, 401, 200, 200, 200, 200, 200, 200, 200], () => ({ path: '/api/exposure' })],
  'POST /api/gates':                            [[401, 401, 403, 403, 201, 403, 403, 201, 201], (f) => ({ path: '/api/gates', json: { service: f.serviceA, env: 'prod' } })],
  'GET /api/gates/{id}':                        [[401, 401, 200, 200, 200, 403, 403, 200, 200], (f) => ({ path: `/api/gates/${f.gate}` })],
  'GET /api/gates/{id}/replay':                 [[401, 401, 200, 200, 200, 403, 403, 200, 200], (f) => ({ path: `/api/gates/${f.gate}/replay` })],
  'GET /api/gates/{id}/changes':                [[401, 401, 200, 200, 200, 403, 403, 200, 200], (f) => ({ path: `/api/gates/${f.gate}/changes` })],
  'GET /api/commitments':                       [[401, 401, 200, 200, 200, 200, 200, 200, 200], () => ({ path: '/api/commitments' })],
  'GET /api/commitments/{id}':                  [[401, 401, 200, 200, 200, 403, 403, 200, 200], (f) => ({ path: `/api/commitments/${f.commitment}` })],
  'POST /api/commitments/{id}/verify':          [[401, 401, 403, 403, 200, 403, 403, 200, 200], async (f) => ({ path: `/api/commitments/${await f.newCommitment()}/verify`, json: { evidence: 'WAF rule 9001 is live.' } })],
  'GET /api/scorecard':                         [[401, 401, 200, 200, 200, 403, 403, 200, 200], (f) => ({ path: `/api/scorecard?service=${f.serviceA}` })],
  'GET /api/goals':                             [[401, 401, 200, 200, 200, 200, 200, 200, 200], () => ({ path: '/api/goals' })],
  'POST /api/goals':                            [[401, 401, 403, 403, 201, 403, 403, 201, 201], (f) => ({ path: '/api/goals', json: f.goalBody() })],
  'GET /api/goals/{id}':                        [[401, 401, 200, 200, 200, 200, 200, 200, 200], (f) => ({ path: `/api/goals/${f.goal}` })],
  'GET /api/tokens':                            [[401, 401, 403, 403, 403, 403, 403, 403, 200], () => ({ path: '/api/tokens' })],
  'POST /api/tokens':                           [[401, 401, 403, 403, 403, 403, 403, 403, 201], () => ({ path: '/api/tokens', json: { name: 'matrix', role: 'auditor', expires: '1d' } })],
  'POST /api/tokens/{id}/revoke':               [[401, 401, 403, 403, 403, 403, 403, 403, 200], async (f) => ({ path: `/api/tokens/${await f.newToken()}/revoke` })],
  // Signing in needs no token (a password instead), and signing out ends only the session a cookie names (none here).
  'POST /api/session':                          [[200, 200, 200, 200, 200, 200, 200, 200, 200], (f) => ({ path: '/api/session', json: { email: f.signIn.email, password: f.signIn.password } })],
  'GET /api/session':                           [[401, 401, 200, 200, 200, 200, 200, 200, 200], () => ({ path: '/api/session' })],
  'PUT /api/people/{email}/password':           [[401, 401, 403, 403, 403, 403, 403, 403, 200], (f) => ({ path: `/api/people/${encodeURIComponent(f.signIn.email)}/password`, json: { password: f.signIn.password } })],
  'DELETE /api/session':                        [[204, 204, 204, 204, 204, 204, 204, 204, 204], () => ({ path: '/api/session' })],
};
/* eslint-enable no-multi-spaces */

type Fixture = Awaited<ReturnType<typeof fixture>>;

/**
 * Team A owns service A (its lead is the "owner" caller; a second member asks for things the owner then decides), team
 * B has the "otherTeam" engineer, and the "noTeam" engineer's token outlived their membership of team C.
 */
async function fixture(e: TestEnv) {
  const [a, b, c, sec] = [e.uniq('team-a'), e.uniq('team-b'), e.uniq('team-c'), e.uniq('security')];
  const [serviceA, serviceB] = [e.uniq('svc-a'), e.uniq('svc-b')];
  const host = `198.51.100.${(process.pid % 200) + 20}`;
  const mail = (n: string) => `${e.uniq(n)}@example.com`;
  const people = { owner: mail('ana'), member: mail('raj'), otherTeam: mail('ben'), noTeam: mail('lee'), security: mail('sam'), admin: mail('root'), manager: mail('mia') };
  const orgOf = (leaver: string[]) => `teams:
  - { name: ${a}, kind: engineering, lead: ${people.owner}, members: [${people.owner}, ${people.member}] }
  - { name: ${b}, kind: engineering, members: [${people.otherTeam}] }
  - { name: ${c}, kind: it-operations, members: [${leaver.join(', ')}] }
  - { name: ${sec}, kind: security }
services:
  - { name: ${serviceA}, owner: ${a}, criticality: 4, exposure: internet, hosts: [${host}] }
  - { name: ${serviceB}, owner: ${b}, criticality: 2, exposure: internal }
`;
  const apply = (yaml: string) => applyOrg(e.ctx.database.db, parseOrgFile(yaml, 'matrix org'), { prune: false, actor: 'test', now: e.clock.now, policy: e.ctx.policy });
  await apply(orgOf([people.noTeam]));
  const tokens: Record<Caller | 'member', string | undefined> = {
    anonymous: undefined, badToken: 'ent_not-a-token-anyone-was-given',
    auditor: await e.token('auditor'), manager: await e.token('manager', people.manager),
    owner: await e.token('engineer', people.owner), member: await e.token('engineer', people.member),
    otherTeam: await e.token('engineer', people.otherTeam), noTeam: await e.token('engineer', people.noTeam),
    security: await e.token('security', people.security), admin: await e.token('admin', people.admin),
  };
  const org = orgOf([]);
  await apply(org);
  const signIn = { email: people.member, password: 'matrix-password-1234' };
  await setPassword(e.ctx.database.db, signIn.email, signIn.password, { actor: 'test', now: e.clock.now });
  // Findings to ask exceptions for, one per request (a finding is in at most one open exception).
  await e.importText(serviceA, 'codeql.sarif', sarif('CodeQL', Array.from({ length: 60 }, (_, i) => ({ rule: `js/rule-${i}`, file: `src/f${i}.ts`, line: i + 1, cwe: 89 }))));
  const svc = await e.ctx.database.db.selectFrom('services').select(['id', 'owner_team_id']).where('name', '=', serviceA).executeTakeFirstOrThrow();
  const spare = (await e.ctx.database.db.selectFrom('findings').select('id').where('service_id', '=', svc.id).orderBy('id').execute()).map((r) => r.id);
  const ok = async (r: Promise<{ status: number; body: any }>, status = 201) => {
    const got = await r;
    assert.equal(got.status, status, JSON.stringify(got.body));
    return got.body;
  };
  const inDays = (d: number) => new Date(e.clock.now.getTime() + d * 86_400_000).toISOString();
  const exceptionBody = () => ({ findingIds: [spare.pop()!], reason: 'the vendor fix ships in May', controls: ['WAF rule 9421'] });
  const goalBody = () => ({ metric: 'open-act-attend', team: a, owners: [a, sec], target: '-30%', deadline: inDays(120).slice(0, 10) });
  const f = {
    serviceA, host, org, tokens, inDays, exceptionBody, goalBody, signIn,
    finding: spare.pop()!,
    report: sarif('MatrixScanner', [{ rule: 'm1', file: 'src/m.ts', line: 1 }]),
    scan: `<?xml version="1.0"?><nmaprun scanner="nmap" version="7.93"><scaninfo type="syn" protocol="tcp" numservices="1" services="22"/>
<host><status state="up"/><address addr="${host}" addrtype="ipv4"/><ports><port protocol="tcp" portid="22"><state state="open"/><service name="ssh"/></port></ports></host></nmaprun>`,
    async newException(by: 'owner' | 'member'): Promise<number> {
      return (await ok(e.call('POST', '/api/exceptions', { token: tokens[by], json: exceptionBody() }))).id;
    },
    async newChange(by: 'owner' | 'member', body: Record<string, unknown>): Promise<number> {
      return (await ok(e.call('POST', '/api/changes', { token: tokens[by], json: body }))).id;
    },
    async newToken(): Promise<number> {
      return (await createToken(e.ctx.database.db, { name: 'matrix', role: 'auditor', now: e.clock.now })).id;
    },
    async newCommitment(): Promise<number> {
      const made = await createCommitment({ db: e.ctx.database.db, now: e.ctx.now, policy: e.ctx.policy }, 'test', {
        kind: 'control', controlId: 'waf-virtual-patch', ownerTeamId: svc.owner_team_id, serviceId: svc.id, dueAt: new Date(inDays(7)), source: { type: 'gate', id: f.gate },
      });
      return made.id;
    },
    exception: 0, change: 0, gate: 0, commitment: 0, goal: 0,
  };
  f.exception = await f.newException('owner');
  f.change = await f.newChange('owner', https(f, false));
  f.gate = (await ok(e.call('POST', '/api/gates', { token: tokens.owner, json: { service: serviceA, env: 'prod' } }))).id;
  f.commitment = await f.newCommitment();
  f.goal = (await ok(e.call('POST', '/api/goals', { token: tokens.security, json: goalBody() }))).id;
  return f;
}

/** "GET /api/findings/{id}" for each operation the OpenAPI document describes. */
function documented(doc: { paths: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();
}

describeEachEngine('the authorisation matrix', (env) => {
  let f: Fixture | undefined;
  before(async () => { f = await fixture(env()); });

  test('every route the app serves is in the OpenAPI document, and every documented route has a row in the table', async () => {
    const doc = (await env().call('GET', '/api/openapi.json')).body;
    const served = [...new Set(env().app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`))].sort();
    assert.deepEqual(served.filter((r) => !documented(doc).includes(r)), [], 'routes the OpenAPI document does not describe');
    assert.deepEqual(documented(doc).filter((r) => !(r in table)), [], 'documented routes without a row in the table');
    assert.deepEqual(Object.keys(table).filter((r) => !documented(doc).includes(r)), [], 'rows for routes the document does not describe');
  });

  for (const [route, [expected, build]] of Object.entries(table)) {
    test(`${route} answers each caller as the table says`, async () => {
      // An app of its own without the failed-authentication limit: the table's 401s would otherwise become 429s.
      const app = createApp(env().ctx, { failedAuth: { limit: Number.MAX_SAFE_INTEGER } });
      const method = route.split(' ')[0]!;
      const got: Record<string, number> = {};
      for (const who of callers) {
        const call = await build(f!, who);
        const token = f!.tokens[who];
        const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
        if (call.json !== undefined) headers['content-type'] = 'application/json';
        if (call.body !== undefined) headers['content-type'] = call.type ?? 'application/octet-stream';
        const body = call.json !== undefined ? JSON.stringify(call.json) : call.body;
        const res = await app.request(call.path, { method, headers, ...(body !== undefined ? { body } : {}) });
        got[who] = res.status;
        if (res.status >= 500) assert.fail(`${route} as ${who}: ${await res.text()}`);
      }
      assert.deepEqual(got, Object.fromEntries(callers.map((who, i) => [who, expected[i]])));
    });
  }
});
