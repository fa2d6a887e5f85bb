import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ParsedFinding, ReportParser } from '../types.ts';
import { openvasCsvParser, openvasParser } from './openvas.ts';
import { badInputError, inputOf, robustnessTests, onlyBadInput } from '../../../test/support/parsing.ts';

async function parse(
  parser: ReportParser,
  text: string,
  name = 'report.xml',
): Promise<{ findings: ParsedFinding[]; tools: string[] }> {
  const findings: ParsedFinding[] = [];
  const tools: string[] = [];
  for await (const f of parser.parse(inputOf(name, text), { tool: (n) => void tools.push(n) })) findings.push(f);
  return { findings, tools };
}

// ---- fixtures: reports shaped like Greenbone 22.4's XML and CSV exports ----

interface ResultOpts {
  oid?: string;
  name?: string;
  host?: string;
  port?: string;
  severity?: string;
  threat?: string;
  nvtExtra?: string;
  description?: string;
  extra?: string;
}

function result(o: ResultOpts = {}): string {
  return `<result id="7b5c3f0e-${o.oid?.slice(-4) ?? '0001'}">
  <name>${o.name ?? 'OpenSSH 7.2 - 8.x Multiple Vulnerabilities'}</name>
  <owner><name>admin</name></owner>
  <creation_time>2024-03-18T12:46:31Z</creation_time>
  <host>${o.host ?? '10.0.0.8'}<asset asset_id="5c1f"/><hostname>bastion.corp.example</hostname></host>
  <port>${o.port ?? '22/tcp'}</port>
  <nvt oid="${o.oid ?? '1.3.6.1.4.1.25623.1.0.150713'}">
    <type>nvt</type>
    <name>${o.name ?? 'OpenSSH 7.2 - 8.x Multiple Vulnerabilities'}</name>
    <family>General</family>
    <cvss_base>${o.severity ?? '7.8'}</cvss_base>
    ${
      o.nvtExtra
      ?? `<severities score="7.8"><severity type="cvss_base_v3"><origin/><date>2021-09-24T00:00:00Z</date><score>7.8</score><value>CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H</value></severity></severities>
    <tags>summary=OpenSSH is prone to multiple vulnerabilities.|insight=The following vulnerabilities exist:

  - CVE-2021-41617: privilege escalation when certain non-default configurations are used

  - CVE-2020-15778: scp allows command injection|affected=OpenSSH versions 7.2 through 8.7.|impact=|vuldetect=Checks if a vulnerable version is present on the target host.|solution_type=VendorFix</tags>
    <solution type="VendorFix">Update to version 8.8 or later.</solution>
    <refs><ref type="cve" id="CVE-2021-41617"/><ref type="cve" id="CVE-2020-15778"/><ref type="url" id="https://www.openssh.com/txt/release-8.8"/><ref type="cert-bund" id="WID-SEC-2023-1424"/><ref type="dfn-cert" id="DFN-CERT-2021-2001"/></refs>`
    }
  </nvt>
  <scan_nvt_version>2023-10-12T05:05:32Z</scan_nvt_version>
  <threat>${o.threat ?? 'High'}</threat>
  <severity>${o.severity ?? '7.8'}</severity>
  <qod><value>80</value><type>remote_banner</type></qod>
  <description>${o.description ?? 'Installed version: 7.4\nFixed version:     8.8\nInstallation\npath / port:       22/tcp'}</description>
  ${o.extra ?? `<detection><result id="aa41"><details><detail><name>product</name><value>cpe:/a:openbsd:openssh:7.4</value></detail><detail><name>location</name><value>22/tcp</value></detail><detail><name>source_oid</name><value>1.3.6.1.4.1.25623.1.0.100259</value></detail></details></result></detection>`}
  <original_threat>${o.threat ?? 'High'}</original_threat>
  <original_severity>${o.severity ?? '7.8'}</original_severity>
</result>`;
}

const weakCiphers = result({
  oid: '1.3.6.1.4.1.25623.1.0.105611',
  name: 'Weak Encryption Algorithm(s) Supported (SSH)',
  severity: '4.3',
  threat: 'Medium',
  extra: '',
  nvtExtra:
    '<tags>cvss_base_vector=AV:N/AC:M/Au:N/C:P/I:N/A:N|summary=The remote SSH server is configured to allow / support weak\n  encryption algorithm(s).|solution_type=Mitigation</tags><refs><ref type="url" id="https://www.rfc-editor.org/rfc/rfc4253#section-6.3"/></refs>',
  description:
    'The remote SSH server supports the following weak client-to-server encryption algorithm(s):\n\naes128-cbc',
});

const defaultCreds = result({
  oid: '1.3.6.1.4.1.25623.1.0.103552',
  name: 'PostgreSQL Default Credentials (PostgreSQL Protocol)',
  port: '5432/tcp',
  severity: '9.0',
  threat: 'High',
  extra: '',
  nvtExtra:
    '<tags>summary=It was possible to login into the remote PostgreSQL as user postgres using weak credentials.|solution_type=Mitigation</tags><refs><ref type="url" id="https://cwe.mitre.org/data/definitions/521.html"/></refs>',
  description: 'It was possible to login as user postgres with password "postgres".',
});

const osDetection = result({
  oid: '1.3.6.1.4.1.25623.1.0.105937',
  name: 'OS Detection Consolidation and Reporting',
  port: 'general/tcp',
  severity: '0.0',
  threat: 'Log',
  extra: '',
  nvtExtra:
    '<tags>summary=This script consolidates the OS information detected by several VTs.|qod_type=remote_banner</tags><refs/>',
  description: 'Best matching OS:\n\nOS: Debian GNU/Linux 11',
});

const falsePositive = result({
  oid: '1.3.6.1.4.1.25623.1.0.108440',
  name: 'Cleartext Transmission of Sensitive Information via HTTP',
  port: '80/tcp',
  severity: '-1',
  threat: 'False Positive',
  extra: '',
  nvtExtra: '<tags>summary=The host transmits sensitive information in cleartext via HTTP.</tags><refs/>',
});

function gvmXml(results: string[], opts: { root?: string } = {}): string {
  const report = `<report id="39f62b85-f870-4ccc-a052-3dc57e315016" format_id="a994b278-1f62-11e1-96ac-406186ea4fc5" extension="xml" content_type="text/xml">
  <owner><name>admin</name></owner>
  <name>2024-03-18T12:46:31Z</name>
  <report_format id="a994b278-1f62-11e1-96ac-406186ea4fc5"><name>XML</name></report_format>
  <report id="39f62b85-f870-4ccc-a052-3dc57e315016">
    <gmp><version>22.4</version></gmp>
    <scan_run_status>Done</scan_run_status>
    <hosts><count>1</count></hosts>
    <task id="ef9cd713"><name>Weekly servers</name></task>
    <ports start="1" max="-1"><count>2</count><port>22/tcp<host>10.0.0.8</host><severity>7.8</severity><threat>High</threat></port></ports>
    <results start="1" max="-1">
${results.join('\n')}
    </results>
    <result_count>${results.length}<full>${results.length}</full></result_count>
    <host><ip>10.0.0.8</ip><start>2024-03-18T12:46:40Z</start><detail><name>hostname</name><value>bastion.corp.example</value></detail></host>
  </report>
</report>`;
  return opts.root ? `<${opts.root} status="200" status_text="OK">${report}</${opts.root}>` : report;
}

const csvHeader = [
  'IP',
  'Hostname',
  'Port',
  'Port Protocol',
  'CVSS',
  'Severity',
  'QoD',
  'Solution Type',
  'NVT Name',
  'Summary',
  'Specific Result',
  'NVT OID',
  'CVEs',
  'Task ID',
  'Task Name',
  'Timestamp',
  'Result ID',
  'Impact',
  'Solution',
  'Affected Software/OS',
  'Vulnerability Insight',
  'Vulnerability Detection Method',
  'Product Detection Result',
  'BIDs',
  'CERTs',
  'Other References',
  'Max Severity EPSS score',
  'Max Severity EPSS percentile',
];

function csvRow(o: Partial<Record<string, string>> = {}): string[] {
  const base: Record<string, string> = {
    'IP': '10.99.99.99',
    'Hostname': 'server99',
    'Port': '445',
    'Port Protocol': 'tcp',
    'CVSS': '9.8',
    'Severity': 'High',
    'QoD': '80',
    'Solution Type': 'VendorFix',
    'NVT Name': 'Microsoft Windows Multiple Vulnerabilities (KB5062557)',
    'Summary': 'This host is missing an important security\n  update according to Microsoft KB5062557',
    'Specific Result':
      'Vulnerable range:  10.0.17763.0 - 10.0.17763.7557\nFile checked:      C:\\Windows\\system32\\Ntoskrnl.exe\n',
    'NVT OID': '1.3.6.1.4.1.25623.1.0.836484',
    'CVEs': 'CVE-2025-49659,CVE-2025-48823,CVE-2025-49684',
    'Task ID': '4949d3d6',
    'Task Name': 'Servers',
    'Timestamp': '2025-08-22T16:27:22+02:00',
    'Result ID': 'ec5f93ff',
    'Impact': 'Successful exploitation allows an attacker\n  to elevate privileges.',
    'Solution': 'The vendor has released updates.',
    'CERTs': 'DFN-CERT-2025-2181,WID-SEC-2025-1850',
    'Other References': 'https://support.microsoft.com/help/5062557',
    'Max Severity EPSS score': '0.00143',
    'Max Severity EPSS percentile': '0.35177',
  };
  return csvHeader.map((h) => o[h] ?? base[h] ?? '');
}

const q = (v: string): string => `"${v.replace(/"/g, '""')}"`;
const csv = (rows: string[][]): string => rows.map((r) => r.map(q).join(',')).join('\n') + '\n';

describe('openvas detection', () => {
  test('recognises the GVM XML report and the get_reports response by their roots and GVM attributes', () => {
    assert.ok(openvasParser.detect(gvmXml([result()]).slice(0, 4096), 'r.xml'));
    assert.ok(openvasParser.detect(gvmXml([result()], { root: 'get_reports_response' }).slice(0, 4096), 'r.xml'));
    assert.ok(
      openvasParser.detect('<?xml version="1.0"?>\n<report id="x" extension="xml" format_id="a994b278', 'r.xml'),
    );
  });

  test('recognises the CSV export by its header row', () => {
    assert.ok(openvasCsvParser.detect(csv([csvHeader, csvRow()]).slice(0, 4096), 'r.csv'));
    assert.ok(
      openvasCsvParser.detect(
        'IP,Hostname,Port,Port Protocol,CVSS,Severity,Solution Type,NVT Name,Summary,Specific Result,NVT OID,CVEs,Task ID',
        'r.csv',
      ),
    );
  });

  test("claims no other format, nor a <report> root without GVM's marks", () => {
    for (const head of [
      '<report><issue>x</issue></report>',
      '<?xml version="1.0"?><NessusClientData_v2>',
      '<?xml version="1.0"?><OWASPZAPReport>',
      'Plugin ID,CVE,CVSS,Risk,Host,Protocol,Port,Name\n',
      'IP,Port,CVSS\n',
      '{"report":{}}',
      '',
    ]) {
      assert.equal(openvasParser.detect(head, 'x'), false, head);
      assert.equal(openvasCsvParser.detect(head, 'x'), false, head);
    }
  });
});

describe('openvas XML report', () => {
  test('maps a result to a host finding: NVT, CVSS v3 from severities, CVEs, component, location, references, detail', async () => {
    const { findings, tools } = await parse(openvasParser, gvmXml([result()]));
    assert.deepEqual(tools, ['OpenVAS']);
    const [f] = findings;
    assert.equal(f?.tool, 'OpenVAS');
    assert.equal(f?.ruleId, '1.3.6.1.4.1.25623.1.0.150713');
    assert.equal(f?.kind, 'host');
    assert.equal(f?.title, 'OpenSSH 7.2 - 8.x Multiple Vulnerabilities');
    assert.equal(f?.description, 'OpenSSH is prone to multiple vulnerabilities.');
    assert.equal(f?.severity, 'high');
    assert.deepEqual(f?.cvss, { version: '3.1', vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', score: 7.8 });
    assert.deepEqual(f?.aliases, ['CVE-2020-15778', 'CVE-2021-41617']);
    assert.deepEqual(f?.component, { name: 'openssh', version: '7.4' });
    assert.deepEqual(f?.location, { host: '10.0.0.8', port: 22, protocol: 'tcp' });
    assert.deepEqual(f?.references, ['https://www.openssh.com/txt/release-8.8']);
    const d = f?.detail ?? {};
    assert.equal(d['solution'], 'Update to version 8.8 or later.');
    assert.equal(d['solutionType'], 'VendorFix');
    assert.equal(
      d['insight'],
      'The following vulnerabilities exist:\n\n- CVE-2021-41617: privilege escalation when certain non-default configurations are used\n\n- CVE-2020-15778: scp allows command injection',
    );
    assert.equal(d['qod'], 80);
    assert.deepEqual(d['certs'], ['WID-SEC-2023-1424', 'DFN-CERT-2021-2001']);
    assert.equal(d['hostname'], 'bastion.corp.example');
    assert.match(String(d['specificResult']), /^Installed version: 7\.4/);
  });

  test('reads an older NVT: CVSS v2 vector from the tags, CWE from a definition link', async () => {
    const { findings } = await parse(openvasParser, gvmXml([weakCiphers, defaultCreds]));
    assert.deepEqual(findings[0]?.cvss, { version: '2.0', vector: 'AV:N/AC:M/Au:N/C:P/I:N/A:N', score: 4.3 });
    assert.equal(findings[0]?.severity, 'medium');
    assert.equal(
      findings[0]?.description,
      'The remote SSH server is configured to allow / support weak encryption algorithm(s).',
    );
    assert.deepEqual(findings[1]?.cwes, [521]);
    assert.equal(findings[1]?.severity, 'critical', 'GVM\'s "High" 9.0 is critical in the CVSS bands');
  });

  test('redacts the password a default-credentials check found', async () => {
    const { findings } = await parse(openvasParser, gvmXml([defaultCreds]));
    assert.equal(
      findings[0]?.detail?.['specificResult'],
      'It was possible to login as user postgres with password "[redacted]".',
    );
  });

  test('keeps Log results as info (as the peer counts them), leaves out false positives, counts no nested detection result', async () => {
    const { findings } = await parse(openvasParser, gvmXml([result(), osDetection, falsePositive]));
    assert.deepEqual(
      findings.map((f) => [f.title, f.severity]),
      [
        ['OpenSSH 7.2 - 8.x Multiple Vulnerabilities', 'high'],
        ['OS Detection Consolidation and Reporting', 'info'],
      ],
    );
    assert.deepEqual(findings[1]?.location, { host: '10.0.0.8', protocol: 'tcp' });
  });

  test('gives one finding per NVT per host and port', async () => {
    const { findings } = await parse(
      openvasParser,
      gvmXml([
        weakCiphers,
        weakCiphers,
        weakCiphers.replace('<port>22/tcp', '<port>2222/tcp'),
        weakCiphers.replace('10.0.0.8<asset', '10.0.0.9<asset'),
      ]),
    );
    assert.deepEqual(
      findings.map((f) => `${f.location.host}:${f.location.port}`),
      ['10.0.0.8:22', '10.0.0.8:2222', '10.0.0.9:22'],
    );
    assert.equal(findings[0]?.detail?.['occurrences'], 2);
  });

  test('reads the results of a get_reports response and an empty report', async () => {
    assert.equal((await parse(openvasParser, gvmXml([result()], { root: 'get_reports_response' }))).findings.length, 1);
    assert.deepEqual(await parse(openvasParser, gvmXml([])), { findings: [], tools: ['OpenVAS'] });
  });

  test('rejects another root, a truncated report, a result without NVT or host', async () => {
    await assert.rejects(
      parse(openvasParser, '<NessusClientData_v2/>', 'r.xml'),
      badInputError(/^r\.xml: not an OpenVAS report: the root element is <NessusClientData_v2>/),
    );
    const xml = gvmXml([result(), weakCiphers]);
    await assert.rejects(
      parse(openvasParser, xml.slice(0, xml.lastIndexOf('<result id')), 'r.xml'),
      badInputError(/^r\.xml: not well-formed XML at line \d+, column \d+/),
    );
    const noNvt = gvmXml([
      result()
        .replace(/<nvt oid="[^"]*">[\s\S]*<\/nvt>/, '')
        .replace(/<name>OpenSSH[^<]*<\/name>/, ''),
    ]);
    const line = noNvt.slice(0, noNvt.indexOf('<result id')).split('\n').length;
    await assert.rejects(
      parse(openvasParser, noNvt, 'r.xml'),
      badInputError(new RegExp(`the <result> at line ${line} has no NVT OID or name`)),
    );
    await assert.rejects(
      parse(openvasParser, gvmXml([result({ host: '' }).replace(/<hostname>[^<]*<\/hostname>/, '')]), 'r.xml'),
      badInputError(/the <result> at line \d+ has no host/),
    );
  });
});

describe('openvas CSV export', () => {
  test('maps a row to a host finding: CVSS score, every CVE, location, references, detail', async () => {
    const { findings, tools } = await parse(openvasCsvParser, csv([csvHeader, csvRow()]), 'r.csv');
    assert.deepEqual(tools, ['OpenVAS']);
    const [f] = findings;
    assert.equal(f?.ruleId, '1.3.6.1.4.1.25623.1.0.836484');
    assert.equal(f?.title, 'Microsoft Windows Multiple Vulnerabilities (KB5062557)');
    assert.equal(f?.description, 'This host is missing an important security update according to Microsoft KB5062557');
    assert.equal(f?.severity, 'critical');
    assert.deepEqual(f?.cvss, { score: 9.8 });
    assert.deepEqual(f?.aliases, ['CVE-2025-48823', 'CVE-2025-49659', 'CVE-2025-49684']);
    assert.deepEqual(f?.location, { host: '10.99.99.99', port: 445, protocol: 'tcp' });
    assert.deepEqual(f?.references, ['https://support.microsoft.com/help/5062557']);
    const d = f?.detail ?? {};
    assert.equal(d['hostname'], 'server99');
    assert.equal(d['impact'], 'Successful exploitation allows an attacker to elevate privileges.');
    assert.deepEqual(d['certs'], ['DFN-CERT-2025-2181', 'WID-SEC-2025-1850']);
    assert.deepEqual(d['columns'], {
      'Task ID': '4949d3d6',
      'Max Severity EPSS score': '0.00143',
      'Max Severity EPSS percentile': '0.35177',
    });
  });

  test('joins identical rows (GVM repeats a result in combined reports) and keeps Log rows as info', async () => {
    const tcpTimestamps = csvRow({
      'Port': '',
      'Port Protocol': '',
      'CVSS': '2.6',
      'Severity': 'Low',
      'NVT Name': 'TCP Timestamps Information Disclosure',
      'NVT OID': '1.3.6.1.4.1.25623.1.0.80091',
      'CVEs': '',
    });
    const services = csvRow({
      'Port': '443',
      'CVSS': '0.0',
      'Severity': 'Log',
      'NVT Name': 'Services',
      'NVT OID': '1.3.6.1.4.1.25623.1.0.10330',
      'CVEs': '',
    });
    const { findings } = await parse(
      openvasCsvParser,
      csv([csvHeader, tcpTimestamps, tcpTimestamps, services]),
      'r.csv',
    );
    assert.deepEqual(
      findings.map((f) => [f.title, f.severity, f.location.port]),
      [
        ['TCP Timestamps Information Disclosure', 'low', undefined],
        ['Services', 'info', 443],
      ],
    );
  });

  test('reads a CVE-scanner row: the CVE is the check, the port comes from the result text', async () => {
    const row = csvRow({
      'Port': '',
      'Port Protocol': '',
      'CVSS': '7.5',
      'NVT Name': 'CVE-2021-26690',
      'NVT OID': 'CVE-2021-26690',
      'CVEs': '',
      'Specific Result':
        'The host carries the product: cpe:/a:apache:http_server:2.4.7\nIt is vulnerable according to: CVE-2021-26690.\nThe product was found at: 80/tcp.',
      'Product Detection Result': 'Product: cpe:/a:apache:http_server:2.4.7\nMethod: CVE-2021-26690',
    });
    const { findings } = await parse(openvasCsvParser, csv([csvHeader, row]), 'r.csv');
    assert.deepEqual(findings[0]?.aliases, ['CVE-2021-26690']);
    assert.deepEqual(findings[0]?.location, { host: '10.99.99.99', port: 80, protocol: 'tcp' });
    assert.deepEqual(findings[0]?.component, { name: 'http_server', version: '2.4.7' });
  });

  test('ignores a CVSS or port that is not a number, falling back to the Severity word', async () => {
    const { findings } = await parse(
      openvasCsvParser,
      csv([csvHeader, csvRow({ 'CVSS': 'n/a', 'Port': 'general' })]),
      'r.csv',
    );
    assert.equal(findings[0]?.severity, 'high');
    assert.equal(findings[0]?.cvss, undefined);
    assert.deepEqual(findings[0]?.location, { host: '10.99.99.99', protocol: 'tcp' });
  });

  test('reads a Severity like "constructor" as info when there is no score, never as an Object.prototype member', async () => {
    const { findings } = await parse(
      openvasCsvParser,
      csv([csvHeader, csvRow({ 'CVSS': '', 'Severity': 'constructor' })]),
      'r.csv',
    );
    assert.equal(findings[0]?.severity, 'info');
  });

  test('rejects a stray quote or a row without IP, naming the line', async () => {
    const text = csv([csvHeader, csvRow()]);
    const lines = text.split('\n').length;
    await assert.rejects(
      parse(openvasCsvParser, `${text}"10.0.0.1"x,,\n`, 'r.csv'),
      badInputError(new RegExp(`^r\\.csv: not valid CSV at line ${lines}: Invalid Closing Quote`)),
    );
    await assert.rejects(
      parse(openvasCsvParser, csv([csvHeader, csvRow({ 'IP': '' })]), 'r.csv'),
      badInputError(/^r\.csv: the row at line 2 has no host$/),
    );
    await assert.rejects(
      parse(openvasCsvParser, 'IP,Port\n1,2\n', 'r.csv'),
      badInputError(/^r\.csv: not an OpenVAS CSV export/),
    );
  });
});

describe('openvas robustness', () => {
  const xml = gvmXml([result(), weakCiphers, defaultCreds, osDetection]);
  const text = csv([csvHeader, csvRow(), csvRow({ 'Port': '', 'Severity': 'Log', 'CVSS': '0.0' })]);

  const gvm = (s: string): Promise<unknown> => parse(openvasParser, s);
  const gvmCsv = (s: string): Promise<unknown> => parse(openvasCsvParser, s);

  robustnessTests(
    [
      { parse: gvm, seeds: [xml] },
      { parse: gvmCsv, seeds: [text] },
    ],
    { quickly: true, runs: { mutated: 300 } },
  );

  test('any value in any element or column never throws anything but bad_input', async () => {
    const values = fc.oneof(
      fc.constantFrom(
        '',
        '-1',
        '0.0',
        '10.0',
        '1e400',
        'NaN',
        'general/tcp',
        'http (80/tcp)',
        'cpe:/a:x',
        'CVE-2020-0001',
        'constructor',
        '__proto__',
      ),
      fc.string({ maxLength: 10 }).map((s) => s.replace(/[<&]/g, '')),
    );
    const elements = fc.constantFrom(
      'port',
      'severity',
      'threat',
      'cvss_base',
      'tags',
      'score',
      'value',
      'host',
      'name',
      'description',
    );
    await fc.assert(
      fc.asyncProperty(elements, values, fc.nat(), async (el, v, k) => {
        await onlyBadInput(gvm, xml.replace(new RegExp(`<${el}>[^<]*</${el}>`, 'g'), `<${el}>${v}</${el}>`), 2000);
        const row = csvRow();
        row[k % row.length] = v;
        await onlyBadInput(gvmCsv, csv([csvHeader, row]), 2000);
      }),
      { numRuns: 300 },
    );
  });
});
