import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { engines } from './support/engines.ts';
import { sarif } from './support/reports.ts';
import { cliWorld, entente, type CliResult } from './support/cli.ts';
import { startJiraFake, type JiraFake } from './support/jira-fake.ts';

// The local Jira answers in this process, so the CLI runs without blocking it (spawn, not spawnSync).
function ententeAsync(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

for (const engine of engines) {
  describe(`entente jira [${engine}]`, () => {
    const { dir, env } = cliWorld(engine, 'jira-cli');
    let fake: JiraFake;
    let jiraEnv: Record<string, string>;
    before(async () => {
      fake = await startJiraFake({ projects: ['PAY'] });
      jiraEnv = {
        ...env,
        ENTENTE_JIRA_URL: fake.settings.url,
        ENTENTE_JIRA_USER: fake.settings.user,
        ENTENTE_JIRA_TOKEN: fake.settings.token,
        ENTENTE_PUBLIC_URL: 'https://entente.example/',
      };
      const org = join(dir, 'org.yaml');
      writeFileSync(
        org,
        'teams:\n  - name: payments\n    kind: engineering\n    members: [ana@example.com]\n    notify:\n      jira: { project: PAY, issueType: Bug }\n'
          + 'services:\n  - name: checkout-api\n    owner: payments\n    criticality: 4\n    exposure: internet\n',
      );
      assert.equal(entente(env, 'org', 'apply', org).code, 0);
      const report = join(dir, 'r.sarif');
      writeFileSync(report, sarif('CodeQL', [{ rule: 'js/sql-injection', file: 'src/db.ts', line: 20, cwe: 89 }]));
      assert.equal(entente(env, 'import', report, '--service', 'checkout-api').code, 0);
    });
    after(async () => fake.close());

    test('`entente jira link ID` files the issue once and then prints the same one; `entente jira sync` reads Jira Done back as a note', async () => {
      const id = JSON.parse(entente(env, 'findings', '--json').out.trim().split('\n')[0]!).id as number;
      const first = await ententeAsync(jiraEnv, 'jira', 'link', String(id));
      assert.equal(first.code, 0, first.err);
      const key = /Filed (PAY-\d+) for finding #\d+ in PAY: http:\/\/127\.0\.0\.1:\d+\/browse\/PAY-\d+/.exec(
        first.out,
      )?.[1];
      assert.ok(key, first.out);
      assert.equal(fake.issues.get(key)!.fields.issuetype.name, 'Bug');
      assert.ok(
        JSON.stringify(fake.issues.get(key)!.fields.description).includes(`https://entente.example/findings/${id}`),
      );
      const again = await ententeAsync(jiraEnv, 'jira', 'link', `#${id}`, '--json');
      assert.equal(again.code, 0, again.err);
      assert.deepEqual([JSON.parse(again.out).created, JSON.parse(again.out).link.issueKey], [false, key]);
      fake.setStatus(key, 'Done');
      const synced = await ententeAsync(jiraEnv, 'jira', 'sync', '--json');
      assert.equal(synced.code, 0, synced.err);
      assert.deepEqual(JSON.parse(synced.out), { transitioned: [], noted: [key], updated: [], failed: [] });
      const shown = entente(env, 'findings', '--json');
      assert.equal(
        JSON.parse(shown.out.trim().split('\n')[0]!).status,
        'open',
        'the finding stays open until a scan confirms the fix',
      );
    });

    test('Jira settings that are half there exit 2 naming what is missing', async () => {
      const r = entente({ ...env, ENTENTE_JIRA_URL: 'https://acme.atlassian.net' }, 'jira', 'sync');
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /ENTENTE_JIRA_USER and ENTENTE_JIRA_TOKEN are not set/);
      const none = entente(env, 'jira', 'link', '1');
      assert.equal(none.code, 3, none.err);
      assert.match(none.err, /Jira is not set up on this server: set ENTENTE_JIRA_URL/);
      const bad = entente({ ...jiraEnv, ENTENTE_JIRA_URL: 'acme.atlassian.net' }, 'jira', 'sync');
      assert.equal(bad.code, 2);
      assert.match(bad.err, /ENTENTE_JIRA_URL: must be your Jira site, such as https:\/\/acme\.atlassian\.net/);
    });
  });
}
