// Notifications through the real CLI and `entente serve`: preferences refused with exit 2 when wrong, and kill -9 of the
// server while an e-mail is on the wire: after a restart everything due is sent, each message exactly once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliWorld, entente, serveCli } from './support/cli.ts';
import { engines } from './support/engines.ts';
import { kev, trivy } from './support/reports.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.ts';

const remote = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';

function ok(env: Record<string, string>, ...args: string[]): string {
  const r = entente(env, ...args);
  assert.equal(r.code, 0, `entente ${args.join(' ')}: ${r.err}`);
  return r.out;
}

/** Polls `done` every 200 ms for up to `seconds`; fails with `what` when it never holds. */
async function until(what: string, seconds: number, done: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < seconds * 5; i++) {
    if (await done()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${what} did not happen within ${seconds} s`);
}

for (const engine of engines) {
  describe(`notifications from the command line [${engine}]`, () => {
    const world = cliWorld(engine, `notify-${engine}`);
    const people = ['ana@example.com', 'raj@example.com'];
    let sink: SmtpSink;
    before(async () => {
      sink = await startSmtpSink();
      writeFileSync(
        join(world.dir, 'org.yaml'),
        `teams:
  - { name: payments, kind: engineering, lead: ana@example.com, members: [${people.join(', ')}] }
  - { name: security, kind: security, members: [sam@example.com] }
services:
  - { name: checkout-api, owner: payments, criticality: 4, exposure: internet }
`,
      );
      writeFileSync(join(world.dir, 'kev.json'), kev(['CVE-2021-44228']));
      writeFileSync(
        join(world.dir, 'trivy.json'),
        trivy([
          { cve: 'CVE-2021-44228', pkg: 'log4j-core', version: '2.14.1', severity: 'CRITICAL', vector: remote },
          { cve: 'CVE-2033-10001', pkg: 'is-odd', version: '0.1.0', severity: 'LOW' },
        ]),
      );
    });
    after(async () => sink.close());

    test('notifications prefs refuses an unknown event or channel with exit 2 and changes nothing', () => {
      ok(world.env, 'org', 'apply', join(world.dir, 'org.yaml'));
      const before = ok(world.env, 'notifications', 'prefs', '--email', people[1]!, '--json');
      for (const [args, says] of [
        [
          ['--event', 'finding.nope', '--channel', 'none'],
          /event: "finding.nope" is not an event; use finding.new_act, finding.new_attend, finding.due_soon, finding.overdue/,
        ],
        [
          ['--event', 'finding.new_act', '--channel', 'pager'],
          /channel: "pager" is not a channel; use email \(at once\), digest \(in your daily digest\) or none/,
        ],
        [['--channel', 'none'], /--channel needs --event/],
        [['--digest-time', '25:00'], /digestTime: "25:00" is not a time of day; write it as HH:MM/],
        [['--quiet', '20:00'], /quiet: "20:00" is not a span of hours; write HH:MM-HH:MM/],
      ] as const) {
        const r = entente(world.env, 'notifications', 'prefs', '--email', people[1]!, ...args);
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, says);
      }
      assert.equal(ok(world.env, 'notifications', 'prefs', '--email', people[1]!, '--json'), before, 'nothing changed');
      const set = JSON.parse(
        ok(
          world.env,
          'notifications',
          'prefs',
          '--email',
          'sam@example.com',
          '--event',
          'finding.overdue',
          '--channel',
          'none',
          '--json',
        ),
      );
      assert.equal(set.prefs.find((p: { event: string }) => p.event === 'finding.overdue').channel, 'none');
      const quiet = JSON.parse(
        ok(
          world.env,
          'notifications',
          'prefs',
          '--email',
          'sam@example.com',
          '--digest-time',
          '7:30',
          '--quiet',
          '20:00-07:00',
          '--json',
        ),
      );
      assert.deepEqual([quiet.digestTime, quiet.quiet], ['07:30', { from: '20:00', to: '07:00' }]);
      assert.match(
        ok(world.env, 'notifications', 'prefs', '--email', 'sam@example.com'),
        /daily digest at 07:30, quiet hours 20:00-07:00/,
      );
      assert.equal(
        JSON.parse(ok(world.env, 'notifications', 'prefs', '--email', 'sam@example.com', '--quiet', 'off', '--json'))
          .quiet,
        null,
      );
      assert.equal(entente(world.env, 'notifications', 'retry', 'abc').code, 2);
    });

    test('kill -9 of the server while an e-mail is on the wire: after the restart each member has it exactly once', async () => {
      ok(world.env, 'feeds', 'import', join(world.dir, 'kev.json'));
      const serveEnv = {
        ...world.env,
        ENTENTE_SMTP_URL: sink.url,
        ENTENTE_MAIL_FROM: 'entente@example.com',
        ENTENTE_NOTIFY_CLAIM_SECONDS: '2',
      };
      sink.stall(1); // the first message is taken in but never answered: the server is killed waiting for the answer
      let server = await serveCli(serveEnv);
      try {
        ok(world.env, 'import', join(world.dir, 'trivy.json'), '--service', 'checkout-api');
        await until('the server sending the first e-mail', 60, () => sink.held() === 1);
        await server.kill();
        const before = sink.mails.length;
        server = await serveCli(serveEnv);
        await until('an e-mail to each member', 90, () =>
          people.every((p) => sink.mails.some((m) => m.rcpt.includes(p))),
        );
        const listed = () =>
          ok(world.env, 'notifications', 'list', '--json')
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l));
        await until('every notification marked sent', 60, () => listed().every((n) => n.status === 'sent'));
        const rows = listed();
        assert.deepEqual(
          rows.map((n) => n.recipient).sort(),
          people,
          'one notification per member, none for the track finding',
        );
        for (const p of people) {
          const got = sink.mails.filter((m) => m.rcpt.includes(p));
          assert.equal(
            got.length,
            1,
            `${p} has the e-mail once (${sink.mails.length - before} arrived after the restart)`,
          );
          assert.match(got[0]!.subject, /^New finding to act on: log4j-core: issue CVE-2021-44228 on checkout-api$/);
        }
        assert.match(ok(world.env, 'notifications', 'list', '--failed'), /No notification has failed/);
      } finally {
        await server.stop();
      }
    });
  });
}
