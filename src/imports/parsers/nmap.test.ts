import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { fingerprintOf } from '../fingerprint.ts';
import type { ParsedFinding } from '../types.ts';
import { nmapParser } from './nmap.ts';
import { badInputError, inputOf, robustnessTests } from '../../../test/support/parsing.ts';

const run = promisify(execFile);
const hasNmap = !spawnSync('nmap', ['--version']).error;

async function parse(
  text: string,
  name = 'scan.xml',
): Promise<{ findings: ParsedFinding[]; tools: [string, string | undefined][] }> {
  const findings: ParsedFinding[] = [];
  const tools: [string, string | undefined][] = [];
  for await (const f of nmapParser.parse(inputOf(name, text), { tool: (n, v) => tools.push([n, v]) })) findings.push(f);
  return { findings, tools };
}

const open = (port: number, service: string, scripts = '', proto = 'tcp'): string =>
  `<port protocol="${proto}" portid="${port}"><state state="open" reason="syn-ack" reason_ttl="63"/>${service}${scripts}</port>`;

const vulnersEntry = (id: string, cvss: string, type: string, exploit: boolean): string =>
  `<table>\n<elem key="id">${id}</elem>\n<elem key="cvss">${cvss}</elem>\n<elem key="type">${type}</elem>\n<elem key="is_exploit">${exploit}</elem>\n</table>`;

const vulners = `<script id="vulners" output="&#xa;  cpe:/a:openbsd:openssh:8.2p1: &#xa;    &#x9;CVE-2023-38408&#x9;9.8&#x9;https://vulners.com/cve/CVE-2023-38408&#xa;"><table key="cpe:/a:openbsd:openssh:8.2p1">
${vulnersEntry('PACKETSTORM:173661', '9.8', 'packetstorm', true)}
${vulnersEntry('CVE-2023-38408', '9.8', 'cve', false)}
${vulnersEntry('MSF:ILITIES/UBUNTU-CVE-2023-38408/', '9.8', 'metasploit', true)}
${vulnersEntry('CVE-2020-15778', '7.8', 'cve', false)}
${vulnersEntry('EDB-ID:46516', '6.8', 'exploitdb', true)}
${vulnersEntry('CVE-2021-41617', '7.0', 'cve', false)}
</table>
</script>`;

const ms17010 = `<hostscript><script id="smb-vuln-ms17-010" output="&#xa;  VULNERABLE:&#xa;  Remote Code Execution vulnerability in Microsoft SMBv1 servers (ms17-010)&#xa;"><table key="CVE-2017-0143">
<elem key="title">Remote Code Execution vulnerability in Microsoft SMBv1 servers (ms17-010)</elem>
<elem key="state">VULNERABLE</elem>
<table key="ids">
<elem>CVE:CVE-2017-0143</elem>
</table>
<table key="description">
<elem>A critical remote code execution vulnerability exists in Microsoft SMBv1&#xa; servers (ms17-010).&#xa;</elem>
</table>
<table key="dates"><table key="disclosure"><elem key="year">2017</elem><elem key="month">03</elem><elem key="day">14</elem></table></table>
<elem key="disclosure">2017-03-14</elem>
<elem key="risk_factor">HIGH</elem>
<table key="refs">
<elem>https://technet.microsoft.com/en-us/library/security/ms17-010.aspx</elem>
<elem>https://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2017-0143</elem>
</table>
</table>
</script></hostscript>`;

const host1 = `<host starttime="1717400000" endtime="1717400110"><status state="up" reason="arp-response" reason_ttl="0"/>
<address addr="10.1.2.3" addrtype="ipv4"/>
<address addr="52:54:00:12:34:56" addrtype="mac" vendor="QEMU virtual NIC"/>
<hostnames>
<hostname name="files.corp.example" type="user"/>
<hostname name="files.corp.example" type="PTR"/>
</hostnames>
<ports><extraports state="closed" count="988">
<extrareasons reason="reset" count="988" proto="tcp" ports="1-20"/>
</extraports>
${open(
  21,
  '<service name="ftp" product="vsftpd" version="3.0.3" ostype="Unix" method="probed" conf="10"><cpe>cpe:/a:vsftpd:vsftpd:3.0.3</cpe></service>',
  '<script id="ftp-anon" output="Anonymous FTP login allowed (FTP code 230)&#xa;drwxr-xr-x    2 0        0            4096 Jan 10 09:00 pub"/>',
)}
${open(22, '<service name="ssh" product="OpenSSH" version="8.2p1 Ubuntu 4ubuntu0.5" extrainfo="Ubuntu Linux; protocol 2.0" ostype="Linux" method="probed" conf="10"><cpe>cpe:/a:openbsd:openssh:8.2p1</cpe><cpe>cpe:/o:linux:linux_kernel</cpe></service>', vulners)}
<port protocol="tcp" portid="25"><state state="filtered" reason="no-response" reason_ttl="0"/><service name="smtp" method="table" conf="3"/></port>
${open(443, '<service name="http" product="nginx" version="1.18.0" extrainfo="Ubuntu" tunnel="ssl" method="probed" conf="10"><cpe>cpe:/a:igor_sysoev:nginx:1.18.0</cpe></service>')}
${open(445, '<service name="microsoft-ds" method="table" conf="3"/>')}
${open(
  3306,
  '<service name="mysql" product="MySQL" version="8.0.36-0ubuntu0.20.04.1" method="probed" conf="10"><cpe>cpe:/a:mysql:mysql:8.0.36-0ubuntu0.20.04.1</cpe></service>',
  '<script id="mysql-brute" output="&#xa;  Accounts: &#xa;    root:Winter2024! - Valid credentials&#xa;  Statistics: Performed 1203 guesses in 14 seconds"/>',
)}
${open(
  5900,
  '<service name="vnc" product="VNC" extrainfo="protocol 3.8" method="probed" conf="10"/>',
  '<script id="vnc-info" output="&#xa;  Protocol version: 3.8&#xa;  Security types: &#xa;    None (1)&#xa;  WARNING: Server does not require authentication"/>',
)}
${open(
  5901,
  '<service name="vnc" product="VNC" extrainfo="protocol 3.8" method="probed" conf="10"/>',
  '<script id="vnc-info" output="&#xa;  Protocol version: 3.8&#xa;  Security types: &#xa;    VNC Authentication (2)"/>',
)}
<port protocol="udp" portid="161"><state state="open|filtered" reason="no-response" reason_ttl="0"/><service name="snmp" method="table" conf="3"/></port>
</ports>
<os><osmatch name="Linux 4.15 - 5.8" accuracy="96" line="67240"/></os>
${ms17010}
<times srtt="412" rttvar="120" to="100000"/>
</host>`;

const host2 = `<host starttime="1717400000" endtime="1717400090"><status state="up" reason="echo-reply" reason_ttl="63"/>
<address addr="2001:db8::10" addrtype="ipv6"/>
<hostnames/>
<ports>${open(443, '<service name="https" method="table" conf="3"/>')}${open(23, '<service name="telnet" product="BusyBox telnetd" method="probed" conf="10"/>')}</ports>
</host>`;

const down = `<host starttime="1717400000" endtime="1717400003"><status state="down" reason="no-response" reason_ttl="0"/>
<address addr="10.1.2.9" addrtype="ipv4"/>
</host>`;

function scan(hosts: string[], version = '7.94'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<?xml-stylesheet href="file:///usr/bin/../share/nmap/nmap.xsl" type="text/xsl"?>
<!-- Nmap ${version} scan initiated Mon Jun  3 09:33:20 2024 as: nmap -sV -sC -&#45;script vulners,vuln -oX scan.xml 10.1.2.0/28 -->
<nmaprun scanner="nmap" args="nmap -sV -sC -&#45;script vulners,vuln -oX scan.xml 10.1.2.0/28" start="1717400000" startstr="Mon Jun  3 09:33:20 2024" version="${version}" xmloutputversion="1.05">
<scaninfo type="syn" protocol="tcp" numservices="1000" services="1,3-4,6-7,9,13,17,19-26"/>
<verbose level="0"/>
<debugging level="0"/>
<hosthint><status state="up" reason="unknown-response" reason_ttl="0"/><address addr="10.1.2.3" addrtype="ipv4"/><hostnames/></hosthint>
${hosts.join('\n')}
<runstats><finished time="1717400120" timestr="Mon Jun  3 09:35:20 2024" summary="Nmap done" elapsed="120.00" exit="success"/><hosts up="2" down="1" total="3"/>
</runstats>
</nmaprun>
`;
}

const full = scan([host1, host2, down]);
const byRule = (fs: ParsedFinding[], rule: string, port?: number): ParsedFinding | undefined =>
  fs.find((f) => f.ruleId === rule && (port === undefined || f.location.port === port));

describe('nmap detection', () => {
  test('recognises <nmaprun> after the stylesheet, comment and DOCTYPE, also with a cut head', () => {
    assert.ok(nmapParser.detect(full.slice(0, 4096), 'scan.xml'));
    assert.ok(
      nmapParser.detect(
        '<?xml version="1.0"?>\n<!DOCTYPE nmaprun>\n<?xml-stylesheet href="x"?>\n<!-- Nmap 7.94 scan -->\n<nmaprun scan',
        'scan.xml',
      ),
    );
  });

  test('does not claim other XML reports or JSON', () => {
    assert.ok(!nmapParser.detect('<?xml version="1.0"?><NessusClientData_v2><Report name="x">', 'scan.nessus'));
    assert.ok(!nmapParser.detect('<?xml version="1.0"?><results version="2"><cppcheck version="2.10"/>', 'cc.xml'));
    assert.ok(!nmapParser.detect('{"nmaprun": {}}', 'scan.json'));
  });
});

describe('nmap open ports', () => {
  test('one finding per open port of each host, plus script vulnerabilities; the run is named once', async () => {
    const { findings, tools } = await parse(full);
    assert.deepEqual(tools, [['Nmap', '7.94']]);
    assert.deepEqual(
      findings
        .filter((f) => f.ruleId.startsWith('open-port/'))
        .map((f) => `${f.location.host}:${f.location.port}/${f.ruleId}`),
      [
        '10.1.2.3:21/open-port/ftp',
        '10.1.2.3:22/open-port/ssh',
        '10.1.2.3:443/open-port/ssl/http',
        '10.1.2.3:445/open-port/microsoft-ds',
        '10.1.2.3:3306/open-port/mysql',
        '10.1.2.3:5900/open-port/vnc',
        '10.1.2.3:5901/open-port/vnc',
        '2001:db8::10:443/open-port/https',
        '2001:db8::10:23/open-port/telnet',
      ],
    );
    assert.equal(findings.length, 9 + 3 + 1);
  });

  test('maps an FTP port: title with product, cleartext severity, service, CPE and scripts kept exactly', async () => {
    const f = byRule((await parse(full)).findings, 'open-port/ftp');
    assert.ok(f);
    assert.equal(f.title, 'FTP (vsftpd 3.0.3) open on 10.1.2.3:21');
    assert.equal(f.kind, 'host');
    assert.equal(f.tool, 'Nmap');
    assert.equal(f.toolVersion, '7.94');
    assert.equal(f.severity, 'medium');
    assert.deepEqual(f.cwes, [319]);
    assert.deepEqual(f.location, { host: '10.1.2.3', port: 21, protocol: 'tcp' });
    assert.deepEqual(f.component, { name: 'vsftpd', version: '3.0.3' });
    assert.deepEqual(f.detail?.['service'], {
      name: 'ftp',
      product: 'vsftpd',
      version: '3.0.3',
      ostype: 'Unix',
      method: 'probed',
      conf: 10,
      cpe: ['cpe:/a:vsftpd:vsftpd:3.0.3'],
    });
    assert.deepEqual(f.detail?.['hostnames'], [
      { name: 'files.corp.example', type: 'user' },
      { name: 'files.corp.example', type: 'PTR' },
    ]);
    assert.equal(f.detail?.['mac'], '52:54:00:12:34:56');
    assert.deepEqual(f.detail?.['os'], { name: 'Linux 4.15 - 5.8', accuracy: 96 });
    assert.deepEqual(f.detail?.['scripts'], {
      'ftp-anon':
        'Anonymous FTP login allowed (FTP code 230)\ndrwxr-xr-x    2 0        0            4096 Jan 10 09:00 pub',
    });
  });

  // Corpus: issue12411.xml — DefectDojo counts 2, Entente 4. Two hosts each have ports 80 and 443 open; the peer makes
  // one finding per port number with both hosts as endpoints. An exposure is a port on a host, so Entente keeps four.
  test('the same port open on two hosts is two findings (peer merges by port number: 4 vs 2)', async () => {
    const { findings } = await parse(full);
    const https = findings.filter((f) => f.location.port === 443 && f.ruleId.startsWith('open-port/'));
    assert.deepEqual(
      https.map((f) => f.title),
      ['HTTP over TLS (nginx 1.18.0, Ubuntu) open on 10.1.2.3:443', 'HTTPS open on [2001:db8::10]:443'],
    );
    assert.deepEqual(
      https.map((f) => f.severity),
      ['info', 'info'],
    );
  });

  test('open|filtered, filtered and closed ports and hosts that are down are not findings', async () => {
    const { findings } = await parse(full);
    assert.ok(
      !findings.some((f) => f.location.port === 161 || f.location.port === 25 || f.location.host === '10.1.2.9'),
    );
  });

  test('databases and cleartext logins are medium; VNC only when it needs no authentication', async () => {
    const { findings } = await parse(full);
    assert.equal(byRule(findings, 'open-port/mysql')?.severity, 'medium');
    assert.equal(byRule(findings, 'open-port/telnet')?.severity, 'medium');
    assert.equal(byRule(findings, 'open-port/vnc', 5900)?.severity, 'medium');
    assert.deepEqual(byRule(findings, 'open-port/vnc', 5900)?.cwes, [306]);
    assert.equal(byRule(findings, 'open-port/vnc', 5901)?.severity, 'info');
    assert.equal(byRule(findings, 'open-port/ssh')?.severity, 'info');
  });

  test('passwords found by brute-force scripts are redacted, the account kept', async () => {
    const scripts = byRule((await parse(full)).findings, 'open-port/mysql')?.detail?.['scripts'] as Record<
      string,
      string
    >;
    assert.match(scripts['mysql-brute'] ?? '', /root:\[redacted\] - Valid credentials/);
    assert.doesNotMatch(JSON.stringify(scripts), /Winter2024/);
  });

  test('a scan with no host up has no findings but still counts as an Nmap run; masscan output is named masscan', async () => {
    const empty = await parse(scan([down], '7.93'));
    assert.deepEqual([empty.findings.length, empty.tools], [0, [['Nmap', '7.93']]]);
    const masscan = await parse(
      '<?xml version="1.0"?><nmaprun scanner="masscan" start="1717400000" version="1.0-BETA" xmloutputversion="1.03"><host endtime="1717400001"><address addr="10.0.0.5" addrtype="ipv4"/><ports><port protocol="tcp" portid="6379"><state state="open" reason="syn-ack" reason_ttl="64"/></port></ports></host></nmaprun>',
    );
    assert.deepEqual(masscan.tools, [['masscan', '1.0-BETA']]);
    assert.equal(masscan.findings[0]?.title, 'unknown service open on 10.0.0.5:6379');
  });
});

describe('nmap script vulnerabilities', () => {
  // Corpus: issue4406.xml — DefectDojo counts 67, Entente 34: 25 open ports plus one finding per vulners entry (42,
  // of which 34 are exploit-database entries such as MSF:ILITIES/UBUNTU-CVE-2019-6111/). Entente makes one finding per
  // CVE (9 there); an exploit entry is attached to the CVE it names, or listed on the port when it names none.
  test('vulners: one finding per CVE with its exploits attached, not one per entry (peer: 67 vs 34)', async () => {
    const { findings } = await parse(full);
    const cves = findings.filter((f) => f.ruleId.startsWith('CVE-') && f.location.port === 22);
    assert.deepEqual(
      cves.map((f) => f.ruleId),
      ['CVE-2023-38408', 'CVE-2020-15778', 'CVE-2021-41617'],
    );
    const [top] = cves;
    assert.equal(top?.title, 'CVE-2023-38408 in OpenSSH 8.2p1 Ubuntu 4ubuntu0.5 on 10.1.2.3:22');
    assert.equal(top?.severity, 'critical');
    assert.deepEqual(top?.cvss, { score: 9.8 });
    assert.deepEqual(top?.aliases, ['CVE-2023-38408']);
    assert.deepEqual(top?.location, { host: '10.1.2.3', port: 22, protocol: 'tcp' });
    assert.deepEqual(top?.detail?.['exploits'], ['MSF:ILITIES/UBUNTU-CVE-2023-38408/']);
    const ssh = byRule(findings, 'open-port/ssh');
    assert.deepEqual(ssh?.detail?.['exploits'], [
      { id: 'PACKETSTORM:173661', type: 'packetstorm', cvss: 9.8 },
      { id: 'EDB-ID:46516', type: 'exploitdb', cvss: 6.8 },
    ]);
  });

  test('vulns library: a VULNERABLE host script is a finding on the host with its CVE, risk and references', async () => {
    const f = byRule((await parse(full)).findings, 'smb-vuln-ms17-010');
    assert.ok(f);
    assert.equal(f.title, 'Remote Code Execution vulnerability in Microsoft SMBv1 servers (ms17-010) on 10.1.2.3');
    assert.equal(f.severity, 'high');
    assert.deepEqual(f.aliases, ['CVE-2017-0143']);
    assert.deepEqual(f.location, { host: '10.1.2.3' });
    assert.equal(f.references?.length, 2);
    assert.equal(f.detail?.['disclosure'], '2017-03-14');
  });

  test('a CVE reported by nmap fingerprints like the same CVE on the same host and port from another scanner', async () => {
    const f = (await parse(full)).findings.find((x) => x.ruleId === 'CVE-2023-38408');
    assert.ok(f);
    const nessus: ParsedFinding = {
      tool: 'Nessus',
      ruleId: '179204',
      kind: 'host',
      title: 'OpenSSH < 9.3p2 Vulnerability',
      severity: 'critical',
      aliases: ['CVE-2023-38408'],
      cwes: [],
      location: { host: '10.1.2.3', port: 22, protocol: 'tcp' },
    };
    assert.deepEqual(fingerprintOf(f), fingerprintOf(nessus));
  });
});

describe('nmap errors', () => {
  test('truncated XML (an interrupted scan) says where and that the file looks truncated', async () => {
    await assert.rejects(
      parse(full.slice(0, full.indexOf('<os>'))),
      badInputError(/scan\.xml: not well-formed XML at line \d+, column \d+: .*truncated/),
    );
  });

  test('a port number that is not a number names its line', async () => {
    const bad = scan([host2.replace('portid="23"', 'portid="telnet"')]);
    const line = bad.split('\n').findIndex((l) => l.includes('portid="telnet"')) + 1;
    await assert.rejects(
      parse(bad),
      badInputError(new RegExp(`the <port> at line ${line} has portid="telnet", expected a port number`)),
    );
  });

  test('a host without any address names its line; another root is refused', async () => {
    await assert.rejects(
      parse(scan([host2.replace('<address addr="2001:db8::10" addrtype="ipv6"/>', '')])),
      badInputError(/the <host> at line \d+ has no IP address or host name/),
    );
    await assert.rejects(
      parse('<?xml version="1.0"?><analysis/>'),
      badInputError(/not an Nmap XML report: the root element is <analysis>/),
    );
  });

  robustnessTests({ parse, seeds: [full] });
});

describe('nmap XML from the real tool', () => {
  test('reads exactly what nmap -oX -sV reports for an FTP banner', {
    skip: !hasNmap && 'nmap is not installed',
    timeout: 120_000,
  }, async () => {
    const server = createServer((socket) => {
      socket.on('error', () => {});
      socket.end('220 (vsFTPd 3.0.3)\r\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const { stdout: xml } = await run(
        'nmap',
        ['-oX', '-', '-sV', '--version-light', '-Pn', '-p', String(port), '127.0.0.1'],
        { timeout: 110_000 },
      );
      const version = /<nmaprun [^>]*\sversion="([^"]+)"/.exec(xml)?.[1];
      const openPorts = xml.match(/<state state="open"/g)?.length ?? 0;
      const { findings, tools } = await parse(xml);
      assert.deepEqual(tools, [['Nmap', version]]);
      assert.equal(findings.length, openPorts);
      assert.equal(findings.length, 1);
      const [f] = findings;
      assert.equal(f?.ruleId, 'open-port/ftp');
      assert.equal(f?.title, `FTP (vsftpd 3.0.3) open on 127.0.0.1:${port}`);
      assert.equal(f?.severity, 'medium');
      assert.deepEqual(f?.location, { host: '127.0.0.1', port, protocol: 'tcp' });
      assert.deepEqual(f?.component, { name: 'vsftpd', version: '3.0.3' });
      const service = f?.detail?.['service'] as Record<string, unknown>;
      assert.equal(service['name'], 'ftp');
      assert.deepEqual(service['cpe'], ['cpe:/a:vsftpd:vsftpd:3.0.3']);
    } finally {
      server.close();
    }
  });
});
