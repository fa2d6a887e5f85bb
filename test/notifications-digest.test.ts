import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { kev, trivy } from './support/reports.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.ts';
import { importFeed } from '../src/feeds/feed-service.ts';
import { deliverDue } from '../src/notifications/delivery.ts';
import { emailChannel } from '../src/notifications/email.ts';
import { writeDigests } from '../src/notifications/digest.ts';
import { checkTone } from '../src/voice/check-tone.ts';
import { rulesFor } from '../src/voice/voice-config.ts';

const remote = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
let n = 0;
const cve = (): string => `CVE-2033-${String(60_000 + ++n)}`;
const publicUrl = 'https://entente.example.com';
// A message as sent, its quoted-printable parts read back (soft line breaks joined, =3D as =).
const unfolded = (data: string): string => data.replace(/=\r\n/g, '').replace(/=3D/g, '=');

describeEachEngine('notifications digest', (env) => {
  let sink: SmtpSink;
  before(async () => {
    sink = await startSmtpSink();
  });
  after(async () => sink.close());

  const send = (e: TestEnv) =>
    deliverDue({
      db: e.ctx.database.db,
      now: e.ctx.now,
      channels: new Map([['email', emailChannel({ url: sink.url, from: 'entente@example.com' })]]),
      claimSeconds: 120,
      publicUrl,
      timeZone: e.ctx.policy.time_zone,
    });
  const digest = (e: TestEnv) =>
    writeDigests({ db: e.ctx.database.db, policy: e.ctx.policy, now: e.ctx.now, publicUrl });
  const team = async (e: TestEnv) => {
    const people = [`${e.uniq('ana')}@example.com`, `${e.uniq('raj')}@example.com`];
    return { people, ...(await e.makeService({ members: people, lead: people[0]! })) };
  };
  // One act finding (log4j-core, in KEV) and one attend finding (qs: critical and remote, not known exploited).
  const importBoth = async (e: TestEnv, service: string) => {
    const urgent = cve();
    const later = cve();
    await importFeed(
      { db: e.ctx.database.db, policy: e.ctx.policy, now: e.ctx.now },
      'kev.json',
      Buffer.from(kev([urgent])),
      'test',
    );
    await e.importText(
      service,
      'trivy.json',
      trivy([
        { cve: urgent, pkg: 'log4j-core', version: '2.14.1', severity: 'CRITICAL', vector: remote },
        { cve: later, pkg: 'qs', version: '6.0.0', severity: 'CRITICAL', vector: remote },
      ]),
    );
    return { urgent, later };
  };
  const rowsOf = (e: TestEnv, people: string[]) =>
    e.ctx.database.db
      .selectFrom('notifications')
      .selectAll()
      .where('recipient_email', 'in', people)
      .orderBy('id')
      .execute();
  const mailsTo = (who: string) => sink.mails.filter((m) => m.rcpt.includes(who));
  const at = (iso: string, e: TestEnv) => {
    e.clock.now = new Date(iso);
  };

  test('attend findings wait for one digest per person per day at 08:00; act is e-mailed at once, with a link to its page', async () => {
    const e = env();
    at('2026-04-06T06:00:00Z', e);
    const { people, service } = await team(e);
    const { urgent, later } = await importBoth(e, service);
    const rows = await rowsOf(e, people);
    assert.deepEqual(rows.map((r) => `${r.event} ${r.channel}`).sort(), [
      'finding.new_act email',
      'finding.new_act email',
      'finding.new_attend digest',
      'finding.new_attend digest',
    ]);

    await send(e);
    const actMail = mailsTo(people[0]!);
    assert.equal(actMail.length, 1, 'only the act finding interrupts');
    assert.match(actMail[0]!.subject, new RegExp(urgent));
    assert.match(
      actMail[0]!.data,
      new RegExp(`${publicUrl.replace(/\./g, '\\.')}/findings/\\d+`),
      "the e-mail links to the finding's page",
    );
    assert.match(
      unfolded(actMail[0]!.data),
      /<a href="https:\/\/entente\.example\.com\/findings\/\d+">/,
      'in the HTML too',
    );

    assert.deepEqual(await digest(e), { digests: 0, lines: 0 }, 'before 08:00 nothing is gathered');
    at('2026-04-06T08:01:00Z', e);
    const first = await digest(e);
    assert.ok(first.digests >= 2, JSON.stringify(first));
    assert.deepEqual(await digest(e), { digests: 0, lines: 0 }, 'a second run the same day writes nothing');
    const after = await rowsOf(e, people);
    const digests = after.filter((r) => r.event === 'digest');
    assert.deepEqual(
      digests.map((r) => r.idempotency_key).sort(),
      (
        await Promise.all(
          people.map(
            async (p) =>
              `digest:2026-04-06:person:${(await e.ctx.database.db.selectFrom('people').select('id').where('email', '=', p).executeTakeFirstOrThrow()).id}:email`,
          ),
        )
      ).sort(),
    );
    assert.ok(
      after
        .filter((r) => r.channel === 'digest')
        .every((r) => r.status === 'digested' && digests.some((d) => d.id === r.digest_id)),
      'each waiting row points at its digest',
    );

    await send(e);
    for (const who of people) {
      const got = mailsTo(who).filter((m) => /^Your Entente digest for 2026-04-06: 1 update$/.test(m.subject));
      assert.equal(got.length, 1, `one digest to ${who}`);
      assert.match(unfolded(got[0]!.data), new RegExp(`New finding to attend to: qs: issue ${later}`));
      assert.match(got[0]!.data, /entente\.example\.com\/findings\/\d+/);
    }
    const text = digests[0]!.body_text;
    assert.equal(checkTone(text, rulesFor(undefined)).ok, true, text);

    // Something new the same afternoon waits for tomorrow's digest.
    at('2026-04-06T15:00:00Z', e);
    const { later: next } = await importBoth(e, service);
    assert.deepEqual(await digest(e), { digests: 0, lines: 0 }, "today's digest went out already");
    at('2026-04-07T08:00:00Z', e);
    await digest(e);
    await send(e);
    const second = mailsTo(people[1]!).filter((m) => m.subject.startsWith('Your Entente digest for 2026-04-07'));
    assert.equal(second.length, 1);
    assert.match(unfolded(second[0]!.data), new RegExp(next));
    assert.doesNotMatch(unfolded(second[0]!.data), new RegExp(later), "yesterday's lines are not repeated");
  });

  test('each person chooses: digest time, quiet hours (act waits too) and per event email, digest or none; nothing waiting, no digest', async () => {
    const e = env();
    at('2026-05-04T06:00:00Z', e);
    const { people, service } = await team(e);
    const [ana, raj] = people as [string, string];
    const anaToken = await e.token('engineer', ana);
    const rajToken = await e.token('engineer', raj);
    const put = async (token: string, json: unknown) => {
      const r = await e.call('PUT', '/api/notifications/prefs', { token, json });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };
    // Ana: act findings in her digest, at 18:00. Raj: quiet from 20:00 to 07:00, attend findings off.
    await put(anaToken, { event: 'finding.new_act', channel: 'digest' });
    assert.deepEqual((await put(anaToken, { digestTime: '18:00' })).digestTime, '18:00');
    const rajPrefs = await put(rajToken, { quiet: '20:00-07:00' });
    assert.deepEqual(rajPrefs.quiet, { from: '20:00', to: '07:00' });
    await put(rajToken, { event: 'finding.new_attend', channel: 'none' });
    for (const [json, field] of [
      [{ digestTime: '8am' }, 'digestTime'],
      [{ quiet: '07:00-07:00' }, 'quiet'],
      [{ event: 'finding.new_act', channel: 'sms' }, 'channel'],
      [{}, 'event'],
    ] as const) {
      const bad = await e.call('PUT', '/api/notifications/prefs', { token: rajToken, json });
      assert.equal(bad.status, 400, JSON.stringify(json));
      assert.match(bad.body.error.message, new RegExp(`^${field}|^nothing to change`));
    }
    assert.deepEqual(
      (await e.call('GET', '/api/notifications/prefs', { token: rajToken })).body.quiet,
      { from: '20:00', to: '07:00' },
      'a refused change changed nothing',
    );

    at('2026-05-04T21:00:00Z', e);
    const { urgent } = await importBoth(e, service);
    const rows = await rowsOf(e, people);
    assert.deepEqual(
      rows.map((r) => `${r.recipient_email === ana ? 'ana' : 'raj'} ${r.event} ${r.channel}`).sort(),
      ['ana finding.new_act digest', 'ana finding.new_attend digest', 'raj finding.new_act email'],
      'raj turned attend off; ana reads act in her digest',
    );
    const run = await send(e);
    assert.ok(run.quiet >= 1, JSON.stringify(run));
    assert.equal(mailsTo(raj).length, 0, 'raj is in his quiet hours: even act waits');
    const held = (await rowsOf(e, [raj]))[0]!;
    assert.equal(held.status, 'pending');
    assert.equal(
      new Date(held.next_attempt_at).toISOString(),
      '2026-05-05T07:00:00.000Z',
      'it waits until the quiet hours end',
    );
    assert.equal(held.attempts, 0, 'waiting is not a failed attempt');

    at('2026-05-05T07:00:00Z', e);
    await send(e);
    assert.equal(mailsTo(raj).length, 1, 'sent when the quiet hours end');
    assert.match(mailsTo(raj)[0]!.subject, new RegExp(urgent));

    at('2026-05-05T09:00:00Z', e);
    await digest(e);
    assert.equal((await rowsOf(e, [ana])).filter((r) => r.event === 'digest').length, 0, 'not before her 18:00');
    at('2026-05-05T18:00:00Z', e);
    await digest(e);
    await send(e);
    const anas = mailsTo(ana);
    assert.equal(anas.length, 1, 'ana gets one e-mail: her digest');
    assert.match(anas[0]!.subject, /: 2 updates$/);
    assert.equal(
      (await rowsOf(e, [raj])).filter((r) => r.event === 'digest').length,
      0,
      'nothing waiting for raj: no digest',
    );
  });
});
