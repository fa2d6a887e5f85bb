import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { engines } from './support/engines.ts';
import { sarif } from './support/reports.ts';
import { cliArgs, cliWorld, entente } from './support/cli.ts';

/** A parsed CSV row: every column is text. */
type Row = Record<string, string> & Record<'rule_id' | 'location' | 'service' | 'owner_team', string>;

/** Starts `entente serve` on a free port and resolves with its URL once it listens. */
function serve(env: Record<string, string>, port: number): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [...cliArgs, 'serve', '--port', String(port)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${seen}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, child });
      }
    });
    child.stderr!.on('data', (d: Buffer) => {
      seen += d.toString();
    });
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}: ${seen}`)));
  });
}

for (const engine of engines) {
  describe(`entente export [${engine}]`, () => {
    const { dir, env } = cliWorld(engine, 'export-cli');
    before(async () => {
      const org = join(dir, 'org.yaml');
      writeFileSync(
        org,
        'teams:\n  - name: payments\n    kind: engineering\nservices:\n  - name: checkout-api\n    owner: payments\n    criticality: 4\n    exposure: internet\n',
      );
      assert.equal(entente(env, 'org', 'apply', org).code, 0);
      const report = join(dir, 'r.sarif');
      writeFileSync(
        report,
        sarif('ToolA', [
          { rule: 'A1', file: 'src/a.ts', line: 10, cwe: 79, message: 'first' },
          { rule: '=A2', file: 'src/b,c.ts', line: 20, cwe: 89 },
        ]),
      );
      const imported = entente(env, 'import', report, '--service', 'checkout-api');
      assert.equal(imported.code, 0, imported.err);
    });

    test('writes CSV to standard output, one row per finding', () => {
      const r = entente(env, 'export', '--format', 'csv', '--status', 'all');
      assert.equal(r.code, 0, r.err);
      const rows: Row[] = parseCsv(r.out, { columns: true });
      assert.deepEqual(rows.map((x) => [x.rule_id, x.location, x.service, x.owner_team]).sort(), [
        ["'=A2", 'src/b,c.ts:20', 'checkout-api', 'payments'],
        ['A1', 'src/a.ts:10', 'checkout-api', 'payments'],
      ]);
    });

    test('writes SARIF to a file with -o, and `entente parse` reads the same fingerprints back', () => {
      const file = join(dir, 'findings.sarif');
      const r = entente(env, 'export', '--format', 'sarif', '--service', 'checkout-api', '-o', file);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out.trim(), `We wrote the sarif export to ${file}.`);
      const log = JSON.parse(readFileSync(file, 'utf8'));
      assert.equal(log.runs[0].tool.driver.name, 'ToolA');
      const listed = entente(env, 'findings', '--service', 'checkout-api', '--json');
      const fingerprints = listed.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).fingerprint)
        .sort();
      const parsed = entente({}, 'parse', file);
      assert.equal(parsed.code, 0, parsed.err);
      assert.deepEqual(
        parsed.out
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).fingerprint)
          .sort(),
        fingerprints,
      );
      assert.equal(existsSync(`${file}.partial`), false);
    });

    test('a wrong format or an unknown service is exit 2 with the reason, and no file is written', () => {
      const file = join(dir, 'never.csv');
      const badFormat = entente(env, 'export', '--format', 'pdf', '-o', file);
      assert.equal(badFormat.code, 2);
      assert.match(badFormat.err, /--format takes sarif, csv, cyclonedx-vex; "pdf"/);
      const unknown = entente(env, 'export', '--format', 'csv', '--service', 'no-such-service', '-o', file);
      assert.equal(unknown.code, 2);
      assert.match(unknown.err, /we know no service named "no-such-service"/);
      assert.equal(existsSync(file) || existsSync(`${file}.partial`), false);
    });

    test('exports from a running server with --server and --token', async () => {
      const token = entente(env, 'token', 'create', '--role', 'auditor', '--name', 'export-test').out.trim();
      assert.match(token, /^ent_/);
      const port = 20_000 + Math.floor(Math.random() * 20_000);
      const { url, child } = await serve(env, port);
      try {
        const file = join(dir, 'vex.cdx.json');
        const r = entente(
          {},
          'export',
          '--server',
          url,
          '--token',
          token,
          '--format',
          'cyclonedx-vex',
          '--status',
          'all',
          '-o',
          file,
        );
        assert.equal(r.code, 0, r.err);
        const bom = JSON.parse(readFileSync(file, 'utf8'));
        assert.equal(bom.bomFormat, 'CycloneDX');
        assert.equal(bom.properties[0].name, 'entente:without-package');
        const csv = entente({}, 'export', '--server', url, '--token', token, '--format', 'csv');
        assert.equal(csv.code, 0, csv.err);
        assert.equal(parseCsv(csv.out, { columns: true }).length, 2);
        const wrong = entente({}, 'export', '--server', url, '--token', 'ent_wrong', '--format', 'csv');
        assert.equal(wrong.code, 2);
        assert.match(wrong.err, /unknown or revoked/);
      } finally {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    });
  });
}
