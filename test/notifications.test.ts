import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { kev, trivy } from './support/reports.ts';
import { closedPort, startSmtpSink, type SmtpSink } from './support/smtp-sink.ts';
import { importFeed } from '../src/feeds/feed-service.ts';
import { deliverDue } from '../src/notifications/delivery.ts';
import { emailChannel } from '../src/notifications/email.ts';
import { channelsOf } from '../src/notifications/delivery-job.ts';
import { startReceiver } from './support/receiver.ts';
import { sql } from 'kysely';
import { sweepFindingsSla } from '../src/findings/sla-sweep.ts';
import { notifySlaReminders } from '../src/notifications/finding-events.ts';
import { checkTone } from '../src/voice/check-tone.ts';
import { rulesFor } from '../src/voice/voice-config.ts';

// Critical and remote: with the CVE in KEV on an internet-facing criticality-4 service, priority act.
const remote = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
let n = 0;
const cve = (): string => `CVE-2032-${String(50_000 + ++n)}`;

describeEachEngine('notifications', (env) => {
  let sink: SmtpSink;
  before(async () => {
    sink = await startSmtpSink();
  });
  after(async () => sink.close());

  const send = (e: TestEnv, url = sink.url) =>
    deliverDue({
      db: e.ctx.database.db,
      now: e.ctx.now,
      channels: new Map([['email', emailChannel({ url, from: 'Entente <entente@example.com>' })]]),
      claimSeconds: 120,
    });
  const team = async (e: TestEnv) => {
    const people = [`${e.uniq('ana')}@example.com`, `${e.uniq('raj')}@example.com`];
    return { people, ...(await e.makeService({ members: people, lead: people[0]! })) };
  };
  const actReport = async (e: TestEnv, ...extra: Parameters<typeof trivy>[0]) => {
    const urgent = cve();
    await importFeed(
      { db: e.ctx.database.db, policy: e.ctx.policy, now: e.ctx.now },
      'kev.json',
      Buffer.from(kev([urgent])),
      'test',
    );
    return {
      urgent,
      report: trivy([
        { cve: urgent, pkg: 'log4j-core', version: '2.14.1', severity: 'CRITICAL', vector: remote },
        ...extra,
      ]),
    };
  };
  const rowsFor = (e: TestEnv, people: string[]) =>
    e.ctx.database.db
      .selectFrom('notifications')
      .selectAll()
      .where('recipient_email', 'in', people)
      .orderBy('id')
      .execute();
  const mailsTo = (who: string) => sink.mails.filter((m) => m.rcpt.includes(who));

  test('a new act finding e-mails each member of the owning team once; track findings and a re-import send nothing', async () => {
    const e = env();
    const { people, service, team: teamName } = await team(e);
    const { urgent, report } = await actReport(e, { cve: cve(), pkg: 'is-odd', version: '0.1.0', severity: 'LOW' });
    const summary = await e.importText(service, 'trivy.json', report);
    assert.equal(summary.act, 1);
    const rows = await rowsFor(e, people);
    assert.deepEqual(
      rows.map((r) => [r.recipient_email, r.event, r.status]),
      people.map((p) => [p, 'finding.new_act', 'pending']),
      'one row per member, none for the track finding',
    );

    const run = await send(e);
    assert.ok(run.sent >= 2, JSON.stringify(run));
    for (const who of people) {
      const got = mailsTo(who);
      assert.equal(got.length, 1, `one e-mail to ${who}`);
      assert.match(got[0]!.subject, new RegExp(`^New finding to act on: log4j-core: issue ${urgent} on ${service}$`));
      assert.match(got[0]!.data, new RegExp(`New for ${teamName}:`));
      assert.match(got[0]!.data, /Content-Type: text\/html/i, 'an HTML part beside the text');
    }
    const text = (await rowsFor(e, people))[0]!;
    assert.equal(text.status, 'sent');
    assert.equal(checkTone(text.body_text, rulesFor(undefined)).ok, true, text.body_text);

    await e.importText(service, 'trivy.json', report);
    await send(e);
    assert.equal((await rowsFor(e, people)).length, 2, 'the re-import wrote no new rows');
    for (const who of people) assert.equal(mailsTo(who).length, 1, `still one e-mail to ${who}`);
  });

  test("a team with its own Slack channel gets one post per new act finding, besides each member's e-mail, once", async () => {
    const e = env();
    const slack = await startReceiver();
    try {
      const { people, service, team: teamName } = await team(e);
      await e.ctx.database.db
        .updateTable('teams')
        .set({ notify: JSON.stringify({ slack: `${slack.url}/services/T0/B0/x` }) })
        .where('name', '=', teamName)
        .execute();
      const { urgent, report } = await actReport(e);
      await e.importText(service, 'trivy.json', report);
      const rows = await e.ctx.database.db
        .selectFrom('notifications')
        .select(['channel', 'recipient_email', 'idempotency_key'])
        .where(
          'entity_id',
          'in',
          e.ctx.database.db
            .selectFrom('findings')
            .select(sql<string>`id::text`.as('id'))
            .where('title', 'like', `%${urgent}%`),
        )
        .orderBy('id')
        .execute();
      assert.deepEqual(
        rows.map((r) => [r.channel, r.recipient_email]),
        [...people.map((p) => ['email', p]), ['slack', null]],
      );
      const channels = new Map([
        ...channelsOf({ smtp: { url: sink.url, from: 'entente@example.com' } }, e.ctx.database.db, {}),
      ]);
      await deliverDue({
        db: e.ctx.database.db,
        now: e.ctx.now,
        channels,
        claimSeconds: 120,
        publicUrl: 'https://entente.example.com',
      });
      await deliverDue({ db: e.ctx.database.db, now: e.ctx.now, channels, claimSeconds: 120 });
      assert.equal(slack.received.length, 1, "one post to the team's channel");
      assert.match(
        JSON.stringify(slack.received[0]!.json.blocks),
        /"url":"https:\/\/entente\.example\.com\/findings\/\d+"/,
        "a button to the finding's page",
      );
      assert.equal(slack.received[0]!.path, '/services/T0/B0/x');
      assert.match(JSON.stringify(slack.received[0]!.json.blocks), new RegExp(urgent));
      await e.importText(service, 'trivy.json', report);
      await deliverDue({ db: e.ctx.database.db, now: e.ctx.now, channels, claimSeconds: 120 });
      assert.equal(slack.received.length, 1, 'a re-import posts nothing new');
    } finally {
      await slack.close();
    }
  });

  test('with the SMTP server down a notification is retried after 1, 5, 30 and 120 minutes, then failed; retry sends it', async () => {
    const e = env();
    const { people, service } = await team(e);
    const { report } = await actReport(e);
    await e.importText(service, 'trivy.json', report);
    const down = `smtp://127.0.0.1:${await closedPort()}`;
    const waits: number[] = [];
    for (const minutes of [1, 5, 30, 120]) {
      await send(e, down);
      const row = (await rowsFor(e, people))[0]!;
      assert.equal(row.status, 'pending');
      assert.ok(row.last_error, 'the reason is kept');
      waits.push(Math.round((new Date(row.next_attempt_at).getTime() - e.clock.now.getTime()) / 60_000));
      await send(e, down);
      assert.equal((await rowsFor(e, people))[0]!.attempts, waits.length, 'not tried again before its time');
      e.clock.now = new Date(e.clock.now.getTime() + minutes * 60_000);
    }
    assert.deepEqual(waits, [1, 5, 30, 120]);
    await send(e, down);
    const failed = (await rowsFor(e, people))[0]!;
    assert.equal(failed.status, 'failed');
    assert.equal(failed.attempts, 5);

    const admin = await e.token('admin');
    const listed = await e.call('GET', '/api/notifications?failed=true&limit=500', { token: admin });
    assert.equal(listed.status, 200);
    assert.ok(
      listed.body.items.some((i: { id: number; lastError: string }) => i.id === failed.id && i.lastError),
      'the failed row is listed with its error',
    );
    const retried = await e.call('POST', `/api/notifications/${failed.id}/retry`, { token: admin });
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    assert.equal(retried.body.status, 'pending');
    await send(e);
    assert.equal((await rowsFor(e, people))[0]!.status, 'sent');
    assert.equal(mailsTo(people[0]!).length, 1);
    assert.equal(
      (await e.call('POST', `/api/notifications/${failed.id}/retry`, { token: admin })).status,
      409,
      'a sent one is not sent again',
    );
  });

  test('a person who turned an event off gets no e-mail for it; bad preferences are refused and change nothing', async () => {
    const e = env();
    const { people, service } = await team(e);
    const mine = await e.token('engineer', people[1]);
    const before = await e.call('GET', '/api/notifications/prefs', { token: mine });
    assert.equal(before.status, 200);
    assert.deepEqual(
      before.body.prefs.find((p: { event: string }) => p.event === 'finding.new_act'),
      { event: 'finding.new_act', label: 'a new finding to act on', channel: 'email', isDefault: true },
    );
    for (const [json, field] of [
      [{ event: 'finding.nope', channel: 'none' }, 'event'],
      [{ event: 'finding.new_act', channel: 'pager' }, 'channel'],
      [{ channel: 'none' }, ''],
    ] as const) {
      const bad = await e.call('PUT', '/api/notifications/prefs', { token: mine, json });
      assert.equal(bad.status, 400, JSON.stringify(json));
      if (field) assert.match(bad.body.error.message, new RegExp(`^${field}:`));
    }
    assert.deepEqual(
      (await e.call('GET', '/api/notifications/prefs', { token: mine })).body,
      before.body,
      'nothing changed',
    );
    assert.equal(
      (
        await e.call('PUT', '/api/notifications/prefs', {
          token: mine,
          json: { email: people[0], event: 'finding.new_act', channel: 'none' },
        })
      ).status,
      403,
    );
    const set = await e.call('PUT', '/api/notifications/prefs', {
      token: mine,
      json: { event: 'finding.new_act', channel: 'none' },
    });
    assert.equal(set.status, 200);
    assert.equal(set.body.prefs.find((p: { event: string }) => p.event === 'finding.new_act').channel, 'none');

    const { report } = await actReport(e);
    await e.importText(service, 'trivy.json', report);
    assert.deepEqual(
      (await rowsFor(e, people)).map((r) => r.recipient_email),
      [people[0]],
      'only the member who kept e-mail on',
    );
    const theirs = await e.call('GET', '/api/notifications', { token: mine });
    assert.deepEqual(theirs.body.items, [], 'a person sees only their own notifications');
    const lead = await e.call('GET', '/api/notifications', { token: await e.token('engineer', people[0]) });
    assert.deepEqual(
      lead.body.items.map((i: { recipient: string }) => i.recipient),
      [people[0]],
    );
  });

  test('an act finding due in two days and then overdue e-mails the team once each; attend reminders do not interrupt', async () => {
    const e = env();
    const { people, service } = await team(e);
    const { report } = await actReport(e, {
      cve: cve(),
      pkg: 'qs',
      version: '6.0.0',
      severity: 'CRITICAL',
      vector: remote,
    });
    await e.importText(service, 'trivy.json', report);
    const deps = { db: e.ctx.database.db, policy: e.ctx.policy, now: e.ctx.now };
    const due = await e.ctx.database.db
      .selectFrom('findings')
      .select(['due_at', 'priority'])
      .where(
        'service_id',
        '=',
        (
          await e.ctx.database.db
            .selectFrom('services')
            .select('id')
            .where('name', '=', service)
            .executeTakeFirstOrThrow()
        ).id,
      )
      .where('priority', '=', 'act')
      .executeTakeFirstOrThrow();
    e.clock.now = new Date(new Date(due.due_at).getTime() - 2 * 86_400_000 + 3_600_000);
    await sweepFindingsSla(deps, notifySlaReminders);
    await sweepFindingsSla(deps, notifySlaReminders);
    e.clock.now = new Date(new Date(due.due_at).getTime() + 2 * 86_400_000);
    await sweepFindingsSla(deps, notifySlaReminders);
    const events = (await rowsFor(e, people)).map((r) => `${r.event} ${r.recipient_email}`);
    assert.deepEqual(
      events.sort(),
      [
        ...people.map((p) => `finding.new_act ${p}`),
        ...people.map((p) => `finding.due_soon ${p}`),
        ...people.map((p) => `finding.overdue ${p}`),
        ...people.map((p) => `finding.new_attend ${p}`),
      ].sort(),
      'the attend finding (qs) waits for the digest',
    );
    assert.ok(
      (await rowsFor(e, people)).filter((r) => r.event === 'finding.new_attend').every((r) => r.channel === 'digest'),
      'attend goes to the digest channel',
    );
    await send(e);
    const subjects = mailsTo(people[0]!).map((m) => m.subject);
    assert.ok(
      subjects.some((s) => /^Due (in \d days|tomorrow|today): log4j-core/.test(s)),
      subjects.join(' | '),
    );
    assert.ok(
      subjects.some((s) => /^Past its due date: log4j-core/.test(s)),
      subjects.join(' | '),
    );
  });
});
