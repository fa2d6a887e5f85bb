// The README's five-minute walkthrough, run as printed: its `entente …` commands, in a shell, in a folder holding the
// files they name, with `entente serve` running in the background on the same data folder, on both engines.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { cliExecLine, cliWorld, serveCli } from './support/cli.ts';
import { engines } from './support/engines.ts';
import { epss, kev, trivy } from './support/reports.ts';

const readme = readFileSync('README.md', 'utf8');
const walkthrough = /^## Five-minute walkthrough\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
const orgYaml = /```yaml\n([\s\S]*?)```/.exec(walkthrough)?.[1]?.replace(/^ {3}/gm, '') ?? '';
// Commands in the prose (not in the sample output of a code block).
const commands = [...walkthrough.replace(/```[\s\S]*?```/g, '').matchAll(/`(entente [^`]+)`/g)].map((m) => m[1]!);
// The first line of the import's sample output, with its figures as any figures.
const importSays = /```\n\s*(We imported [^\n]+)\n/.exec(walkthrough)?.[1] ?? '';
const importLine = new RegExp(
  `^${importSays
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\d+/g, '\\d+')
    .replace('findings', 'findings?')}$`,
  'm',
);

// The files the walkthrough's commands read, made here since a reader brings their own.
const cve = 'CVE-2024-21626';
const files: Record<string, Buffer | string> = {
  'org.yaml': orgYaml,
  'trivy.json': trivy([{ cve, pkg: 'runc', version: '1.1.11', fixed: '1.1.12', severity: 'HIGH' }]),
  'known_exploited_vulnerabilities.json': kev([cve]),
  'epss_scores.csv.gz': gzipSync(epss([[cve, 0.91]])),
};

test('the walkthrough has its organisation file and the commands this test knows the files of', () => {
  assert.match(orgYaml, /^teams:\n/);
  assert.ok(commands.length >= 5, commands.join('\n'));
  assert.match(importSays, /^We imported \d+ findings from/);
  for (const c of commands) {
    for (const word of c.split(/\s+/).filter((w) => /\.(ya?ml|json|csv|gz|xml)$/.test(w)))
      assert.ok(word in files, `${c}: the test makes no ${word}`);
  }
});

for (const engine of engines) {
  describe(`the README's walkthrough, as printed, beside \`entente serve\` [${engine}]`, () => {
    const { dir, env } = cliWorld(engine, 'walkthrough');
    // `entente` on the PATH, as `npm link` puts it there (the test run's bundle of the sources, or the sources).
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'entente'), `#!/bin/sh\n${cliExecLine()}\n`);
    chmodSync(join(bin, 'entente'), 0o755);
    const work = join(dir, 'work');
    mkdirSync(work);
    for (const [name, content] of Object.entries(files)) writeFileSync(join(work, name), content);

    test('every command exits 0', async () => {
      const server = await serveCli(env);
      try {
        for (const command of commands) {
          const r = spawnSync('sh', ['-c', command], {
            cwd: work,
            encoding: 'utf8',
            timeout: 120_000,
            // From another folder than the repository's, as a user would: tsx is found from the source's own folder.
            env: { ...process.env, ...env, PATH: `${bin}:${process.env.PATH}` },
          });
          assert.equal(r.status, 0, `${command}\n${r.stdout}${r.stderr}`);
          if (command.startsWith('entente import ')) assert.match(r.stdout, importLine);
          if (command.startsWith('entente findings')) assert.match(r.stdout, new RegExp(cve));
        }
      } finally {
        await server.stop();
      }
    });
  });
}
