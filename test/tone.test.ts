import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cliArgs, spawnTimeout } from './support/cli.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { sarif } from './support/reports.ts';

/** An engineer's token: engineers act for a person in a team. */
async function engineer(e: TestEnv): Promise<string> {
  const person = `${e.uniq('eng')}@example.com`;
  await e.makeService({ members: [person] });
  return e.token('engineer', person);
}

describeEachEngine('POST /api/tone', (env) => {
  test('returns the flags with why and what to write instead, and a rewrite for a wholly known sentence', async () => {
    const r = await env().call('POST', '/api/tone', {
      token: await engineer(env()),
      json: { text: 'IT cannot deploy this change.' },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.ok, false);
    assert.deepEqual(
      r.body.flags.map((f: any) => [f.ruleId, f.category, f.start, f.end, f.text]),
      [['refusal', 'gatekeeping', 0, 9, 'IT cannot']],
    );
    assert.match(r.body.flags[0].why, /refusal/);
    assert.match(r.body.flags[0].suggestion, /We can/);
    assert.equal(r.body.rewrite, 'We can deploy this change with these safeguards in place: …');
  });

  test("a partner's text comes back ok with no flags and no rewrite, for every role", async () => {
    for (const role of ['engineer', 'security', 'manager', 'auditor', 'admin']) {
      const r = await env().call('POST', '/api/tone', {
        token: role === 'engineer' ? await engineer(env()) : await env().token(role),
        json: { text: "Let's work through these findings together." },
      });
      assert.equal(r.status, 200, role);
      assert.deepEqual(r.body, { ok: true, flags: [], rewrite: null });
    }
  });

  test('needs a token, and a body with a non-empty text and nothing else', async () => {
    assert.equal((await env().call('POST', '/api/tone', { json: { text: 'hello' } })).status, 401);
    const token = await engineer(env());
    for (const json of [{}, { text: '' }, { text: 42 }, { text: 'hi', extra: true }]) {
      const r = await env().call('POST', '/api/tone', { token, json });
      assert.equal(r.status, 400, JSON.stringify(json));
      assert.equal(r.body.error.code, 'bad_input');
    }
  });

  test('is described in the OpenAPI document', async () => {
    const r = await env().call('GET', '/api/openapi.json');
    assert.ok(r.body.paths['/api/tone']?.post);
  });
});

/** Runs the real CLI (from source); returns its exit code and output. */
function entente(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [...cliArgs, ...args], {
    encoding: 'utf8',
    input: input ?? '',
    timeout: spawnTimeout,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('entente tone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-tone-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('check exits 1 and prints each flagged span with its place, why and a suggestion', () => {
    const r = entente(['tone', 'check', 'Morning.\nYou failed to patch the server!!']);
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /line 2, column 1 {2}"You failed to" {2}blame \(`failed-to`\)/);
    assert.match(r.out, /line 2, column 31 {2}"!!" {2}urgency \(`exclamations`\)/);
    assert.match(r.out, /why: /);
    assert.match(r.out, /instead: /);
  });

  test("check exits 0 when the text reads as a partner's", () => {
    const r = entente(['tone', 'check', 'We can deploy this with these safeguards in place: a feature flag.']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /nothing flagged/);
  });

  test('check reads --file and standard input, and prints JSON with --json', () => {
    const file = join(dir, 'mail.txt');
    writeFileSync(file, 'Per my last e-mail, this is not allowed.\n');
    const fromFile = entente(['tone', 'check', '--file', file, '--json']);
    assert.equal(fromFile.code, 1, fromFile.err);
    const result = JSON.parse(fromFile.out);
    assert.deepEqual(
      result.flags.map((f: any) => f.ruleId),
      ['as-i-said', 'not-allowed'],
    );
    const fromStdin = entente(['tone', 'check', '--json'], "Let's pair on it.");
    assert.equal(fromStdin.code, 0, fromStdin.err);
    assert.deepEqual(JSON.parse(fromStdin.out), { ok: true, flags: [], rewrite: null });
  });

  test('check exits 2 for a usage error: no text, an empty or unreadable file, text and --file together', () => {
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '  \n');
    for (const args of [
      ['tone', 'check'],
      ['tone', 'check', '--file', join(dir, 'missing.txt')],
      ['tone', 'check', '--file', empty],
      ['tone', 'check', 'hi', '--file', empty],
    ]) {
      const r = entente(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.out}${r.err}`);
      assert.match(r.err, /^entente: /);
      assert.equal(r.out, '');
    }
  });

  test('rules lists every rule with its category, why and suggestion', () => {
    const r = entente(['tone', 'rules', '--json']);
    assert.equal(r.code, 0, r.err);
    const rules = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(rules.length >= 15);
    assert.ok(rules.every((x) => x.id && x.category && x.why && x.suggestion && x.source === 'built-in'));
    const text = entente(['tone', 'rules']);
    assert.match(text.out, /refusal +gatekeeping/);
  });
});

describeEachEngine('comments on findings', (env) => {
  test('come back with a tone suggestion and are kept whatever their tone', async () => {
    const { service } = await env().makeService();
    await env().importText(service, 'r.sarif', sarif('ToolA', [{ rule: 'A1', file: 'src/a.ts', line: 1, cwe: 79 }]));
    const token = await env().token('security');
    const id = (await env().call('GET', `/api/findings?service=${service}`, { token })).body.items[0].id;
    const blunt = await env().call('PATCH', `/api/findings/${id}`, {
      token,
      json: { comment: 'You failed to patch this. Fix it ASAP!!' },
    });
    assert.equal(blunt.status, 200);
    assert.equal(blunt.body.commentTone.ok, false);
    assert.ok(blunt.body.commentTone.flags.length >= 2);
    assert.equal(blunt.body.comments.at(-1).body, 'You failed to patch this. Fix it ASAP!!');
    const kind = await env().call('PATCH', `/api/findings/${id}`, {
      token,
      json: { comment: "Let's pair on the upgrade together on Thursday." },
    });
    assert.equal(kind.body.commentTone.ok, true);
    const statusOnly = await env().call('PATCH', `/api/findings/${id}`, { token, json: { status: 'in_progress' } });
    assert.equal(statusOnly.body.commentTone, undefined);
  });
});
