import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ParsedFinding, ReportParser } from '../types.ts';
import { nessusCsvParser, nessusWasCsvParser } from './nessus-csv.ts';
import { badInputError, inputOf, robustnessTests, onlyBadInput } from '../../../test/support/parsing.ts';

async function parse(
  parser: ReportParser,
  text: string,
  name = 'scan.csv',
): Promise<{ findings: ParsedFinding[]; tools: string[] }> {
  const findings: ParsedFinding[] = [];
  const tools: string[] = [];
  for await (const f of parser.parse(inputOf(name, text), { tool: (n) => void tools.push(n) })) findings.push(f);
  return { findings, tools };
}

const q = (v: string): string => `"${v.replace(/"/g, '""')}"`;
const csv = (rows: string[][]): string => rows.map((r) => r.map(q).join(',')).join('\n') + '\n';

// ---- fixtures: exports shaped like Nessus 10's, Tenable.sc's and Tenable WAS's ----

const nessusHeader = [
  'Plugin ID',
  'CVE',
  'CVSS v2.0 Base Score',
  'Risk',
  'Host',
  'Protocol',
  'Port',
  'Name',
  'Synopsis',
  'Description',
  'Solution',
  'See Also',
  'Plugin Output',
  'STIG Severity',
  'CVSS v3.0 Base Score',
  'CVSS v2.0 Temporal Score',
  'VPR Score',
  'EPSS Score',
  'Risk Factor',
  'BID',
  'XREF',
];

function nessusRow(o: Partial<Record<string, string>> = {}): string[] {
  const base: Record<string, string> = {
    'Plugin ID': '187315',
    'CVE': 'CVE-2023-48795',
    'CVSS v2.0 Base Score': '5.4',
    'Risk': 'Medium',
    'Host': '192.168.0.100',
    'Protocol': 'tcp',
    'Port': '22',
    'Name': 'SSH Terrapin Prefix Truncation Weakness (CVE-2023-48795)',
    'Synopsis': 'The remote SSH server is vulnerable to a mitm prefix truncation attack.',
    'Description':
      'The remote SSH server is vulnerable to a man-in-the-middle prefix truncation weakness known as Terrapin.\n This can allow a remote attacker to bypass integrity checks.',
    'Solution': 'Contact the vendor for an update with the strict key exchange countermeasures.',
    'See Also': 'https://terrapin-attack.com/\nhttps://www.openssh.com/txt/release-9.6',
    'Plugin Output': 'Supports following ChaCha20-Poly1305 Client to Server algorithm : chacha20-poly1305@openssh.com',
    'STIG Severity': '',
    'CVSS v3.0 Base Score': '5.9',
    'CVSS v2.0 Temporal Score': '4.2',
    'VPR Score': '6.1',
    'EPSS Score': '0.9589',
    'Risk Factor': 'Medium',
    'BID': '',
    'XREF': 'CWE:354',
  };
  return nessusHeader.map((h) => o[h] ?? base[h] ?? '');
}

const scHeader = [
  'Plugin',
  'Plugin Name',
  'Family',
  'Severity',
  'IP Address',
  'Protocol',
  'Port',
  'Exploit?',
  'Repository',
  'MAC Address',
  'DNS Name',
  'NetBIOS Name',
  'Plugin Text',
  'Synopsis',
  'Description',
  'Solution',
  'See Also',
  'Risk Factor',
  'CVSS V2 Base Score',
  'CVSS V3 Base Score',
  'CVSS V2 Vector',
  'CVSS V3 Vector',
  'CPE',
  'CVE',
  'Cross References',
];

function scRow(ip: string, port: string): string[] {
  return [
    '73756',
    'Microsoft SQL Server Unsupported Version Detection (remote check)',
    'Databases',
    'Critical',
    ip,
    'TCP',
    port,
    'No',
    'Individual Scan',
    'fa:16:3e:e6:0b:98',
    '',
    'WORKGROUP\\DB01',
    'Plugin Output: \nThe following unsupported installation of Microsoft SQL Server was\ndetected :\n\n  Installed version : 10.50.6560.0\n  Fixed version     : This version is no longer supported.',
    'An unsupported version of a database server is running on the remote host.',
    'Lack of support implies that no new security patches will be released.',
    'Upgrade to a version of Microsoft SQL Server that is currently supported.',
    'http://www.nessus.org/u?d4418a57',
    'Critical',
    '10.0',
    '10.0',
    'AV:N/AC:L/Au:N/C:C/I:C/A:C',
    'AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
    'cpe:/a:microsoft:sql_server',
    '',
    'IAVA #0001-A-0560',
  ];
}

const wasHeader = [
  'Plugin ID',
  'CVE',
  'CVSS',
  'CVSSv3',
  'Risk',
  'Host',
  'Protocol',
  'Port',
  'Name',
  'Synopsis',
  'Description',
  'Solution',
  'See Also',
  'Plugin Output',
];
const wasCsv = csv([
  wasHeader,
  [
    '98104',
    '',
    '7.5',
    '7.1',
    'high',
    'shop.example.com',
    'https',
    '',
    'Cross-Site Scripting (XSS)',
    'Cross-Site Scripting (XSS)',
    'Cross Site Scripting (XSS) allows clients to inject scripts into a request.',
    'Encode untrusted data.',
    'https://owasp.org/www-community/attacks/xss/',
    "Vulnerability has been detected on URL 'https://shop.example.com/search' by exploiting 'form' element named 'q'.",
  ],
]);

describe('nessus CSV detection', () => {
  test('recognises Nessus and Tenable.sc exports by their header row, and Tenable WAS by its CVSSv3 column', () => {
    for (const text of [
      csv([nessusHeader, nessusRow()]),
      csv([scHeader, scRow('10.0.0.1', '1433')]),
      'Plugin ID,CVE,CVSS,Risk,Host,Protocol,Port,Name,Synopsis',
    ]) {
      assert.ok(nessusCsvParser.detect(text.slice(0, 4096), 'x.csv'), text.slice(0, 40));
      assert.ok(!nessusWasCsvParser.detect(text.slice(0, 4096), 'x.csv'));
    }
    assert.ok(nessusWasCsvParser.detect(wasCsv.slice(0, 4096), 'was.csv'));
    assert.ok(
      nessusWasCsvParser.detect(wasHeader.join(','), 'was.csv'),
      'a header-only export without a final newline',
    );
    assert.ok(!nessusCsvParser.detect(wasCsv.slice(0, 4096), 'was.csv'));
    assert.ok(nessusCsvParser.detect(nessusHeader.join(';') + '\n', 'x.csv'), 'semicolon-separated');
  });

  test('claims no other CSV, XML or JSON', () => {
    for (const head of [
      'IP,Hostname,Port,Port Protocol,CVSS,Severity,Solution Type,NVT Name,Summary,Specific Result,NVT OID,CVEs\n',
      'File,Line,Column,DefaultLevel,Level,Category,Name,Warning,Suggestion,Note,CWEs,Context,Fingerprint\n',
      'Plugin ID,Host,Port\n',
      '<?xml version="1.0" ?><NessusClientData_v2>',
      '{"Plugin ID":1,"Name":"x","Host":"h","Risk":"High","Port":1,"Protocol":"tcp"}',
      '',
    ]) {
      assert.equal(nessusCsvParser.detect(head, 'x'), false, head);
      assert.equal(nessusWasCsvParser.detect(head, 'x'), false, head);
    }
  });
});

describe('nessus CSV export', () => {
  test('maps a row to a host finding: plugin, severity, CVSS v3 score, CVE, CWE from XREF, location, references, detail', async () => {
    const { findings, tools } = await parse(nessusCsvParser, csv([nessusHeader, nessusRow()]));
    assert.deepEqual(tools, ['Nessus']);
    const [f] = findings;
    assert.equal(f?.tool, 'Nessus');
    assert.equal(f?.ruleId, '187315');
    assert.equal(f?.kind, 'host');
    assert.equal(f?.title, 'SSH Terrapin Prefix Truncation Weakness (CVE-2023-48795)');
    assert.equal(f?.severity, 'medium');
    assert.deepEqual(f?.cvss, { version: '3.0', score: 5.9 });
    assert.deepEqual(f?.aliases, ['CVE-2023-48795']);
    assert.deepEqual(f?.cwes, [354]);
    assert.deepEqual(f?.location, { host: '192.168.0.100', port: 22, protocol: 'tcp' });
    assert.deepEqual(f?.references, ['https://terrapin-attack.com/', 'https://www.openssh.com/txt/release-9.6']);
    assert.equal(
      f?.description,
      'The remote SSH server is vulnerable to a man-in-the-middle prefix truncation weakness known as Terrapin. This can allow a remote attacker to bypass integrity checks.',
    );
    assert.deepEqual(f?.detail?.['cvssV2'], { version: '2.0', score: 5.4 });
    assert.deepEqual(f?.detail?.['columns'], {
      'CVSS v2.0 Temporal Score': '4.2',
      'VPR Score': '6.1',
      'EPSS Score': '0.9589',
    });
    assert.match(String(f?.detail?.['pluginOutput']), /^Supports following ChaCha20/);
  });

  test('joins the rows Nessus writes once per CVE of a plugin into one finding with every CVE', async () => {
    const rc4 = (cve: string): string[] =>
      nessusRow({
        'Plugin ID': '65821',
        'CVE': cve,
        'Name': 'SSL RC4 Cipher Suites Supported (Bar Mitzvah)',
        'Port': '443',
        'XREF': '',
      });
    const { findings } = await parse(
      nessusCsvParser,
      csv([nessusHeader, rc4('CVE-2015-2808'), rc4('CVE-2013-2566'), nessusRow()]),
    );
    assert.equal(findings.length, 2);
    assert.deepEqual(findings[0]?.aliases, ['CVE-2013-2566', 'CVE-2015-2808']);
    assert.equal(findings[0]?.detail?.['occurrences'], 2);
  });

  test('maps "None" risk to info and keeps such rows, as the peer counts them', async () => {
    const info = nessusRow({
      'Plugin ID': '11219',
      'CVE': '',
      'Risk': 'None',
      'Name': 'Nessus SYN scanner',
      'Port': '443',
    });
    const { findings } = await parse(nessusCsvParser, csv([nessusHeader, info]));
    assert.deepEqual(
      findings.map((f) => f.severity),
      ['info'],
    );
  });

  test('reads a Tenable.sc export: IP Address, CVSS vectors, component and fix from the plugin text, padding rows skipped', async () => {
    const padding = scHeader.map(() => '');
    const text = csv([
      scHeader,
      scRow('1.2.3.4', '1433'),
      padding,
      padding,
      scRow('2.3.4.5', '1433'),
      scRow('1.2.3.4', '5555'),
    ]);
    const { findings } = await parse(nessusCsvParser, text);
    // The peer counts 2 here: it keys rows on the "Host" column, which Tenable.sc does not write, so two hosts on the
    // same port become one finding. Entente reads "IP Address" and keeps every host and port: 3.
    assert.deepEqual(
      findings.map((f) => `${f.location.host}:${f.location.port}`),
      ['1.2.3.4:1433', '2.3.4.5:1433', '1.2.3.4:5555'],
    );
    const f = findings[0];
    assert.equal(f?.severity, 'critical');
    assert.deepEqual(f?.cvss, { version: '3.0', vector: 'AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', score: 10 });
    assert.deepEqual(f?.component, { name: 'sql_server', version: '10.50.6560.0' });
    assert.equal(f?.fixedVersion, undefined, '"This version is no longer supported." is not a version');
    assert.equal(f?.location.protocol, 'tcp');
    assert.equal(f?.detail?.['pluginFamily'], 'Databases');
    assert.equal(f?.detail?.['xref'], 'IAVA #0001-A-0560');
    assert.match(String(f?.detail?.['pluginOutput']), /^The following unsupported installation/);
    assert.equal((f?.detail?.['columns'] as Record<string, string> | undefined)?.['NetBIOS Name'], 'WORKGROUP\\DB01');
  });

  test('reads a semicolon-separated export', async () => {
    const text = [nessusHeader, nessusRow()].map((r) => r.map(q).join(';')).join('\r\n');
    const { findings } = await parse(nessusCsvParser, text);
    assert.deepEqual(
      findings.map((f) => f.aliases),
      [['CVE-2023-48795']],
    );
  });

  test('ignores values of the wrong type: a port or score that is not a number', async () => {
    const { findings } = await parse(
      nessusCsvParser,
      csv([nessusHeader, nessusRow({ 'Port': 'ssh', 'CVSS v3.0 Base Score': 'n/a', 'CVSS v2.0 Base Score': '54' })]),
    );
    assert.deepEqual(findings[0]?.location, { host: '192.168.0.100', protocol: 'tcp' });
    assert.equal(findings[0]?.cvss, undefined);
  });

  test('reads a Risk like "constructor" as info, never as an Object.prototype member', async () => {
    const { findings } = await parse(
      nessusCsvParser,
      csv([nessusHeader, nessusRow({ 'Risk': 'constructor' }), nessusRow({ 'Port': '23', 'Risk': '__proto__' })]),
    );
    assert.deepEqual(
      findings.map((f) => f.severity),
      ['info', 'info'],
    );
  });

  test('redacts credentials in the plugin output', async () => {
    const row = nessusRow({
      'Plugin ID': '10862',
      'Name': 'Default Password (admin) for admin account',
      'Plugin Output': 'It was possible to login with :\n  User : admin\n  Password : Summer2024',
    });
    const { findings } = await parse(nessusCsvParser, csv([nessusHeader, row]));
    assert.doesNotMatch(JSON.stringify(findings), /Summer2024/);
  });
});

describe('nessus WAS CSV export', () => {
  test('gives web findings at the site the row names by host and scheme', async () => {
    const { findings, tools } = await parse(nessusWasCsvParser, wasCsv, 'was.csv');
    assert.deepEqual(tools, ['Tenable WAS']);
    const [f] = findings;
    assert.equal(f?.tool, 'Tenable WAS');
    assert.equal(f?.kind, 'web');
    assert.equal(f?.severity, 'high');
    assert.deepEqual(f?.cvss, { version: '3.0', score: 7.1 });
    assert.deepEqual(f?.location, { url: 'https://shop.example.com/', host: 'shop.example.com', port: 443 });
    assert.match(String(f?.detail?.['pluginOutput']), /\/search/);
  });

  test('keeps a port that is not the scheme default in the site URL', async () => {
    const text = wasCsv.replace('"https","",', '"http","8080",');
    const { findings } = await parse(nessusWasCsvParser, text, 'was.csv');
    assert.deepEqual(findings[0]?.location, {
      url: 'http://shop.example.com:8080/',
      host: 'shop.example.com',
      port: 8080,
    });
  });

  test('an export with only its header is a WAS run with no findings', async () => {
    assert.deepEqual(await parse(nessusWasCsvParser, wasHeader.join(','), 'was.csv'), {
      findings: [],
      tools: ['Tenable WAS'],
    });
  });
});

describe('nessus CSV errors', () => {
  test('rejects a stray quote, naming the line', async () => {
    const text =
      csv([nessusHeader, nessusRow()]) + '42873,CVE-2016-2183,5.0,High,10.0.0.1,tcp,443,"SWEET32"x,,,,,,,,,,,,,\n';
    const lines = text.split('\n').length - 1;
    await assert.rejects(
      parse(nessusCsvParser, text, 'n.csv'),
      badInputError(new RegExp(`^n\\.csv: not valid CSV at line ${lines}: Invalid Closing Quote`)),
    );
  });

  test('rejects a file cut inside a quoted field, naming the line and saying it looks truncated', async () => {
    const text = csv([nessusHeader, nessusRow(), nessusRow({ 'Port': '2222' })]);
    const cut = text.slice(0, text.lastIndexOf('Supports following'));
    await assert.rejects(
      parse(nessusCsvParser, cut, 'n.csv'),
      badInputError(/^n\.csv: not valid CSV at line \d+: .*\(the file looks truncated\)$/),
    );
  });

  test('rejects a row with a missing field, naming its line', async () => {
    const text = csv([nessusHeader, nessusRow()]) + '1,2,3\n';
    await assert.rejects(
      parse(nessusCsvParser, text, 'n.csv'),
      badInputError(/^n\.csv: not valid CSV at line 5: Invalid Record Length/),
    );
  });

  test('rejects a row without Host or without Name, naming the line it starts on', async () => {
    // The first data row spans lines 2-4 (its description and references hold line breaks), so the second starts on line 5.
    const noHost = csv([nessusHeader, nessusRow(), nessusRow({ 'Host': '' })]);
    await assert.rejects(
      parse(nessusCsvParser, noHost, 'n.csv'),
      badInputError(/^n\.csv: the row at line 5 has no Host$/),
    );
    const noName = csv([nessusHeader, nessusRow({ 'Name': '' })]);
    await assert.rejects(
      parse(nessusCsvParser, noName, 'n.csv'),
      badInputError(/^n\.csv: the row at line 2 has no Name$/),
    );
  });

  test('rejects a CSV that is not a Nessus export, and an empty file', async () => {
    await assert.rejects(
      parse(nessusCsvParser, 'a,b\n1,2\n', 'n.csv'),
      badInputError(/^n\.csv: not a Nessus CSV export/),
    );
    await assert.rejects(parse(nessusCsvParser, '', 'n.csv'), badInputError(/^n\.csv: the CSV file is empty/));
  });
});

describe('nessus CSV robustness', () => {
  const text = csv([nessusHeader, nessusRow(), nessusRow({ 'Plugin ID': '65821', 'Port': '443' })]);

  const nessus = (s: string): Promise<unknown> => parse(nessusCsvParser, s);
  const was = (s: string): Promise<unknown> => parse(nessusWasCsvParser, s);

  robustnessTests(
    [
      { parse: nessus, seeds: [text], reports: 'exports' },
      { parse: was, seeds: [wasCsv], reports: 'exports' },
    ],
    { quickly: true, runs: { mutated: 300 } },
  );

  test('any value in any column never throws anything but bad_input', async () => {
    const values = fc.oneof(
      fc.constantFrom(
        '',
        '0',
        '-1',
        '4',
        '1e400',
        'NaN',
        'http://[',
        'cpe:/a:x',
        'Installed version : 1',
        'constructor',
        '__proto__',
      ),
      fc.string({ maxLength: 10 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.nat(), values, async (k, v) => {
        const row = nessusRow();
        row[k % row.length] = v;
        await onlyBadInput(nessus, csv([nessusHeader, row]), 2000);
      }),
      { numRuns: 300 },
    );
  });
});
