import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EntenteError } from '../../errors.ts';
import type { ParsedFinding } from '../types.ts';
import { fingerprintOf } from '../fingerprint.ts';
import { burpParser } from './burp.ts';
import { badInputError, inputOf, robustnessTests } from '../../../test/support/parsing.ts';

// ---- fixtures: Burp's "Report issues → XML" export ----

const doctype = `<!DOCTYPE issues [
<!ELEMENT issues (issue*)>
<!ATTLIST issues burpVersion CDATA "">
<!ATTLIST issues exportTime CDATA "">
<!ELEMENT issue (serialNumber, type, name, host, path, location, severity, confidence, issueBackground?, remediationBackground?, references?, vulnerabilityClassifications?, issueDetail?, issueDetailItems?, remediationDetail?, requestresponse*, collaboratorEvent*, infiltratorEvent*, staticAnalysis*, dynamicAnalysis*)>
<!ELEMENT serialNumber (#PCDATA)>
<!ELEMENT type (#PCDATA)>
<!ELEMENT name (#PCDATA)>
<!ELEMENT host (#PCDATA)>
<!ATTLIST host ip CDATA "">
<!ELEMENT path (#PCDATA)>
<!ELEMENT location (#PCDATA)>
<!ELEMENT severity (#PCDATA)>
<!ELEMENT confidence (#PCDATA)>
<!ELEMENT requestresponse (request?, response?, responseRedirected?)>
<!ELEMENT request (#PCDATA)>
<!ATTLIST request method CDATA "">
<!ATTLIST request base64 (true|false) "false">
<!ELEMENT response (#PCDATA)>
<!ATTLIST response base64 (true|false) "false">
]>`;

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const request = b64(
  'POST /login.jsp HTTP/1.1\r\nHost: shop.example.com\r\nCookie: JSESSIONID=REQUESTSECRET\r\n\r\nusername=a&password=PASSWORDSECRET',
);
const response = b64('HTTP/1.1 200 OK\r\nSet-Cookie: token=RESPONSESECRET\r\n\r\n<html>SQL syntax error</html>');

interface IssueOpts {
  serial?: string;
  type?: string;
  name?: string;
  host?: string;
  path?: string;
  location?: string;
  severity?: string;
  confidence?: string;
  method?: string;
  extra?: string;
}

function issue(o: IssueOpts = {}): string {
  const path = o.path ?? '/login.jsp';
  return `  <issue>
    <serialNumber>${o.serial ?? '4859812391421595648'}</serialNumber>
    <type>${o.type ?? '1049088'}</type>
    <name><![CDATA[${o.name ?? 'SQL injection'}]]></name>
    <host ip="203.0.113.5">${o.host ?? 'https://shop.example.com'}</host>
    <path><![CDATA[${path}]]></path>
    <location><![CDATA[${o.location ?? `${path} [username parameter]`}]]></location>
    <severity>${o.severity ?? 'High'}</severity>
    <confidence>${o.confidence ?? 'Firm'}</confidence>
    <issueBackground><![CDATA[<p>SQL injection vulnerabilities arise when user-controllable data is incorporated into database SQL queries in an unsafe way.</p>]]></issueBackground>
    <remediationBackground><![CDATA[<p>The most effective way to prevent SQL injection attacks is to use parameterized queries.</p>]]></remediationBackground>
    <references><![CDATA[<ul><li><a href="https://portswigger.net/web-security/sql-injection">SQL injection</a></li></ul>]]></references>
    <vulnerabilityClassifications><![CDATA[<ul>
<li><a href="https://cwe.mitre.org/data/definitions/89.html">CWE-89: Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')</a></li>
<li><a href="https://capec.mitre.org/data/definitions/66.html">CAPEC-66: SQL Injection</a></li>
</ul>]]></vulnerabilityClassifications>
    <issueDetail><![CDATA[The <b>username</b> parameter appears to be vulnerable to SQL injection attacks.]]></issueDetail>${o.extra ?? ''}
    <requestresponse>
      <request method="${o.method ?? 'POST'}" base64="true"><![CDATA[${request}]]></request>
      <response base64="true"><![CDATA[${response}]]></response>
      <responseRedirected>false</responseRedirected>
    </requestresponse>
  </issue>`;
}

function export_(issues: string[], version = '2023.10.3.4'): string {
  return `<?xml version="1.0"?>\n${doctype}\n<issues burpVersion="${version}" exportTime="Fri Mar 01 10:00:00 CET 2024">\n${issues.join('\n')}\n</issues>\n`;
}

const frameable = (path: string, serial: string): string =>
  issue({
    serial,
    type: '5245344',
    name: 'Frameable response (potential Clickjacking)',
    path,
    location: path,
    severity: 'Information',
    confidence: 'Firm',
    method: 'GET',
  });

// ---- helpers ----

async function parse(
  text: string,
  name = 'burp.xml',
  tools: [string, string | undefined][] = [],
): Promise<ParsedFinding[]> {
  const out: ParsedFinding[] = [];
  for await (const f of burpParser.parse(inputOf(name, text), { tool: (n, v) => void tools.push([n, v]) })) out.push(f);
  return out;
}

// ---- tests ----

describe('burp detection', () => {
  test('recognises the export, also when the head ends inside its DOCTYPE', () => {
    const xml = export_([issue()]);
    assert.ok(burpParser.detect(xml.slice(0, 4096), 'burp.xml'));
    assert.ok(burpParser.detect(xml.slice(0, 400), 'burp.xml'), 'cut inside the DOCTYPE');
    assert.ok(burpParser.detect('<?xml version="1.0"?><issues burpVersion="1.6.05" exportTime="x"><issue>', 'b.xml'));
  });

  test('does not claim other XML or JSON', () => {
    assert.ok(!burpParser.detect('<?xml version="1.0"?><OWASPZAPReport version="2.14.0">', 'zap.xml'));
    assert.ok(
      !burpParser.detect('<?xml version="1.0"?><issues><issue id="1"/></issues>', 'other.xml'),
      'an <issues> root without Burp',
    );
    assert.ok(!burpParser.detect('<NessusClientData_v2><Report name="x">', 'scan.nessus'));
    assert.ok(!burpParser.detect('{"issues": []}', 'x.json'));
  });
});

describe('burp issues', () => {
  test('maps an issue: type as rule, name, severity, CWE from the classifications, site location, references', async () => {
    const tools: [string, string | undefined][] = [];
    const [f] = await parse(export_([issue()]), 'burp.xml', tools);
    assert.deepEqual(tools, [['Burp Suite', '2023.10.3.4']]);
    assert.ok(f);
    assert.equal(f.tool, 'Burp Suite');
    assert.equal(f.toolVersion, '2023.10.3.4');
    assert.equal(f.kind, 'web');
    assert.equal(f.ruleId, '1049088');
    assert.equal(f.title, 'SQL injection');
    assert.equal(f.severity, 'high');
    assert.deepEqual(f.cwes, [89]);
    assert.equal(
      f.description,
      'SQL injection vulnerabilities arise when user-controllable data is incorporated into database SQL queries in an unsafe way.',
    );
    assert.deepEqual(f.location, { url: 'https://shop.example.com', host: 'shop.example.com' });
    assert.deepEqual(f.references, [
      'https://portswigger.net/web-security/sql-injection',
      'https://cwe.mitre.org/data/definitions/89.html',
      'https://capec.mitre.org/data/definitions/66.html',
    ]);
    assert.equal(f.detail?.['confidence'], 'Firm');
    assert.equal(f.detail?.['ip'], '203.0.113.5');
    assert.equal(
      f.detail?.['remediation'],
      'The most effective way to prevent SQL injection attacks is to use parameterized queries.',
    );
    assert.deepEqual(f.detail?.['instances'], [
      {
        url: 'https://shop.example.com/login.jsp',
        method: 'POST',
        parameter: 'username',
        insertionPoint: 'parameter',
        severity: 'High',
        confidence: 'Firm',
        serialNumber: '4859812391421595648',
        detail: 'The username parameter appears to be vulnerable to SQL injection attacks.',
      },
    ]);
  });

  test('never keeps requests or responses, only the method', async () => {
    const findings = await parse(export_([issue()]));
    assert.doesNotMatch(JSON.stringify(findings), /SECRET|UE9TVC|SFRUUC/);
  });

  test('reads the method from the request line when the export has no method attribute', async () => {
    const [f] = await parse(export_([issue().replace(' method="POST"', '')]));
    assert.equal((f?.detail?.['instances'] as Record<string, unknown>[] | undefined)?.[0]?.['method'], 'POST');
  });

  test('makes one finding per issue type and site, keeping the issues as instances', async () => {
    // Entente matches the peer here: it groups by type. Burp writes one issue per URL and insertion point; which
    // of them a scan reaches varies with crawling, and the site-level finding merges with ZAP's for the same CWE.
    const xml = export_([
      issue(),
      issue({ serial: '2', location: '/login.jsp [password parameter]', confidence: 'Tentative' }),
      issue({ serial: '3', path: '/basket.jsp', location: '/basket.jsp [b_id cookie]', confidence: 'Certain' }),
      frameable('/', '4'),
      frameable('/search.jsp', '5'),
      issue({ serial: '6', host: 'http://api.example.com:8080' }),
    ]);
    const findings = await parse(xml);
    assert.deepEqual(
      findings.map((f) => [f.ruleId, f.location.url, f.detail?.['instanceCount']]),
      [
        ['1049088', 'https://shop.example.com', 3],
        ['5245344', 'https://shop.example.com', 2],
        ['1049088', 'http://api.example.com:8080', 1],
      ],
    );
    const instances = findings[0]?.detail?.['instances'] as Record<string, unknown>[];
    assert.deepEqual(
      instances.map((i) => [i['url'], i['parameter'], i['insertionPoint']]),
      [
        ['https://shop.example.com/login.jsp', 'username', 'parameter'],
        ['https://shop.example.com/login.jsp', 'password', 'parameter'],
        ['https://shop.example.com/basket.jsp', 'b_id', 'cookie'],
      ],
    );
    assert.equal(findings[0]?.detail?.['confidence'], 'Certain');
    assert.deepEqual(findings[2]?.location, {
      url: 'http://api.example.com:8080',
      host: 'api.example.com',
      port: 8080,
    });
  });

  test('tells extension issues apart by name, as Burp gives them all one type', async () => {
    // The peer groups by type alone and so folds every extension's issues into one finding (20 of 27 in its
    // sample); Entente keeps "Content Sniffing not disabled" and "Detailed Error Messages Revealed" apart.
    const ext = (name: string, serial: string, severity = 'Low') =>
      issue({ serial, type: '134217728', name, severity, location: '/', path: '/' });
    const findings = await parse(
      export_([
        ext('Content Sniffing not disabled', '1'),
        ext('Detailed Error Messages Revealed', '2'),
        ext('Detailed Error Messages Revealed', '3', 'Medium'),
      ]),
    );
    assert.deepEqual(
      findings.map((f) => [f.ruleId, f.severity]),
      [
        ['134217728:Content Sniffing not disabled', 'low'],
        ['134217728:Detailed Error Messages Revealed', 'medium'],
      ],
    );
  });

  test('takes the highest severity of the grouped issues', async () => {
    const [f] = await parse(
      export_([
        issue({ severity: 'Information' }),
        issue({ serial: '2', severity: 'Medium' }),
        issue({ serial: '3', severity: 'Low' }),
      ]),
    );
    assert.equal(f?.severity, 'medium');
  });

  test('leaves out issues a Burp user marked as false positive', async () => {
    const findings = await parse(export_([issue({ severity: 'False positive' }), frameable('/', '2')]));
    assert.deepEqual(
      findings.map((f) => f.ruleId),
      ['5245344'],
    );
  });

  // Site-level web findings are named by the tool's rule (fingerprint.ts): broad CWEs such as 693 would otherwise
  // fold different checks of one tool together. Cross-tool merging needs a precise URL and parameter.
  test('does not merge a site-level issue with a ZAP alert of the same CWE on the same site', async () => {
    const [burp] = await parse(export_([issue()]));
    const zap: ParsedFinding = {
      tool: 'OWASP ZAP',
      ruleId: '40018',
      kind: 'web',
      title: 'SQL Injection',
      severity: 'high',
      aliases: [],
      cwes: [89],
      location: { url: 'https://shop.example.com', host: 'shop.example.com', port: 443 },
    };
    assert.notDeepEqual(fingerprintOf(burp!), fingerprintOf(zap));
    assert.equal(fingerprintOf(burp!).recipe, fingerprintOf(zap).recipe);
  });

  test('an export without issues has no findings but still counts as a Burp run', async () => {
    const tools: [string, string | undefined][] = [];
    assert.deepEqual(await parse(export_([]), 'b.xml', tools), []);
    assert.deepEqual(tools, [['Burp Suite', '2023.10.3.4']]);
  });
});

describe('burp errors', () => {
  test('rejects a truncated export with line and column', async () => {
    const xml = export_([issue(), issue({ serial: '2' })]);
    await assert.rejects(
      parse(xml.slice(0, xml.lastIndexOf('<issue>') + 60), 'cut.xml'),
      badInputError(/^cut\.xml: not well-formed XML at line \d+, column \d+: .*truncated/),
    );
  });

  test('rejects XML whose root is not <issues>', async () => {
    await assert.rejects(
      parse('<?xml version="1.0"?><OWASPZAPReport version="2.14.0"/>', 'z.xml'),
      badInputError(/z\.xml: not a Burp Suite XML export: the root element is <OWASPZAPReport>/),
    );
  });

  test('rejects an issue without type, name or host, naming its line', async () => {
    await assert.rejects(
      parse(export_([issue().replace(/<type>\d+<\/type>/, '')])),
      badInputError(/the <issue> at line \d+ has no <type>/),
    );
  });

  test('never expands an entity from the DOCTYPE; the contents of /etc/passwd never appear', async () => {
    const xxe = export_([issue({ extra: '<remediationDetail>&xxe;</remediationDetail>' })]).replace(
      '<!ELEMENT issues (issue*)>',
      '<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ELEMENT issues (issue*)>',
    );
    await assert.rejects(parse(xxe), (e: unknown) => {
      assert.ok(e instanceof EntenteError && e.code === 'bad_input');
      assert.doesNotMatch(e.message, /root:/);
      return true;
    });
  });
});

describe('burp robustness', () => {
  const xml = export_([
    issue(),
    frameable('/', '2'),
    issue({ serial: '3', type: '134217728', name: 'Interesting Header(s)' }),
  ]);

  robustnessTests({ parse, seeds: [xml], reports: 'exports' }, { within: 2000 });
});
