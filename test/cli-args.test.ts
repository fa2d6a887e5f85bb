/** The command line as people type it: misspelt options and commands are errors, findings filter like export, no colour codes in pipes. */
import { after, test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { engines } from './support/engines.ts';
import { cliWorld, entente } from './support/cli.ts';
import { sarif, trivy } from './support/reports.ts';
import { openDatabase } from '../src/db/connect.ts';
import { args } from '../src/cli/commands.ts';
import { changeTypes } from '../src/changes/change-policy.ts';
import { roles } from '../src/people/tokens.ts';
import { defaultTokenDays } from '../src/people/token-expiry.ts';
import { sorts } from '../src/findings/query.ts';
import { exportFormats } from '../src/export/export-service.ts';
import { gateFormats } from '../src/gates/gate-formats.ts';
import { auditExportFormats } from '../src/audit/audit-export.ts';
import { findingKinds, findingPriorities } from '../src/findings/filter-check.ts';

const ansi = /\u001b\[/;

describe('misspelt options and commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-args-'));
  const env = { ENTENTE_DATA: join(dir, 'data') };
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('every unknown option is named at once with the nearest known one, exit 2, and nothing runs', () => {
    const r = entente(env, 'gate', '--service', 'checkout-api', '--env', 'prod', '--verison', '1.2', '--formt', 'json');
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /unknown option --verison; did you mean --version\?/);
    assert.match(r.err, /unknown option --formt; did you mean --format\?/);
    assert.equal(r.out, '');
    assert.doesNotMatch(r.err, /at .*\.ts:\d+/, 'no stack trace');
    assert.equal(existsSync(join(dir, 'data')), false, 'the data folder was not even opened');
  });

  test('findings --servce x is an error, not the whole list', () => {
    const r = entente(env, 'findings', '--servce', 'x');
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown option --servce; did you mean --service\?/);
    assert.equal(r.out, '');
  });

  test('the same check holds for every command in the tree', () => {
    for (const path of Object.keys(args)) {
      const r = entente(env, ...path.split(' '), '--no-such-option');
      assert.equal(r.code, 2, path);
      assert.match(r.err, /unknown option --no-such-option/, path);
    }
  });

  test('unknown commands and subcommands suggest the nearest, a stray word is refused', () => {
    const a = entente(env, 'findigns');
    assert.equal(a.code, 2);
    assert.match(a.err, /unknown command findigns; did you mean entente findings\?/);
    const b = entente(env, 'change', 'reqest', '--type', 'firewall');
    assert.equal(b.code, 2);
    assert.match(b.err, /unknown command reqest; did you mean entente change request\?/);
    const c = entente(env, 'gate', 'replya', '3');
    assert.equal(c.code, 2);
    assert.match(c.err, /did you mean entente gate replay\?/);
    const d = entente(env, 'findings', 'checkout-api');
    assert.equal(d.code, 2);
    assert.match(d.err, /"checkout-api" is one too many/);
  });

  test('known spellings still work: --no-x for a boolean, --name=value', () => {
    const r = entente(env, 'tone', 'check', '--json', '--no-json', 'we will help you ship');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /partner/i);
    const e = entente(env, 'tone', 'check', '--file=/no/such/file');
    assert.equal(e.code, 2);
    assert.match(e.err, /cannot read \/no\/such\/file/);
  });

  test('help and usage carry no colour codes when the output is not a terminal, and say what each command takes', () => {
    for (const words of [['--help'], ['gate', '--help'], ['change', 'request', '--help'], ['org']]) {
      const r = entente(env, ...words);
      assert.doesNotMatch(r.out, ansi, words.join(' '));
      assert.match(r.out, /USAGE/);
    }
    assert.match(entente(env, 'findings', '--help').out, /--kind[\s\S]*--overdue/);
    assert.match(entente(env, 'change', 'request', '--help').out, /USAGE entente change request/);
    const missing = entente(env, 'gate', 'replay');
    assert.equal(missing.code, 2);
    assert.doesNotMatch(missing.err, ansi);
  });

  test("descriptions that spell out a module's values match them", () => {
    const said = (path: keyof typeof args, option: string) =>
      (args[path] as Record<string, { description?: string }>)[option]!.description!;
    assert.equal(said('change request', 'type'), changeTypes.join(' | '));
    assert.equal(said('token create', 'role'), roles.join(' | '));
    assert.match(said('token create', 'expires'), new RegExp(`default: ${defaultTokenDays} days`));
    assert.equal(said('findings', 'sort'), sorts.join(' | '));
    assert.equal(said('findings', 'kind'), findingKinds.join(' | '));
    assert.equal(said('findings', 'priority'), `comma list of ${findingPriorities.join(', ')}`);
    assert.equal(said('export', 'format'), exportFormats.join(' | '));
    assert.equal(said('gate', 'format'), gateFormats.join(' | '));
    assert.equal(said('audit export', 'format'), auditExportFormats.join(' | '));
  });

  test('--help and --version load no command and no database engine', () => {
    const log = join(dir, 'loaded.txt');
    const hooks = `data:text/javascript,${encodeURIComponent(
      `import { register } from 'node:module'; register(${JSON.stringify(
        `data:text/javascript,${encodeURIComponent(
          `import { appendFileSync } from 'node:fs'; export async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }`,
        )}`,
      )});`,
    )}`;
    for (const words of [
      ['--help'],
      ['--version'],
      ['gate', '--help'],
      ['change', 'request', '--help'],
      ['findings', '--servce', 'x'],
    ]) {
      rmSync(log, { force: true });
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', hooks, 'src/cli/main.ts', ...words], {
        encoding: 'utf8',
        env: { ...process.env, ...env },
      });
      assert.ok(r.status === 0 || r.status === 2, r.stderr);
      const loaded = readFileSync(log, 'utf8')
        .split('\n')
        .filter((u) => u.includes('/src/') || u.includes('node_modules'));
      assert.ok(
        loaded.some((u) => u.endsWith('/src/cli/commands.ts')),
        'the hook saw the tree load',
      );
      const heavy = loaded.filter((u) =>
        /-command|-commands\.ts|\/db\/|pglite|\/pg\/|kysely|zod|hono|compromise/.test(u),
      );
      assert.deepEqual(heavy, [], words.join(' '));
    }
  });
});

for (const engine of engines) {
  describe(`entente findings filters like export [${engine}]`, () => {
    const w = cliWorld(engine, 'findings-filters');

    test('--kind and --overdue filter; an unknown kind, priority or service is exit 2 naming the known ones', async () => {
      const org = join(w.dir, 'org.yaml');
      writeFileSync(
        org,
        'teams:\n  - name: payments\n    kind: engineering\nservices:\n  - name: checkout-api\n    owner: payments\n    criticality: 4\n    exposure: internet\n  - name: ledger\n    owner: payments\n    criticality: 2\n    exposure: internal\n',
      );
      const applied = entente(w.env, 'org', 'apply', org);
      assert.equal(applied.code, 0, applied.err);
      const code = join(w.dir, 'code.sarif');
      writeFileSync(
        code,
        sarif('ToolA', [
          { rule: 'A1', file: 'src/a.ts', line: 10, cwe: 79 },
          { rule: 'A2', file: 'src/b.ts', line: 20, cwe: 89 },
        ]),
      );
      const deps = join(w.dir, 'trivy.json');
      writeFileSync(deps, trivy([{ cve: 'CVE-2024-0001', pkg: 'left-pad', version: '1.0.0' }]));
      for (const f of [code, deps]) {
        const r = entente(w.env, 'import', f, '--service', 'checkout-api');
        assert.equal(r.code, 0, r.err);
      }

      const ids = (...words: string[]): string[] => {
        const r = entente(w.env, 'findings', '--service', 'checkout-api', '--json', ...words);
        assert.equal(r.code, 0, r.err);
        return r.out
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l))
          .map((f: { kind: string; title: string }) => `${f.kind}:${f.title}`);
      };
      assert.equal(ids().length, 3);
      assert.deepEqual(
        ids('--kind', 'dependency').map((s) => s.split(':')[0]),
        ['dependency'],
      );
      assert.equal(ids('--kind', 'code').length, 2);
      assert.deepEqual(ids('--overdue'), []);

      // One finding's due date passes (the CLI is not running, so the database is free).
      const database = await openDatabase(
        w.env.DATABASE_URL ? { url: w.env.DATABASE_URL } : { dataDir: w.env.ENTENTE_DATA! },
      );
      try {
        await database.db
          .updateTable('findings')
          .set({ due_at: new Date(Date.now() - 3 * 86_400_000).toISOString() })
          .where('kind', '=', 'dependency')
          .execute();
      } finally {
        await database.close();
      }
      assert.deepEqual(
        ids('--overdue').map((s) => s.split(':')[0]),
        ['dependency'],
      );
      assert.deepEqual(ids('--overdue', '--kind', 'code'), []);

      const bad = entente(w.env, 'findings', '--kind', 'hots', '--priority', 'urgent', '--service', 'chekout-api');
      assert.equal(bad.code, 2);
      assert.match(bad.err, /kind takes code, dependency, web, host, secret, config; "hots" is not one of them/);
      assert.match(bad.err, /priority takes act, attend, track\*, track; "urgent"/);
      assert.match(bad.err, /we know no service named "chekout-api"; the services are checkout-api, ledger/);
      assert.equal(bad.out, '');
    });
  });
}
