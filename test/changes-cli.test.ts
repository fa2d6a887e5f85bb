import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { engines } from './support/engines.ts';
import { cliWorld, entente } from './support/cli.ts';

const scanXml = (
  port: number,
) => `<?xml version="1.0"?><nmaprun scanner="nmap" version="7.93"><scaninfo type="syn" protocol="tcp" numservices="1" services="${port}"/>
<host><status state="up"/><address addr="10.1.2.3" addrtype="ipv4"/><ports><port protocol="tcp" portid="${port}"><state state="open"/><service name="ftp" product="vsftpd"/></port></ports></host>
<host><status state="up"/><address addr="192.0.2.50" addrtype="ipv4"/><ports><port protocol="tcp" portid="${port}"><state state="open"/><service name="ftp"/></port></ports></host></nmaprun>`;

for (const engine of engines) {
  describe(`entente change and exposure [${engine}]`, () => {
    const { dir, env } = cliWorld(engine, 'change-cli');
    before(async () => {
      const org = join(dir, 'org.yaml');
      writeFileSync(
        org,
        'teams:\n  - name: payments\n    kind: engineering\nservices:\n  - name: checkout-api\n    owner: payments\n    criticality: 4\n    exposure: internet\n    hosts: [10.1.2.3]\n',
      );
      const applied = entente(env, 'org', 'apply', org);
      assert.equal(applied.code, 0, applied.err);
    });

    test('a user imports a scan, sees the FTP finding and the host to route, then asks for a change and sees its safeguards', () => {
      const scan = join(dir, 'scan.xml');
      writeFileSync(scan, scanXml(2121));
      const imported = entente(env, 'exposure', 'import', scan);
      assert.equal(imported.code, 0, imported.err);
      assert.match(imported.out, /checkout-api \(payments\): 1 open, 0 covered, 1 with no approved change/);
      assert.match(imported.out, /192\.0\.2\.50 .*organisation file/);
      const findings = entente(env, 'findings', '--service', 'checkout-api');
      assert.match(findings.out, /FTP open on 10\.1\.2\.3:2121 with no approved change/);
      const asked = entente(
        env,
        'change',
        'request',
        '--type',
        'file-share',
        '--service',
        'checkout-api',
        '--title',
        'Upload folder for Acme',
        '--protocol',
        'ftp',
        '--port',
        '2121',
        '--destination',
        '10.1.2.3',
        '--source',
        '203.0.113.0/24',
        '--authentication',
        'password',
        '--end',
        new Date(Date.now() + 3 * 86_400_000).toISOString(),
      );
      assert.equal(asked.code, 0, asked.err);
      assert.match(asked.out, /Change #1 \(submitted\) file-share for checkout-api/);
      assert.match(asked.out, /We can do this safely with: limit access to the client's IP range, /);
      assert.match(asked.out, /A safer way to the same goal: SFTP gives the same access with the traffic encrypted\./);
      assert.match(asked.out, /if FTP has to stay, say why \(`entente change keep-protocol 1 --reason "…"`\)/);
      const kept = entente(env, 'change', 'keep-protocol', '1', '--reason', "the client's system only speaks FTP");
      assert.equal(kept.code, 0, kept.err);
      assert.match(kept.out, /FTP stays as asked, because the client's system only speaks FTP\./);
      assert.match(
        kept.out,
        /approves? with `entente change approve 1` or `POST \/api\/changes\/1\/approve`/,
        'the answer says how the approvers approve',
      );
      const own = entente(env, 'change', 'approve', '1');
      assert.equal(own.code, 2);
      assert.match(own.err, /approval comes from someone else/);
      const list = entente(env, 'change', 'list');
      assert.match(list.out, /#1 +submitted +high +checkout-api +file-share/);
    });

    test('bad input is a usage error that names the field and changes nothing', () => {
      const r = entente(
        env,
        'change',
        'request',
        '--type',
        'file-share',
        '--service',
        'checkout-api',
        '--title',
        'x',
        '--destination',
        '10.1.2.3',
      );
      assert.equal(r.code, 2);
      assert.match(r.err, /protocol: a file-share change names its protocol/);
      const tooLong = entente(
        env,
        'change',
        'request',
        '--type',
        'file-share',
        '--service',
        'checkout-api',
        '--title',
        'x',
        '--protocol',
        'ftp',
        '--destination',
        '10.1.2.3',
        '--authentication',
        'password',
        '--end',
        new Date(Date.now() + 60 * 86_400_000).toISOString(),
      );
      assert.equal(tooLong.code, 2);
      assert.match(tooLong.err, /up to 7 days/);
      assert.equal(entente(env, 'change', 'show', 'abc').code, 2);
      const list = entente(env, 'change', 'list', '--json');
      assert.equal(list.out.trim().split('\n').filter(Boolean).length, 1);
    });
  });
}
