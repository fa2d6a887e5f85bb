import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cliArgs, spawnTimeout } from './support/cli.ts';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { engines } from './support/engines.ts';
import { sarif } from './support/reports.ts';
import { createScratchPg } from './support/scratch-pg.ts';

/** Runs the real CLI (from source) with an environment; returns its exit code and output. */
function entente(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [...cliArgs, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: spawnTimeout,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('entente parse', () => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('prints one JSON object per finding with its fingerprint', () => {
    const file = join(dir, 'r.sarif');
    writeFileSync(
      file,
      sarif('ToolA', [
        { rule: 'A1', file: 'src/a.ts', line: 10, cwe: 79 },
        { rule: 'A2', file: 'src/b.ts', line: 2 },
      ]),
    );
    const r = entente({}, 'parse', file);
    assert.equal(r.code, 0, r.err);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    assert.equal(lines[0].location.file, 'src/a.ts');
    assert.match(lines[0].fingerprint, /^[0-9a-f]{32}$/);
  });

  test('refuses random bytes and truncated reports with exit 2 and a message naming the file', () => {
    const noise = join(dir, 'noise.bin');
    writeFileSync(noise, randomBytes(2000));
    const a = entente({}, 'parse', noise);
    assert.equal(a.code, 2);
    assert.match(a.err, /noise\.bin/);
    const cut = join(dir, 'cut.sarif');
    writeFileSync(cut, '{"version":"2.1.0","runs":[{"tool":');
    const b = entente({}, 'parse', cut);
    assert.equal(b.code, 2);
    assert.match(b.err, /cut\.sarif.*(truncated|end)/);
    assert.equal(b.out, '');
  });

  test('lists every format with its --format name in one column, the newest formats included', () => {
    const r = entente({}, 'parse', '--list-formats');
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n');
    for (const format of ['sarif', 'github-code-scanning', 'tenable-vm-csv'])
      assert.ok(
        lines.some((l) => l.startsWith(`${format} `)),
        format,
      );
    const labelsAt = new Set(lines.map((l) => /^\S+\s+/.exec(l)![0].length));
    assert.equal(labelsAt.size, 1, 'every label starts in the same column');
  });

  test('reads a SARIF log named .json whose version comes last, whatever tool wrote it', () => {
    const log = JSON.parse(
      sarif(
        'Bandit',
        Array.from({ length: 40 }, (_, i) => ({
          rule: 'B602',
          file: `app${i}.py`,
          line: 4,
          cwe: 78,
          message: 'subprocess call with shell=True identified, security issue.',
        })),
      ),
    );
    log.runs[0].properties = { metrics: { _totals: { 'SEVERITY.HIGH': 40, 'CONFIDENCE.HIGH': 40 } } };
    const file = join(dir, 'bandit-results.json');
    writeFileSync(file, JSON.stringify({ runs: log.runs, version: log.version, $schema: log.$schema }, null, 2));
    const r = entente({}, 'parse', file);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.trim().split('\n').length, 40);
    // The same report gzip-compressed reads the same locally as it does sent to a server; a cut one is refused by name.
    writeFileSync(`${file}.gz`, gzipSync(readFileSync(file)));
    const gz = entente({}, 'parse', `${file}.gz`);
    assert.equal(gz.code, 0, gz.err);
    assert.equal(gz.out, r.out);
    writeFileSync(join(dir, 'cut.json.gz'), gzipSync(readFileSync(file)).subarray(0, 300));
    const cut = entente({}, 'parse', join(dir, 'cut.json.gz'));
    assert.equal(cut.code, 2);
    assert.match(cut.err, /cut\.json\.gz: looks gzip-compressed but cannot be decompressed/);
  });

  test('an unknown command or a missing file is a usage error (exit 2)', () => {
    assert.equal(entente({}, 'frobnicate').code, 2);
    assert.equal(entente({}, 'parse', join(dir, 'missing.json')).code, 2);
  });
});

for (const engine of engines) {
  describe(`entente org apply, import and findings [${engine}]`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'entente-cli-'));
    const env: Record<string, string> = { ENTENTE_DATA: join(dir, 'data') };
    let drop = async (): Promise<void> => {};
    before(async () => {
      if (engine !== 'postgres') return;
      const scratch = await createScratchPg('entente_cli');
      env.DATABASE_URL = scratch.url;
      drop = scratch.drop;
    });
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      await drop();
    });

    test('a user describes the organisation, imports twice and sees the list', () => {
      const org = join(dir, 'org.yaml');
      writeFileSync(
        org,
        'teams:\n  - name: payments\n    kind: engineering\nservices:\n  - name: checkout-api\n    owner: payments\n    criticality: 4\n    exposure: internet\n',
      );
      const applied = entente(env, 'org', 'apply', org);
      assert.equal(applied.code, 0, applied.err);
      assert.match(applied.out, /services: created 1 \(checkout-api\)/);
      const report = join(dir, 'r.sarif');
      writeFileSync(
        report,
        sarif('ToolA', [
          { rule: 'A1', file: 'src/a.ts', line: 10, cwe: 79 },
          { rule: 'A2', file: 'src/b.ts', line: 20, cwe: 89 },
        ]),
      );
      const first = entente(env, 'import', report, '--service', 'checkout-api', '--json');
      assert.equal(first.code, 0, first.err);
      assert.equal(JSON.parse(first.out).created, 2);
      const again = entente(env, 'import', report, '--service', 'checkout-api');
      assert.match(again.out, /created 0, unchanged 2, fixed 0, reopened 0/);
      const list = entente(env, 'findings', '--service', 'checkout-api');
      assert.equal(list.code, 0, list.err);
      assert.match(list.out, /src\/a\.ts:10/);
      assert.equal(list.out.trim().split('\n').length, 2);
    });

    test('an unknown service is an input error (exit 2) that names it', () => {
      const report = join(dir, 'x.sarif');
      writeFileSync(report, sarif('ToolA', []));
      const r = entente(env, 'import', report, '--service', 'no-such-service');
      assert.equal(r.code, 2);
      assert.match(r.err, /no-such-service/);
    });

    test('an id or CWE number larger than the database holds is an input error (exit 2) saying what is expected', () => {
      for (const [args, said] of [
        [['findings', '--cwe', '99999999999'], /--cwe takes a CWE number such as 79/],
        [
          ['change', 'show', '99999999999'],
          /"99999999999" is not a change id \(a whole number, as `entente change list` shows\)/,
        ],
        [['commitments', 'verify', '#99999999999', '--evidence', 'x'], /is not a commitment id/],
        [['gate', 'replay', '2147483648'], /"2147483648" is not a gate decision id/],
      ] as const) {
        const r = entente(env, ...args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
        assert.match(r.err, said);
      }
    });
  });
}

describe('entente parse on a UTF-16 report', () => {
  test('says the file is UTF-16 and how to fix it (exit 2)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'entente-cli-'));
    try {
      const file = join(dir, 'r.json');
      writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(sarif('ToolA', []), 'utf16le')]));
      const r = entente({}, 'parse', file);
      assert.equal(r.code, 2);
      assert.match(r.err, /UTF-16.*UTF-8/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
