import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ParsedFinding } from '../types.ts';
import { nessusParser } from './nessus.ts';
import { badInputError, inputOf, robustnessTests, onlyBadInput } from '../../../test/support/parsing.ts';

async function parse(
  text: string,
  name = 'scan.nessus',
  chunk = 0,
): Promise<{ findings: ParsedFinding[]; tools: string[] }> {
  const findings: ParsedFinding[] = [];
  const tools: string[] = [];
  for await (const f of nessusParser.parse(inputOf(name, text, chunk), {
    tool: (n, v) => void tools.push(v ? `${n} ${v}` : n),
  }))
    findings.push(f);
  return { findings, tools };
}

// ---- fixtures: .nessus v2 files shaped like Nessus 10's export ----

interface ItemOpts {
  id?: string;
  name?: string;
  severity?: string;
  port?: string;
  svc?: string;
  protocol?: string;
  family?: string;
  body?: string;
}

function item(o: ItemOpts = {}): string {
  return `<ReportItem port="${o.port ?? '80'}" svc_name="${o.svc ?? 'www'}" protocol="${o.protocol ?? 'tcp'}" severity="${o.severity ?? '3'}" pluginID="${o.id ?? '58988'}" pluginName="${o.name ?? 'PHP &lt; 5.3.12 / 5.4.2 CGI Query String Code Execution'}" pluginFamily="${o.family ?? 'CGI abuses'}">
${o.body ?? phpBody}
</ReportItem>`;
}

const phpBody = `<agent>unix</agent>
<cpe>cpe:/a:php:php</cpe>
<cve>CVE-2012-1823</cve>
<cve>CVE-2012-2311</cve>
<cve>CVE-2012-2335</cve>
<cvss3_base_score>9.8</cvss3_base_score>
<cvss3_vector>CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H</cvss3_vector>
<cvss_base_score>7.5</cvss_base_score>
<cvss_vector>CVSS2#AV:N/AC:L/Au:N/C:P/I:P/A:P</cvss_vector>
<cvss_temporal_score>6.5</cvss_temporal_score>
<cwe>20</cwe>
<bid>53388</bid>
<xref>CERT:520827</xref>
<xref>CWE:20</xref>
<description>According to its banner, the version of PHP installed on the remote host is earlier than 5.3.12 / 5.4.2, and as such is potentially affected by a remote code execution and
information disclosure vulnerability.

An error in the file 'sapi/cgi/cgi_main.c' can allow a remote attacker to obtain PHP source code from the web server.</description>
<exploit_available>true</exploit_available>
<exploit_framework_metasploit>true</exploit_framework_metasploit>
<exploitability_ease>Exploits are available</exploitability_ease>
<metasploit_name>PHP CGI Argument Injection</metasploit_name>
<fname>php_5_3_12.nasl</fname>
<plugin_modification_date>2022/03/08</plugin_modification_date>
<plugin_name>PHP &lt; 5.3.12 / 5.4.2 CGI Query String Code Execution</plugin_name>
<plugin_publication_date>2012/05/14</plugin_publication_date>
<plugin_type>remote</plugin_type>
<risk_factor>High</risk_factor>
<see_also>http://www.php.net/archive/2012.php#id2012-05-03-1
https://bugs.php.net/bug.php?id=61910</see_also>
<solution>Upgrade to PHP version 5.3.12 / 5.4.2 or later.</solution>
<synopsis>The remote web server uses a version of PHP that is affected by a remote code execution vulnerability.</synopsis>
<vpr_score>9.4</vpr_score>
<plugin_output>
  Version source    : X-Powered-By: PHP/5.1.6
  Installed version : 5.1.6
  Fixed version     : 5.3.12 / 5.4.2
</plugin_output>`;

const scanInfo = item({
  id: '19506',
  name: 'Nessus Scan Information',
  severity: '0',
  port: '0',
  svc: 'general',
  family: 'Settings',
  body: `<description>This plugin displays, for each tested host, information about the scan itself.</description>
<plugin_type>summary</plugin_type><risk_factor>None</risk_factor><solution>n/a</solution><synopsis>This plugin displays information about the Nessus scan.</synopsis>
<plugin_output>Information about this scan :

Nessus version : 10.4.2
Nessus build : 20041
Plugin feed version : 202301040112
Scanner IP : 10.0.0.5
Credentialed checks : no
</plugin_output>`,
});

const smbSigning = item({
  id: '57608',
  name: 'SMB Signing not required',
  severity: '2',
  port: '445',
  svc: 'cifs',
  family: 'Misc.',
  body: `<cvss3_base_score>5.3</cvss3_base_score>
<cvss3_vector>AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:N</cvss3_vector>
<description>Signing is not required on the remote SMB server.</description><risk_factor>Medium</risk_factor>
<solution>Enforce message signing in the host's configuration.</solution><synopsis>Signing is not required on the remote SMB server.</synopsis>`,
});

function host(name: string, items: string[], ip: string | null = '10.0.0.20'): string {
  const props = [
    `<tag name="HOST_START">Wed Jan  4 10:00:00 2023</tag>`,
    ip ? `<tag name="host-ip">${ip}</tag>` : '',
    `<tag name="host-fqdn">${name}.corp.example</tag>`,
    `<tag name="netbios-name">${name.toUpperCase()}</tag>`,
    `<tag name="operating-system">Linux Kernel 5.4</tag>`,
  ].join('\n');
  return `<ReportHost name="${name}"><HostProperties>\n${props}\n</HostProperties>\n${items.join('\n')}\n</ReportHost>`;
}

function nessusXml(hosts: string[], reportAttrs = 'name="weekly"'): string {
  return `<?xml version="1.0" ?>
<NessusClientData_v2>
<Policy><policyName>Basic Network Scan</policyName>
<Preferences><ServerPreferences><preference><name>plugin_set</name><value>${'10001;'.repeat(900)}</value></preference></ServerPreferences>
<PluginsPreferences><item><pluginName>Login configurations</pluginName><pluginId>10870</pluginId><fullName>Login configurations[password]:HTTP password (sent in clear) :</fullName><preferenceName>HTTP password (sent in clear) :</preferenceName><preferenceType>password</preferenceType><selectedValue>PolicySecret42</selectedValue></item></PluginsPreferences>
</Preferences></Policy>
<Report xmlns:cm="http://www.nessus.org/cm" ${reportAttrs}>
${hosts.join('\n')}
</Report>
</NessusClientData_v2>
`;
}

const wasXml = `<?xml version="1.0" ?><NessusClientData_v2><Policy><policyName></policyName><Preferences><ServerPreferences><settings_http_user_agent>WAS/%v</settings_http_user_agent></ServerPreferences></Preferences></Policy>
<Report xmlns:cm="http://www.nessus.org/cm" name="shop.example.com" version="1.1" type="was"><ReportHost name="https://shop.example.com/"><HostProperties><tag name="host-fqdn">https://shop.example.com/</tag><tag name="system-type">web_application</tag></HostProperties>
<ReportItem pluginFamily="Cross Site Scripting" pluginName="Cross-Site Scripting (XSS)" pluginID="98104" severity="3" protocol="TCP" svc_name="https" port="443">
<description>Cross Site Scripting (XSS) allows clients to inject scripts into a request.</description>
<plugin_output>Vulnerability has been detected on URL 'https://shop.example.com/search' by exploiting 'form' element named 'q'.</plugin_output>
<solution>Encode untrusted data.</solution><risk_factor>high</risk_factor><cvss>7.5</cvss><cvssv3>7.1</cvssv3>
<see_also>https://owasp.org/www-community/attacks/xss/</see_also><xref>WASC:Cross-Site Scripting</xref><xref>CWE:79</xref><xref>OWASP:2021-A3</xref></ReportItem>
<ReportItem pluginFamily="Cross Site Scripting" pluginName="Cross-Site Scripting (XSS)" pluginID="98104" severity="3" protocol="TCP" svc_name="https" port="443">
<plugin_output>Vulnerability has been detected on URL 'https://shop.example.com/cart' by exploiting 'query' element named 'item'.</plugin_output><xref>CWE:79</xref></ReportItem>
<ReportItem pluginFamily="HTTP Security Header" pluginName="Missing Content Security Policy" pluginID="112551" severity="1" protocol="TCP" svc_name="https" port="443">
<description>No CSP header has been detected on this host.</description><plugin_output>Cookie: session=abc123 was sent with https://shop.example.com/</plugin_output><xref>CWE:693</xref></ReportItem>
</ReportHost></Report></NessusClientData_v2>`;

describe('nessus detection', () => {
  test('recognises a .nessus v2 file by its root, also when a long Policy fills the head', () => {
    const xml = nessusXml([host('web01', [item()])]);
    assert.ok(xml.indexOf('<Report ') > 4096, 'the fixture pushes <Report> past the head');
    assert.ok(nessusParser.detect(xml.slice(0, 4096), 'scan.nessus'));
    assert.ok(nessusParser.detect(wasXml.slice(0, 4096), 'was.xml'));
    assert.ok(nessusParser.detect('<?xml version="1.0" ?>\n<NessusClientData_v2>\n<Pol', 'scan.nessus'));
  });

  test('claims no other format: ZAP, OpenVAS, Nessus v1, CSV, JSON', () => {
    for (const head of [
      '<?xml version="1.0"?><OWASPZAPReport version="2.14.0">',
      '<report id="1" format_id="a994b278" extension="xml" content_type="text/xml"><report>',
      '<?xml version="1.0"?><NessusClientData><Report>',
      'Plugin ID,CVE,CVSS,Risk,Host,Protocol,Port,Name\n',
      '{"runs":[]}',
      '',
    ]) {
      assert.equal(nessusParser.detect(head, 'x'), false, head);
    }
  });
});

describe('nessus host findings', () => {
  test('maps a CVE-bearing plugin to one host finding with its CVSS, CVEs, CWE, component, fix and location', async () => {
    const { findings } = await parse(nessusXml([host('web01', [scanInfo, item()])]));
    const f = findings.find((x) => x.ruleId === '58988');
    assert.ok(f);
    assert.equal(f.tool, 'Nessus');
    assert.equal(f.toolVersion, '10.4.2');
    assert.equal(f.kind, 'host');
    assert.equal(f.title, 'PHP < 5.3.12 / 5.4.2 CGI Query String Code Execution');
    assert.equal(f.severity, 'high');
    assert.deepEqual(f.cvss, { version: '3.0', vector: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8 });
    assert.deepEqual(f.aliases, ['CVE-2012-1823', 'CVE-2012-2311', 'CVE-2012-2335']);
    assert.deepEqual(f.cwes, [20]);
    assert.deepEqual(f.component, { name: 'php', version: '5.1.6' });
    assert.equal(f.fixedVersion, '5.3.12 / 5.4.2');
    assert.deepEqual(f.location, { host: '10.0.0.20', port: 80, protocol: 'tcp' });
    assert.deepEqual(f.references, [
      'http://www.php.net/archive/2012.php#id2012-05-03-1',
      'https://bugs.php.net/bug.php?id=61910',
    ]);
    assert.match(
      f.description ?? '',
      /^According to its banner, .* remote code execution and information disclosure vulnerability\.\n\nAn error in/,
    );
  });

  test('keeps what the model has no field for in detail: synopsis, solution, CVSS v2, exploitability, host names, output', async () => {
    const { findings } = await parse(nessusXml([host('web01', [item()])]));
    const d = findings[0]?.detail ?? {};
    assert.equal(d['pluginFamily'], 'CGI abuses');
    assert.equal(d['service'], 'www');
    assert.equal(
      d['synopsis'],
      'The remote web server uses a version of PHP that is affected by a remote code execution vulnerability.',
    );
    assert.equal(d['solution'], 'Upgrade to PHP version 5.3.12 / 5.4.2 or later.');
    assert.deepEqual(d['cvssV2'], { version: '2.0', vector: 'AV:N/AC:L/Au:N/C:P/I:P/A:P', score: 7.5 });
    assert.equal(d['vprScore'], 9.4);
    assert.equal(d['exploitAvailable'], true);
    assert.deepEqual(d['exploitFrameworks'], ['metasploit']);
    assert.deepEqual(d['bid'], ['53388']);
    assert.deepEqual(d['xref'], ['CERT:520827', 'CWE:20']);
    assert.equal(d['hostName'], 'web01');
    assert.equal(d['fqdn'], 'web01.corp.example');
    assert.equal(d['netbiosName'], 'WEB01');
    assert.match(String(d['pluginOutput']), /Installed version : 5\.1\.6/);
  });

  test('gives one finding per plugin per host and port: two hosts are two findings, where the peer merges them into one', async () => {
    // The peer keys on severity + title across the whole report (32 findings for 7 Windows hosts with 296 results);
    // Entente keeps each host apart because each host is patched, owned and closed on its own.
    const { findings } = await parse(
      nessusXml([host('web01', [item(), smbSigning]), host('web02', [item(), smbSigning], '10.0.0.21')]),
    );
    assert.deepEqual(
      findings.map((f) => `${f.ruleId}@${f.location.host}:${f.location.port}`),
      ['58988@10.0.0.20:80', '57608@10.0.0.20:445', '58988@10.0.0.21:80', '57608@10.0.0.21:445'],
    );
  });

  test('merges a plugin listed twice on one port (two installs) into one finding keeping both outputs', async () => {
    const second = item({
      body: phpBody.replace('5.1.6', '5.2.0').replace('X-Powered-By: PHP/5.1.6', 'URL : http://web01/legacy/'),
    });
    const { findings } = await parse(
      nessusXml([host('web01', [item(), second, item({ port: '8080', svc: 'http-alt' })])]),
    );
    assert.equal(findings.length, 2);
    assert.equal(findings[0]?.detail?.['occurrences'], 2);
    assert.match(String(findings[0]?.detail?.['pluginOutput']), /5\.1\.6[\s\S]*---[\s\S]*5\.2\.0/);
    assert.equal(findings[1]?.location.port, 8080);
  });

  test('imports severity 0 results as info, as the peer counts them, and maps 1..4 to low..critical', async () => {
    const items = ['0', '1', '2', '3', '4'].map((s, i) => item({ id: String(10000 + i), severity: s }));
    const { findings } = await parse(nessusXml([host('web01', items)]));
    assert.deepEqual(
      findings.map((f) => f.severity),
      ['info', 'low', 'medium', 'high', 'critical'],
    );
  });

  test('falls back to risk_factor for a missing or non-numeric severity, and ignores a non-numeric port', async () => {
    const { findings } = await parse(nessusXml([host('web01', [item({ severity: 'x', port: 'abc' })])]));
    assert.equal(findings[0]?.severity, 'high');
    assert.deepEqual(findings[0]?.location, { host: '10.0.0.20', protocol: 'tcp' });
  });

  test('reads words like "constructor" as no severity, never as Object.prototype members', async () => {
    const body = '<risk_factor>toString</risk_factor><description>d</description>';
    const { findings } = await parse(
      nessusXml([
        host('web01', [item({ severity: 'constructor', body }), item({ id: '1', severity: '__proto__', body })]),
      ]),
    );
    assert.deepEqual(
      findings.map((f) => f.severity),
      ['info', 'info'],
    );
  });

  test('reads a CVSS v3 vector without prefix, and CVSS v2 alone with its "CVSS2#" prefix dropped', async () => {
    const v2only = item({
      id: '10114',
      name: 'ICMP Timestamp Request Remote Date Disclosure',
      severity: '0',
      port: '0',
      svc: 'general',
      protocol: 'icmp',
      body: '<cve>CVE-1999-0524</cve><cvss_base_score>0.0</cvss_base_score><cvss_vector>CVSS2#AV:L/AC:L/Au:N/C:N/I:N/A:N</cvss_vector><description>The remote host answers to an ICMP timestamp request.</description>',
    });
    const { findings } = await parse(nessusXml([host('web01', [smbSigning, v2only])]));
    assert.deepEqual(findings[0]?.cvss, { version: '3.0', vector: 'AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:N', score: 5.3 });
    assert.deepEqual(findings[1]?.cvss, { version: '2.0', vector: 'AV:L/AC:L/Au:N/C:N/I:N/A:N', score: 0 });
    assert.deepEqual(findings[1]?.location, { host: '10.0.0.20', protocol: 'icmp' });
  });

  test('locates a host by its ReportHost name when Nessus gives no host-ip', async () => {
    const { findings } = await parse(nessusXml([host('db01.corp.example', [smbSigning], null)]));
    assert.equal(findings[0]?.location.host, 'db01.corp.example');
  });

  test('names the tool run once with the Nessus version, also for a report without results', async () => {
    const { tools } = await parse(nessusXml([host('web01', [scanInfo, item()]), host('web02', [scanInfo])]));
    assert.deepEqual(tools, ['Nessus 10.4.2']);
    const empty = await parse(nessusXml([]));
    assert.deepEqual(empty, { findings: [], tools: ['Nessus'] });
  });

  test('reads the same findings whatever the chunks the file arrives in', async () => {
    const xml = nessusXml([host('web01', [scanInfo, item(), smbSigning]), host('web02', [item()], '10.0.0.21')]);
    const whole = await parse(xml);
    const chunked = await parse(xml, 'scan.nessus', 7);
    assert.deepEqual(chunked, whole);
  });
});

describe('nessus secrets and size', () => {
  test('never reads the Policy (it can hold scan credentials) and redacts credentials in plugin outputs', async () => {
    const creds = item({
      id: '10862',
      name: 'Microsoft SQL Server sa Account Default Blank Password',
      severity: '4',
      port: '1433',
      svc: 'mssql',
      body: "<description>The sa account has a weak password.</description><plugin_output>It was possible to login as 'sa' with password 'Winter2023!'.\nPassword : Winter2023!</plugin_output>",
    });
    const { findings } = await parse(nessusXml([host('db01', [creds])]));
    const json = JSON.stringify(findings);
    assert.doesNotMatch(json, /PolicySecret42|Winter2023/);
    assert.match(
      String(findings[0]?.detail?.['pluginOutput']),
      /with password '\[redacted\]'\.\nPassword : \[redacted\]/,
    );
  });

  test('clips a long plugin output at 4,000 characters', async () => {
    const long = item({ body: `<description>d</description><plugin_output>${'A'.repeat(10_000)}</plugin_output>` });
    const { findings } = await parse(nessusXml([host('web01', [long])]));
    assert.equal(String(findings[0]?.detail?.['pluginOutput']).length, 4001);
  });
});

describe('nessus WAS (web app scanning) reports', () => {
  test('gives web findings at the scanned site, one per plugin, from a Report of type "was"', async () => {
    const { findings, tools } = await parse(wasXml, 'was.xml');
    assert.deepEqual(tools, ['Tenable WAS']);
    assert.equal(findings.length, 2, "the two XSS results on two pages are one finding at the site, like ZAP's alerts");
    const [xss, csp] = findings;
    assert.equal(xss?.tool, 'Tenable WAS');
    assert.equal(xss?.kind, 'web');
    assert.deepEqual(xss?.location, { url: 'https://shop.example.com/', host: 'shop.example.com', port: 443 });
    assert.deepEqual(xss?.cwes, [79]);
    assert.deepEqual(xss?.cvss, { version: '3.0', score: 7.1 });
    assert.equal(xss?.severity, 'high');
    assert.equal(xss?.detail?.['occurrences'], 2);
    assert.match(String(xss?.detail?.['pluginOutput']), /\/search[\s\S]*\/cart/);
    assert.deepEqual(csp?.cwes, [693]);
    assert.equal(csp?.detail?.['pluginOutput'], 'Cookie: [redacted]');
  });

  test('names Tenable WAS as the tool of an empty WAS report', async () => {
    const empty = wasXml.replace(/<ReportHost[\s\S]*<\/ReportHost>/, '');
    assert.deepEqual(await parse(empty, 'was.xml'), { findings: [], tools: ['Tenable WAS'] });
  });
});

describe('nessus errors', () => {
  test('rejects another XML root, and says to export v2 for a Nessus v1 file', async () => {
    await assert.rejects(
      parse('<OWASPZAPReport version="2"/>', 'r.xml'),
      badInputError(/^r\.xml: not a \.nessus v2 report: the root element is <OWASPZAPReport>/),
    );
    await assert.rejects(
      parse('<NessusClientData><Report/></NessusClientData>', 'old.nessus'),
      badInputError(/export the scan as "\.nessus" v2/),
    );
  });

  test('rejects a truncated file with its line and column', async () => {
    const xml = nessusXml([host('web01', [item(), smbSigning])]);
    await assert.rejects(
      parse(xml.slice(0, xml.indexOf('<ReportItem', xml.indexOf('<ReportItem') + 10) + 30), 'cut.nessus'),
      badInputError(/^cut\.nessus: not well-formed XML at line \d+, column \d+: .*truncated/),
    );
  });

  test('never expands an entity declared in a DOCTYPE', async () => {
    const xxe = nessusXml([host('web01', [item({ body: '<description>&xxe;</description>' })])]).replace(
      '<?xml version="1.0" ?>',
      '<?xml version="1.0" ?>\n<!DOCTYPE NessusClientData_v2 [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    );
    await assert.rejects(parse(xxe), badInputError(/undefined entity/));
  });

  test('rejects a ReportItem without pluginID, naming its line', async () => {
    const xml = nessusXml([host('web01', [item().replace(' pluginID="58988"', '')])]);
    const line = xml.slice(0, xml.indexOf('<ReportItem')).split('\n').length;
    await assert.rejects(
      parse(xml, 'x.nessus'),
      badInputError(new RegExp(`^x\\.nessus: the <ReportItem> at line ${line} has no pluginID`)),
    );
  });

  test('rejects a ReportItem outside any ReportHost', async () => {
    await assert.rejects(
      parse(`<NessusClientData_v2><Report>${item()}</Report></NessusClientData_v2>`),
      badInputError(/the <ReportItem> at line 1 is not inside a <ReportHost>/),
    );
  });
});

describe('nessus robustness', () => {
  const xml = nessusXml([host('web01', [scanInfo, item(), smbSigning])]).replace(/<Policy>[\s\S]*<\/Policy>/, '');

  robustnessTests({ parse, seeds: [xml] }, { quickly: true, runs: { mutated: 300 } });

  test('attribute values of any shape never throw anything but bad_input', async () => {
    const values = fc.oneof(
      fc.constantFrom(
        '',
        '-1',
        '0',
        '99999',
        'NaN',
        '1e400',
        'https://',
        'http://[',
        'was',
        'constructor',
        '__proto__',
      ),
      fc.string({ maxLength: 8 }).map((s) => s.replace(/[<&"]/g, '')),
    );
    const names = fc.constantFrom('port', 'severity', 'pluginID', 'pluginName', 'protocol', 'svc_name', 'name', 'type');
    await fc.assert(
      fc.asyncProperty(names, values, async (name, value) => {
        await onlyBadInput(parse, xml.replace(new RegExp(`\\b${name}="[^"]*"`, 'g'), `${name}="${value}"`), 2000);
        await onlyBadInput(parse, wasXml.replace(new RegExp(`\\b${name}="[^"]*"`, 'g'), `${name}="${value}"`), 2000);
      }),
      { numRuns: 200 },
    );
  });
});
