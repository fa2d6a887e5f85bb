/**
 * The commands Entente prints must work: each suggestion is taken from a real message and run, as typed, in a shell,
 * and must do what the message promises; every `entente …` written in the source parses against the command tree.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { engines } from './support/engines.ts';
import { cliExecLine, cliWorld, entente, serveCli } from './support/cli.ts';
import { main } from '../src/cli/commands.ts';
import { argumentMistakes, resolveCommand } from '../src/cli/strict-args.ts';
import { command, placeholder } from '../src/voice/suggest.ts';

const dayMs = 86_400_000;
const scan = (
  port: number,
) => `<?xml version="1.0"?><nmaprun scanner="nmap" version="7.93"><scaninfo type="syn" protocol="tcp" numservices="1" services="${port}"/>
<host><status state="up"/><address addr="10.1.2.3" addrtype="ipv4"/><ports><port protocol="tcp" portid="${port}"><state state="open"/><service name="ftp" product="vsftpd"/></port></ports></host></nmaprun>`;

/** The first `entente …` command in backticks in a text that starts with `start`. */
function suggestion(text: string, start: string): string {
  const found = [...text.matchAll(/`(entente [^`]+)`/g)].map((m) => m[1]!).find((c) => c.startsWith(start));
  assert.ok(found, `no \`${start} …\` suggested in: ${text}`);
  return found;
}

/** Runs a command line as a person pastes it into a shell, with `entente` on the PATH. */
function typed(
  env: Record<string, string>,
  bin: string,
  line: string,
): { code: number | null; out: string; err: string } {
  const r = spawnSync('sh', ['-c', line], {
    encoding: 'utf8',
    env: { ...process.env, ...env, PATH: `${bin}:${process.env.PATH}` },
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

for (const engine of engines) {
  describe(`the commands Entente suggests work as printed [${engine}]`, () => {
    const { dir, env } = cliWorld(engine, 'suggested');

    test("the exposure finding's change request covers the port it saw, so the next scan closes the finding", async () => {
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'entente'), `#!/bin/sh\n${cliExecLine()}\n`);
      chmodSync(join(bin, 'entente'), 0o755);
      const org = join(dir, 'org.yaml');
      writeFileSync(
        org,
        'teams:\n  - name: payments\n    kind: engineering\n    members: [raj@example.com]\n  - name: security\n    kind: security\n    members: [sam@example.com]\n'
          + 'services:\n  - name: checkout-api\n    owner: payments\n    criticality: 4\n    exposure: internet\n    hosts: [10.1.2.3]\n',
      );
      assert.equal(entente(env, 'org', 'apply', org).code, 0);
      const report = join(dir, 'scan.xml');
      writeFileSync(report, scan(2121));
      assert.equal(entente(env, 'exposure', 'import', report).code, 0);
      const finding = JSON.parse(entente(env, 'findings', '--service', 'checkout-api', '--json').out.trim());

      // What the finding suggests, with its blanks filled in as a person would.
      const end = new Date(Date.now() + 5 * dayMs).toISOString().slice(0, 10);
      const asked = suggestion(finding.description, 'entente change request')
        .replace('<who connects>', '203.0.113.0/24')
        .replace('<last day it is needed>', end)
        .replace('"<what it is for>"', '"Upload folder for Acme"');
      assert.doesNotMatch(asked, /[<>…]/, 'every blank is filled');
      const requested = typed(env, bin, asked);
      assert.equal(requested.code, 0, `${asked}\n${requested.err}`);
      const change = JSON.parse(entente(env, 'change', 'show', '1', '--json').out);
      assert.deepEqual(change.fields?.ports ?? change.ports, [{ from: 2121, to: 2121 }], JSON.stringify(change));

      // FTP has a safer alternative: the request says how to keep FTP, with a reason.
      const keep = typed(
        env,
        bin,
        suggestion(requested.out, 'entente change keep-protocol 1').replace(
          '"…"',
          '"the client\'s system only speaks FTP"',
        ),
      );
      assert.equal(keep.code, 0, keep.err);
      const raj = entente(
        env,
        'token',
        'create',
        '--role',
        'engineer',
        '--name',
        'raj',
        '--person',
        'raj@example.com',
      ).out.trim();
      const sam = entente(
        env,
        'token',
        'create',
        '--role',
        'security',
        '--name',
        'sam',
        '--person',
        'sam@example.com',
      ).out.trim();
      // The owner team and Security approve through a server, each with their own token.
      const server = await serveCli(env);
      try {
        for (const token of [raj, sam]) {
          const r = typed({}, bin, command('change approve', { server: server.url, token }, 1));
          assert.equal(r.code, 0, r.err);
        }
      } finally {
        await server.stop();
      }
      assert.equal(entente(env, 'change', 'implement', '1').code, 0);

      const again = entente(env, 'exposure', 'import', report);
      assert.match(
        again.out,
        /checkout-api \(payments\): 1 open, 1 covered, 0 with no approved change; findings created 0, fixed 1/,
      );
      const closed = JSON.parse(
        entente(env, 'findings', '--service', 'checkout-api', '--status', 'all', '--json').out.trim(),
      );
      assert.equal(closed.status, 'fixed');
    });
  });
}

describe('every command written in a message', () => {
  test('is built from the command tree: an option the command does not have throws', () => {
    assert.equal(
      command('change request', {
        type: 'firewall',
        service: 'portal',
        port: 21,
        source: placeholder('<who>'),
        title: 'FTP for Acme',
        draft: true,
        emergency: false,
      }),
      'entente change request --type firewall --service portal --port 21 --source <who> --title "FTP for Acme" --draft',
    );
    assert.equal(
      command('change request', { type: 'firewall', service: 'portal', title: 'x', port: [21, '30000-30010'] }),
      'entente change request --type firewall --service portal --title x --port 21 --port 30000-30010',
    );
    // What the command requires is in the suggestion, as a value or a placeholder: it would fail as printed otherwise.
    assert.throws(
      () => command('exceptions request', { finding: 12 }),
      /entente exceptions request needs --reason, --control/,
    );
    assert.throws(() => command('gate replay', {}), /takes 1 positional/);
    assert.throws(
      () => command('change request', { type: 'firewall', service: 'portal', title: 'x', ports: 21 }),
      /entente change request has no option --ports/,
    );
    assert.throws(() => command('gate replay', {}, 1, 2), /takes 1 positional/);
    assert.throws(() => command('findings', { overdue: 'yes' }), /is a flag/);
  });

  test('parses against the tree, wherever the source spells one out', () => {
    const files = (d: string): string[] =>
      readdirSync(d).flatMap((n) =>
        statSync(join(d, n)).isDirectory()
          ? files(join(d, n))
          : n.endsWith('.ts') && !n.endsWith('.test.ts')
            ? [join(d, n)]
            : [],
      );
    let seen = 0;
    for (const file of files('src')) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\\?`(entente [a-z][^`\\]*)\\?`/g)) {
        // Interpolations and blanks stand for a value; only the command and option names are checked.
        const line = m[1]!
          .replace(/\$\{[^}]*\}/g, 'X')
          .replace(/"[^"]*"/g, 'X')
          .replace(/([\w-]+)\|[\w|-]+/g, '$1');
        const words = line.split(/\s+/).slice(1).filter(Boolean);
        const resolved = resolveCommand(main, words);
        const mistakes = argumentMistakes(resolved).filter((x) => !/one too many|needs a value/.test(x));
        assert.deepEqual(mistakes, [], `${file}: ${m[1]}`);
        seen++;
      }
    }
    assert.ok(seen > 10, `found ${seen} commands`);
  });
});
