import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { ParsedFinding } from '../types.ts';
import { componentFromCpe, csvHeader, cvssOf, FindingGroups, prose, readCsv, redact } from './host-scan.ts';

describe('redact', () => {
  test('replaces the credentials scanners print, keeping the sentence around them', () => {
    const cases: [string, string][] = [
      ['Password : Winter2023!', 'Password : [redacted]'],
      [
        'It was possible to connect with the password:\n    hunter2',
        'It was possible to connect with the password:\n    [redacted]',
      ],
      ['login as user postgres with password "postgres".', 'login as user postgres with password "[redacted]".'],
      ["login as 'root' with password 'toor' and", "login as 'root' with password '[redacted]' and"],
      ['{"password":"s3cret","user":"a"}', '{"password":"[redacted]","user":"a"}'],
      ['GET /login?user=a&password=s3cret&next=/', 'GET /login?user=a&password=[redacted]&next=/'],
      ['api_key=AKIA1234 found', 'api_key=[redacted] found'],
      ['Cookie: JSESSIONID=ABC123; theme=dark', 'Cookie: [redacted]'],
      ['  Authorization: Basic YWRtaW46YWRtaW4=', '  Authorization: [redacted]'],
      ['ftp://backup:Tr0ub4dor@files.example/', 'ftp://backup:[redacted]@files.example/'],
      [
        'with the following credentials\n<User>:<Password>\n\nmsfadmin:msfadmin\nuser:user\n',
        'with the following credentials\n<User>:<Password>\n\nmsfadmin:[redacted]\nuser:[redacted]\n',
      ],
    ];
    for (const [raw, want] of cases) assert.equal(redact(raw), want, raw);
  });

  test('leaves text that only talks about passwords alone', () => {
    for (const s of [
      '331 Please specify the password.',
      '331 Password required for anonymous',
      'Minimum password length: 7',
      "execute 'cat /etc/passwd'. Result:",
      'http://10.0.0.1/dvwa/login.php:password',
      'anonymous:anonymous@example.com',
    ]) {
      assert.equal(redact(s), s);
    }
  });
});

describe('text helpers', () => {
  test('prose unwraps hard-wrapped lines, keeps paragraphs and list items', () => {
    assert.equal(
      prose('The remote host\n  supports   TCP timestamps.\n\n  - one\n  - two\r\n\r\nNext\n line.'),
      'The remote host supports TCP timestamps.\n\n- one\n- two\n\nNext line.',
    );
    assert.equal(prose(' \n '), undefined);
  });

  test('cvssOf takes the version from the vector, drops a "CVSS2#" prefix and scores outside 0..10', () => {
    assert.deepEqual(cvssOf('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', '9.8', '3.0'), {
      version: '3.1',
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
      score: 9.8,
    });
    assert.deepEqual(cvssOf('CVSS2#AV:N/AC:L/Au:N/C:P/I:P/A:P', 7.5), {
      version: '2.0',
      vector: 'AV:N/AC:L/Au:N/C:P/I:P/A:P',
      score: 7.5,
    });
    assert.deepEqual(cvssOf(undefined, '75', '3.0'), undefined);
    assert.deepEqual(cvssOf('', 'n/a', '3.0'), undefined);
    assert.deepEqual(cvssOf(undefined, '5.3'), { score: 5.3 });
  });

  test('componentFromCpe names installed software only when a version is known', () => {
    assert.deepEqual(componentFromCpe('cpe:/a:php:php', '5.1.6'), { name: 'php', version: '5.1.6' });
    assert.deepEqual(componentFromCpe('cpe:2.3:a:apache:http_server:2.4.7:*:*:*:*:*:*:*'), {
      name: 'http_server',
      version: '2.4.7',
    });
    assert.equal(componentFromCpe('cpe:/a:ietf:md5'), undefined);
    assert.equal(componentFromCpe('not a cpe', '1.0'), undefined);
  });
});

describe('CSV reading', () => {
  test('reads the header of a head cut anywhere, comma or semicolon separated', () => {
    assert.deepEqual(csvHeader('\uFEFF"Plugin ID","Name","Ho'), ['Plugin ID', 'Name', 'Ho']);
    assert.deepEqual(csvHeader('IP;Port;CVSS\r\n1;2;3'), ['IP', 'Port', 'CVSS']);
  });

  test('gives each row the line it starts on, across quoted line breaks and blank lines, skipping rows of empty fields', () => {
    const { rows } = readCsv('a,b\n\n1,"x\ny"\n\n\n2,3\n,\n4,5', 'f.csv');
    assert.deepEqual(
      rows.map((r) => [r.line, r.get('A'), r.get('b')]),
      [
        [3, '1', 'x\ny'],
        [7, '2', '3'],
        [9, '4', '5'],
      ],
    );
    assert.deepEqual(rows[0]?.rest(new Set(['a'])), { b: 'x\ny' });
  });
});

describe('FindingGroups', () => {
  const finding = (o: Partial<ParsedFinding>): ParsedFinding => ({
    tool: 'Nessus',
    ruleId: '65821',
    kind: 'host',
    title: 'SSL RC4 Cipher Suites Supported',
    severity: 'medium',
    aliases: [],
    cwes: [],
    location: { host: '10.0.0.1', port: 443, protocol: 'tcp' },
    ...o,
  });

  test('merges one check at one place: CVEs, CWEs, references, the highest severity, outputs once each', () => {
    const groups = new FindingGroups('pluginOutput');
    groups.add(finding({ aliases: ['CVE-2015-2808'], cwes: [327], references: ['https://a'] }), 'RC4-SHA');
    groups.add(
      finding({ aliases: ['CVE-2013-2566'], cwes: [326], references: ['https://a', 'https://b'], severity: 'high' }),
      'RC4-SHA',
    );
    groups.add(finding({ location: { host: '10.0.0.1', port: 8443, protocol: 'tcp' } }), 'RC4-MD5');
    const [a, b] = [...groups.drain()];
    assert.deepEqual(a?.aliases, ['CVE-2013-2566', 'CVE-2015-2808']);
    assert.deepEqual(a?.cwes, [326, 327]);
    assert.deepEqual(a?.references, ['https://a', 'https://b']);
    assert.equal(a?.severity, 'high');
    assert.deepEqual(a?.detail, { pluginOutput: 'RC4-SHA', occurrences: 2 });
    assert.deepEqual(b?.detail, { pluginOutput: 'RC4-MD5' });
    assert.deepEqual([...groups.drain()], []);
  });
});
