import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { reprioritiseServiceWith } from '../src/findings/reprioritise.ts';
import { importExposure } from '../src/exposure/exposure-service.ts';
import { reportFromBuffer } from '../src/imports/report-input.ts';
import { sarif } from './support/reports.ts';

interface NmapPort {
  port: number;
  service?: string;
  product?: string;
  state?: string;
  protocol?: string;
}

/** An nmap -oX report: the ports it was asked to scan (scaninfo) and, per host, the ports it saw. */
function nmapXml(hosts: { addr: string; name?: string; ports: NmapPort[] }[], scanned = '1-1024'): string {
  const port = (p: NmapPort) =>
    `<port protocol="${p.protocol ?? 'tcp'}" portid="${p.port}"><state state="${p.state ?? 'open'}" reason="syn-ack" reason_ttl="64"/>`
    + `${p.service ? `<service name="${p.service}"${p.product ? ` product="${p.product}"` : ''} method="probed" conf="10"/>` : ''}</port>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<nmaprun scanner="nmap" args="nmap -oX - -sV" start="1772442000" version="7.93" xmloutputversion="1.05">
<scaninfo type="syn" protocol="tcp" numservices="1024" services="${scanned}"/>
${hosts
  .map(
    (h) => `<host><status state="up" reason="echo-reply" reason_ttl="64"/><address addr="${h.addr}" addrtype="ipv4"/>
<hostnames>${h.name ? `<hostname name="${h.name}" type="PTR"/>` : ''}</hostnames><ports>${h.ports.map(port).join('')}</ports></host>`,
  )
  .join('\n')}
<runstats><finished time="1772442010" elapsed="10"/><hosts up="${hosts.length}" down="0" total="${hosts.length}"/></runstats>
</nmaprun>`;
}

/** A team owning a service that lists these hosts; returns their names. */
async function serviceWithHosts(
  e: TestEnv,
  hosts: string[],
  opts: { exposure?: string; members?: string[]; lead?: string } = {},
) {
  const team = e.uniq('team');
  const service = e.uniq('svc');
  const yaml =
    `teams:\n  - name: ${team}\n    kind: engineering\n${opts.lead ? `    lead: ${opts.lead}\n` : ''}    members: [${(opts.members ?? []).join(', ')}]\n`
    + `services:\n  - name: ${service}\n    owner: ${team}\n    criticality: 4\n    exposure: ${opts.exposure ?? 'internet'}\n    hosts: [${hosts.join(', ')}]\n`;
  await applyOrg(e.ctx.database.db, parseOrgFile(yaml, 'test org'), {
    prune: false,
    actor: 'test',
    now: e.clock.now,
    reprioritise: reprioritiseServiceWith(e.ctx.policy),
  });
  return { team, service };
}

/** Imports a scan as the CLI would. */
function scan(e: TestEnv, xml: string, name = 'scan.xml') {
  return importExposure(
    { db: e.ctx.database.db, policy: e.ctx.policy, now: () => e.clock.now },
    { input: reportFromBuffer(name, Buffer.from(xml)), actor: 'test' },
  );
}

/** A distinct documentation-range address per test. */
let next = 10;
const address = (): string => `198.51.${100 + (process.pid % 50)}.${next++}`;

describeEachEngine('exposure', (env) => {
  test('an open FTP port on a host a service lists becomes a high finding for its team, titled with host and port', async () => {
    const e = env();
    const host = address();
    const { team, service } = await serviceWithHosts(e, [host]);
    const summary = await scan(e, nmapXml([{ addr: host, ports: [{ port: 21, service: 'ftp', product: 'vsftpd' }] }]));
    assert.equal(summary.unapproved, 1);
    assert.equal(summary.services.find((s) => s.service === service)?.import.created, 1);
    const admin = await e.token('admin');
    const r = await e.call('GET', `/api/findings?service=${service}`, { token: admin });
    assert.equal(r.body.items.length, 1);
    const f = r.body.items[0];
    assert.equal(f.title, `FTP open on ${host}:21 with no approved change`);
    assert.equal(f.ownerTeam, team);
    assert.equal(f.severity, 'high');
    assert.equal(f.kind, 'host');
    assert.equal(f.ruleId, 'exposure/ftp');
    assert.deepEqual([f.location.host, f.location.port], [host, 21]);
    assert.match(f.description, /clear text/);
    assert.match(f.description, /entente change request --type firewall/);
  });

  test('a Nessus CSV whose host and service carry a NUL (which cannot be stored) is read as the host without it, again and again', async () => {
    const e = env();
    const host = address();
    const { service } = await serviceWithHosts(e, [host]);
    const csv =
      'Plugin ID,CVE,CVSS v2.0 Base Score,Risk,Host,Protocol,Port,Name,Synopsis,Description,Solution,See Also,Plugin Output\n'
      + `11219,,,None,${host.replace('.', '.\u0000')},tcp,21,Nessus SYN scanner,syn,Port 21 is open,,,\n`;
    const first = await scan(e, csv, 'scan.csv');
    assert.equal(first.services.find((s) => s.service === service)?.import.created, 1);
    const again = await scan(e, csv, 'scan.csv');
    assert.deepEqual([again.open, again.services.find((s) => s.service === service)?.import.unchanged], [1, 1]);
  });

  test('a database port on an internet-facing service is critical, and HTTPS is low', async () => {
    const e = env();
    const host = address();
    const { service } = await serviceWithHosts(e, [host]);
    await scan(
      e,
      nmapXml([
        {
          addr: host,
          ports: [
            { port: 5432, service: 'postgresql' },
            { port: 443, service: 'https' },
          ],
        },
      ]),
    );
    const r = await e.call('GET', `/api/findings?service=${service}&sort=severity`, { token: await e.token('admin') });
    const bySev = Object.fromEntries(r.body.items.map((f: any) => [f.location.port, f.severity]));
    assert.deepEqual(bySev, { 5432: 'critical', 443: 'low' });
  });

  test('re-importing the same scan changes nothing; a port seen closed ends fixed and reopens when it is back', async () => {
    const e = env();
    const host = address();
    const { service } = await serviceWithHosts(e, [host]);
    const open = nmapXml([{ addr: host, ports: [{ port: 23, service: 'telnet' }] }]);
    await scan(e, open);
    const again = await scan(e, open);
    const mine = again.services.find((s) => s.service === service)!;
    assert.deepEqual([mine.import.created, mine.import.unchanged, mine.import.fixed], [0, 1, 0]);
    const closed = await scan(e, nmapXml([{ addr: host, ports: [{ port: 23, service: 'telnet', state: 'closed' }] }]));
    assert.equal(closed.closed, 1);
    assert.equal(closed.services.find((s) => s.service === service)!.import.fixed, 1);
    const back = await scan(e, open);
    assert.equal(back.services.find((s) => s.service === service)!.import.reopened, 1);
  });

  test('a scan of other ports leaves ports it did not look at open', async () => {
    const e = env();
    const host = address();
    const { service } = await serviceWithHosts(e, [host]);
    await scan(e, nmapXml([{ addr: host, ports: [{ port: 21, service: 'ftp' }] }]));
    const partial = await scan(e, nmapXml([{ addr: host, ports: [{ port: 8080, service: 'http' }] }], '8000-9000'));
    assert.equal(partial.closed, 0);
    const mine = partial.services.find((s) => s.service === service)!;
    assert.equal(mine.open, 2);
    assert.equal(mine.import.fixed, 0);
  });

  test('a host no service lists is reported with how to route it, and GET /api/exposure shows every open port and its owner', async () => {
    const e = env();
    const listed = address();
    const stray = address();
    const { service } = await serviceWithHosts(e, [listed]);
    const summary = await scan(
      e,
      nmapXml([
        { addr: listed, ports: [{ port: 22, service: 'ssh' }] },
        { addr: stray, ports: [{ port: 3389, service: 'ms-wbt-server' }] },
      ]),
    );
    const u = summary.undeclared.find((x) => x.host === stray);
    assert.ok(u, JSON.stringify(summary.undeclared));
    assert.deepEqual(u.ports, ['3389/tcp']);
    assert.match(u.advice, /organisation file/);
    const r = await e.call('GET', `/api/exposure?host=${stray}`, { token: await e.token('auditor') });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(
      r.body.items.map((o: any) => [o.port, o.owner]),
      [[3389, null]],
    );
    const mine = await e.call('GET', `/api/exposure?host=${listed}`, { token: await e.token('auditor') });
    assert.deepEqual(
      mine.body.items.map((o: any) => [o.port, o.service, o.owner]),
      [[22, 'ssh', service]],
    );
  });

  test('a report that says nothing about ports is refused with the formats that work, and nothing is recorded', async () => {
    const e = env();
    const before = await e.ctx.database.db
      .selectFrom('exposure_imports')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    await assert.rejects(
      scan(e, sarif('CodeQL', [{ rule: 'x', file: 'a.ts', line: 1 }]), 'codeql.sarif'),
      (err: Error) => /does not say which ports are open.*nmap/.test(err.message),
    );
    const r = await e.call('POST', '/api/exposure?name=broken.xml', {
      token: await e.token('admin'),
      body: '<nmaprun><host>',
    });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /broken\.xml/);
    const empty = await e.call('POST', '/api/exposure', { token: await e.token('admin'), body: '' });
    assert.equal(empty.status, 400);
    assert.match(
      empty.body.error.message,
      /the request body is empty: send the scan report \(e\.g\. nmap -oX\) as the body/,
    );
    const after = await e.ctx.database.db
      .selectFrom('exposure_imports')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(after.n), Number(before.n));
  });

  test('POST /api/exposure takes the scan as the body and needs a role that may write', async () => {
    const e = env();
    const host = address();
    await serviceWithHosts(e, [host]);
    const xml = nmapXml([{ addr: host, ports: [{ port: 6379, service: 'redis' }] }]);
    const denied = await e.call('POST', '/api/exposure', { token: await e.token('auditor'), body: xml });
    assert.equal(denied.status, 403);
    const r = await e.call('POST', '/api/exposure?name=scan.xml', { token: await e.token('security'), body: xml });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.unapproved, 1);
    assert.match(r.body.message, /We saw 1 open port/);
  });
});
