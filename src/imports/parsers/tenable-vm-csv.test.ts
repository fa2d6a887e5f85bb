import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EntenteError } from '../../errors.ts';
import { fingerprintOf } from '../fingerprint.ts';
import type { ParsedFinding } from '../types.ts';
import { tenableVmCsvParser } from './tenable-vm-csv.ts';
import { nessusCsvParser } from './nessus-csv.ts';
import { detectParser, parserByFormat } from './index.ts';
import { reportFromBuffer } from '../report-input.ts';
import { reportInput, refusal } from '../../../test/support/parsing.ts';

// ---- fixtures: what the Findings page's CSV export writes (its keys, a selection of them, in its order) ----

const columns = [
  'asset.id',
  'asset.name',
  'asset.display_ipv4_address',
  'asset.display_fqdn',
  'definition.id',
  'definition.name',
  'definition.family',
  'definition.cve',
  'definition.cvss3.base_score',
  'definition.cvss3.base_vector',
  'definition.cvss2.base_score',
  'definition.vpr.score',
  'definition.cpe',
  'definition.see_also',
  'definition.synopsis',
  'definition.description',
  'definition.solution',
  'severity',
  'port',
  'protocol',
  'state',
  'risk_modified',
  'first_observed',
  'last_seen',
  'output',
  'id',
  'asset.tags',
];

type Row = Partial<Record<string, string>>;

const sweet32: Row = {
  'asset.id': '8d84147c-7086-4707-b644-33bd6a794f3c',
  'asset.name': 'web-01',
  'asset.display_ipv4_address': '10.0.0.5',
  'asset.display_fqdn': 'web-01.acme.example',
  'definition.id': '42873',
  'definition.name': 'SSL Medium Strength Cipher Suites Supported (SWEET32)',
  'definition.family': 'General',
  'definition.cve': 'CVE-2016-2183,CVE-2016-6329',
  'definition.cvss3.base_score': '7.5',
  'definition.cvss3.base_vector': 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N',
  'definition.cvss2.base_score': '5.0',
  'definition.vpr.score': '5.1',
  'definition.see_also': 'https://www.openssl.org/blog/blog/2016/08/24/sweet32/\nhttps://sweet32.info',
  'definition.synopsis': 'The remote service supports the use of medium strength SSL ciphers.',
  'definition.description': 'The remote host supports the use of SSL ciphers that offer medium strength encryption.',
  'definition.solution': 'Reconfigure the affected application if possible to avoid use of medium strength ciphers.',
  severity: 'High',
  port: '443',
  protocol: 'TCP',
  state: 'ACTIVE',
  risk_modified: 'NONE',
  first_observed: '2026-01-10T08:00:00.000Z',
  last_seen: '2026-03-01T08:00:00.000Z',
  output: 'Medium Strength Ciphers (> 64-bit and < 112-bit key, or 3DES)\n\n  Name : DES-CBC3-SHA',
  id: '4e4d4dd2-e8a3-5c6a-9d32-f5864e8aef52',
  'asset.tags': 'env:prod',
};

const openssh: Row = {
  ...sweet32,
  'definition.id': '187201',
  'definition.name': 'OpenSSH < 9.6 Multiple Vulnerabilities',
  'definition.family': 'Misc.',
  'definition.cve': 'CVE-2023-48795',
  'definition.cpe': 'cpe:/a:openbsd:openssh',
  severity: 'Medium',
  port: '22',
  output: '  Installed version : 8.9p1\n  Fixed version     : 9.6',
  id: 'f1',
};

function csv(rows: Row[], delimiter = ',', cols = columns): string {
  const cell = (v: string | undefined): string =>
    v === undefined ? '' : /["\n,;]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  return [cols.join(delimiter), ...rows.map((r) => cols.map((c) => cell(r[c])).join(delimiter))].join('\r\n') + '\r\n';
}

async function parse(text: string): Promise<ParsedFinding[]> {
  const out: ParsedFinding[] = [];
  for await (const f of tenableVmCsvParser.parse(reportInput(text, 'vulns.csv'))) out.push(f);
  return out;
}

describe('Tenable Vulnerability Management CSV', () => {
  test('each plugin on an asset, port and protocol is a host finding of Nessus, with CVEs, CVSS, output and the asset', async () => {
    const [f] = await parse(csv([sweet32]));
    assert.deepEqual(
      {
        tool: f!.tool,
        ruleId: f!.ruleId,
        kind: f!.kind,
        severity: f!.severity,
        aliases: f!.aliases,
        location: f!.location,
        cvss: f!.cvss,
      },
      {
        tool: 'Nessus',
        ruleId: '42873',
        kind: 'host',
        severity: 'high',
        aliases: ['CVE-2016-2183', 'CVE-2016-6329'],
        location: { host: '10.0.0.5', port: 443, protocol: 'tcp' },
        cvss: { version: '3.0', vector: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', score: 7.5 },
      },
    );
    assert.equal(f!.title, 'SSL Medium Strength Cipher Suites Supported (SWEET32)');
    assert.deepEqual(f!.references, ['https://www.openssl.org/blog/blog/2016/08/24/sweet32/', 'https://sweet32.info']);
    assert.equal(f!.state, undefined);
    assert.deepEqual(
      [f!.detail?.asset, f!.detail?.fqdn, f!.detail?.vpr, f!.detail?.state],
      ['web-01', 'web-01.acme.example', 5.1, 'ACTIVE'],
    );
    assert.match(String(f!.detail?.pluginOutput), /DES-CBC3-SHA/);
    assert.deepEqual(f!.detail?.columns, { 'asset.tags': 'env:prod' });
  });

  test("has the fingerprint of the same plugin on the same host and port in Nessus's own CSV export", async () => {
    const [vm] = await parse(csv([sweet32]));
    const nessus =
      'Plugin ID,CVE,CVSS v2.0 Base Score,Risk,Host,Protocol,Port,Name,Synopsis,Description,Solution,See Also,Plugin Output\r\n'
      + '42873,CVE-2016-2183,5.0,Medium,10.0.0.5,tcp,443,SSL Medium Strength Cipher Suites Supported (SWEET32),s,d,x,,DES-CBC3-SHA\r\n';
    const [fromNessus] = await (async () => {
      const out: ParsedFinding[] = [];
      for await (const f of nessusCsvParser.parse(reportInput(nessus, 'n.csv'))) out.push(f);
      return out;
    })();
    assert.equal(fingerprintOf(vm!).value, fingerprintOf(fromNessus!).value);
  });

  test('reads semicolon-separated exports, any column order and subset, and a component from the CPE and output', async () => {
    const subset = [
      'definition.name',
      'severity',
      'protocol',
      'port',
      'asset.name',
      'definition.id',
      'definition.cpe',
      'output',
    ];
    const [f] = await parse(csv([openssh], ';', subset));
    assert.deepEqual(
      [f!.ruleId, f!.location.host, f!.location.port, f!.severity],
      ['187201', 'web-01', 22, 'medium'],
      "without an address, the asset's name",
    );
    assert.deepEqual([f!.component?.name, f!.component?.version, f!.fixedVersion], ['openssh', '8.9p1', '9.6']);
  });

  test('fixed findings and accepted risks are closed by the report; active, new and resurfaced ones are open', async () => {
    const found = await parse(
      csv([
        { ...sweet32, state: 'FIXED' },
        { ...openssh, risk_modified: 'ACCEPTED' },
        { ...sweet32, port: '8443', state: 'RESURFACED' },
        { ...sweet32, port: '993', state: 'NEW' },
      ]),
    );
    assert.deepEqual(
      found.map((f) => f.state?.status),
      ['fixed', 'accepted', undefined, undefined],
    );
    assert.match(found[1]!.state!.reason, /risk accepted in Tenable Vulnerability Management/);
  });

  test('the first address of an address list names the host; port 0 is the host itself', async () => {
    const [f] = await parse(
      csv([{ ...sweet32, 'asset.display_ipv4_address': '10.0.0.5, 10.0.0.6', port: '0', protocol: 'TCP' }]),
    );
    assert.deepEqual(f!.location, { host: '10.0.0.5', protocol: 'tcp' });
  });
});

describe('Tenable Vulnerability Management CSV detection', () => {
  test('is recognised by its dotted keys, comma- or semicolon-separated, and chosen with --format tenable-vm-csv', () => {
    const detect = (text: string) => detectParser(reportFromBuffer('vulns.csv', Buffer.from(text))).format;
    assert.equal(detect(csv([sweet32])), 'tenable-vm-csv');
    assert.equal(detect(csv([sweet32], ';')), 'tenable-vm-csv');
    assert.equal(
      detect(`\uFEFF${csv([sweet32], ',', ['definition.id', 'definition.name', 'asset.name'])}`),
      'tenable-vm-csv',
    );
    assert.equal(parserByFormat('tenable-vm-csv'), tenableVmCsvParser);
  });

  test("leaves Nessus's, Tenable.sc's and OpenVAS's CSV to their parsers", () => {
    assert.equal(tenableVmCsvParser.detect('Plugin ID,CVE,CVSS,Risk,Host,Protocol,Port,Name\r\n', 'n.csv'), false);
    assert.equal(
      tenableVmCsvParser.detect(
        '"Plugin","Plugin Name","Family","Severity","IP Address","Protocol","Port"\r\n',
        'sc.csv',
      ),
      false,
    );
    assert.equal(
      tenableVmCsvParser.detect('definition.id,definition.name,severity\r\n', 'x.csv'),
      false,
      'no asset column',
    );
  });
});

describe('Tenable Vulnerability Management CSV errors', () => {
  test('a row without its plugin or asset, a missing key and a cut file are refused with the line', async () => {
    assert.match(
      (await refusal(() => parse(csv([sweet32, { ...openssh, 'definition.id': undefined }])))).message,
      /vulns\.csv: the row at line 6 has no definition\.id/,
      'the first row spans lines 2 to 5 (its output and links are several lines)',
    );
    const noAsset = {
      ...sweet32,
      'asset.name': undefined,
      'asset.display_ipv4_address': undefined,
      'asset.display_fqdn': undefined,
    };
    assert.match((await refusal(() => parse(csv([noAsset])))).message, /the row at line 2 names no asset/);
    assert.match(
      (await refusal(() => parse('asset.name,severity\r\nweb-01,High\r\n'))).message,
      /not a Tenable Vulnerability Management CSV export: the header row lacks definition\.id/,
    );
    assert.match(
      (await refusal(() => parse(`${csv([sweet32])}"unclosed`))).message,
      /not valid CSV at line \d+.*truncated/,
    );
  });

  test('never fails with anything but a bad-input error, whatever the cells hold', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string(), { minLength: columns.length, maxLength: columns.length }),
        async (cells) => {
          try {
            await parse(csv([Object.fromEntries(columns.map((c, i) => [c, cells[i]]))]));
          } catch (e) {
            assert.ok(e instanceof EntenteError && e.code === 'bad_input', String(e));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
