import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { kev, trivy } from './support/reports.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.ts';
import { startReceiver } from './support/receiver.ts';
import { importFeed } from '../src/feeds/feed-service.ts';
import { deliverDue } from '../src/notifications/delivery.ts';
import { emailChannel } from '../src/notifications/email.ts';
import { channelsOf } from '../src/notifications/delivery-job.ts';
import { burstThreshold, enqueueTeamEvents, type TeamEvent } from '../src/notifications/outbox.ts';
import { renderEmail } from '../src/notifications/render.ts';
import { checkTone } from '../src/voice/check-tone.ts';
import { rulesFor } from '../src/voice/voice-config.ts';

// Critical and remote, in KEV, on an internet-facing criticality-4 service: priority act.
const remote = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
let n = 0;

describeEachEngine('a burst of alike notifications', (env) => {
  let sink: SmtpSink;
  before(async () => {
    sink = await startSmtpSink();
  });
  after(async () => sink.close());

  /** Delivers until nothing is left to send now (delivery takes 50 rows a run). */
  const sendAll = async (e: TestEnv) => {
    const channels = new Map([['email', emailChannel({ url: sink.url, from: 'Entente <entente@example.com>' })]]);
    for (;;) {
      const run = await deliverDue({ db: e.ctx.database.db, now: e.ctx.now, channels, claimSeconds: 120 });
      if (run.sent + run.retrying + run.failed === 0) return;
    }
  };
  const team = async (e: TestEnv) => {
    const people = [`${e.uniq('ana')}@example.com`, `${e.uniq('raj')}@example.com`];
    return { people, ...(await e.makeService({ members: people, lead: people[0]! })) };
  };
  /** A report of `count` act findings (their CVEs in KEV first). */
  const actReport = async (e: TestEnv, count: number) => {
    const cves = Array.from({ length: count }, () => `CVE-2033-${String(60_000 + ++n)}`);
    await importFeed(
      { db: e.ctx.database.db, policy: e.ctx.policy, now: e.ctx.now },
      'kev.json',
      Buffer.from(kev(cves)),
      'test',
    );
    return trivy(
      cves.map((cve, i) => ({ cve, pkg: `pkg-${n}-${i}`, version: '1.0.0', severity: 'CRITICAL', vector: remote })),
    );
  };
  const rowsFor = (e: TestEnv, people: string[]) =>
    e.ctx.database.db
      .selectFrom('notifications')
      .selectAll()
      .where('recipient_email', 'in', people)
      .orderBy('id')
      .execute();
  const mailsTo = (who: string) => sink.mails.filter((m) => m.rcpt.includes(who));
  /** The text part of a sunk e-mail, quoted-printable undone. */
  const textOf = (data: string) =>
    data
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));

  test('an import of 30 act findings sends each member one e-mail naming all 30; the single rows point at it; a re-import writes nothing', async () => {
    const e = env();
    const { people, service, team: teamName } = await team(e);
    const report = await actReport(e, 30);
    const summary = await e.importText(service, 'trivy.json', report);
    assert.equal(summary.act, 30);

    const rows = await rowsFor(e, people);
    assert.equal(rows.length, 2 * 31, 'per person: 30 rows and one summary');
    for (const who of people) {
      const mine = rows.filter((r) => r.recipient_email === who);
      const summaries = mine.filter((r) => r.status === 'pending');
      assert.equal(summaries.length, 1, `one summary for ${who}`);
      const s = summaries[0]!;
      assert.equal(s.channel, 'email');
      assert.equal(s.event, 'finding.new_act');
      assert.equal(s.digest_id, null);
      const single = mine.filter((r) => r.id !== s.id);
      assert.equal(single.length, 30);
      for (const r of single) {
        assert.equal(r.status, 'digested', `row #${r.id} is folded`);
        assert.equal(r.digest_id, s.id, `row #${r.id} points at the summary`);
        assert.match(r.idempotency_key, /^finding\.new_act:finding:\d+:person:\d+:email$/, 'each keeps its own key');
      }
      assert.ok(
        single.every((r) => r.id < s.id),
        'the summary is written after the rows it folds',
      );
    }

    await sendAll(e);
    for (const who of people) {
      const got = mailsTo(who);
      assert.equal(got.length, 1, `exactly one e-mail to ${who}`);
      assert.equal(got[0]!.subject, `30 new findings to act on for ${teamName} on ${service} at once`);
      const text = textOf(got[0]!.data);
      assert.match(text, /Rather than 30 separate e-mails, here they are in one:/);
      assert.equal(text.match(/^- New finding to act on: pkg-/gm)?.length, 30, 'each finding on its own line');
      assert.ok(text.includes(`\`entente findings --service ${service} --priority act\` lists them all`), text);
      assert.ok(text.includes(`We sent this to you as a member of ${teamName}.`), text);
    }
    const sent = (await rowsFor(e, people)).filter((r) => r.status === 'sent');
    assert.equal(sent.length, 2, 'only the summaries were sent');
    assert.deepEqual(checkTone(sent[0]!.body_text, rulesFor(undefined)).flags, []);

    // What the person sees in their notifications: the 30 rows, gathered, and the summary, sent.
    const mine = await e.call('GET', '/api/notifications?limit=500', { token: await e.token('engineer', people[1]) });
    assert.equal(mine.status, 200);
    const statuses = (mine.body.items as { status: string }[]).map((i) => i.status);
    assert.equal(statuses.filter((s) => s === 'digested').length, 30);
    assert.equal(statuses.filter((s) => s === 'sent').length, 1);

    await e.importText(service, 'trivy.json', report);
    await sendAll(e);
    assert.equal((await rowsFor(e, people)).length, 62, 'the re-import wrote no row and no summary');
    for (const who of people) assert.equal(mailsTo(who).length, 1, `still one e-mail to ${who}`);
  });

  test(`at or below ${burstThreshold} a person gets each e-mail on its own: 9 findings, 9 e-mails`, async () => {
    const e = env();
    const { people, service } = await team(e);
    await e.importText(service, 'trivy.json', await actReport(e, 9));
    const rows = await rowsFor(e, people);
    assert.equal(rows.length, 18);
    assert.ok(
      rows.every((r) => r.status === 'pending' && r.digest_id === null),
      'nothing folded',
    );
    await sendAll(e);
    for (const who of people) {
      const got = mailsTo(who);
      assert.equal(got.length, 9, `nine e-mails to ${who}`);
      assert.ok(
        got.every((m) => m.subject.startsWith('New finding to act on: ')),
        'each its own finding',
      );
    }
  });

  test('the same burst written again writes no second summary, in the same transaction or in a retried one', async () => {
    const e = env();
    const db = e.ctx.database.db;
    const { people, team: teamName } = await team(e);
    const { id: teamId } = await db
      .selectFrom('teams')
      .select('id')
      .where('name', '=', teamName)
      .executeTakeFirstOrThrow();
    const events = Array.from(
      { length: 12 },
      (_, i): TeamEvent => ({
        event: 'commitment.missed',
        key: `test:${teamName}:${i}`,
        teamId,
        entity: { kind: 'commitment', id: 1000 + i },
        facts: { team: teamName },
        link: null,
        now: e.ctx.now(),
        render: () =>
          renderEmail(
            `Commitment #${1000 + i} passed its date`,
            'It passed.',
            { team: teamName, event: 'commitment.missed' },
            null,
          ),
      }),
    );
    const summaries = () =>
      db
        .selectFrom('notifications')
        .select(['idempotency_key', 'subject'])
        .where('recipient_email', 'in', people)
        .where('idempotency_key', 'like', 'burst:%')
        .orderBy('id')
        .execute();

    // A transaction that rolls back after writing leaves nothing; its retry writes the same summary key.
    let rolledBack: string[] = [];
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        assert.equal(await enqueueTeamEvents(trx, events), 24);
        rolledBack = (
          await trx
            .selectFrom('notifications')
            .select('idempotency_key')
            .where('recipient_email', 'in', people)
            .where('idempotency_key', 'like', 'burst:%')
            .orderBy('idempotency_key')
            .execute()
        ).map((r) => r.idempotency_key);
        throw new Error('the transaction fails after writing');
      }),
      /fails after writing/,
    );
    assert.equal(rolledBack.length, 2);
    assert.deepEqual(await summaries(), []);

    await db.transaction().execute(async (trx) => {
      assert.equal(await enqueueTeamEvents(trx, events), 24);
      assert.equal(await enqueueTeamEvents(trx, events), 0, 'written twice in one transaction');
    });
    assert.equal(await db.transaction().execute((trx) => enqueueTeamEvents(trx, events)), 0, 'and once more later');
    const written = await summaries();
    assert.deepEqual(written.map((s) => s.idempotency_key).sort(), rolledBack, 'the same keys as the rolled-back try');
    assert.equal(written[0]!.subject, `12 commitments of ${teamName} passed their dates without being shown done`);
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from notifications where status = 'digested' and digest_id is not null and recipient_email = any(${people}::text[])`.execute(
      db,
    );
    assert.equal(rows[0]!.n, 24);

    // Three more of them later: below the threshold, each on its own.
    const more = events.map((ev, i) => ({
      ...ev,
      key: `${ev.key}:again`,
      entity: { kind: 'commitment', id: 2000 + i },
    }));
    await db.transaction().execute((trx) => enqueueTeamEvents(trx, [...events, ...more.slice(0, 3)]));
    assert.equal((await summaries()).length, 2, 'the three new rows are not a burst');
  });

  test('a person in two teams that hear the same events gets each once, and six events are not a burst of twelve', async () => {
    const e = env();
    const db = e.ctx.database.db;
    const both = `${e.uniq('both')}@example.com`;
    const a = await e.makeService({ members: [both] });
    const b = await e.makeService({ members: [both] });
    const teams = await db.selectFrom('teams').select(['id', 'name']).where('name', 'in', [a.team, b.team]).execute();
    const events = teams.flatMap((t) =>
      Array.from(
        { length: 6 },
        (_, i): TeamEvent => ({
          event: 'commitment.missed',
          key: `test:${a.team}:${i}`,
          teamId: t.id,
          entity: { kind: 'commitment', id: 3000 + i },
          facts: { team: a.team },
          link: null,
          now: e.ctx.now(),
          render: () =>
            renderEmail(
              `Commitment #${3000 + i} passed its date`,
              'It passed.',
              { team: t.name, event: 'commitment.missed' },
              null,
            ),
        }),
      ),
    );
    assert.equal(await db.transaction().execute((trx) => enqueueTeamEvents(trx, events)), 6);
    const rows = await rowsFor(e, [both]);
    assert.equal(rows.length, 6);
    assert.ok(
      rows.every((r) => r.status === 'pending' && r.digest_id === null),
      'six are sent one by one',
    );
  });

  test("a team's Slack channel gets one post for the burst; a person who reads these in the digest keeps them there", async () => {
    const e = env();
    const db = e.ctx.database.db;
    const slack = await startReceiver();
    try {
      const { people, service, team: teamName } = await team(e);
      await db
        .updateTable('teams')
        .set({ notify: JSON.stringify({ slack: `${slack.url}/services/T0/B0/x` }) })
        .where('name', '=', teamName)
        .execute();
      const raj = await e.token('engineer', people[1]);
      const pref = await e.call('PUT', '/api/notifications/prefs', {
        token: raj,
        json: { event: 'finding.new_act', channel: 'digest' },
      });
      assert.equal(pref.status, 200, JSON.stringify(pref.body));

      await e.importText(service, 'trivy.json', await actReport(e, 15));
      const digestRows = (await rowsFor(e, [people[1]!])).map((r) => [r.channel, r.status]);
      assert.equal(digestRows.length, 15, 'no summary for the digest');
      assert.ok(digestRows.every(([c, s]) => c === 'digest' && s === 'pending'));

      const slackRows = await db
        .selectFrom('notifications')
        .select(['id', 'status', 'digest_id', 'subject', 'idempotency_key'])
        .where('channel', '=', 'slack')
        .where('idempotency_key', 'like', `%:team:%`)
        .where('created_at', '=', e.ctx.now())
        .orderBy('id')
        .execute();
      const ours = slackRows.filter((r) => r.subject.includes(service));
      assert.equal(ours.length, 16);
      const post = ours.at(-1)!;
      assert.equal(post.status, 'pending');
      assert.ok(ours.slice(0, 15).every((r) => r.status === 'digested' && r.digest_id === post.id));

      const channels = new Map([...channelsOf({ smtp: { url: sink.url, from: 'entente@example.com' } }, db, {})]);
      for (;;) {
        const run = await deliverDue({ db, now: e.ctx.now, channels, claimSeconds: 120 });
        if (run.sent + run.retrying + run.failed === 0) break;
      }
      const posts = slack.received.filter((r) => JSON.stringify(r.json).includes(service));
      assert.equal(posts.length, 1, "one post to the team's channel");
      assert.match(
        JSON.stringify(posts[0]!.json),
        new RegExp(`15 new findings to act on for ${teamName} on ${service} at once`),
      );
      assert.equal(mailsTo(people[0]!).length, 1, 'one e-mail to the member who wants them at once');
      assert.equal(mailsTo(people[1]!).length, 0, 'none to the one who reads them in the digest');
    } finally {
      await slack.close();
    }
  });
});
