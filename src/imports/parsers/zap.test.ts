import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { EntenteError } from '../../errors.ts';
import type { ParsedFinding, ReportParser } from '../types.ts';
import { zapJsonParser, zapXmlParser } from './zap.ts';
import { badInputError, inputOf, robustnessTests } from '../../../test/support/parsing.ts';

async function parse(parser: ReportParser, text: string, name = 'zap-report'): Promise<ParsedFinding[]> {
  const out: ParsedFinding[] = [];
  for await (const f of parser.parse(inputOf(name, text))) out.push(f);
  return out;
}

interface AlertOpts {
  id?: string;
  name?: string;
  risk?: string;
  confidence?: string;
  cwe?: string;
  instances?: string[];
  extra?: string;
}

function instance(uri: string, method = 'GET', param = '', evidence = ''): string {
  return `<instance><uri>${uri}</uri><method>${method}</method><param>${param}</param><attack></attack><evidence>${evidence}</evidence><otherinfo></otherinfo></instance>`;
}

function alertItem(o: AlertOpts = {}): string {
  const id = o.id ?? '10038';
  const insts = o.instances ?? [instance('https://shop.example.com/')];
  return `<alertitem>
  <pluginid>${id}</pluginid>
  <alertRef>${id}</alertRef>
  <alert>${o.name ?? 'Content Security Policy (CSP) Header Not Set'}</alert>
  <name>${o.name ?? 'Content Security Policy (CSP) Header Not Set'}</name>
  <riskcode>${o.risk ?? '2'}</riskcode>
  <confidence>${o.confidence ?? '3'}</confidence>
  <riskdesc>Medium (High)</riskdesc>
  <confidencedesc>High</confidencedesc>
  <desc>&lt;p&gt;Content Security Policy (CSP) is an added layer of security.&lt;/p&gt;&lt;p&gt;It helps &amp;amp; mitigates &amp;lt;XSS&amp;gt;.&lt;/p&gt;</desc>
  <instances>${insts.join('\n')}</instances>
  <count>${insts.length}</count>
  <systemic>true</systemic>
  <solution>&lt;p&gt;Ensure that your web server sets the Content-Security-Policy header.&lt;/p&gt;</solution>
  <otherinfo></otherinfo>
  <reference>&lt;p&gt;https://developer.mozilla.org/en-US/docs/Web/HTTP/CSP&lt;/p&gt;&lt;p&gt;https://cheatsheetseries.owasp.org/cheatsheets/Content_Security_Policy_Cheat_Sheet.html&lt;/p&gt;</reference>
  <cweid>${o.cwe ?? '693'}</cweid>
  <wascid>15</wascid>
  <sourceid>1</sourceid>${o.extra ?? ''}
</alertitem>`;
}

function zapXml(
  alerts: string[],
  site = 'name="https://shop.example.com" host="shop.example.com" port="443" ssl="true"',
): string {
  return `<?xml version="1.0"?>
<OWASPZAPReport programName="ZAP" version="2.14.0" generated="Tue, 9 Jan 2024 10:12:44" created="2024-01-09T10:12:44Z">
  <site ${site}>
    <alerts>
${alerts.join('\n')}
    </alerts>
  </site>
</OWASPZAPReport>`;
}

/** The pre-2.6 shape: no <instances>, each alertitem carries one instance's uri/param itself, "reliability" for confidence. */
const unmergedXml = `<?xml version="1.0"?><OWASPZAPReport version="2.4.3" generated="Mon, 7 Mar 2016 14:02:11">
<site name="http://legacy.example.com" host="legacy.example.com" port="80" ssl="false"><alerts>
<alertitem><pluginid>40018</pluginid><alert>SQL Injection</alert><riskcode>3</riskcode><reliability>2</reliability>
<riskdesc>High (Medium)</riskdesc><desc>SQL injection may be possible.</desc>
<uri>http://legacy.example.com/item.php?id=2</uri><param>id</param><attack>2 AND 1=1</attack>
<otherinfo>The page results were successfully manipulated.</otherinfo><solution>Use prepared statements.</solution>
<reference>https://www.owasp.org/index.php/SQL_Injectionhttp://cwe.mitre.org/data/definitions/89.html</reference>
<cweid>89</cweid><wascid>19</wascid></alertitem>
<alertitem><pluginid>40018</pluginid><alert>SQL Injection</alert><riskcode>3</riskcode><reliability>2</reliability>
<riskdesc>High (Medium)</riskdesc><desc>SQL injection may be possible.</desc>
<uri>http://legacy.example.com/cart.php?qty=1</uri><param>qty</param><attack>1 OR 1=1</attack>
<cweid>89</cweid><wascid>19</wascid></alertitem>
</alerts></site></OWASPZAPReport>`;

/** A traditional-json report as ZAP 2.14 writes it: every value a string but "systemic". */
const zapJson = JSON.stringify(
  {
    '@programName': 'ZAP',
    '@version': '2.14.0',
    '@generated': 'Tue, 9 Jan 2024 10:12:44',
    created: '2024-01-09T10:12:44.123Z',
    site: [
      {
        '@name': 'https://shop.example.com',
        '@host': 'shop.example.com',
        '@port': '443',
        '@ssl': 'true',
        alerts: [
          {
            pluginid: '40012',
            alertRef: '40012',
            alert: 'Cross Site Scripting (Reflected)',
            name: 'Cross Site Scripting (Reflected)',
            riskcode: '3',
            confidence: '2',
            riskdesc: 'High (Medium)',
            desc: '<p>Cross-site Scripting (XSS) is an attack technique that involves echoing attacker-supplied code.</p>',
            instances: [
              {
                id: '12',
                uri: 'https://shop.example.com/search?q=%3CscrIpt%3E',
                nodeName: 'https://shop.example.com/search (q)',
                method: 'GET',
                param: 'q',
                attack: '<scrIpt>alert(1);</scRipt>',
                evidence: '<scrIpt>alert(1);</scRipt>',
                otherinfo: '',
              },
              {
                id: '13',
                uri: 'https://shop.example.com/contact',
                nodeName: 'https://shop.example.com/contact (name)',
                method: 'POST',
                param: 'name',
                attack: '</p><scrIpt>alert(1);</scRipt><p>',
                evidence: '</p><scrIpt>alert(1);</scRipt><p>',
                otherinfo: '',
              },
            ],
            count: '2',
            systemic: false,
            solution: '<p>Phase: Architecture and Design</p><p>Use a vetted library or framework.</p>',
            otherinfo: '',
            reference:
              '<p>https://owasp.org/www-community/attacks/xss/</p><p>https://cwe.mitre.org/data/definitions/79.html</p>',
            cweid: '79',
            wascid: '8',
            sourceid: '1',
          },
          {
            pluginid: '10035',
            alertRef: '10035',
            alert: 'Strict-Transport-Security Header Not Set',
            name: 'Strict-Transport-Security Header Not Set',
            riskcode: '1',
            confidence: '3',
            riskdesc: 'Low (High)',
            desc: '<p>HTTP Strict Transport Security (HSTS) is not set.</p>',
            instances: [
              {
                id: '3',
                uri: 'https://shop.example.com/',
                nodeName: 'https://shop.example.com/',
                method: 'GET',
                param: '',
                attack: '',
                evidence: '',
                otherinfo: '',
              },
            ],
            count: '1',
            systemic: true,
            solution: '<p>Set HSTS.</p>',
            otherinfo: '',
            reference: '<p>https://owasp.org/www-project-secure-headers/</p>',
            cweid: '319',
            wascid: '15',
            sourceid: '3',
          },
        ],
      },
    ],
  },
  null,
  '\t',
);

describe('zap detection', () => {
  test('recognises the XML report by its root, also when the head is cut mid-way', () => {
    const xml = zapXml([alertItem()]);
    assert.ok(zapXmlParser.detect(xml.slice(0, 4096), 'r.xml'));
    assert.ok(zapXmlParser.detect('<?xml version="1.0"?><OWASPZAPReport vers', 'r.xml'));
    assert.ok(!zapXmlParser.detect('<?xml version="1.0"?><NessusClientData_v2>', 'r.xml'));
    assert.ok(!zapXmlParser.detect(zapJson.slice(0, 4096), 'r.json'));
  });

  test('recognises the JSON report by @programName, or by @version with site', () => {
    assert.ok(zapJsonParser.detect(zapJson.slice(0, 4096), 'r.json'));
    assert.ok(zapJsonParser.detect('{"@version":"2.7.0","@generated":"x","site":{"@name":"h', 'r.json'));
    assert.ok(!zapJsonParser.detect('{"version":"2.1.0","runs":[]}', 'r.sarif'));
    assert.ok(!zapJsonParser.detect(zapXml([]).slice(0, 4096), 'r.xml'));
  });
});

describe('zap XML report', () => {
  test('maps an alert to a web finding: rule, title, severity, CWE, site location, references and detail', async () => {
    const [f] = await parse(zapXmlParser, zapXml([alertItem()]));
    assert.ok(f);
    assert.equal(f.tool, 'OWASP ZAP');
    assert.equal(f.toolVersion, '2.14.0');
    assert.equal(f.kind, 'web');
    assert.equal(f.ruleId, '10038');
    assert.equal(f.title, 'Content Security Policy (CSP) Header Not Set');
    assert.equal(f.severity, 'medium');
    assert.deepEqual(f.cwes, [693]);
    assert.deepEqual(f.location, { url: 'https://shop.example.com', host: 'shop.example.com', port: 443 });
    assert.deepEqual(f.references, [
      'https://developer.mozilla.org/en-US/docs/Web/HTTP/CSP',
      'https://cheatsheetseries.owasp.org/cheatsheets/Content_Security_Policy_Cheat_Sheet.html',
    ]);
    assert.equal(f.detail?.['confidence'], 'High');
    assert.equal(f.detail?.['wascid'], '15');
    assert.equal(f.detail?.['alertRef'], '10038');
    assert.equal(f.detail?.['systemic'], true);
    assert.deepEqual(f.detail?.['instances'], [{ uri: 'https://shop.example.com/', method: 'GET' }]);
  });

  test('strips HTML from description and solution and decodes its entities', async () => {
    const [f] = await parse(zapXmlParser, zapXml([alertItem()]));
    assert.equal(
      f?.description,
      'Content Security Policy (CSP) is an added layer of security.\n\nIt helps & mitigates <XSS>.',
    );
    assert.equal(f?.detail?.['solution'], 'Ensure that your web server sets the Content-Security-Policy header.');
  });

  test('gives one finding per alert and site, not per instance, keeping the instances in detail', async () => {
    // Entente matches the peer here: an <alertitem> is ZAP's unit; its instances may be capped (count can exceed
    // the listed ones) and vary with crawling, so per-instance findings would appear and vanish between scans.
    const cookie = alertItem({
      id: '10011',
      name: 'Cookie Without Secure Flag',
      risk: '1',
      instances: [
        instance('https://shop.example.com/', 'GET', 'sid', 'Set-Cookie: sid'),
        instance('https://shop.example.com/cart', 'GET', 'basket', 'Set-Cookie: basket'),
        instance('https://shop.example.com/cart', 'POST', 'basket'),
      ],
    });
    const findings = await parse(zapXmlParser, zapXml([alertItem(), cookie]));
    assert.equal(findings.length, 2);
    const instances = findings[1]?.detail?.['instances'] as Record<string, string>[];
    assert.deepEqual(
      instances.map((i) => `${i['method']} ${i['uri']} ${i['param']}`),
      [
        'GET https://shop.example.com/ sid',
        'GET https://shop.example.com/cart basket',
        'POST https://shop.example.com/cart basket',
      ],
    );
    assert.equal(findings[1]?.detail?.['instanceCount'], 3);
  });

  test("takes each site's host and port for the alerts under it", async () => {
    const two = zapXml([alertItem()]).replace(
      '</OWASPZAPReport>',
      `<site name="http://api.example.com:8080" host="api.example.com" port="8080" ssl="false"><alerts>${alertItem({ id: '10021' })}</alerts></site></OWASPZAPReport>`,
    );
    const findings = await parse(zapXmlParser, two);
    assert.deepEqual(
      findings.map((f) => [f.ruleId, f.location.host, f.location.port]),
      [
        ['10038', 'shop.example.com', 443],
        ['10021', 'api.example.com', 8080],
      ],
    );
  });

  test('maps riskcode 0..3 to info, low, medium, high, and falls back to the riskdesc word', async () => {
    const alerts = ['0', '1', '2', '3'].map((risk, i) => alertItem({ id: String(10000 + i), risk }));
    alerts.push(alertItem({ id: '10099', risk: '' }).replace('Medium (High)', 'High (High)'));
    const findings = await parse(zapXmlParser, zapXml(alerts));
    assert.deepEqual(
      findings.map((f) => f.severity),
      ['info', 'low', 'medium', 'high', 'high'],
    );
  });

  test('reads cweid -1 and 0 as no CWE', async () => {
    const findings = await parse(
      zapXmlParser,
      zapXml([alertItem({ cwe: '-1' }), alertItem({ id: '10001', cwe: '0' })]),
    );
    assert.deepEqual(
      findings.map((f) => f.cwes),
      [[], []],
    );
  });

  test('leaves out alerts a ZAP user marked as false positive (confidence 0)', async () => {
    // A person already judged these not real in ZAP; importing them would ask for the same triage again.
    const findings = await parse(
      zapXmlParser,
      zapXml([alertItem({ confidence: '0' }), alertItem({ id: '10021', confidence: '1' })]),
    );
    assert.deepEqual(
      findings.map((f) => f.ruleId),
      ['10021'],
    );
  });

  test('reads the old unmerged form: each alertitem is one instance, located at its URL and parameter', async () => {
    const findings = await parse(zapXmlParser, unmergedXml);
    assert.equal(findings.length, 2);
    assert.deepEqual(
      findings.map((f) => f.location),
      [
        { url: 'http://legacy.example.com/item.php?id=2', parameter: 'id', host: 'legacy.example.com', port: 80 },
        { url: 'http://legacy.example.com/cart.php?qty=1', parameter: 'qty', host: 'legacy.example.com', port: 80 },
      ],
    );
    assert.equal(findings[0]?.severity, 'high');
    assert.equal(findings[0]?.detail?.['confidence'], 'Medium');
    assert.deepEqual(findings[0]?.references, [
      'https://www.owasp.org/index.php/SQL_Injection',
      'http://cwe.mitre.org/data/definitions/89.html',
    ]);
  });

  test('reads the XML plus form: HTTP messages are never kept, tags give references and CWEs', async () => {
    const plus = instance('https://shop.example.com/', 'GET').replace(
      '</instance>',
      '<requestheader>GET / HTTP/1.1\nCookie: JSESSIONID=SECRET123</requestheader><requestbody></requestbody><responseheader>HTTP/1.1 200 OK</responseheader><responsebody>&lt;html&gt;SECRET456</responsebody></instance>',
    );
    const tags =
      '<tags><tag><tag>OWASP_2021_A05</tag><link>https://owasp.org/Top10/A05_2021-Security_Misconfiguration/</link></tag><tag><tag>CWE-1021</tag><link>https://cwe.mitre.org/data/definitions/1021.html</link></tag></tags>';
    const [f] = await parse(zapXmlParser, zapXml([alertItem({ instances: [plus], extra: tags })]));
    assert.doesNotMatch(JSON.stringify(f), /SECRET/);
    assert.deepEqual(f?.cwes, [693, 1021]);
    assert.ok(f?.references?.includes('https://owasp.org/Top10/A05_2021-Security_Misconfiguration/'));
    assert.deepEqual(f?.detail?.['tags'], ['OWASP_2021_A05', 'CWE-1021']);
  });

  test('yields nothing for a report without alerts', async () => {
    assert.deepEqual(await parse(zapXmlParser, zapXml([])), []);
  });

  test('rejects XML whose root is not OWASPZAPReport, naming the root', async () => {
    await assert.rejects(
      parse(zapXmlParser, '<NessusClientData_v2><Report/></NessusClientData_v2>', 'scan.nessus'),
      badInputError(/scan\.nessus: not a ZAP XML report: the root element is <NessusClientData_v2>/),
    );
  });

  test('rejects a truncated report with file, line and column', async () => {
    const xml = zapXml([alertItem(), alertItem({ id: '10021' })]);
    const cut = xml.slice(0, xml.indexOf('<alertitem>', 300) + 40);
    await assert.rejects(
      parse(zapXmlParser, cut, 'cut.xml'),
      badInputError(/^cut\.xml: not well-formed XML at line \d+, column \d+: unclosed tag/),
    );
  });

  test('never resolves an XXE entity in a report; the contents of /etc/passwd never appear', async () => {
    const xxe = zapXml([alertItem().replace('<otherinfo></otherinfo>', '<otherinfo>&xxe;</otherinfo>')]).replace(
      '<?xml version="1.0"?>',
      '<?xml version="1.0"?>\n<!DOCTYPE OWASPZAPReport [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    );
    await assert.rejects(parse(zapXmlParser, xxe), (e: unknown) => {
      assert.ok(e instanceof EntenteError && e.code === 'bad_input');
      assert.match(e.message, /undefined entity/);
      assert.doesNotMatch(e.message, /root:/);
      return true;
    });
  });

  test('rejects an alertitem with neither name nor id, naming its line', async () => {
    await assert.rejects(
      parse(zapXmlParser, zapXml(['<alertitem><riskcode>1</riskcode></alertitem>'])),
      badInputError(/the <alertitem> at line 5 has no alert name/),
    );
  });
});

describe('zap JSON report', () => {
  test('maps the traditional JSON report like the XML one: one finding per alert, instances in detail', async () => {
    const findings = await parse(zapJsonParser, zapJson);
    assert.equal(findings.length, 2);
    const [xss, hsts] = findings;
    assert.equal(xss?.ruleId, '40012');
    assert.equal(xss?.title, 'Cross Site Scripting (Reflected)');
    assert.equal(xss?.severity, 'high');
    assert.equal(xss?.toolVersion, '2.14.0');
    assert.deepEqual(xss?.cwes, [79]);
    assert.equal(
      xss?.description,
      'Cross-site Scripting (XSS) is an attack technique that involves echoing attacker-supplied code.',
    );
    assert.deepEqual(xss?.location, { url: 'https://shop.example.com', host: 'shop.example.com', port: 443 });
    assert.deepEqual(xss?.references, [
      'https://owasp.org/www-community/attacks/xss/',
      'https://cwe.mitre.org/data/definitions/79.html',
    ]);
    const instances = xss?.detail?.['instances'] as Record<string, string>[];
    assert.deepEqual(
      instances.map((i) => [i['method'], i['param'], i['attack']]),
      [
        ['GET', 'q', '<scrIpt>alert(1);</scRipt>'],
        ['POST', 'name', '</p><scrIpt>alert(1);</scRipt><p>'],
      ],
    );
    assert.equal(xss?.detail?.['systemic'], false);
    assert.equal(hsts?.severity, 'low');
    assert.equal(hsts?.detail?.['confidence'], 'High');
  });

  test('accepts the single-site object ZAP 2.7 and older wrote instead of an array', async () => {
    const legacy = JSON.parse(zapJson) as Record<string, unknown[]>;
    const findings = await parse(zapJsonParser, JSON.stringify({ ...legacy, site: legacy['site']?.[0] }));
    assert.equal(findings.length, 2);
  });

  test('rejects a site that is neither an array nor an object, naming where', async () => {
    await assert.rejects(
      parse(zapJsonParser, '{"@version":"2.14.0","site":"oops"}', 'z.json'),
      badInputError(/z\.json: expected an array at site, found a string/),
    );
  });

  test('rejects an alert that is not an object, naming its path', async () => {
    await assert.rejects(
      parse(zapJsonParser, '{"@version":"2.14.0","site":[{"alerts":[{"alert":"x","pluginid":"1"},42]}]}', 'z.json'),
      badInputError(/expected an object at site\[0\]\.alerts\[1\], found a number/),
    );
  });

  test('rejects truncated JSON with its line and column', async () => {
    await assert.rejects(
      parse(zapJsonParser, zapJson.slice(0, 300), 'z.json'),
      badInputError(/^z\.json: not valid JSON/),
    );
  });
});

describe('zap robustness', () => {
  const xml = zapXml([
    alertItem(),
    alertItem({ id: '10011', instances: [instance('https://shop.example.com/a', 'GET', 'x')] }),
  ]);

  robustnessTests(
    [
      { parse: (s) => parse(zapXmlParser, s), seeds: [xml], reports: 'XML reports' },
      { parse: (s) => parse(zapJsonParser, s), seeds: [zapJson], reports: 'JSON reports', json: true },
    ],
    { quickly: true, where: 'anywhere in the report', runs: { mutated: 300, shapes: 400 } },
  );
});
