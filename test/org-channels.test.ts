import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEachEngine } from './support/engines.ts';
import { entente } from './support/cli.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { channelsOfTeam, teamChannelRouter } from '../src/notifications/channels/team-channels.ts';
import { startReceiver } from './support/receiver.ts';

const secret = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
const slackUrl = 'https://hooks.slack.com/services/T0001/B0001/SLACKPATHSECRET';

const orgWith = (team: string, notify: string): string =>
  `teams:\n  - name: ${team}\n    kind: engineering\n    notify:\n${notify}`;

test("a team's notify block is read from the org file, jira issue type defaulting to Task", () => {
  const org = parseOrgFile(
    orgWith(
      'payments',
      `      slack: ${slackUrl}\n      teams: env:TEAMS_PAYMENTS\n      webhook: { url: "http://127.0.0.1:9000/hook", secret: ${secret} }\n      jira: { project: PAY }\n`,
    ),
    'org.yaml',
  );
  assert.deepEqual(org.teams[0]!.notify, {
    slack: slackUrl,
    teams: 'env:TEAMS_PAYMENTS',
    webhook: { url: 'http://127.0.0.1:9000/hook', secret },
    jira: { project: 'PAY', issueType: 'Task' },
  });
});

test('bad channel settings are refused naming the field and line, and never echo the value', () => {
  const text = orgWith(
    'payments',
    `      slack: http://hooks.slack.com/services/PLAINHTTP\n      webhook:\n        url: https://ci.example/hook\n        secret: hunter2\n      jira: { project: pay }\n      email: ana@example.com\n`,
  );
  assert.throws(
    () => parseOrgFile(text, 'org.yaml'),
    (e: Error) => {
      assert.match(e.message, /org\.yaml:5: teams\.0\.notify\.slack: must be an https:\/\/ URL/);
      assert.match(e.message, /org\.yaml:8: teams\.0\.notify\.webhook\.secret: must be whsec_/);
      assert.match(e.message, /org\.yaml:9: teams\.0\.notify\.jira\.project: must be a Jira project key/);
      assert.match(e.message, /teams\.0\.notify\.email/);
      assert.doesNotMatch(e.message, /hunter2|PLAINHTTP/);
      return true;
    },
  );
});

test('`entente org apply` with a bad webhook URL exits 2 naming the field, and applies nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-org-channels-'));
  try {
    const file = join(dir, 'org.yaml');
    writeFileSync(file, orgWith('payments', '      teams: ftp://teams.example/hook\n'));
    const r = entente({ ENTENTE_DATA: join(dir, 'data') }, 'org', 'apply', file);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /org\.yaml:5: teams\.0\.notify\.teams: must be an https:\/\/ URL/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describeEachEngine('team channels in the organisation', (env) => {
  test('GET /api/teams shows which channels a team has and their hosts, never the secret path or the signing secret', async () => {
    const e = env();
    const team = e.uniq('team');
    await applyOrg(
      e.ctx.database.db,
      parseOrgFile(
        orgWith(
          team,
          `      slack: ${slackUrl}\n      webhook: { url: "https://hooks.acme.example/entente?key=QUERYSECRET", secret: ${secret} }\n      jira: { project: PAY }\n`,
        ),
        'org.yaml',
      ),
      { prune: false, actor: 'test', now: e.clock.now },
    );
    const res = await e.call('GET', '/api/teams', { token: await e.token('auditor') });
    assert.equal(res.status, 200);
    const t = res.body.items.find((x: any) => x.name === team);
    assert.deepEqual(t.notify, { slack: 'hooks.slack.com', teams: null, webhook: 'hooks.acme.example', jira: 'PAY' });
    const text = JSON.stringify(res.body);
    assert.doesNotMatch(text, /SLACKPATHSECRET|QUERYSECRET|whsec_/);
  });

  test('the audit log records a change of channels without the URL paths or the secret', async () => {
    const e = env();
    const team = e.uniq('team');
    const db = e.ctx.database.db;
    await applyOrg(db, parseOrgFile(orgWith(team, `      slack: ${slackUrl}\n`), 'org.yaml'), {
      prune: false,
      actor: 'test',
      now: e.clock.now,
    });
    const again = await applyOrg(db, parseOrgFile(orgWith(team, `      slack: ${slackUrl}\n`), 'org.yaml'), {
      prune: false,
      actor: 'test',
      now: e.clock.now,
    });
    assert.deepEqual(again.teams.unchanged, [team], 'the same channels again change nothing');
    const changed = await applyOrg(
      db,
      parseOrgFile(
        orgWith(
          team,
          `      slack: ${slackUrl}\n      webhook: { url: "https://hooks.acme.example/x", secret: ${secret} }\n`,
        ),
        'org.yaml',
      ),
      { prune: false, actor: 'test', now: e.clock.now },
    );
    assert.deepEqual(changed.teams.updated, [team]);
    const stored = await db.selectFrom('teams').select('notify').where('name', '=', team).executeTakeFirstOrThrow();
    assert.equal(stored.notify?.webhook?.secret, secret, 'the secret is kept for signing');
    const rows = await db
      .selectFrom('audit_log')
      .select(['action', 'before', 'after'])
      .where('entity', '=', 'team')
      .orderBy('id')
      .execute();
    const mine = rows.filter((r) => JSON.stringify(r.after).includes(team));
    assert.deepEqual(
      mine.map((r) => r.action),
      ['team.create', 'team.update'],
    );
    assert.deepEqual((mine[1]!.after as any).notify, {
      slack: 'hooks.slack.com',
      teams: null,
      webhook: 'hooks.acme.example',
      jira: null,
    });
    assert.doesNotMatch(JSON.stringify(mine), /SLACKPATHSECRET|whsec_/);
  });

  test("channelsOfTeam builds the channels a team's stored notify names, and none for a team without", async () => {
    const e = env();
    const [team, quiet] = [e.uniq('team'), e.uniq('team')];
    const db = e.ctx.database.db;
    await applyOrg(
      db,
      parseOrgFile(
        `${orgWith(team, `      slack: ${slackUrl}\n      webhook: { url: "https://hooks.acme.example/x", secret: ${secret} }\n      jira: { project: PAY }\n`)}  - name: ${quiet}\n    kind: security\n`,
        'org.yaml',
      ),
      { prune: false, actor: 'test', now: e.clock.now },
    );
    const ids = Object.fromEntries(
      (await db.selectFrom('teams').select(['id', 'name']).where('name', 'in', [team, quiet]).execute()).map((t) => [
        t.name,
        t.id,
      ]),
    );
    assert.deepEqual(
      (await channelsOfTeam(db, ids[team]!, { env: {} })).map((c) => c.name),
      ['slack', 'webhook'],
    );
    assert.deepEqual(await channelsOfTeam(db, ids[quiet]!, { env: {} }), []);
  });

  test('the router sends each notification through the channel of the team its facts name', async () => {
    const e = env();
    const team = e.uniq('team');
    const r = await startReceiver();
    try {
      await applyOrg(e.ctx.database.db, parseOrgFile(orgWith(team, `      slack: env:ROUTER_SLACK\n`), 'org.yaml'), {
        prune: false,
        actor: 'test',
        now: e.clock.now,
      });
      const router = teamChannelRouter(e.ctx.database.db, { env: { ROUTER_SLACK: `${r.url}/slack/${team}` } });
      assert.deepEqual([...router.keys()], ['slack', 'teams', 'webhook']);
      const n = {
        id: '1',
        idempotencyKey: 'k1',
        event: 'finding.new_act',
        recipient: { email: null, name: null },
        subject: 'New for the team',
        text: 'Details.',
        html: '<p>Details.</p>',
        link: null,
        facts: { team },
      };
      await router.get('slack')!.send(n);
      assert.equal(r.received.at(-1)!.path, `/slack/${team}`);
      await assert.rejects(router.get('teams')!.send(n), new RegExp(`teams: team ${team} has no teams channel`));
      await assert.rejects(router.get('slack')!.send({ ...n, facts: {} }), /names no team/);
    } finally {
      await r.close();
    }
  });
});
