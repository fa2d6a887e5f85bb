import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { sarif } from './support/reports.ts';
import { startJiraFake, type JiraFake } from './support/jira-fake.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { reprioritiseServiceWith } from '../src/findings/reprioritise.ts';
import { createApp } from '../src/http/app.ts';
import { jiraDepsOf } from '../src/integrations/jira/jira-deps.ts';
import { syncJira } from '../src/integrations/jira/jira-service.ts';
import { createCommitment } from '../src/commitments/commitments-service.ts';
import { jiraJobs } from '../src/integrations/jira/jira-job.ts';
import { runDueJobs } from '../src/jobs/runner.ts';

let fake: JiraFake;
before(async () => {
  fake = await startJiraFake({ projects: ['PAY', 'OPS'], pageSize: 2 });
});
after(async () => fake.close());

/** A team (with the Jira project given, if any) owning a service with `n` findings; the findings' ids, the owner's token and an app with Jira set up. */
async function world(e: TestEnv, opts: { project?: string; n?: number } = {}) {
  const team = e.uniq('team');
  const service = e.uniq('svc');
  const owner = `${e.uniq('ana')}@example.com`;
  const notify = opts.project ? `\n    notify: { jira: { project: ${opts.project} } }` : '';
  await applyOrg(
    e.ctx.database.db,
    parseOrgFile(
      `teams:\n  - name: ${team}\n    kind: engineering\n    members: [${owner}]${notify}\nservices:\n  - { name: ${service}, owner: ${team}, criticality: 4, exposure: internet }\n`,
      'org.yaml',
    ),
    { prune: false, actor: 'test', now: e.clock.now, reprioritise: reprioritiseServiceWith(e.ctx.policy) },
  );
  await e.importText(
    service,
    'codeql.sarif',
    sarif(
      'CodeQL',
      Array.from({ length: opts.n ?? 1 }, (_, i) => ({
        rule: `js/sql-injection-${i}`,
        file: `src/db${i}.ts`,
        line: 10 + i,
        cwe: 89,
      })),
    ),
  );
  const ids = (
    await e.ctx.database.db
      .selectFrom('findings as f')
      .innerJoin('services as s', 's.id', 'f.service_id')
      .select('f.id')
      .where('s.name', '=', service)
      .orderBy('f.id')
      .execute()
  ).map((r) => r.id);
  const ctx = { ...e.ctx, jira: fake.settings, publicUrl: 'https://entente.example' };
  const app = createApp(ctx);
  const call = async (
    method: string,
    path: string,
    o: { token?: string; json?: unknown; body?: string; headers?: Record<string, string> } = {},
  ) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (o.json !== undefined || o.body !== undefined) headers['content-type'] = 'application/json';
    const res = await app.request(path, {
      method,
      headers,
      ...(o.json !== undefined ? { body: JSON.stringify(o.json) } : o.body !== undefined ? { body: o.body } : {}),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  return { team, service, ids, ctx, call, token: await e.token('engineer', owner) };
}

const comments = (e: TestEnv, id: number) =>
  e.ctx.database.db
    .selectFrom('finding_comments')
    .select(['author', 'body'])
    .where('finding_id', '=', id)
    .orderBy('id')
    .execute();
const hook = (
  w: Awaited<ReturnType<typeof world>>,
  key: string,
  query = `?secret=${fake.settings.webhookSecret}`,
  headers: Record<string, string> = {},
) => w.call('POST', `/api/integrations/jira/webhook${query}`, { body: JSON.stringify(fake.webhookBody(key)), headers });

describeEachEngine('Jira two-way sync', (env) => {
  test("POST /api/findings/{id}/jira files an issue in the team's project with an ADF description and a link back; again gives the same link", async () => {
    const e = env();
    const w = await world(e, { project: 'PAY' });
    const creates = fake.calls('POST', '/rest/api/3/issue').length;
    const first = await w.call('POST', `/api/findings/${w.ids[0]}/jira`, { token: w.token });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const key = first.body.link.issueKey;
    assert.match(key, /^PAY-\d+$/);
    assert.deepEqual(
      [
        first.body.created,
        first.body.link.findingId,
        first.body.link.status,
        first.body.link.statusCategory,
        first.body.link.issueUrl,
      ],
      [true, w.ids[0], 'To Do', 'new', `${fake.settings.url}/browse/${key}`],
    );
    const sent = fake.issues.get(key)!.fields;
    assert.equal(sent.issuetype.name, 'Task');
    assert.match(sent.summary, new RegExp(`on ${w.service}$`));
    assert.deepEqual(sent.labels, ['entente', `entente-finding-${w.ids[0]}`]);
    const adf = JSON.stringify(sent.description);
    assert.match(adf, /Entente tracks finding #\d+ for team-/);
    assert.match(adf, /"type":"bulletList"/);
    assert.ok(adf.includes(`"href":"https://entente.example/findings/${w.ids[0]}"`), adf);
    const again = await w.call('POST', `/api/findings/${w.ids[0]}/jira`, { token: w.token });
    assert.equal(again.status, 200);
    assert.deepEqual([again.body.created, again.body.link.issueKey], [false, key]);
    assert.equal(fake.calls('POST', '/rest/api/3/issue').length, creates + 1, 'one issue, not two');
    const audit = await e.ctx.database.db
      .selectFrom('audit_log')
      .select(['action', 'after'])
      .where('action', '=', 'jira.link')
      .where('entity_id', '=', String(w.ids[0]))
      .execute();
    assert.equal(audit.length, 1);
  });

  test('a team without a Jira project is told how to add one; a project Jira does not have comes back as Jira said it', async () => {
    const e = env();
    const none = await world(e);
    const r = await none.call('POST', `/api/findings/${none.ids[0]}/jira`, { token: none.token });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /has no Jira project: add notify: \{ jira: \{ project: KEY \} \}/);
    const wrong = await world(e, { project: 'NOPE' });
    const r2 = await wrong.call('POST', `/api/findings/${wrong.ids[0]}/jira`, { token: wrong.token });
    assert.equal(r2.status, 400);
    assert.match(
      r2.body.error.message,
      /Jira answered 400 to POST \/rest\/api\/3\/issue: project: valid project is required/,
    );
    const links = await e.ctx.database.db
      .selectFrom('jira_links')
      .select('id')
      .where('finding_id', 'in', [none.ids[0]!, wrong.ids[0]!])
      .execute();
    assert.deepEqual(links, []);
  });

  test('without ENTENTE_JIRA_* the route answers 503 saying what to set', async () => {
    const e = env();
    const w = await world(e, { project: 'PAY' });
    const r = await e.call('POST', `/api/findings/${w.ids[0]}/jira`, { token: w.token });
    assert.equal(r.status, 503);
    assert.match(r.body.error.message, /set ENTENTE_JIRA_URL, ENTENTE_JIRA_USER and ENTENTE_JIRA_TOKEN/);
  });

  test('Jira Done through the webhook notes "fix reported" on the finding without closing it; a repeat changes nothing; a reopen is noted', async () => {
    const e = env();
    const w = await world(e, { project: 'PAY' });
    const key = (await w.call('POST', `/api/findings/${w.ids[0]}/jira`, { token: w.token })).body.link.issueKey;
    fake.setStatus(key, 'In Progress');
    assert.deepEqual((await hook(w, key)).body, { outcome: 'updated' });
    fake.setStatus(key, 'Done');
    assert.deepEqual((await hook(w, key)).body, { outcome: 'noted' });
    assert.deepEqual((await hook(w, key)).body, { outcome: 'unchanged' });
    const f = await e.ctx.database.db
      .selectFrom('findings')
      .select('status')
      .where('id', '=', w.ids[0]!)
      .executeTakeFirstOrThrow();
    assert.equal(f.status, 'open', 'a scan, not Jira, says a finding is fixed');
    fake.setStatus(key, 'In Progress');
    assert.deepEqual((await hook(w, key)).body, { outcome: 'noted' });
    const notes = await comments(e, w.ids[0]!);
    assert.deepEqual(
      notes.map((n) => n.author),
      ['entente:jira', 'entente:jira'],
    );
    assert.match(
      notes[0]!.body,
      new RegExp(`^Fix reported in Jira: ${key} is Done\\. Thank you! The next scan of ${w.service} confirms it`),
    );
    assert.match(notes[1]!.body, new RegExp(`^${key} is back to In Progress in Jira`));
  });

  test('the webhook needs the shared secret (query, header or HMAC), not a token; an issue Entente does not follow is "unknown"', async () => {
    const e = env();
    const w = await world(e, { project: 'PAY' });
    const key = (await w.call('POST', `/api/findings/${w.ids[0]}/jira`, { token: w.token })).body.link.issueKey;
    assert.equal((await hook(w, key, '')).status, 401);
    assert.equal((await hook(w, key, '?secret=wrong-secret-of-some-length')).status, 401);
    assert.equal(
      (await hook(w, key, '', { authorization: `Bearer ${await e.token('admin')}` })).status,
      401,
      'a token is not the secret',
    );
    assert.equal((await hook(w, key, '', { 'x-entente-jira-secret': fake.settings.webhookSecret! })).status, 200);
    const body = JSON.stringify(fake.webhookBody(key));
    const signature = `sha256=${createHmac('sha256', fake.settings.webhookSecret!).update(body).digest('hex')}`;
    assert.equal(
      (await w.call('POST', '/api/integrations/jira/webhook', { body, headers: { 'x-hub-signature': signature } }))
        .status,
      200,
    );
    assert.equal(
      (
        await w.call('POST', '/api/integrations/jira/webhook', {
          body: body.replace('To Do', 'Done'),
          headers: { 'x-hub-signature': signature },
        })
      ).status,
      401,
      'a changed body fails the HMAC',
    );
    const other = await w.call('POST', `/api/integrations/jira/webhook?secret=${fake.settings.webhookSecret}`, {
      json: {
        webhookEvent: 'jira:issue_updated',
        issue: { key: 'ZZZ-1', fields: { status: { name: 'Done', statusCategory: { key: 'done' } } } },
      },
    });
    assert.deepEqual(other.body, { outcome: 'unknown' });
    const ignored = await w.call('POST', `/api/integrations/jira/webhook?secret=${fake.settings.webhookSecret}`, {
      json: { webhookEvent: 'project_created' },
    });
    assert.deepEqual(ignored.body, { outcome: 'ignored' });
  });

  test("the sync moves the issue of a finding a scan confirmed fixed to Done, and polls the others' statuses page by page", async () => {
    const e = env();
    const w = await world(e, { project: 'OPS', n: 4 });
    const keys: string[] = [];
    for (const id of w.ids)
      keys.push((await w.call('POST', `/api/findings/${id}/jira`, { token: w.token })).body.link.issueKey);
    // The next scan no longer finds the first finding: Entente marks it fixed.
    await e.importText(
      w.service,
      'codeql.sarif',
      sarif(
        'CodeQL',
        w.ids
          .slice(1)
          .map((_, i) => ({ rule: `js/sql-injection-${i + 1}`, file: `src/db${i + 1}.ts`, line: 11 + i, cwe: 89 })),
        'run 2',
      ),
    );
    const fixed = await e.ctx.database.db
      .selectFrom('findings')
      .select('status')
      .where('id', '=', w.ids[0]!)
      .executeTakeFirstOrThrow();
    assert.equal(fixed.status, 'fixed');
    fake.setStatus(keys[2]!, 'Done');
    fake.setStatus(keys[3]!, 'In Progress');
    const searches = fake.calls('POST', '/rest/api/3/search/jql').length;
    const r = await syncJira(jiraDepsOf(w.ctx));
    const mine = (xs: string[]) => xs.filter((k) => keys.includes(k));
    assert.deepEqual(mine(r.transitioned), [keys[0]]);
    assert.deepEqual(mine(r.noted), [keys[2]]);
    assert.deepEqual(mine(r.updated), [keys[3]]);
    assert.deepEqual(r.failed, []);
    assert.equal(fake.issues.get(keys[0]!)!.status, 'Done');
    const transition = fake.calls('POST', `/rest/api/3/issue/${keys[0]}/transitions`).at(-1)!;
    assert.deepEqual(transition.json, { transition: { id: '31' } });
    assert.ok(fake.calls('POST', '/rest/api/3/search/jql').length - searches >= 2, 'pages of two issues each');
    assert.deepEqual(await comments(e, w.ids[0]!), [], 'no "fix reported" note on a finding already fixed');
    assert.match((await comments(e, w.ids[2]!))[0]!.body, /^Fix reported in Jira/);
    const again = await syncJira(jiraDepsOf(w.ctx));
    assert.deepEqual(
      [mine(again.transitioned), mine(again.noted), mine(again.updated)],
      [[], [], []],
      'a second round finds nothing new',
    );
  });

  test('a commitment verified by evidence is kept when its issue goes to Done; one verified by a check waits for its check', async () => {
    const e = env();
    const w = await world(e, { project: 'PAY' });
    const db = e.ctx.database.db;
    const svc = await db
      .selectFrom('services')
      .select(['id', 'owner_team_id'])
      .where('name', '=', w.service)
      .executeTakeFirstOrThrow();
    const make = (verification: { method: 'evidence' | 'check'; detail: string }) =>
      createCommitment({ db, now: e.ctx.now, policy: e.ctx.policy }, 'test', {
        kind: 'control',
        controlId: 'waf-virtual-patch',
        title: 'A WAF rule in front of /search',
        ownerTeamId: svc.owner_team_id,
        serviceId: svc.id,
        dueAt: new Date(e.clock.now.getTime() + 7 * 86_400_000),
        verification,
        source: { type: 'review', id: 1 },
        ...(verification.method === 'check' ? { findingId: w.ids[0]! } : {}),
      });
    const byEvidence = await make({ method: 'evidence', detail: "the WAF rule's id and a request it stops" });
    const byCheck = await make({ method: 'check', detail: 'finding-fixed' });
    const first = await w.call('POST', `/api/commitments/${byEvidence.id}/jira`, { token: w.token });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const key = first.body.link.issueKey;
    assert.equal(first.body.link.commitmentId, byEvidence.id);
    assert.match(fake.issues.get(key)!.fields.summary, new RegExp(`^A WAF rule in front of /search for ${w.service}$`));
    assert.match(
      JSON.stringify(fake.issues.get(key)!.fields.description),
      /Moving this issue to Done records the commitment as kept/,
    );
    const checkKey = (await w.call('POST', `/api/commitments/${byCheck.id}/jira`, { token: w.token })).body.link
      .issueKey;
    fake.setStatus(key, 'Done');
    fake.setStatus(checkKey, 'Done');
    assert.deepEqual((await hook(w, key)).body, { outcome: 'noted' });
    assert.deepEqual((await hook(w, checkKey)).body, { outcome: 'updated' });
    const states = await db
      .selectFrom('commitments')
      .select(['id', 'state', 'evidence', 'verified_by'])
      .where('id', 'in', [byEvidence.id, byCheck.id])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      states.map((c) => [c.state, c.verified_by]),
      [
        ['verified', 'entente:jira'],
        ['open', null],
      ],
    );
    assert.equal(states[0]!.evidence, `${key} is Done in Jira: ${fake.settings.url}/browse/${key}`);
    const other = await w.call('POST', `/api/commitments/${byEvidence.id}/jira`, { token: await e.token('auditor') });
    assert.equal(other.status, 403);
  });

  test('a commitment verified in Entente moves its issue to Done at the next sync', async () => {
    const e = env();
    const w = await world(e, { project: 'PAY' });
    const db = e.ctx.database.db;
    const svc = await db
      .selectFrom('services')
      .select(['id', 'owner_team_id'])
      .where('name', '=', w.service)
      .executeTakeFirstOrThrow();
    const c = await createCommitment({ db, now: e.ctx.now, policy: e.ctx.policy }, 'test', {
      kind: 'control',
      controlId: 'mfa',
      title: 'MFA on the admin console',
      ownerTeamId: svc.owner_team_id,
      serviceId: svc.id,
      dueAt: new Date(e.clock.now.getTime() + 7 * 86_400_000),
      verification: { method: 'evidence', detail: 'a screenshot of the MFA setting' },
      source: { type: 'review', id: 1 },
    });
    const key = (await w.call('POST', `/api/commitments/${c.id}/jira`, { token: w.token })).body.link.issueKey;
    const verified = await w.call('POST', `/api/commitments/${c.id}/verify`, {
      token: w.token,
      json: { evidence: 'MFA enforced, see the admin audit page.' },
    });
    assert.equal(verified.status, 200, JSON.stringify(verified.body));
    const r = await syncJira(jiraDepsOf(w.ctx));
    assert.ok(r.transitioned.includes(key), JSON.stringify(r));
    assert.equal(fake.issues.get(key)!.status, 'Done');
  });

  test('the server runs the sync as job jira-sync when Jira is set up, and has no such job without it', async () => {
    const e = env();
    const w = await world(e, { project: 'PAY' });
    assert.deepEqual(jiraJobs(e.ctx), []);
    const key = (await w.call('POST', `/api/findings/${w.ids[0]}/jira`, { token: w.token })).body.link.issueKey;
    fake.setStatus(key, 'Done');
    const [job] = jiraJobs(w.ctx);
    assert.equal(job!.everySeconds, 300);
    // A name of this test's own: the schedule is shared by the file's tests.
    const runs = await runDueJobs({ db: e.ctx.database.db, policy: e.ctx.policy, now: e.ctx.now }, [
      { ...job!, name: e.uniq('jira-sync') },
    ]);
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.ok, true, runs[0]!.error);
    assert.ok((runs[0]!.result as { noted: string[] }).noted.includes(key));
  });
});
