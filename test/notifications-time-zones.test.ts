// Each person's time zone for their digest time and quiet hours: the organisation's policy says Europe/Paris, one person
// reads 08:00 in Singapore and another 20:00 in Los Angeles; the digest goes out on each one's clock, keyed by their local
// day, and quiet hours hold an e-mail back on theirs. Bad zones are refused by the API and the CLI and change nothing.
// Daylight-saving days (America/Los_Angeles, 2026-03-08 and 2026-11-01) never give two digests in a day nor skip one.
// Both engines.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeEachEngine, engines, type TestEnv } from './support/engines.ts';
import { cliWorld, entente } from './support/cli.ts';
import { kev, trivy } from './support/reports.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.ts';
import { importFeed } from '../src/feeds/feed-service.ts';
import { deliverDue } from '../src/notifications/delivery.ts';
import { emailChannel } from '../src/notifications/email.ts';
import { writeDigests } from '../src/notifications/digest.ts';
import { digestDay, quietUntil, type Schedule } from '../src/notifications/schedule.ts';
import { calendarOf } from '../src/policy/calendar.ts';
import { defaultPolicy } from '../src/policy/policy.ts';

const remote = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
let n = 0;
const cve = (): string => `CVE-2034-${String(70_000 + ++n)}`;
const paris = { ...defaultPolicy, time_zone: 'Europe/Paris' };

describeEachEngine(
  'notifications in each person’s time zone',
  (env) => {
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
        timeZone: e.ctx.policy.time_zone,
      });
    const digest = (e: TestEnv) => writeDigests({ db: e.ctx.database.db, policy: e.ctx.policy, now: e.ctx.now });
    const at = (iso: string, e: TestEnv) => {
      e.clock.now = new Date(iso);
    };
    const put = async (e: TestEnv, token: string, json: unknown) => {
      const r = await e.call('PUT', '/api/notifications/prefs', { token, json });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };
    // Three people on one team, each with a token of their own.
    const team = async (e: TestEnv) => {
      const emails = ['ana', 'raj', 'lee'].map((p) => `${e.uniq(p)}@example.com`) as [string, string, string];
      const made = await e.makeService({ members: emails, lead: emails[0] });
      const [ana, raj, lee] = await Promise.all(emails.map((p) => e.token('engineer', p)));
      const ids = await Promise.all(
        emails.map(
          async (p) =>
            (await e.ctx.database.db.selectFrom('people').select('id').where('email', '=', p).executeTakeFirstOrThrow())
              .id,
        ),
      );
      return { emails, ids, tokens: { ana: ana!, raj: raj!, lee: lee! }, service: made.service };
    };
    // One act finding (in KEV: e-mailed at once) and one attend finding (waits for the digest) for the service's team.
    const importBoth = async (e: TestEnv, service: string) => {
      const urgent = cve();
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
          { cve: cve(), pkg: 'qs', version: '6.0.0', severity: 'CRITICAL', vector: remote },
        ]),
      );
      return urgent;
    };
    const digestKeys = async (e: TestEnv, emails: readonly string[]) =>
      (
        await e.ctx.database.db
          .selectFrom('notifications')
          .select('idempotency_key')
          .where('event', '=', 'digest')
          .where('recipient_email', 'in', emails)
          .orderBy('id')
          .execute()
      ).map((r) => r.idempotency_key);

    test('the digest goes out at each person’s digest time on their own clock, keyed by their local day', async () => {
      const e = env();
      // 22:30Z: Paris 00:30 and Singapore 06:30 on 10 June, Los Angeles 15:30 on the 9th: nobody's time has come.
      at('2026-06-09T22:30:00Z', e);
      const { emails, ids, tokens, service } = await team(e);
      const [ana, raj, lee] = ids as [number, number, number];
      const zoned = await put(e, tokens.raj, { timeZone: 'asia/singapore' });
      assert.deepEqual(
        [zoned.timeZone, zoned.timeZoneIsDefault, zoned.organisationTimeZone],
        ['Asia/Singapore', false, 'Europe/Paris'],
        'stored as Intl spells it',
      );
      await put(e, tokens.lee, { timeZone: 'America/Los_Angeles', digestTime: '20:00' });
      const anas = (await e.call('GET', '/api/notifications/prefs', { token: tokens.ana })).body;
      assert.deepEqual([anas.timeZone, anas.timeZoneIsDefault], ['Europe/Paris', true]);

      await importBoth(e, service);
      assert.deepEqual(await digest(e), { digests: 0, lines: 0 });

      // 01:00Z: Singapore 09:00 (raj's 08:00 has come); Paris 03:00 and Los Angeles 18:00 (not yet).
      at('2026-06-10T01:00:00Z', e);
      assert.deepEqual(await digest(e), { digests: 1, lines: 1 });
      assert.deepEqual(await digestKeys(e, emails), [`digest:2026-06-10:person:${raj}:email`]);

      // 03:30Z: Los Angeles 20:30 on 9 June (lee's 20:00 has come: his day is still the 9th); Paris 05:30 (not yet).
      at('2026-06-10T03:30:00Z', e);
      assert.deepEqual(await digest(e), { digests: 1, lines: 1 });
      assert.deepEqual((await digestKeys(e, emails)).slice(1), [`digest:2026-06-09:person:${lee}:email`]);

      // 06:30Z: Paris 08:30: ana, in the organisation's zone, gets hers; the others had theirs.
      at('2026-06-10T06:30:00Z', e);
      assert.deepEqual(await digest(e), { digests: 1, lines: 1 });
      assert.deepEqual((await digestKeys(e, emails)).slice(2), [`digest:2026-06-10:person:${ana}:email`]);
      await send(e);
      const got = (who: string) =>
        sink.mails.filter((m) => m.rcpt.includes(who) && m.subject.startsWith('Your Entente digest'));
      assert.deepEqual(
        emails.map((p) => got(p).map((m) => m.subject.replace(/:.*/, ''))),
        [
          ['Your Entente digest for 2026-06-10'],
          ['Your Entente digest for 2026-06-10'],
          ['Your Entente digest for 2026-06-09'],
        ],
        "each digest names the person's own day",
      );

      // Back to the organisation's zone: raj's digest time is read in Paris again.
      const back = await put(e, tokens.raj, { timeZone: 'default' });
      assert.deepEqual([back.timeZone, back.timeZoneIsDefault], ['Europe/Paris', true]);
    });

    test('quiet hours are read on the person’s clock: an e-mail waits until they end there', async () => {
      const e = env();
      at('2026-06-10T12:00:00Z', e);
      const { emails, tokens, service } = await team(e);
      const [ana, raj] = emails;
      await put(e, tokens.ana, { quiet: '22:00-07:00' });
      await put(e, tokens.raj, { quiet: '22:00-07:00', timeZone: 'Asia/Singapore' });
      // 15:00Z: Paris 17:00 (ana is not in her quiet hours), Singapore 23:00 (raj is).
      at('2026-06-10T15:00:00Z', e);
      const urgent = await importBoth(e, service);
      const run = await send(e);
      assert.equal(run.quiet, 1, JSON.stringify(run));
      const mails = (who: string) => sink.mails.filter((m) => m.rcpt.includes(who) && m.subject.includes(urgent));
      assert.equal(mails(ana).length, 1, 'ana is awake in Paris');
      assert.equal(mails(raj).length, 0, 'raj is asleep in Singapore');
      const held = await e.ctx.database.db
        .selectFrom('notifications')
        .selectAll()
        .where('recipient_email', '=', raj)
        .where('channel', '=', 'email')
        .executeTakeFirstOrThrow();
      assert.equal(held.status, 'pending');
      assert.equal(
        new Date(held.next_attempt_at).toISOString(),
        '2026-06-10T23:00:00.000Z',
        'it waits until 07:00 in Singapore',
      );
      at('2026-06-10T23:00:00Z', e);
      await send(e);
      assert.equal(mails(raj).length, 1, 'sent when his quiet hours end');
    });

    test('a time zone that is not one is refused with HTTP 400, naming it and an example; nothing changes', async () => {
      const e = env();
      const { tokens, ids } = await team(e);
      await put(e, tokens.raj, { timeZone: 'Asia/Singapore', digestTime: '07:00' });
      const before = (await e.call('GET', '/api/notifications/prefs', { token: tokens.raj })).body;
      for (const zone of ['Mars/Olympus', '+08:00', 'Singapore time']) {
        const bad = await e.call('PUT', '/api/notifications/prefs', {
          token: tokens.raj,
          json: { timeZone: zone, digestTime: '09:00' },
        });
        assert.equal(bad.status, 400, zone);
        assert.equal(
          bad.body.error.message,
          `timeZone: "${zone}" is not a time zone we know; use an IANA name such as Asia/Singapore or America/Los_Angeles, or default for the organisation's`,
        );
      }
      assert.deepEqual(
        (await e.call('GET', '/api/notifications/prefs', { token: tokens.raj })).body,
        before,
        'nothing changed, not even the digest time sent with it',
      );
      const cleared = await put(e, tokens.raj, { timeZone: '' });
      assert.deepEqual(
        [cleared.timeZone, cleared.timeZoneIsDefault, cleared.digestTime],
        ['Europe/Paris', true, '07:00'],
      );
      const audit = await e.ctx.database.db
        .selectFrom('audit_log')
        .select(['before', 'after'])
        .where('action', '=', 'notification.schedule')
        .where('entity_id', '=', String(ids[1]))
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as { timeZone: unknown };
      assert.deepEqual([json(audit.before).timeZone, json(audit.after).timeZone], ['Asia/Singapore', null]);
    });
  },
  paris,
);

// The wall clock decides, so a day the clocks change has its digest once, at the digest time or (when the clocks skip
// it) the moment they change; quiet hours end at their time on the clock, not an hour off.
describe('daylight-saving days in a person’s zone (America/Los_Angeles)', () => {
  const org = calendarOf('Europe/Paris');
  const la = (digestTime: string, quiet: Schedule['quiet'] = null): Schedule => ({
    digestTime,
    quiet,
    timeZone: 'America/Los_Angeles',
  });
  // Every 5 minutes from `from` to `to`, a digest job: which days got a digest, and at what instant.
  const run = (s: Schedule, from: string, to: string): [string, string][] => {
    const sent = new Map<string, string>();
    for (let t = Date.parse(from); t <= Date.parse(to); t += 5 * 60_000) {
      const day = digestDay(s, org, new Date(t));
      if (day !== null && !sent.has(day)) sent.set(day, new Date(t).toISOString());
    }
    return [...sent];
  };

  test('spring forward (8 March 2026, 02:00 → 03:00): one digest each day; one at 02:30 goes out at the change', () => {
    assert.deepEqual(run(la('08:00'), '2026-03-07T08:00:00Z', '2026-03-10T07:55:00Z'), [
      ['2026-03-07', '2026-03-07T16:00:00.000Z'],
      ['2026-03-08', '2026-03-08T15:00:00.000Z'],
      ['2026-03-09', '2026-03-09T15:00:00.000Z'],
    ]);
    assert.deepEqual(run(la('02:30'), '2026-03-07T08:00:00Z', '2026-03-10T07:55:00Z'), [
      ['2026-03-07', '2026-03-07T10:30:00.000Z'],
      ['2026-03-08', '2026-03-08T10:00:00.000Z'],
      ['2026-03-09', '2026-03-09T09:30:00.000Z'],
    ]);
  });

  test('fall back (1 November 2026, 02:00 → 01:00): one digest each day, one at 01:30 the first time it comes', () => {
    assert.deepEqual(run(la('08:00'), '2026-10-31T07:00:00Z', '2026-11-03T07:55:00Z'), [
      ['2026-10-31', '2026-10-31T15:00:00.000Z'],
      ['2026-11-01', '2026-11-01T16:00:00.000Z'],
      ['2026-11-02', '2026-11-02T16:00:00.000Z'],
    ]);
    assert.deepEqual(run(la('01:30'), '2026-10-31T07:00:00Z', '2026-11-03T07:55:00Z'), [
      ['2026-10-31', '2026-10-31T08:30:00.000Z'],
      ['2026-11-01', '2026-11-01T08:30:00.000Z'],
      ['2026-11-02', '2026-11-02T09:30:00.000Z'],
    ]);
  });

  test('quiet hours over a change end at their time on the clock', () => {
    const night = la('08:00', { from: '22:00', to: '07:00' });
    // 22:30 PST on 7 March: quiet until 07:00 PDT on the 8th (14:00Z), not 07:00 PST.
    assert.equal(quietUntil(night, org, new Date('2026-03-08T06:30:00Z'))?.toISOString(), '2026-03-08T14:00:00.000Z');
    // 22:30 PDT on 31 October: quiet until 07:00 PST on 1 November (15:00Z).
    assert.equal(quietUntil(night, org, new Date('2026-11-01T05:30:00Z'))?.toISOString(), '2026-11-01T15:00:00.000Z');
    // Quiet until 02:30, a time 8 March skips: they end when the clocks change (03:00 PDT, 10:00Z).
    const skipped = la('08:00', { from: '23:00', to: '02:30' });
    assert.equal(quietUntil(skipped, org, new Date('2026-03-08T09:15:00Z'))?.toISOString(), '2026-03-08T10:00:00.000Z');
    assert.equal(quietUntil(night, org, new Date('2026-03-08T14:00:00Z')), null, 'awake at 07:00 PDT');
    assert.equal(quietUntil(night, org, new Date('2026-03-08T20:00:00Z')), null);
  });
});

// The CLI flag: a bad zone is exit 2 with the sentence and changes nothing; a good one shows in `prefs`; '' and
// default return to the organisation's zone.
for (const engine of engines) {
  describe(`notifications prefs --time-zone [${engine}]`, () => {
    const world = cliWorld(engine, `tz-${engine}`);
    const ok = (...args: string[]): string => {
      const r = entente(world.env, ...args);
      assert.equal(r.code, 0, `entente ${args.join(' ')}: ${r.err}`);
      return r.out;
    };
    before(() => {
      writeFileSync(
        join(world.dir, 'org.yaml'),
        `teams:
  - { name: payments, kind: engineering, lead: ana@example.com, members: [ana@example.com] }
`,
      );
    });

    test('sets, shows, refuses and clears a person’s time zone', () => {
      ok('org', 'apply', join(world.dir, 'org.yaml'));
      const prefs = (...more: string[]) => ['notifications', 'prefs', '--email', 'ana@example.com', ...more];
      assert.match(
        ok(...prefs()),
        /daily digest at 08:00, no quiet hours, times in UTC \(the organisation's time zone\)/,
      );
      assert.match(
        ok(...prefs('--time-zone', 'Asia/Singapore', '--digest-time', '07:30')),
        /daily digest at 07:30, no quiet hours, times in Asia\/Singapore$/m,
      );
      const before = ok(...prefs('--json'));
      for (const zone of ['Mars/Olympus', '+08:00']) {
        const r = entente(world.env, ...prefs('--time-zone', zone, '--digest-time', '09:00'));
        assert.equal(r.code, 2, r.err);
        assert.match(
          r.err,
          new RegExp(
            `timeZone: "${zone.replace('+', '\\+')}" is not a time zone we know; use an IANA name such as Asia/Singapore`,
          ),
        );
      }
      assert.equal(ok(...prefs('--json')), before, 'nothing changed');
      for (const back of ['', 'default']) {
        ok(...prefs('--time-zone', 'America/Los_Angeles'));
        const view = JSON.parse(ok(...prefs('--time-zone', back, '--json')));
        assert.deepEqual([view.timeZone, view.timeZoneIsDefault, view.digestTime], ['UTC', true, '07:30'], back);
      }
    });
  });
}
