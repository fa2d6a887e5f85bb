import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { engines } from './support/engines.ts';
import { kev, sarif, trivy } from './support/reports.ts';
import { cliWorld, entente, serveCli } from './support/cli.ts';

for (const engine of engines) {
  describe(`entente review [${engine}]`, () => {
    const { dir, env } = cliWorld(engine, 'reviews-cli');
    before(() => {
      const file = (name: string, text: string) => {
        writeFileSync(join(dir, name), text);
        return join(dir, name);
      };
      const run = (...args: string[]) => {
        const r = entente(env, ...args);
        assert.equal(r.code, 0, r.err);
      };
      run(
        'org',
        'apply',
        file(
          'org.yaml',
          'teams:\n  - name: payments\n    kind: engineering\n    lead: ana@example.com\n    members: [ana@example.com]\n'
            + '  - name: security\n    kind: security\n    members: [sam@example.com]\n'
            + 'services:\n  - name: checkout-api\n    owner: payments\n    criticality: 4\n    exposure: internet\n',
        ),
      );
      run('feeds', 'import', file('kev.json', kev(['CVE-2021-44228'])));
      run(
        'import',
        file('trivy.json', trivy([{ cve: 'CVE-2021-44228', pkg: 'log4j-core', version: '2.14.1' }])),
        '--service',
        'checkout-api',
      );
      run(
        'import',
        file(
          'lint.sarif',
          sarif('Lint', [
            { rule: 'L1', file: 'app/x.js', line: 4, level: 'note', message: 'prefer const in app/x.js' },
          ]),
        ),
        '--service',
        'checkout-api',
      );
    });

    test('review new prints the agenda: wins in the first two headings, the act finding in, the track one out; bad input exits 2 naming it', () => {
      const r = entente(env, 'review', 'new', '--cadence', 'weekly', '--team', 'payments', '--format', 'markdown');
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /log4j-core/);
      assert.doesNotMatch(r.out, /prefer const|app\/x\.js/i);
      const heads = r.out
        .split('\n')
        .filter((l) => /^#{1,3} /.test(l))
        .slice(0, 2);
      assert.ok(
        heads.some((h) => /win/i.test(h)),
        heads.join(' | '),
      );
      for (const [args, what] of [
        [['--cadence', 'daily', '--team', 'payments'], /cadence: "daily" is not a cadence; use weekly or monthly/],
        [['--cadence', 'weekly', '--team', 'nope'], /team: no team "nope"/],
        [
          ['--cadence', 'weekly', '--team', 'payments', '--format', 'pdf'],
          /format: "pdf" is not a review format; use markdown, html, json, ics/,
        ],
      ] as const) {
        const bad = entente(env, 'review', 'new', ...args);
        assert.equal(bad.code, 2, bad.err);
        assert.match(bad.err, what);
      }
      const list = entente(env, 'review', 'list', '--json');
      assert.equal(list.out.trim().split('\n').length, 1, 'the refused ones stored nothing');
    });

    test('review close records action items as commitments, refuses a second close, and show and ics render the review', () => {
      const id = String(JSON.parse(entente(env, 'review', 'list', '--json').out.trim().split('\n')[0]!).id);
      const badAction = entente(env, 'review', 'close', id, '--action', 'Upgrade log4j-core for payments');
      assert.equal(badAction.code, 2);
      assert.match(
        badAction.err,
        /--action "Upgrade log4j-core for payments": write it as "TITLE @TEAM by YYYY-MM-DD"/,
      );
      const closed = entente(
        env,
        'review',
        'close',
        id,
        '--attendee',
        'ana@example.com',
        '--attendee',
        'sam@example.com',
        '--decision',
        'Upgrade log4j first.',
        '--action',
        'Upgrade log4j-core @payments by 2099-01-15',
        '--action',
        'Check the WAF rule @security by 2099-01-10',
      );
      assert.equal(closed.code, 0, closed.err);
      assert.match(closed.out, new RegExp(`^Review #${id} is closed: 2 attendees, 1 decision and 2 action items`));
      const commitments = entente(env, 'commitments', '--json')
        .out.trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        commitments
          .filter((c) => c.source.type === 'review')
          .map((c) => [c.title, c.ownerTeam, c.dueDate])
          .sort(),
        [
          ['Check the WAF rule', 'security', '2099-01-10'],
          ['Upgrade log4j-core', 'payments', '2099-01-15'],
        ],
      );
      const again = entente(env, 'review', 'close', id);
      assert.equal(again.code, 2);
      assert.match(again.err, new RegExp(`review ${id} was closed already`));

      const html = entente(env, 'review', 'show', id, '--format', 'html');
      assert.equal(html.code, 0, html.err);
      assert.match(html.out, /<h2>Action items<\/h2>\n<ul>\n<li>Upgrade log4j-core: payments, due 2099-01-15/);
      const out = join(dir, 'review.ics');
      const ics = entente(env, 'review', 'show', id, '--format', 'ics', '--output', out);
      assert.equal(ics.code, 0, ics.err);
      const text = readFileSync(out, 'utf8');
      assert.match(text, /^BEGIN:VCALENDAR\r\n[\s\S]*\r\nRRULE:FREQ=WEEKLY\r\n[\s\S]*END:VCALENDAR\r\n$/);

      const next = entente(env, 'review', 'new', '--cadence', 'weekly', '--team', 'payments', '--format', 'json');
      assert.equal(next.code, 0, next.err);
      const agenda = JSON.parse(next.out).agenda;
      assert.equal(agenda.sections[1].id, 'actions');
      // Soonest due first.
      assert.match(
        agenda.sections[1].items.map((i: { text: string }) => i.text).join('\n'),
        /Check the WAF rule: security, due 2099-01-10[\s\S]*Upgrade log4j-core: payments, due 2099-01-15/,
      );
    });

    test('beside a running server, review commands go through its API', async () => {
      const server = await serveCli(env);
      try {
        const r = entente(env, 'review', 'new', '--cadence', 'monthly', '--format', 'markdown');
        assert.equal(r.code, 0, r.err);
        assert.match(r.out, /^# Monthly security review for the whole organisation/);
        assert.match(r.out, /\n## Wins (this period|since last review)\n/);
        const bad = entente(env, 'review', 'new', '--cadence', 'yearly');
        assert.equal(bad.code, 2);
        assert.match(bad.err, /cadence: "yearly"/);
      } finally {
        await server.stop();
      }
    });
  });
}
