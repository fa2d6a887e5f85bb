import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprintOf } from '../fingerprint.ts';
import type { ParsedFinding } from '../types.ts';
import { dependencyCheckParser } from './dependency-check.ts';
import { badInputError, inputOf, robustnessTests } from '../../../test/support/parsing.ts';

async function parse(
  text: string,
  name = 'dependency-check-report.xml',
): Promise<{ findings: ParsedFinding[]; tools: [string, string | undefined][] }> {
  const findings: ParsedFinding[] = [];
  const tools: [string, string | undefined][] = [];
  for await (const f of dependencyCheckParser.parse(inputOf(name, text), { tool: (n, v) => tools.push([n, v]) }))
    findings.push(f);
  return { findings, tools };
}

const nvdV3 = (
  score: string,
  vector: [string, string, string, string, string, string, string, string],
  severity: string,
): string => {
  const [av, ac, pr, ui, s, c, i, a] = vector;
  return `<cvssV3><baseScore>${score}</baseScore><attackVector>${av}</attackVector><attackComplexity>${ac}</attackComplexity><privilegesRequired>${pr}</privilegesRequired><userInteraction>${ui}</userInteraction><scope>${s}</scope><confidentialityImpact>${c}</confidentialityImpact><integrityImpact>${i}</integrityImpact><availabilityImpact>${a}</availabilityImpact><baseSeverity>${severity}</baseSeverity><exploitabilityScore>3.9</exploitabilityScore><impactScore>3.6</impactScore><version>3.1</version></cvssV3>`;
};

function dependency(body: string, attrs = 'isVirtual="false"'): string {
  return `    <dependency ${attrs}>\n${body}\n    </dependency>`;
}

const jackson = dependency(`      <fileName>jackson-databind-2.13.3.jar</fileName>
      <filePath>/home/ci/.m2/repository/com/fasterxml/jackson/core/jackson-databind/2.13.3/jackson-databind-2.13.3.jar</filePath>
      <md5>4a5e2c7f1d3b8a9c0e6f2b1d3c4a5e6f</md5>
      <sha1>56dd7dcd8d8ee1cc1b5e3e1e8b2c4d5f6a7b8c9d</sha1>
      <sha256>2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c</sha256>
      <description>General data-binding functionality for Jackson</description>
      <license>The Apache Software License, Version 2.0</license>
      <projectReferences><projectReference>shop-api:compile</projectReference></projectReferences>
      <evidenceCollected>
        <evidence type="vendor" confidence="HIGH"><source>pom</source><name>groupid</name><value>com.fasterxml.jackson.core</value></evidence>
      </evidenceCollected>
      <identifiers>
        <package confidence="HIGH"><id>pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.13.3</id><url>https://ossindex.sonatype.org/component/pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.13.3</url></package>
        <vulnerabilityIds confidence="HIGHEST"><id>cpe:2.3:a:fasterxml:jackson-databind:2.13.3:*:*:*:*:*:*:*</id></vulnerabilityIds>
      </identifiers>
      <vulnerabilities>
        <vulnerability source="NVD">
          <name>CVE-2022-42003</name>
          <severity>HIGH</severity>
          <cvssV2><score>5.0</score><accessVector>NETWORK</accessVector><accessComplexity>LOW</accessComplexity><authenticationr>NONE</authenticationr><confidentialityImpact>NONE</confidentialityImpact><integrityImpact>NONE</integrityImpact><availabilityImpact>PARTIAL</availabilityImpact><severity>MEDIUM</severity><version>2.0</version></cvssV2>
          ${nvdV3('7.5', ['NETWORK', 'LOW', 'NONE', 'NONE', 'UNCHANGED', 'NONE', 'NONE', 'HIGH'], 'HIGH')}
          <cwes><cwe>CWE-502</cwe></cwes>
          <description>In FasterXML jackson-databind before versions 2.13.4.1 and 2.12.17.1, resource exhaustion can occur because of a lack of a check in primitive value deserializers.</description>
          <references>
            <reference><source>MISC</source><url>https://github.com/FasterXML/jackson-databind/issues/3590</url><name>https://github.com/FasterXML/jackson-databind/issues/3590</name></reference>
            <reference><source>GENTOO</source><url> https://security.gentoo.org/glsa/202210-21</url><name>GLSA-202210-21</name></reference>
          </references>
          <vulnerableSoftware>
            <software vulnerabilityIdMatched="true" versionStartIncluding="2.13.0" versionEndExcluding="2.13.4.1">cpe:2.3:a:fasterxml:jackson-databind:*:*:*:*:*:*:*:*</software>
            <software versionEndExcluding="2.12.7.1">cpe:2.3:a:fasterxml:jackson-databind:*:*:*:*:*:*:*:*</software>
          </vulnerableSoftware>
        </vulnerability>
        <vulnerability source="NVD">
          <name>CVE-2020-36518</name>
          <knownExploitedVulnerability><vendorProject>FasterXML</vendorProject><product>jackson-databind</product><dateAdded>2024-01-10</dateAdded><requiredAction>Apply updates per vendor instructions.</requiredAction><dueDate>2024-01-31</dueDate></knownExploitedVulnerability>
          <severity>CRITICAL</severity>
          <cvssV4><source>nvd@nist.gov</source><type>Primary</type><version>4.0</version><vectorString>CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N</vectorString><baseScore>8.7</baseScore><baseSeverity>HIGH</baseSeverity></cvssV4>
          <cwes><cwe>CWE-787</cwe><cwe>NVD-CWE-Other</cwe></cwes>
          <description>jackson-databind before 2.13.0 allows a Java StackOverflow exception and denial of service via a large depth of nested objects.</description>
          <references/>
          <vulnerableSoftware><software vulnerabilityIdMatched="true" versionEndExcluding="2.12.6.1">cpe:2.3:a:fasterxml:jackson-databind:*:*:*:*:*:*:*:*</software></vulnerableSoftware>
        </vulnerability>
        <suppressedVulnerability source="NVD">
          <name>CVE-2022-42004</name>
          <severity>HIGH</severity>
          <cwes><cwe>CWE-502</cwe></cwes>
          <description>In FasterXML jackson-databind before 2.13.4, resource exhaustion can occur.</description>
          <notes>Not reachable: we never deserialise untrusted input.</notes>
          <references/>
          <vulnerableSoftware><software matched="true" versionEndExcluding="2.13.4">cpe:2.3:a:fasterxml:jackson-databind:*:*:*:*:*:*:*:*</software></vulnerableSoftware>
        </suppressedVulnerability>
      </vulnerabilities>`);

// A bundled dependency: Dependency-Check merged activemq-client's identifiers into the broker jar it reports.
const activemq = dependency(`      <fileName>activemq-broker-5.16.5.jar</fileName>
      <filePath>/home/ci/.m2/repository/org/apache/activemq/activemq-broker/5.16.5/activemq-broker-5.16.5.jar</filePath>
      <sha1>9f8e7d6c5b4a39281706f5e4d3c2b1a098765432</sha1>
      <relatedDependencies>
        <relatedDependency><fileName>activemq-client-5.16.5.jar</fileName><filePath>/home/ci/.m2/repository/org/apache/activemq/activemq-client/5.16.5/activemq-client-5.16.5.jar</filePath><sha256>ab</sha256><sha1>cd</sha1><md5>ef</md5><identifiers><package><id>pkg:maven/org.apache.activemq/activemq-client@5.16.5</id></package></identifiers></relatedDependency>
      </relatedDependencies>
      <identifiers>
        <package confidence="HIGH"><id>pkg:maven/org.apache.activemq/activemq-client@5.16.5</id></package>
        <package confidence="HIGH"><id>pkg:maven/org.apache.activemq/activemq-broker@5.16.5</id></package>
        <vulnerabilityIds confidence="HIGHEST"><id>cpe:2.3:a:apache:activemq:5.16.5:*:*:*:*:*:*:*</id></vulnerabilityIds>
      </identifiers>
      <vulnerabilities>
        <vulnerability source="NVD">
          <name>CVE-2023-46604</name>
          <severity>CRITICAL</severity>
          ${nvdV3('10.0', ['NETWORK', 'LOW', 'NONE', 'NONE', 'CHANGED', 'HIGH', 'HIGH', 'HIGH'], 'CRITICAL')}
          <cwes><cwe>CWE-502</cwe></cwes>
          <description>The Java OpenWire protocol marshaller is vulnerable to Remote Code Execution.</description>
          <references><reference><source>MISC</source><url>https://activemq.apache.org/security-advisories.data/CVE-2023-46604-announcement.txt</url><name>x</name></reference></references>
          <vulnerableSoftware><software vulnerabilityIdMatched="true" versionStartIncluding="5.16.0" versionEndExcluding="5.16.7">cpe:2.3:a:apache:activemq:*:*:*:*:*:*:*:*</software></vulnerableSoftware>
        </vulnerability>
      </vulnerabilities>`);

// Dependency-Check matched commons-codec against commons_net's CPE: the range is commons_net's, not a fix for this jar.
const codec = dependency(`      <fileName>commons-codec-1.15.jar</fileName>
      <filePath>/home/ci/.m2/repository/commons-codec/commons-codec/1.15/commons-codec-1.15.jar</filePath>
      <identifiers><package confidence="HIGH"><id>pkg:maven/commons-codec/commons-codec@1.15</id></package></identifiers>
      <vulnerabilities>
        <vulnerability source="NVD">
          <name>CVE-2021-37533</name>
          <severity>MEDIUM</severity>
          ${nvdV3('6.5', ['NETWORK', 'LOW', 'NONE', 'REQUIRED', 'UNCHANGED', 'HIGH', 'NONE', 'NONE'], 'MEDIUM')}
          <cwes><cwe>CWE-20</cwe></cwes>
          <description>Prior to Apache Commons Net 3.9.0, Net's FTP client trusts the host from PASV response by default.</description>
          <references/>
          <vulnerableSoftware><software vulnerabilityIdMatched="true" versionEndExcluding="3.9.0">cpe:2.3:a:apache:commons_net:*:*:*:*:*:*:*:*</software></vulnerableSoftware>
        </vulnerability>
      </vulnerabilities>`);

const npm = dependency(
  `      <fileName>minimist:1.2.5</fileName>
      <filePath>/builds/web/package-lock.json?minimist</filePath>
      <md5/><sha1/><sha256/>
      <projectReferences><projectReference>package-lock.json: transitive</projectReference></projectReferences>
      <identifiers><package confidence="HIGHEST"><id>pkg:npm/minimist@1.2.5</id></package></identifiers>
      <vulnerabilities>
        <vulnerability source="NPM">
          <name>GHSA-xvch-5gv4-984h</name>
          <severity unscored="true">critical</severity>
          <description>Prototype Pollution in minimist</description>
          <references><reference><source>NPM Advisory reference: </source><url>https://github.com/advisories/GHSA-xvch-5gv4-984h</url><name>https://github.com/advisories/GHSA-xvch-5gv4-984h</name></reference></references>
          <vulnerableSoftware><software vulnerabilityIdMatched="true">cpe:2.3:a:*:minimist:\\&lt;1.2.6:*:*:*:*:*:*:*</software></vulnerableSoftware>
        </vulnerability>
      </vulnerabilities>`,
  'isVirtual="true"',
);

const clean = dependency(`      <fileName>slf4j-api-2.0.9.jar</fileName>
      <filePath>/home/ci/.m2/repository/org/slf4j/slf4j-api/2.0.9/slf4j-api-2.0.9.jar</filePath>
      <identifiers><package confidence="HIGH"><id>pkg:maven/org.slf4j/slf4j-api@2.0.9</id></package></identifiers>`);

function report(deps: string[], engine = '9.0.9'): string {
  return `<?xml version="1.0"?>
<analysis xmlns="https://jeremylong.github.io/DependencyCheck/dependency-check.4.0.xsd">
  <scanInfo>
    <engineVersion>${engine}</engineVersion>
    <dataSource><name>NVD API Last Checked</name><timestamp>2024-03-01T10:00:00Z</timestamp></dataSource>
  </scanInfo>
  <projectInfo><name>shop-api</name><reportDate>2024-03-01T10:12:44.123Z</reportDate><credits>NVD</credits></projectInfo>
  <dependencies>
${deps.join('\n')}
  </dependencies>
</analysis>
`;
}

const full = report([jackson, activemq, codec, npm, clean]);

/** Schema 1.x (Dependency-Check 1.4–5): typed identifiers and CVSS v2 fields on the vulnerability itself. */
const legacy = `<?xml version="1.0"?>
<analysis xmlns="https://jeremylong.github.io/DependencyCheck/dependency-check.1.3.xsd">
  <scanInfo></scanInfo>
  <projectInfo><name>legacy</name><reportDate>2016-11-05T14:52:15.748-0400</reportDate></projectInfo>
  <dependencies>
    <dependency>
      <fileName>struts2-core-2.3.20.jar</fileName>
      <filePath>C:\\build\\lib\\struts2-core-2.3.20.jar</filePath>
      <identifiers>
        <identifier type="cpe" confidence="HIGHEST"><name>cpe:/a:apache:struts:2.3.20</name></identifier>
        <identifier type="maven" confidence="HIGHEST"><name>org.apache.struts:struts2-core:2.3.20</name></identifier>
      </identifiers>
      <vulnerabilities>
        <vulnerability>
          <name>CVE-2017-5638</name>
          <cvssScore>10.0</cvssScore>
          <cvssAccessVector>NETWORK</cvssAccessVector><cvssAccessComplexity>LOW</cvssAccessComplexity><cvssAuthenticationr>NONE</cvssAuthenticationr>
          <cvssConfidentialImpact>COMPLETE</cvssConfidentialImpact><cvssIntegrityImpact>COMPLETE</cvssIntegrityImpact><cvssAvailabilityImpact>COMPLETE</cvssAvailabilityImpact>
          <severity>High</severity>
          <cwe>CWE-20 Improper Input Validation</cwe>
          <description>The Jakarta Multipart parser in Apache Struts 2 mishandles file upload.</description>
          <references><reference><source>BID</source><url>http://www.securityfocus.com/bid/96729</url><name>96729</name></reference></references>
          <vulnerableSoftware><software>cpe:/a:apache:struts:2.3.20</software></vulnerableSoftware>
        </vulnerability>
      </vulnerabilities>
    </dependency>
  </dependencies>
</analysis>`;

describe('dependency-check detection', () => {
  test('recognises the report by its <analysis> root and schema, also with a cut head', () => {
    assert.ok(dependencyCheckParser.detect(full.slice(0, 4096), 'r.xml'));
    assert.ok(dependencyCheckParser.detect(legacy.slice(0, 200), 'r.xml'));
    assert.ok(
      dependencyCheckParser.detect(
        '<?xml version="1.0"?>\n<analysis xmlns="https://jeremylong.github.io/DependencyCheck/dependency-check.2.5.xsd">\n  <scanIn',
        'r.xml',
      ),
    );
  });

  test('does not claim other XML reports or SARIF', () => {
    assert.ok(!dependencyCheckParser.detect('<?xml version="1.0"?><analysis><item/></analysis>', 'other.xml'));
    assert.ok(
      !dependencyCheckParser.detect('<?xml version="1.0"?><nmaprun scanner="nmap" version="7.93">', 'scan.xml'),
    );
    assert.ok(
      !dependencyCheckParser.detect(
        '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"dependency-check"}}}]}',
        'dc.sarif',
      ),
    );
  });
});

describe('dependency-check report', () => {
  // Corpus: PR6439.xml — DefectDojo counts 34, Entente 26; multiple_vulnerabilities_has_multiple_findings.xml — 9 vs 7.
  // Both match once suppressed vulnerabilities (8 and 2) are read: the peer imports them as mitigated findings,
  // Entente with the state accepted, so the import creates them closed with the suppression's notes as the reason.
  test('one finding per vulnerability per dependency; a suppressed vulnerability is read as accepted, with its notes (peer: 34 and 9)', async () => {
    const { findings, tools } = await parse(full);
    assert.deepEqual(
      findings.map((f) => f.ruleId),
      ['CVE-2022-42003', 'CVE-2020-36518', 'CVE-2022-42004', 'CVE-2023-46604', 'CVE-2021-37533', 'GHSA-xvch-5gv4-984h'],
    );
    assert.deepEqual(
      findings.map((f) => f.state?.status),
      [undefined, undefined, 'accepted', undefined, undefined, undefined],
    );
    assert.deepEqual(findings[2]?.state, {
      status: 'accepted',
      reason: 'suppressed in the report: Not reachable: we never deserialise untrusted input.',
    });
    assert.equal(findings[2]?.severity, 'high');
    assert.deepEqual(tools, [['dependency-check', '9.0.9']]);
  });

  test('a suppression without notes says the suppression file closed it', async () => {
    const bare = full.replace('<notes>Not reachable: we never deserialise untrusted input.</notes>', '');
    const f = (await parse(bare)).findings.find((x) => x.ruleId === 'CVE-2022-42004');
    assert.deepEqual(f?.state, {
      status: 'accepted',
      reason: 'suppressed in the report by a Dependency-Check suppression file',
    });
  });

  test('maps severity, CVSS v3 vector, CWE, component purl, fixed version, target, references and detail', async () => {
    const [f] = (await parse(full)).findings;
    assert.ok(f);
    assert.equal(f.kind, 'dependency');
    assert.equal(f.title, 'CVE-2022-42003 in com.fasterxml.jackson.core:jackson-databind 2.13.3');
    assert.equal(f.severity, 'high');
    assert.deepEqual(f.cvss, { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', score: 7.5 });
    assert.deepEqual(f.aliases, ['CVE-2022-42003']);
    assert.deepEqual(f.cwes, [502]);
    assert.deepEqual(f.component, {
      name: 'com.fasterxml.jackson.core:jackson-databind',
      version: '2.13.3',
      purl: 'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.13.3',
      ecosystem: 'maven',
    });
    assert.equal(f.fixedVersion, '2.13.4.1');
    assert.deepEqual(f.location, {
      target: '/home/ci/.m2/repository/com/fasterxml/jackson/core/jackson-databind/2.13.3/jackson-databind-2.13.3.jar',
    });
    assert.deepEqual(f.references, [
      'https://github.com/FasterXML/jackson-databind/issues/3590',
      'https://security.gentoo.org/glsa/202210-21',
    ]);
    assert.equal(f.detail?.['source'], 'NVD');
    assert.equal(f.detail?.['sha256'], '2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c');
    assert.deepEqual(f.detail?.['projectReferences'], ['shop-api:compile']);
    assert.deepEqual(f.detail?.['cvss'], [
      { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', score: 7.5 },
      { version: '2.0', vector: 'AV:N/AC:L/Au:N/C:N/I:N/A:P', score: 5 },
    ]);
  });

  test('a CVSS v4-only vulnerability keeps its vector; a CISA KEV entry is kept in detail', async () => {
    const f = (await parse(full)).findings[1];
    assert.deepEqual(f?.cvss, {
      version: '4.0',
      vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N',
      score: 8.7,
    });
    assert.equal(f?.severity, 'critical');
    assert.deepEqual(f?.cwes, [787]);
    assert.deepEqual(f?.detail?.['knownExploited'], {
      vendorProject: 'FasterXML',
      product: 'jackson-databind',
      dateAdded: '2024-01-10',
      requiredAction: 'Apply updates per vendor instructions.',
      dueDate: '2024-01-31',
    });
  });

  test('a bundled dependency is the package named like its file; related files stay in detail', async () => {
    const f = (await parse(full)).findings[3];
    assert.equal(f?.component?.purl, 'pkg:maven/org.apache.activemq/activemq-broker@5.16.5');
    assert.deepEqual(f?.detail?.['otherPackages'], ['pkg:maven/org.apache.activemq/activemq-client@5.16.5']);
    assert.deepEqual(f?.detail?.['relatedDependencies'], [
      {
        fileName: 'activemq-client-5.16.5.jar',
        filePath: '/home/ci/.m2/repository/org/apache/activemq/activemq-client/5.16.5/activemq-client-5.16.5.jar',
        purl: 'pkg:maven/org.apache.activemq/activemq-client@5.16.5',
      },
    ]);
    assert.equal(
      f?.fixedVersion,
      '5.16.7',
      'activemq-* modules are versioned with the apache:activemq product the CPE names',
    );
  });

  test("no fixed version from a neighbour's CPE range (commons-codec matched against commons_net)", async () => {
    const f = (await parse(full)).findings[4];
    assert.equal(f?.fixedVersion, undefined);
    assert.deepEqual(f?.detail?.['matchedSoftware'], {
      cpe: 'cpe:2.3:a:apache:commons_net:*:*:*:*:*:*:*:*',
      versionEndExcluding: '3.9.0',
    });
  });

  test('an unscored npm advisory keeps its own severity word and GHSA alias', async () => {
    const f = (await parse(full)).findings[5];
    assert.equal(f?.severity, 'critical');
    assert.equal(f?.cvss, undefined);
    assert.deepEqual(f?.aliases, ['GHSA-xvch-5gv4-984h']);
    assert.deepEqual(f?.component, {
      name: 'minimist',
      version: '1.2.5',
      purl: 'pkg:npm/minimist@1.2.5',
      ecosystem: 'npm',
    });
    assert.equal(f?.detail?.['unscored'], true);
    assert.equal(f?.detail?.['isVirtual'], true);
  });

  test('gives the same dependency fingerprint as another scanner reporting the CVE on the same package', async () => {
    const [f] = (await parse(full)).findings;
    assert.ok(f);
    const other: ParsedFinding = {
      tool: 'Trivy',
      ruleId: 'CVE-2022-42003',
      kind: 'dependency',
      title: 'jackson-databind: deep wrapper array nesting',
      severity: 'high',
      aliases: ['CVE-2022-42003'],
      cwes: [502],
      location: { target: 'pom.xml' },
      component: {
        name: 'com.fasterxml.jackson.core:jackson-databind',
        version: '2.13.3',
        purl: 'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.13.3',
      },
    };
    assert.deepEqual(fingerprintOf(f), fingerprintOf(other));
  });

  test('reads schema 1.x: maven identifier as purl, CVSS v2 from the vulnerability, "High" severity, CWE text', async () => {
    const { findings, tools } = await parse(legacy);
    assert.equal(findings.length, 1);
    const [f] = findings;
    assert.deepEqual(f?.component, {
      name: 'org.apache.struts:struts2-core',
      version: '2.3.20',
      purl: 'pkg:maven/org.apache.struts/struts2-core@2.3.20',
      ecosystem: 'maven',
    });
    assert.deepEqual(f?.cvss, { version: '2.0', vector: 'AV:N/AC:L/Au:N/C:C/I:C/A:C', score: 10 });
    assert.equal(f?.severity, 'high');
    assert.deepEqual(f?.cwes, [20]);
    assert.equal(f?.location.target, 'C:/build/lib/struts2-core-2.3.20.jar');
    assert.deepEqual(tools, [['dependency-check', undefined]]);
  });

  test('a report without vulnerabilities has no findings but still counts as a run', async () => {
    const { findings, tools } = await parse(report([clean], '10.0.3'));
    assert.equal(findings.length, 0);
    assert.deepEqual(tools, [['dependency-check', '10.0.3']]);
  });
});

describe('dependency-check errors', () => {
  test('truncated XML says where and that the file looks truncated', async () => {
    await assert.rejects(
      parse(full.slice(0, full.indexOf('CVE-2023-46604'))),
      badInputError(/not well-formed XML at line \d+, column \d+: .*truncated/),
    );
  });

  test('a vulnerability without a name says on which line', async () => {
    const noName = report([codec.replace('<name>CVE-2021-37533</name>', '')]);
    const line = noName.slice(0, noName.indexOf('<vulnerability ')).split('\n').length;
    await assert.rejects(parse(noName), badInputError(new RegExp(`the <vulnerability> at line ${line} has no <name>`)));
  });

  test('another XML root is refused by name', async () => {
    await assert.rejects(
      parse('<?xml version="1.0"?><OWASPZAPReport version="2.14.0"/>'),
      badInputError(/not a Dependency-Check XML report: the root element is <OWASPZAPReport>/),
    );
  });

  robustnessTests([
    { parse, seeds: [full] },
    { parse, seeds: [legacy], runs: 200 },
  ]);
});
