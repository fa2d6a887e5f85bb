// `entente exposure import|list` and `entente audit verify|export` with --server against a real `entente serve`: the
// same output and exit codes as the local commands (they are written once, over src/cli/api/exposure-api.ts and
// audit-api.ts), and the server's refusals as one line.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { engines } from './support/engines.ts';
import { cliWorld, entente, serveCli } from './support/cli.ts';

const host = '198.51.100.7';
const org = `teams:\n  - name: edge\n    kind: engineering\nservices:\n  - name: edge-ftp\n    owner: edge\n    criticality: 4\n    exposure: internet\n    hosts: [${host}]\n`;

/** An nmap -oX report of the service's host (ftp and ssh open) and of a host no service lists (rdp open). */
const scan = `<?xml version="1.0" encoding="UTF-8"?>
<nmaprun scanner="nmap" args="nmap -oX - -sV" start="1772442000" version="7.93" xmloutputversion="1.05">
<scaninfo type="syn" protocol="tcp" numservices="1024" services="1-1024"/>
<host><status state="up" reason="echo-reply" reason_ttl="64"/><address addr="${host}" addrtype="ipv4"/><hostnames/><ports>
<port protocol="tcp" portid="21"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="ftp" product="vsftpd" method="probed" conf="10"/></port>
<port protocol="tcp" portid="22"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="ssh" method="probed" conf="10"/></port>
</ports></host>
<host><status state="up" reason="echo-reply" reason_ttl="64"/><address addr="198.51.100.250" addrtype="ipv4"/><hostnames/><ports>
<port protocol="tcp" portid="3389"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="ms-wbt-server" method="probed" conf="10"/></port>
</ports></host>
<runstats><finished time="1772442010" elapsed="10"/><hosts up="2" down="0" total="2"/></runstats>
</nmaprun>`;

/** An import's output without its import id (each import has its own). */
const withoutId = (text: string): string => text.replace(/import \d+\)/g, 'import N)');

for (const engine of engines) {
  describe(`entente exposure and audit with --server [${engine}]`, () => {
    const { dir, env } = cliWorld(engine, 'exposure-audit-server');
    const scanFile = join(dir, 'scan.xml');
    const tokens = { admin: '', auditor: '' };
    before(() => {
      writeFileSync(join(dir, 'org.yaml'), org);
      writeFileSync(scanFile, scan);
      const applied = entente(env, 'org', 'apply', join(dir, 'org.yaml'));
      assert.equal(applied.code, 0, applied.err);
      for (const role of ['admin', 'auditor'] as const) {
        const r = entente(env, 'token', 'create', '--role', role, '--name', `${role}-remote`);
        assert.equal(r.code, 0, r.err);
        tokens[role] = r.out.split('\n')[0]!.trim();
        assert.match(tokens[role], /^ent_/);
      }
    });

    test('exposure list and import print the same through a server as locally; audit verify and export work through it', async () => {
      const first = entente(env, 'exposure', 'import', scanFile);
      assert.equal(first.code, 0, first.err);
      assert.match(first.out, /edge-ftp \(edge\): 2 open, 0 covered, 2 with no approved change; findings created 2/);
      const again = entente(env, 'exposure', 'import', scanFile);
      assert.equal(again.code, 0, again.err);
      const lines = entente(env, 'exposure', 'list', '--state', 'all');
      const json = entente(env, 'exposure', 'list', '--host', host, '--json');
      assert.equal(lines.out.split('\n').filter(Boolean).length, 3, lines.out);
      assert.equal(json.out.split('\n').filter(Boolean).length, 2, json.out);
      const none = entente(env, 'exposure', 'list', '--host', '192.0.2.1');
      const badState = entente(env, 'exposure', 'list', '--state', 'shut');

      const server = await serveCli(env);
      try {
        const remote = (token: string, ...args: string[]) =>
          entente(env, ...args, '--server', server.url, '--token', token);
        const local = (r: { code: number | null; out: string; err: string }) => [r.code, r.out, r.err];
        assert.deepEqual(local(remote(tokens.auditor, 'exposure', 'list', '--state', 'all')), local(lines));
        assert.deepEqual(local(remote(tokens.auditor, 'exposure', 'list', '--host', host, '--json')), local(json));
        assert.deepEqual(local(remote(tokens.auditor, 'exposure', 'list', '--host', '192.0.2.1')), [
          0,
          'No ports match.\n',
          '',
        ]);
        assert.deepEqual(none.out, 'No ports match.\n');
        assert.deepEqual(local(remote(tokens.auditor, 'exposure', 'list', '--state', 'shut')), local(badState));
        assert.equal(badState.code, 2);

        // A third import of the same scan changes nothing, as the second did locally.
        const third = remote(tokens.admin, 'exposure', 'import', scanFile);
        assert.deepEqual([third.code, withoutId(third.out), third.err], [0, withoutId(again.out), '']);
        const asJson = remote(tokens.admin, 'exposure', 'import', scanFile, '--json');
        assert.equal(asJson.code, 0, asJson.err);
        const summary = JSON.parse(asJson.out);
        assert.deepEqual(
          [summary.open, summary.services[0].service, summary.services[0].import.created, summary.undeclared[0].host],
          [3, 'edge-ftp', 0, '198.51.100.250'],
        );
        const denied = remote(tokens.auditor, 'exposure', 'import', scanFile);
        assert.equal(denied.code, 2);
        assert.match(denied.err, new RegExp(`^entente: ${server.url}: .+\\n$`));
        const missing = remote(tokens.admin, 'exposure', 'import', join(dir, 'no-such-scan.xml'));
        assert.equal(missing.code, 2);
        assert.match(missing.err, /^entente: cannot read .*no-such-scan\.xml: ENOENT/);

        const verified = remote(tokens.auditor, 'audit', 'verify');
        assert.equal(verified.code, 0, verified.err);
        assert.match(verified.out, /^The audit log is intact: \d+ entries, consistent with \d+ checkpoints?\.\n$/);
        const verifiedJson = JSON.parse(remote(tokens.auditor, 'audit', 'verify', '--json').out);
        assert.equal(verifiedJson.ok, true);
        const file = join(dir, 'audit.jsonl');
        const exported = remote(tokens.auditor, 'audit', 'export', '-o', file);
        assert.deepEqual(
          [exported.code, exported.out],
          [0, `We wrote the audit log export (jsonl) to ${file}.\n`],
          exported.err,
        );
        const offline = entente(env, 'audit', 'verify', '--file', file, '--json');
        assert.equal(offline.code, 0, offline.err);
        assert.equal(JSON.parse(offline.out).entries, verifiedJson.entries);
        const badBound = remote(tokens.auditor, 'audit', 'export', '--from', 'yesterday');
        assert.deepEqual(
          [badBound.code, badBound.err],
          [2, 'entente: --from: "yesterday" is not a date or time; write 2026-03-01 or 2026-03-01T09:00:00Z\n'],
        );
        const wrong = remote('ent_wrong', 'audit', 'verify');
        assert.equal(wrong.code, 2);
        assert.match(wrong.err, /unknown or revoked/);
      } finally {
        await server.stop();
      }
    });
  });
}
