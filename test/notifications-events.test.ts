import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { sarif } from './support/reports.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { reprioritiseServiceWith } from '../src/findings/reprioritise.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { deliverDue } from '../src/notifications/delivery.ts';
import { emailChannel } from '../src/notifications/email.ts';
import { writeDigests } from '../src/notifications/digest.ts';
import { remindExceptionsEnding } from '../src/exceptions/ending-reminders.ts';
import { remindCommitmentsDue } from '../src/commitments/due-reminders.ts';
import { alertGoalsAtRisk } from '../src/goals/goal-alerts.ts';
import { newReview } from '../src/reviews/reviews-service.ts';
import { localAdmin } from '../src/people/tokens.ts';
import { checkTone } from '../src/voice/check-tone.ts';
import { rulesFor } from '../src/voice/voice-config.ts';

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
const ftpShare = {
  type: 'file-share',
  protocol: 'ftp',
  authentication: 'password',
  internetFacing: true,
  source: ['any'],
  client: 'Acme',
  keepProtocol: "the client's system only speaks FTP",
};

/** A team (engineer, lead, IT requester), a security team, a service with a host; each person's token. */
async function world(e: TestEnv) {
  const [eng, lead, it, sec] = ['eng', 'lead', 'it', 'sec'].map((p) => `${e.uniq(p)}@example.com`) as [
    string,
    string,
    string,
    string,
  ];
  const team = e.uniq('team');
  const security = e.uniq('security');
  const service = e.uniq('svc');
  const host = `10.8.${process.pid % 200}.${Math.floor(Math.random() * 250) + 1}`;
  const yaml =
    `teams:\n  - name: ${team}\n    kind: engineering\n    lead: ${lead}\n    members: [${eng}, ${lead}, ${it}]\n  - name: ${security}\n    kind: security\n    members: [${sec}]\n`
    + `services:\n  - name: ${service}\n    owner: ${team}\n    criticality: 4\n    exposure: internet\n    data: confidential\n    hosts: [${host}]\n`;
  await applyOrg(e.ctx.database.db, parseOrgFile(yaml, 'org'), {
    prune: false,
    actor: 'test',
    now: e.clock.now,
    reprioritise: reprioritiseServiceWith(e.ctx.policy),
  });
  const tokens = Object.fromEntries(
    await Promise.all(
      (
        [
          ['eng', eng],
          ['lead', lead],
          ['it', it],
        ] as const
      ).map(async ([k, p]) => [k, await e.token('engineer', p)]),
    ),
  );
  return {
    team,
    security,
    service,
    host,
    people: { eng, lead, it, sec },
    tokens: { ...tokens, sec: await e.token('security', sec) } as Record<'eng' | 'lead' | 'it' | 'sec', string>,
  };
}

describeEachEngine('notifications events', (env) => {
  let sink: SmtpSink;
  before(async () => {
    sink = await startSmtpSink();
  });
  after(async () => sink.close());
  const jobDeps = (e: TestEnv) => ({ db: e.ctx.database.db, policy: e.ctx.policy, now: e.ctx.now });
  const rows = (e: TestEnv, event: string, entityId?: number) => {
    let q = e.ctx.database.db.selectFrom('notifications').selectAll().where('event', '=', event);
    if (entityId !== undefined) q = q.where('entity_id', '=', String(entityId));
    return q.orderBy('id').execute();
  };
  const to = (rs: { recipient_email: string | null }[]) => rs.map((r) => r.recipient_email).sort();

  test('approvers hear of a waiting exception or change; the team of an ending exception, a held release, a due commitment, a slipping goal and a new agenda', async () => {
    const e = env();
    e.clock.now = new Date('2026-06-01T09:00:00Z');
    const w = await world(e);
    const { eng, lead, it, sec } = w.people;
    await e.importText(
      w.service,
      'codeql.sarif',
      sarif('CodeQL', [{ rule: 'js/sql-injection', file: 'src/db/users.ts', line: 10, cwe: 89, level: 'error' }]),
    );
    const findings = (await e.call('GET', `/api/findings?service=${w.service}`, { token: w.tokens.eng })).body
      .items as { id: number }[];

    // An exception waits for the team's lead and Security, never for the one who asked.
    const asked = await e.call('POST', '/api/exceptions', {
      token: w.tokens.eng,
      json: {
        findingIds: findings.map((f) => f.id),
        reason: 'the fix needs the new ORM',
        controls: ['WAF rule 9421'],
        days: 20,
      },
    });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    const waiting = await rows(e, 'exception.waiting', asked.body.id);
    assert.deepEqual(to(waiting), [lead, sec].sort());
    assert.ok(
      waiting.every((r) => r.channel === 'digest'),
      'it goes to their digest by default',
    );
    assert.match(
      waiting[0]!.subject,
      new RegExp(`^Exception #${asked.body.id} waits for your approval: 1 finding of ${w.team}$`),
    );
    for (const t of [w.tokens.lead, w.tokens.sec])
      assert.equal((await e.call('POST', `/api/exceptions/${asked.body.id}/approve`, { token: t })).status, 200);

    // 7 days before its end, its team hears it ends soon; once.
    e.clock.now = new Date('2026-06-15T09:00:00Z');
    assert.deepEqual((await remindExceptionsEnding(jobDeps(e))).reminded, [asked.body.id]);
    assert.deepEqual((await remindExceptionsEnding(jobDeps(e))).reminded, [], 'once per exception and end date');
    const ending = await rows(e, 'exception.ending', asked.body.id);
    assert.deepEqual(to(ending), [eng, it, lead].sort());
    assert.match(ending[0]!.subject, /ends in \d days, on 2026-06-2\d/);

    // A change waits for the owner team's other members and Security, never for the requester.
    const change = await e.call('POST', '/api/changes', {
      token: w.tokens.it,
      json: { ...ftpShare, destination: [w.host], service: w.service, title: 'FTP upload for Acme', end: '2026-06-20' },
    });
    assert.equal(change.status, 201, JSON.stringify(change.body));
    assert.deepEqual(to(await rows(e, 'change.waiting', change.body.id)), [eng, lead, sec].sort());

    // A held release: its team hears of the no-go (a secret in the repository).
    await e.importText(w.service, 'secret.json', secretReport);
    const gate = await e.call('POST', '/api/gates', { token: w.tokens.eng, json: { service: w.service, env: 'prod' } });
    assert.equal(gate.body.outcome, 'no_go', JSON.stringify(gate.body));
    const held = await rows(e, 'gate.decision', gate.body.id);
    assert.deepEqual(to(held), [eng, it, lead].sort());
    assert.match(held[0]!.subject, new RegExp(`^Release gate #${gate.body.id}: no-go for ${w.service} to prod$`));

    // A commitment due tomorrow waits for its team.
    const teamId = (
      await e.ctx.database.db.selectFrom('teams').select('id').where('name', '=', w.team).executeTakeFirstOrThrow()
    ).id;
    const { createCommitment } = await import('../src/commitments/commitments-service.ts');
    const c = await createCommitment({ db: e.ctx.database.db, now: e.ctx.now, policy: e.ctx.policy }, 'test', {
      kind: 'control',
      controlId: 'waf-virtual-patch',
      title: 'WAF rule in place',
      ownerTeamId: teamId,
      serviceId: null,
      findingId: null,
      dueAt: new Date('2026-06-16T20:00:00Z'),
      verification: { method: 'evidence', detail: 'a link to the rule' },
      source: { type: 'gate', id: gate.body.id },
    });
    assert.ok((await remindCommitmentsDue(jobDeps(e))).reminded.includes(c.id));
    assert.deepEqual(to(await rows(e, 'commitment.waiting', c.id)), [eng, it, lead].sort());

    // A goal whose forecast turns off track: its owner team hears once.
    const goal = await e.call('POST', '/api/goals', {
      token: w.tokens.eng,
      json: {
        metric: 'open-act-attend',
        team: w.team,
        owners: [w.team, w.security],
        target: '-30%',
        deadline: '2026-12-31',
      },
    });
    assert.equal(goal.status, 201, JSON.stringify(goal.body));
    await alertGoalsAtRisk(jobDeps(e));
    assert.deepEqual(await rows(e, 'goal.at_risk', goal.body.id), [], 'on track when set');
    await e.importText(
      w.service,
      'more.sarif',
      sarif(
        'CodeQL',
        [10, 11, 12, 13].map((line) => ({
          rule: 'js/sql-injection',
          file: `src/db/more${line}.ts`,
          line,
          cwe: 89,
          level: 'error' as const,
        })),
      ),
    );
    e.clock.now = new Date('2026-06-18T09:00:00Z');
    await alertGoalsAtRisk(jobDeps(e));
    await alertGoalsAtRisk(jobDeps(e));
    assert.deepEqual(
      to(await rows(e, 'goal.at_risk', goal.body.id)),
      [eng, it, lead, sec].sort(),
      'once, to the owner teams',
    );

    // A new review agenda: its team hears it is ready.
    const review = await newReview({ ...jobDeps(e), goalsAtRisk: async () => [] } as never, localAdmin, {
      cadence: 'weekly',
      team: w.team,
    });
    assert.deepEqual(to(await rows(e, 'review.agenda_ready', review.id)), [eng, it, lead].sort());

    // The lead reads it all in one digest, with links to the pages; every text passes the tone check.
    e.clock.now = new Date('2026-06-19T08:00:00Z');
    await writeDigests({ ...jobDeps(e), publicUrl: 'https://entente.example.com' });
    await deliverDue({
      db: e.ctx.database.db,
      now: e.ctx.now,
      channels: new Map([['email', emailChannel({ url: sink.url, from: 'entente@example.com' })]]),
      claimSeconds: 120,
    });
    const digest = (
      await e.ctx.database.db
        .selectFrom('notifications')
        .selectAll()
        .where('event', '=', 'digest')
        .where('recipient_email', '=', lead)
        .execute()
    )[0]!;
    assert.equal(digest.status, 'sent');
    for (const line of [
      `Exception #${asked.body.id} waits for your approval`,
      `Change #${change.body.id} waits for your approval`,
      `Release gate #${gate.body.id}`,
      `Goal #${goal.body.id} is off track`,
      `Review agenda #${review.id} is ready`,
    ]) {
      assert.ok(digest.body_text.includes(line), `${line} in\n${digest.body_text}`);
    }
    assert.match(digest.body_text, /https:\/\/entente\.example\.com\/exceptions\n/);
    assert.match(digest.body_text, new RegExp(`https://entente\\.example\\.com/gates/${gate.body.id}\\n`));
    const all = await e.ctx.database.db
      .selectFrom('notifications')
      .select(['event', 'body_text'])
      .where('recipient_email', 'in', [eng, lead, it, sec])
      .execute();
    for (const r of all)
      assert.equal(checkTone(r.body_text, rulesFor(undefined)).ok, true, `${r.event}: ${r.body_text}`);
  });
});
