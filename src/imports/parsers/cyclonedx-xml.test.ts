import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EntenteError } from '../../errors.ts';
import type { ParsedFinding, ReportInput } from '../types.ts';
import { cyclonedxXmlParser } from './cyclonedx-xml.ts';
import { expectBadInput, reportInput } from '../../../test/support/parsing.ts';

// ---- fixtures: XML BOMs shaped like Grype's and Trivy's output, and the old vulnerability extension ----

const log4jRef = 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?package-id=5f39f8a11642bede';

const log4jVulnerability = (analysis = '<analysis><state>in_triage</state></analysis>') => `
    <vulnerability bom-ref="urn:uuid:1b2c">
      <id>GHSA-jfh8-c2jp-5v3q</id>
      <source>
        <name>github:language:java</name>
        <url>https://github.com/advisories/GHSA-jfh8-c2jp-5v3q</url>
      </source>
      <references>
        <reference><id>CVE-2021-44228</id><source><name>nvd:cpe</name><url>https://nvd.nist.gov/vuln/detail/CVE-2021-44228</url></source></reference>
      </references>
      <ratings>
        <rating><severity>critical</severity></rating>
        <rating><score>10</score><method>CVSSv31</method><vector>CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H</vector></rating>
      </ratings>
      <cwes><cwe>502</cwe><cwe>917</cwe></cwes>
      <description>Remote code injection in Log4j &amp; JNDI</description>
      <advisories><advisory><url>https://logging.apache.org/log4j/2.x/security.html</url></advisory></advisories>
      ${analysis}
      <affects><target><ref>${log4jRef}</ref></target></affects>
      <properties><property name="grype:fixed_versions">2.15.0</property></properties>
    </vulnerability>`;

const grypeBom = (
  vulnerabilities: string,
  tools = '<tools><tool><vendor>anchore</vendor><name>grype</name><version>0.74.0</version></tool></tools>',
) => `<?xml version="1.0" encoding="UTF-8"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.4" serialNumber="urn:uuid:272fe4b7-83a4-4a0f-b235-3b82e833c0e9" version="1">
  <metadata>
    <timestamp>2024-04-02T09:45:22+01:00</timestamp>
    ${tools}
    <component type="file"><name>./services/api</name></component>
  </metadata>
  <components>
    <component bom-ref="${log4jRef}" type="library">
      <name>log4j-core</name>
      <version>2.14.1</version>
      <hashes><hash alg="SHA-1">4d3c0c4f0d8e5c2a1b9e8f7a6b5c4d3e2f1a0b9c</hash></hashes>
      <licenses><license><id>Apache-2.0</id></license></licenses>
      <purl>pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1</purl>
    </component>
  </components>
  <vulnerabilities>${vulnerabilities}
  </vulnerabilities>
</bom>
`;

/** Trivy's 1.5 XML: tools as <components>, ratings with sources, one vulnerability affecting two packages. */
const trivyBom = `<?xml version="1.0" encoding="UTF-8"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.5" serialNumber="urn:uuid:6d7c5bfa" version="1">
  <metadata>
    <tools><components><component type="application"><group>aquasecurity</group><name>trivy</name><version>0.50.1</version></component></components></tools>
    <component bom-ref="pkg:oci/checkout" type="container"><name>shop/checkout:1.4</name></component>
  </metadata>
  <components>
    <component bom-ref="pkg:deb/ubuntu/libc6@2.35-0ubuntu3.5?arch=amd64" type="library"><name>libc6</name><version>2.35-0ubuntu3.5</version><purl>pkg:deb/ubuntu/libc6@2.35-0ubuntu3.5?arch=amd64</purl></component>
    <component bom-ref="pkg:deb/ubuntu/libc-bin@2.35-0ubuntu3.5?arch=amd64" type="library"><name>libc-bin</name><version>2.35-0ubuntu3.5</version><purl>pkg:deb/ubuntu/libc-bin@2.35-0ubuntu3.5?arch=amd64</purl></component>
  </components>
  <vulnerabilities>
    <vulnerability bom-ref="CVE-2016-20013">
      <id>CVE-2016-20013</id>
      <source><name>ubuntu</name><url>https://git.launchpad.net/ubuntu-cve-tracker</url></source>
      <ratings>
        <rating><source><name>nvd</name></source><score>7.5</score><severity>high</severity><method>CVSSv31</method><vector>CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H</vector></rating>
        <rating><source><name>ubuntu</name></source><severity>low</severity></rating>
      </ratings>
      <cwes><cwe>770</cwe></cwes>
      <description>sha256crypt and sha512crypt through 0.6 allow attackers to cause a denial of service.</description>
      <published>2022-02-19T05:15:00+00:00</published>
      <affects>
        <target><ref>pkg:deb/ubuntu/libc6@2.35-0ubuntu3.5?arch=amd64</ref><versions><version><version>2.35-0ubuntu3.5</version><status>affected</status></version></versions></target>
        <target><ref>pkg:deb/ubuntu/libc-bin@2.35-0ubuntu3.5?arch=amd64</ref></target>
      </affects>
    </vulnerability>
  </vulnerabilities>
</bom>`;

/** The v1 vulnerability extension as Grype 0.11 wrote it: nested in each component, ratings with <v:score><v:base>. */
const extensionBom = `<?xml version="1.0" encoding="UTF-8"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.2" xmlns:v="http://cyclonedx.org/schema/ext/vulnerability/1.0" version="1">
  <metadata>
    <tools><tool><vendor>anchore</vendor><name>grype</name><version>0.11.0</version></tool></tools>
    <component type="container"><name>shop/checkout:1.4</name><version>sha256:b914ffbd</version></component>
  </metadata>
  <components>
    <component type="library">
      <name>apt</name>
      <version>1.8.2.1</version>
      <v:vulnerabilities>
        <v:vulnerability ref="urn:uuid:6763945f-8ba6-471d-bda0-02ce911f3b46">
          <v:id>CVE-2011-3374</v:id>
          <v:source name="vulnerabilities:debian:10"><v:url>http://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2011-3374</v:url></v:source>
          <v:ratings>
            <v:rating>
              <v:score><v:base>4.3</v:base><v:impact>0</v:impact><v:exploitability>0</v:exploitability></v:score>
              <v:severity>Low</v:severity>
              <v:method>CVSSv2</v:method>
              <v:vector>AV:N/AC:M/Au:N/C:N/I:P/A:N</v:vector>
            </v:rating>
          </v:ratings>
          <v:advisories><v:advisory>https://security-tracker.debian.org/tracker/CVE-2011-3374</v:advisory></v:advisories>
        </v:vulnerability>
        <v:vulnerability ref="urn:uuid:6e6ef3d4-1c46-4b42-a7a6-9643279f2e89">
          <v:id>CVE-2020-27350</v:id>
          <v:source name="vulnerabilities:debian:10"><v:url>http://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2020-27350</v:url></v:source>
          <v:ratings><v:rating><v:score><v:base>4.6</v:base></v:score><v:severity>Medium</v:severity><v:method>CVSSv2</v:method><v:vector>AV:L/AC:L/Au:N/C:P/I:P/A:P</v:vector></v:rating></v:ratings>
        </v:vulnerability>
      </v:vulnerabilities>
    </component>
    <component type="library"><name>bash</name><version>5.0-4</version></component>
  </components>
</bom>`;

/** The extension at the top level, naming its component with ref (the extension's own sample). */
const extensionTopLevel = `<?xml version="1.0" encoding="UTF-8"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.2" xmlns:v="http://cyclonedx.org/schema/ext/vulnerability/1.0" version="1">
  <components>
    <component type="library" bom-ref="pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.9">
      <group>com.fasterxml.jackson.core</group><name>jackson-databind</name><version>2.9.9</version>
      <purl>pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.9</purl>
    </component>
  </components>
  <v:vulnerabilities>
    <v:vulnerability ref="pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.9">
      <v:id>CVE-2018-7489</v:id>
      <v:source name="NVD"><v:url>https://nvd.nist.gov/vuln/detail/CVE-2018-7489</v:url></v:source>
      <v:ratings><v:rating><v:score><v:base>9.8</v:base></v:score><v:severity>Critical</v:severity><v:method>CVSSv3</v:method><v:vector>AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H</v:vector></v:rating></v:ratings>
      <v:cwes><v:cwe>184</v:cwe><v:cwe>502</v:cwe></v:cwes>
      <v:description>FasterXML jackson-databind before 2.9.5 allows unauthenticated remote code execution.</v:description>
      <v:recommendations><v:recommendation>Upgrade</v:recommendation></v:recommendations>
      <v:advisories><v:advisory>https://github.com/FasterXML/jackson-databind/issues/1931</v:advisory></v:advisories>
    </v:vulnerability>
  </v:vulnerabilities>
</bom>`;

const input = (text: string, name = 'bom.xml'): ReportInput => reportInput(text, name);

async function parse(text: string, tools: unknown[][] = []): Promise<ParsedFinding[]> {
  const out: ParsedFinding[] = [];
  for await (const f of cyclonedxXmlParser.parse(input(text), { tool: (...t) => void tools.push(t) })) out.push(f);
  return out;
}

async function badInputOf(text: string): Promise<EntenteError> {
  try {
    await parse(text);
  } catch (e) {
    assert.ok(e instanceof EntenteError, `expected an EntenteError, got ${String(e)}`);
    assert.equal(e.code, 'bad_input');
    return e;
  }
  assert.fail('expected the report to be refused');
}

// ---- vulnerabilities ----

describe('CycloneDX XML vulnerabilities (1.4+)', () => {
  test('become dependency findings with rating, CVSS, aliases, CWEs, fix, purl and analysis', async () => {
    const tools: unknown[][] = [];
    const [f, ...rest] = await parse(grypeBom(log4jVulnerability()), tools);
    assert.equal(rest.length, 0);
    assert.deepEqual(tools, [['Grype', '0.74.0']]);
    assert.ok(f);
    assert.equal(f.tool, 'Grype');
    assert.equal(f.toolVersion, '0.74.0');
    assert.equal(f.kind, 'dependency');
    assert.equal(f.ruleId, 'GHSA-jfh8-c2jp-5v3q');
    assert.equal(f.title, 'GHSA-jfh8-c2jp-5v3q in org.apache.logging.log4j:log4j-core 2.14.1');
    assert.equal(f.description, 'Remote code injection in Log4j & JNDI');
    assert.equal(f.severity, 'critical');
    assert.deepEqual(f.cvss, { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', score: 10 });
    assert.deepEqual(f.aliases, ['CVE-2021-44228', 'GHSA-jfh8-c2jp-5v3q']);
    assert.deepEqual(f.cwes, [502, 917]);
    assert.deepEqual(f.component, {
      name: 'org.apache.logging.log4j:log4j-core',
      version: '2.14.1',
      purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
      ecosystem: 'maven',
    });
    assert.equal(f.fixedVersion, '2.15.0');
    assert.deepEqual(f.location, { target: './services/api' });
    assert.deepEqual(f.detail, {
      source: 'github:language:java',
      analysis: { state: 'in_triage' },
      specVersion: '1.4',
    });
  });

  test("read Trivy's 1.5 BOMs: tools as components, the source's own rating, one finding per affected package", async () => {
    const tools: unknown[][] = [];
    const found = await parse(trivyBom, tools);
    assert.deepEqual(tools, [['Trivy', '0.50.1']]);
    assert.deepEqual(
      found.map((f) => [f.component?.name, f.severity, f.cvss?.score]),
      [
        ['libc6', 'low', 7.5],
        ['libc-bin', 'low', 7.5],
      ],
    );
    assert.deepEqual(found[0]?.location, { target: 'shop/checkout:1.4' });
    assert.deepEqual(found[0]?.detail?.affectedVersions, ['2.35-0ubuntu3.5 affected']);
  });

  // As in the JSON form (and as the peer counts its not_affected sample): read with the state the analysis gives.
  test('not_affected and false_positive read as false positives and resolved as fixed, with the justification as the reason', async () => {
    const expected: Record<string, string> = {
      not_affected: 'false_positive',
      false_positive: 'false_positive',
      resolved: 'fixed',
    };
    for (const [state, status] of Object.entries(expected)) {
      const analysis = `<analysis><state>${state}</state><justification>code_not_reachable</justification><responses><response>will_not_fix</response></responses></analysis>`;
      const tools: unknown[][] = [];
      const found = await parse(grypeBom(log4jVulnerability(analysis)), tools);
      assert.deepEqual(
        found.map((f) => f.state),
        [{ status, reason: `${state}: code not reachable` }],
        state,
      );
      assert.deepEqual(tools, [['Grype', '0.74.0']]);
    }
  });

  test('exploitable vulnerabilities keep their analysis with its responses', async () => {
    const analysis =
      '<analysis><state>exploitable</state><responses><response>update</response><response>workaround_available</response></responses><detail>Reachable.</detail></analysis>';
    const [f] = await parse(grypeBom(log4jVulnerability(analysis)));
    assert.deepEqual(f?.detail?.analysis, {
      state: 'exploitable',
      responses: ['update', 'workaround_available'],
      detail: 'Reachable.',
    });
  });
});

describe('CycloneDX XML vulnerability extension (v1)', () => {
  test('reads vulnerabilities nested in their component, with <v:score><v:base> and plain advisories', async () => {
    const tools: unknown[][] = [];
    const found = await parse(extensionBom, tools);
    assert.deepEqual(tools, [['Grype', '0.11.0']]);
    assert.equal(found.length, 2);
    const [f] = found;
    assert.equal(f?.ruleId, 'CVE-2011-3374');
    assert.equal(f?.severity, 'low');
    assert.deepEqual(f?.cvss, { version: '2.0', vector: 'AV:N/AC:M/Au:N/C:N/I:P/A:N', score: 4.3 });
    assert.deepEqual(f?.component, { name: 'apt', version: '1.8.2.1' });
    assert.deepEqual(f?.location, { target: 'shop/checkout:1.4' });
    assert.deepEqual(f?.references, [
      'http://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2011-3374',
      'https://security-tracker.debian.org/tracker/CVE-2011-3374',
    ]);
    assert.equal(f?.detail?.source, 'vulnerabilities:debian:10');
    assert.equal(found[1]?.severity, 'medium');
  });

  test('reads top-level extension vulnerabilities that name their component with ref', async () => {
    const tools: unknown[][] = [];
    const [f] = await parse(extensionTopLevel, tools);
    assert.deepEqual(tools, [['CycloneDX']], 'a BOM naming no tool is a run of an unnamed CycloneDX producer');
    assert.equal(f?.tool, 'CycloneDX');
    assert.deepEqual(f?.component?.name, 'com.fasterxml.jackson.core:jackson-databind');
    assert.deepEqual(f?.cwes, [184, 502]);
    assert.deepEqual(f?.cvss, { version: '3.0', vector: 'AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8 });
    assert.equal(f?.detail?.recommendation, 'Upgrade');
  });

  test('a plain SBOM without vulnerabilities has no findings', async () => {
    const sbom =
      '<?xml version="1.0"?>\n<bom xmlns="http://cyclonedx.org/schema/bom/1.0" version="1"><components><component type="library"><name>bleach</name><version>3.3.0</version><purl>pkg:pypi/bleach@3.3.0</purl></component></components></bom>';
    assert.deepEqual(await parse(sbom), []);
  });
});

// ---- detection and errors ----

describe('CycloneDX XML detection', () => {
  test('recognises CycloneDX <bom> roots, after a declaration or comment, even cut mid-way', () => {
    assert.ok(cyclonedxXmlParser.detect(grypeBom(log4jVulnerability()).slice(0, 4096), 'bom.xml'));
    assert.ok(cyclonedxXmlParser.detect(extensionBom.slice(0, 150), 'bom.xml'));
    assert.ok(
      cyclonedxXmlParser.detect(
        '<!-- made by cdxgen -->\n<bom xmlns="http://cyclonedx.org/schema/bom/1.6" vers',
        'bom.xml',
      ),
    );
  });

  test('refuses other XML reports, JSON BOMs and a <bom> of another schema', () => {
    const heads = [
      '<?xml version="1.0"?>\n<OWASPZAPReport version="2.11.1" generated="Mon, 1 Jan 2024">',
      '<?xml version="1.0" ?>\n<NessusClientData_v2><Policy>',
      '{"bomFormat": "CycloneDX", "specVersion": "1.5"}',
      '<?xml version="1.0"?>\n<bom xmlns="urn:example:bill-of-materials"><part/></bom>',
      '\u0000\u0001garbage',
      '',
    ];
    for (const head of heads) assert.equal(cyclonedxXmlParser.detect(head, 'x.xml'), false, head);
  });
});

describe('CycloneDX XML errors', () => {
  test('a truncated or malformed BOM is refused with the line and column', async () => {
    const text = grypeBom(log4jVulnerability());
    const cut = await badInputOf(text.slice(0, text.indexOf('<cwes>')));
    assert.match(cut.message, /bom\.xml: not well-formed XML at line \d+, column \d+: .*truncated/);
    const broken = text.replace('<version>2.14.1</version>', '<version>2.14.1</versoin>');
    const err = await badInputOf(broken);
    assert.match(
      err.message,
      new RegExp(`at line ${broken.slice(0, broken.indexOf('</versoin>')).split('\n').length}, column \\d+`),
    );
  });

  test('a vulnerability without an id, or an affects target without a ref, is refused with its line', async () => {
    const text = grypeBom(log4jVulnerability().replace('<id>GHSA-jfh8-c2jp-5v3q</id>', ''));
    const e1 = await badInputOf(text);
    assert.match(
      e1.message,
      new RegExp(
        `the vulnerability at line ${text.slice(0, text.indexOf('<vulnerability ')).split('\n').length} has no <id>`,
      ),
    );
    const e2 = await badInputOf(grypeBom(log4jVulnerability().replace(`<ref>${log4jRef}</ref>`, '')));
    assert.match(e2.message, /the affects target at line \d+ has no <ref>/);
  });

  test('never expands entities declared in a DOCTYPE', async () => {
    const xxe = `<?xml version="1.0"?>\n<!DOCTYPE bom [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components><component><name>&xxe;</name></component></components></bom>`;
    assert.match((await badInputOf(xxe)).message, /entities declared in a DOCTYPE are never expanded/);
  });

  test('an XML document whose root is not <bom> is refused', async () => {
    assert.match((await badInputOf('<?xml version="1.0"?><OWASPZAPReport/>')).message, /not a CycloneDX BOM/);
  });

  test('never fails with anything but a bad-input error on cut, spliced or random input', async () => {
    const seeds = [grypeBom(log4jVulnerability()), trivyBom, extensionBom, extensionTopLevel];
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), fc.nat(), fc.string(), async (which, at, cut, noise) => {
        const seed = seeds[which % seeds.length] as string;
        const i = at % (seed.length + 1);
        await parse(seed.slice(0, i) + noise + seed.slice(i)).catch(expectBadInput);
        await parse(seed.slice(0, cut % (seed.length + 1))).catch(expectBadInput);
        await parse(noise).catch(expectBadInput);
      }),
      { numRuns: 400 },
    );
  });

  test('never fails with anything but a bad-input error when elements are dropped or emptied', async () => {
    const seed = grypeBom(log4jVulnerability());
    const tags = [...new Set([...seed.matchAll(/<([a-z][\w:-]*)[\s>]/gi)].map((m) => m[1] as string))];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...tags), fc.boolean(), async (tag, drop) => {
        const re = new RegExp(`<${tag}(\\s[^>]*)?>[\\s\\S]*?</${tag}>`, 'g');
        const changed = seed.replace(re, drop ? '' : `<${tag}></${tag}>`);
        await parse(changed).catch(expectBadInput);
      }),
      { numRuns: 200 },
    );
  });
});
