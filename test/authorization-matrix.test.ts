import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { kev, sarif } from './support/reports.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { reprioritiseServiceWith } from '../src/findings/reprioritise.ts';
import { createCommitment } from '../src/commitments/commitments-service.ts';
import { createToken, localAdmin } from '../src/people/tokens.ts';
import { createApp } from '../src/http/app.ts';
import { setPassword } from '../src/people/passwords.ts';
import { createInvitation } from '../src/people/invitations.ts';
import { newReview } from '../src/reviews/reviews-service.ts';
import { startJiraFake } from './support/jira-fake.ts';

// Every route of the OpenAPI document, called by every kind of caller; the table says what each must answer. A route
// added without a row here fails the first test, and a route the document does not describe fails it too.

const callers = [
  'anonymous',
  'badToken',
  'auditor',
  'manager',
  'owner',
  'otherTeam',
  'noTeam',
  'security',
  'admin',
] as const;
type Caller = (typeof callers)[number];

/** One request: path (with query), and a JSON or raw body. */
interface Call {
  path: string;
  json?: unknown;
  body?: string;
  type?: string;
}

type Build = (f: Fixture, who: Caller) => Promise<Call> | Call;

// FTP has a safer alternative (SFTP), so approvals wait for the requester's reason to keep it unless the body gives one.
const ftp = (f: Fixture, end = true, keep = true) => ({
  type: 'file-share',
  service: f.serviceA,
  title: 'Upload folder for a client',
  protocol: 'ftp',
  ports: ['21'],
  destination: [f.host],
  source: ['203.0.113.0/24'],
  authentication: 'password',
  ...(end ? { end: f.inDays(3) } : {}),
  ...(keep ? { keepProtocol: 'The client can only send over FTP.' } : {}),
});
const https = (f: Fixture, end: boolean) => ({
  type: 'firewall',
  service: f.serviceA,
  title: 'Partner API',
  protocol: 'https',
  destination: [f.host],
  source: ['203.0.113.0/24'],
  ...(end ? { end: f.inDays(20) } : {}),
});

// biome-ignore format: the columns of the table line up
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
  'POST /api/changes/preview':                  [[401, 401, 403, 403, 200, 403, 403, 200, 200], (f) => ({ path: '/api/changes/preview', json: https(f, false) })],
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
  'GET /api/gates':                             [[401, 401, 200, 200, 200, 200, 200, 200, 200], () => ({ path: '/api/gates?env=prod' })],
  'GET /api/gates/{id}':                        [[401, 401, 200, 200, 200, 403, 403, 200, 200], (f) => ({ path: `/api/gates/${f.gate}` })],
  'GET /api/gates/{id}/replay':                 [[401, 401, 200, 200, 200, 403, 403, 200, 200], (f) => ({ path: `/api/gates/${f.gate}/replay` })],
  'GET /api/gates/{id}/changes':                [[401, 401, 200, 200, 200, 403, 403, 200, 200], (f) => ({ path: `/api/gates/${f.gate}/changes` })],
  'GET /api/commitments':                       [[401, 401, 200, 200, 200, 200, 200, 200, 200], () => ({ path: '/api/commitments' })],
  'GET /api/commitments/{id}':                  [[401, 401, 200, 200, 200, 403, 403, 200, 200], (f) => ({ path: `/api/commitments/${f.commitment}` })],
  'POST /api/commitments/{id}/verify':          [[401, 401, 403, 403, 200, 403, 403, 200, 200], async (f) => ({ path: `/api/commitments/${await f.newCommitment()}/verify`, json: { evidence: 'WAF rule 9001 is live.' } })],
  'POST /api/reviews':                          [[401, 401, 403, 403, 201, 403, 403, 201, 201], (f) => ({ path: '/api/reviews', json: { cadence: 'weekly', team: f.teamA } })],
  'GET /api/reviews':                           [[401, 401, 200, 200, 200, 200, 200, 200, 200], () => ({ path: '/api/reviews' })],
  'GET /api/reviews/{id}':                      [[401, 401, 200, 200, 200, 403, 403, 200, 200], (f) => ({ path: `/api/reviews/${f.review}` })],
  'POST /api/reviews/{id}/close':               [[401, 401, 403, 403, 200, 403, 403, 200, 200], async (f) => ({ path: `/api/reviews/${await f.newReview()}/close`, json: { attendees: ['ana'] } })],
  'POST /api/reviews/{id}/attendees':           [[401, 401, 403, 403, 200, 403, 403, 200, 200], (f) => ({ path: `/api/reviews/${f.review}/attendees`, json: { attendees: ['raj'] } })],
  'POST /api/reviews/{id}/decisions':           [[401, 401, 403, 403, 200, 403, 403, 200, 200], (f) => ({ path: `/api/reviews/${f.review}/decisions`, json: { decisions: ['Patch first.'] } })],
  'POST /api/reviews/{id}/actions':             [[401, 401, 403, 403, 200, 403, 403, 200, 200], (f) => ({ path: `/api/reviews/${f.review}/actions`, json: { actions: [{ title: 'Upgrade', team: f.teamA, due: f.inDays(9).slice(0, 10) }] } })],
  'GET /api/views':                             [[401, 401, 200, 200, 200, 200, 200, 200, 200], () => ({ path: '/api/views' })],
  'POST /api/views':                            [[401, 401, 403, 403, 201, 403, 403, 201, 201], (f) => ({ path: '/api/views', json: { team: f.teamA, name: 'Matrix', query: 'priority=act' } })],
  'DELETE /api/views/{id}':                     [[401, 401, 403, 403, 204, 403, 403, 204, 204], async (f) => ({ path: `/api/views/${await f.newView()}` })],
  'GET /api/scorecard':                         [[401, 401, 200, 200, 200, 403, 403, 200, 200], (f) => ({ path: `/api/scorecard?service=${f.serviceA}` })],
  'GET /api/scorecard/trend':                   [[401, 401, 200, 200, 200, 403, 403, 200, 200], (f) => ({ path: `/api/scorecard/trend?service=${f.serviceA}` })],
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
  // Security and admins see the whole outbox; anyone else their own rows (an empty list when there are none).
  'GET /api/notifications':                     [[401, 401, 200, 200, 200, 200, 200, 200, 200], () => ({ path: '/api/notifications' })],
  // A person retries their own notifications; Security and admins any. (The row is addressed to the owner's team mate.)
  'POST /api/notifications/{id}/retry':         [[401, 401, 404, 404, 404, 404, 404, 200, 200], async (f) => ({ path: `/api/notifications/${await f.newNotification()}/retry` })],
  // Your own preferences; a token of no person (auditor) names no one, and only an admin names someone else.
  'GET /api/notifications/prefs':               [[401, 401, 400, 200, 200, 200, 200, 200, 200], () => ({ path: '/api/notifications/prefs' })],
  'PUT /api/notifications/prefs':               [[401, 401, 403, 403, 403, 403, 403, 403, 200], (f) => ({ path: '/api/notifications/prefs', json: { email: f.signIn.email, event: 'finding.overdue', channel: 'email' } })],
  'DELETE /api/session':                        [[204, 204, 204, 204, 204, 204, 204, 204, 204], () => ({ path: '/api/session' })],
  // The policy decides everyone's gates and due dates: every role reads it, checks a candidate and compares revisions.
  'GET /api/policy':                            [[401, 401, 200, 200, 200, 200, 200, 200, 200], () => ({ path: '/api/policy' })],
  'POST /api/policy/check':                     [[401, 401, 200, 200, 200, 200, 200, 200, 200], () => ({ path: '/api/policy/check', json: { text: 'sla:\n  act: 5\n' } })],
  'GET /api/policy/diff':                       [[401, 401, 200, 200, 200, 200, 200, 200, 200], () => ({ path: '/api/policy/diff?from=current' })],
  // Single sign-on is not configured in this app: its public routes say so to everyone.
  'GET /api/session/sso':                       [[200, 200, 200, 200, 200, 200, 200, 200, 200], () => ({ path: '/api/session/sso' })],
  'GET /api/session/oidc/start':                [[404, 404, 404, 404, 404, 404, 404, 404, 404], () => ({ path: '/api/session/oidc/start' })],
  'GET /api/session/oidc/callback':             [[404, 404, 404, 404, 404, 404, 404, 404, 404], () => ({ path: '/api/session/oidc/callback?code=x&state=y' })],
  'POST /api/people/{email}/invitation':        [[401, 401, 403, 403, 403, 403, 403, 403, 201], (f) => ({ path: `/api/people/${encodeURIComponent(f.invitee)}/invitation`, json: { days: 3 } })],
  // An invitation link is the credential itself: whoever holds it may read it and use it, once (a fresh one per call).
  'GET /api/invitations/{token}':               [[200, 200, 200, 200, 200, 200, 200, 200, 200], async (f) => ({ path: `/api/invitations/${await f.newInvitation()}` })],
  'POST /api/invitations/{token}':              [[200, 200, 200, 200, 200, 200, 200, 200, 200], async (f) => ({ path: `/api/invitations/${await f.newInvitation()}`, json: { password: 'invited-password-1234' } })],
  // A fresh finding per call, so each caller allowed to files an issue of its own (201).
  'POST /api/findings/{id}/jira':               [[401, 401, 403, 403, 201, 403, 403, 201, 201], (f) => ({ path: `/api/findings/${f.spareFinding()}/jira` })],
  'POST /api/commitments/{id}/jira':            [[401, 401, 403, 403, 201, 403, 403, 201, 201], async (f) => ({ path: `/api/commitments/${await f.newCommitment()}/jira` })],
  // Jira's webhook authenticates with the shared secret, whoever calls; without it every caller gets 401 (test/jira.test.ts).
  'POST /api/integrations/jira/webhook':        [[200, 200, 200, 200, 200, 200, 200, 200, 200], (f) => ({ path: `/api/integrations/jira/webhook?secret=${f.jira.settings.webhookSecret}`, json: { webhookEvent: 'jira:issue_updated', issue: { key: 'MAT-999', fields: { status: { name: 'Done', statusCategory: { key: 'done' } } } } } })],
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
  const people = {
    owner: mail('ana'),
    member: mail('raj'),
    otherTeam: mail('ben'),
    noTeam: mail('lee'),
    security: mail('sam'),
    admin: mail('root'),
    manager: mail('mia'),
  };
  const orgOf = (leaver: string[]) => `teams:
  - { name: ${a}, kind: engineering, lead: ${people.owner}, members: [${people.owner}, ${people.member}], notify: { jira: { project: MAT } } }
  - { name: ${b}, kind: engineering, members: [${people.otherTeam}] }
  - { name: ${c}, kind: it-operations, members: [${leaver.join(', ')}] }
  - { name: ${sec}, kind: security }
services:
  - { name: ${serviceA}, owner: ${a}, criticality: 4, exposure: internet, hosts: [${host}] }
  - { name: ${serviceB}, owner: ${b}, criticality: 2, exposure: internal }
`;
  const apply = (yaml: string) =>
    applyOrg(e.ctx.database.db, parseOrgFile(yaml, 'matrix org'), {
      prune: false,
      actor: 'test',
      now: e.clock.now,
      reprioritise: reprioritiseServiceWith(e.ctx.policy),
    });
  await apply(orgOf([people.noTeam]));
  const tokens: Record<Caller | 'member', string | undefined> = {
    anonymous: undefined,
    badToken: 'ent_not-a-token-anyone-was-given',
    auditor: await e.token('auditor'),
    manager: await e.token('manager', people.manager),
    owner: await e.token('engineer', people.owner),
    member: await e.token('engineer', people.member),
    otherTeam: await e.token('engineer', people.otherTeam),
    noTeam: await e.token('engineer', people.noTeam),
    security: await e.token('security', people.security),
    admin: await e.token('admin', people.admin),
  };
  const org = orgOf([]);
  await apply(org);
  const signIn = { email: people.member, password: 'matrix-password-1234' };
  await setPassword(e.ctx.database.db, signIn.email, signIn.password, { actor: 'test', now: e.clock.now });
  // Findings to ask exceptions for, one per request (a finding is in at most one open exception).
  await e.importText(
    serviceA,
    'codeql.sarif',
    sarif(
      'CodeQL',
      Array.from({ length: 60 }, (_, i) => ({ rule: `js/rule-${i}`, file: `src/f${i}.ts`, line: i + 1, cwe: 89 })),
    ),
  );
  const svc = await e.ctx.database.db
    .selectFrom('services')
    .select(['id', 'owner_team_id'])
    .where('name', '=', serviceA)
    .executeTakeFirstOrThrow();
  const spare = (
    await e.ctx.database.db.selectFrom('findings').select('id').where('service_id', '=', svc.id).orderBy('id').execute()
  ).map((r) => r.id);
  const ok = async (r: Promise<{ status: number; body: any }>, status = 201) => {
    const got = await r;
    assert.equal(got.status, status, JSON.stringify(got.body));
    return got.body;
  };
  const inDays = (d: number) => new Date(e.clock.now.getTime() + d * 86_400_000).toISOString();
  const exceptionBody = () => ({
    findingIds: [spare.pop()!],
    reason: 'the vendor fix ships in May',
    controls: ['WAF rule 9421'],
  });
  const goalBody = () => ({
    metric: 'open-act-attend',
    team: a,
    owners: [a, sec],
    target: '-30%',
    deadline: inDays(120).slice(0, 10),
  });
  const jira = await startJiraFake({ projects: ['MAT'] });
  const f = {
    serviceA,
    teamA: a,
    host,
    org,
    tokens,
    inDays,
    exceptionBody,
    goalBody,
    signIn,
    jira,
    spareFinding: () => spare.pop()!,
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
    invitee: people.otherTeam,
    async newInvitation(): Promise<string> {
      return (await createInvitation(e.ctx.database.db, people.owner, { actor: 'test', now: e.clock.now })).token;
    },
    async newView(): Promise<number> {
      return (
        await ok(
          e.call('POST', '/api/views', {
            token: tokens.owner,
            json: { team: a, name: e.uniq('view'), query: 'status=open' },
          }),
        )
      ).id;
    },
    async newToken(): Promise<number> {
      return (await createToken(e.ctx.database.db, { name: 'matrix', role: 'auditor', now: e.clock.now })).id;
    },
    async newCommitment(): Promise<number> {
      const made = await createCommitment({ db: e.ctx.database.db, now: e.ctx.now, policy: e.ctx.policy }, 'test', {
        kind: 'control',
        controlId: 'waf-virtual-patch',
        ownerTeamId: svc.owner_team_id,
        serviceId: svc.id,
        dueAt: new Date(inDays(7)),
        source: { type: 'gate', id: f.gate },
      });
      return made.id;
    },
    async newNotification(): Promise<number> {
      const person = await e.ctx.database.db
        .selectFrom('people')
        .select('id')
        .where('email', '=', people.member)
        .executeTakeFirstOrThrow();
      const row = await e.ctx.database.db
        .insertInto('notifications')
        .values({
          idempotency_key: e.uniq('matrix'),
          event: 'finding.new_act',
          person_id: person.id,
          recipient_email: people.member,
          recipient_name: null,
          channel: 'email',
          status: 'failed',
          next_attempt_at: e.clock.now,
          subject: 'New finding to act on',
          body_text: 'text',
          body_html: '<p>text</p>',
          link: null,
          facts: '{}',
          entity: null,
          entity_id: null,
          created_at: e.clock.now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },
    async newReview(): Promise<number> {
      return (
        await newReview({ db: e.ctx.database.db, now: e.ctx.now, policy: e.ctx.policy }, localAdmin, {
          cadence: 'weekly',
          team: a,
        })
      ).id;
    },
    exception: 0,
    change: 0,
    gate: 0,
    commitment: 0,
    review: 0,
    goal: 0,
  };
  f.exception = await f.newException('owner');
  f.change = await f.newChange('owner', https(f, false));
  f.gate = (
    await ok(e.call('POST', '/api/gates', { token: tokens.owner, json: { service: serviceA, env: 'prod' } }))
  ).id;
  f.commitment = await f.newCommitment();
  f.review = await f.newReview();
  f.goal = (await ok(e.call('POST', '/api/goals', { token: tokens.security, json: goalBody() }))).id;
  return f;
}

/** "GET /api/findings/{id}" for each operation the OpenAPI document describes. */
function documented(doc: { paths: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

describeEachEngine('the authorisation matrix', (env) => {
  let f: Fixture | undefined;
  before(async () => {
    f = await fixture(env());
  });
  after(async () => f?.jira.close());

  test('every route the app serves is in the OpenAPI document, and every documented route has a row in the table', async () => {
    const doc = (await env().call('GET', '/api/openapi.json')).body;
    const served = [
      ...new Set(
        env()
          .app.routes.filter((r) => r.method !== 'ALL')
          .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
      ),
    ].sort();
    assert.deepEqual(
      served.filter((r) => !documented(doc).includes(r)),
      [],
      'routes the OpenAPI document does not describe',
    );
    assert.deepEqual(
      documented(doc).filter((r) => !(r in table)),
      [],
      'documented routes without a row in the table',
    );
    assert.deepEqual(
      Object.keys(table).filter((r) => !documented(doc).includes(r)),
      [],
      'rows for routes the document does not describe',
    );
  });

  for (const [route, [expected, build]] of Object.entries(table)) {
    test(`${route} answers each caller as the table says`, async () => {
      // An app of its own without the failed-authentication limit: the table's 401s would otherwise become 429s.
      const app = createApp(
        { ...env().ctx, jira: f!.jira.settings },
        { failedAuth: { limit: Number.MAX_SAFE_INTEGER } },
      );
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
