// Random, mutated and hostile reports thrown at every parser: none crashes or hangs, and every refusal is a bad_input
// error that names the file and says where (a JSON path, a line) or that the whole document is not the format.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { EntenteError } from '../src/errors.ts';
import { parsers, detectParser } from '../src/imports/parsers/index.ts';
import { findingKinds, severities, type ReportParser } from '../src/imports/types.ts';
import { ReportRows } from '../src/imports/report-rows.ts';

const j = (v: unknown): string => JSON.stringify(v, null, 1);

// One small report per format, each with at least one finding: the starting points the properties mutate.
const seeds: Record<string, string> = {
  trivy: j({
    SchemaVersion: 2,
    ArtifactName: '.',
    ArtifactType: 'filesystem',
    Results: [
      {
        Target: 'pom.xml',
        Class: 'lang-pkgs',
        Type: 'pom',
        Vulnerabilities: [
          {
            VulnerabilityID: 'CVE-2021-44228',
            PkgName: 'org.apache.logging.log4j:log4j-core',
            InstalledVersion: '2.14.1',
            FixedVersion: '2.15.0',
            Severity: 'CRITICAL',
            CweIDs: ['CWE-502'],
            CVSS: { nvd: { V3Vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', V3Score: 10 } },
          },
        ],
      },
      {
        Target: 'main.tf',
        Class: 'config',
        Type: 'terraform',
        Misconfigurations: [
          {
            ID: 'AVD-AWS-0088',
            Title: 'Unencrypted S3 bucket.',
            Severity: 'HIGH',
            Status: 'FAIL',
            CauseMetadata: { Resource: 'aws_s3_bucket.logs', StartLine: 12, EndLine: 18 },
          },
        ],
      },
    ],
  }),
  'npm-audit': j({
    auditReportVersion: 2,
    vulnerabilities: {
      lodash: {
        name: 'lodash',
        severity: 'high',
        isDirect: true,
        range: '<4.17.21',
        nodes: ['node_modules/lodash'],
        fixAvailable: true,
        via: [
          {
            source: 1067,
            name: 'lodash',
            dependency: 'lodash',
            title: 'Command Injection in lodash',
            url: 'https://github.com/advisories/GHSA-35jh-r3h4-6jhm',
            severity: 'high',
            cwe: ['CWE-77'],
            cvss: { score: 7.2, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H' },
            range: '<4.17.21',
          },
        ],
      },
    },
    metadata: { vulnerabilities: { high: 1, total: 1 } },
  }),
  'yarn-audit': [
    j({
      type: 'auditAdvisory',
      data: {
        resolution: { id: 1067, path: 'lodash', dev: false, optional: false, bundled: false },
        advisory: {
          id: 1067,
          module_name: 'lodash',
          title: 'Command Injection',
          severity: 'high',
          cwe: 'CWE-77',
          cves: ['CVE-2021-23337'],
          vulnerable_versions: '<4.17.21',
          patched_versions: '>=4.17.21',
          url: 'https://github.com/advisories/GHSA-35jh-r3h4-6jhm',
          findings: [{ version: '4.17.20', paths: ['lodash'] }],
        },
      },
    }).replace(/\n/g, ''),
    j({ type: 'auditSummary', data: { vulnerabilities: { high: 1 }, dependencies: 1 } }).replace(/\n/g, ''),
  ].join('\n'),
  'zap-json': j({
    '@version': '2.14.0',
    '@generated': 'Mon, 1 Jan 2024 10:00:00',
    site: [
      {
        '@name': 'https://shop.example.com',
        '@host': 'shop.example.com',
        '@port': '443',
        '@ssl': 'true',
        alerts: [
          {
            pluginid: '10038',
            alertRef: '10038',
            alert: 'Content Security Policy (CSP) Header Not Set',
            name: 'Content Security Policy (CSP) Header Not Set',
            riskcode: '2',
            confidence: '3',
            riskdesc: 'Medium (High)',
            desc: '<p>No CSP.</p>',
            count: '1',
            solution: '<p>Set it.</p>',
            cweid: '693',
            wascid: '15',
            sourceid: '1',
            instances: [{ uri: 'https://shop.example.com/', method: 'GET', param: '', attack: '', evidence: '' }],
          },
        ],
      },
    ],
  }),
  grype: j({
    matches: [
      {
        vulnerability: {
          id: 'CVE-2021-33574',
          severity: 'Critical',
          cvss: [],
          fix: { versions: [], state: 'not-fixed' },
        },
        relatedVulnerabilities: [],
        matchDetails: [{ type: 'exact-indirect-match', matcher: 'dpkg-matcher' }],
        artifact: {
          name: 'libc6',
          version: '2.28-10',
          type: 'deb',
          locations: [{ path: '/var/lib/dpkg/status' }],
          purl: 'pkg:deb/debian/libc6@2.28-10?arch=amd64&distro=debian-10',
        },
      },
    ],
    source: { type: 'image', target: { userInput: 'shop:1' } },
    distro: { name: 'debian', version: '10' },
    descriptor: { name: 'grype', version: '0.87.0' },
  }),
  'cyclonedx-json': j({
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    components: [
      {
        'bom-ref': 'pkg:npm/lodash@4.17.20',
        type: 'library',
        name: 'lodash',
        version: '4.17.20',
        purl: 'pkg:npm/lodash@4.17.20',
      },
    ],
    vulnerabilities: [
      {
        id: 'CVE-2021-23337',
        source: { name: 'NVD' },
        ratings: [{ severity: 'high', score: 7.2, method: 'CVSSv31', vector: 'AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H' }],
        cwes: [77],
        affects: [{ ref: 'pkg:npm/lodash@4.17.20' }],
      },
    ],
  }),
  'github-vulns': j({
    data: {
      repository: {
        vulnerabilityAlerts: {
          nodes: [
            {
              id: 'RVA_1',
              number: 1,
              state: 'OPEN',
              createdAt: '2024-01-01T00:00:00Z',
              vulnerableManifestPath: 'package-lock.json',
              vulnerableRequirements: '= 4.17.20',
              securityVulnerability: {
                severity: 'HIGH',
                package: { name: 'lodash', ecosystem: 'NPM' },
                vulnerableVersionRange: '< 4.17.21',
                firstPatchedVersion: { identifier: '4.17.21' },
                advisory: {
                  ghsaId: 'GHSA-35jh-r3h4-6jhm',
                  summary: 'Command Injection in lodash',
                  description: 'x',
                  identifiers: [{ type: 'CVE', value: 'CVE-2021-23337' }],
                  cwes: { nodes: [{ cweId: 'CWE-77' }] },
                },
              },
            },
          ],
        },
      },
    },
  }),
  'github-code-scanning': j([
    {
      number: 42,
      created_at: '2026-02-01T10:00:00Z',
      url: 'https://api.github.com/repos/acme/shop/code-scanning/alerts/42',
      html_url: 'https://github.com/acme/shop/security/code-scanning/42',
      state: 'dismissed',
      dismissed_by: { login: 'sam' },
      dismissed_reason: "won't fix",
      dismissed_comment: 'internal only',
      rule: {
        id: 'js/sql-injection',
        severity: 'error',
        security_severity_level: 'high',
        description: 'Database query built from user-controlled sources',
        name: 'js/sql-injection',
        tags: ['security', 'external/cwe/cwe-089'],
      },
      tool: { name: 'CodeQL', guid: null, version: '2.19.3' },
      most_recent_instance: {
        ref: 'refs/heads/main',
        state: 'dismissed',
        commit_sha: 'abc',
        message: { text: 'Query built from user input.' },
        location: { path: 'src/db.js', start_line: 21, end_line: 21, start_column: 5, end_column: 40 },
        classifications: [],
      },
      instances_url: 'https://api.github.com/repos/acme/shop/code-scanning/alerts/42/instances',
    },
  ]),
  bandit: j({
    errors: [],
    generated_at: '2024-01-01T00:00:00Z',
    metrics: { _totals: {} },
    results: [
      {
        code: '4 subprocess.call(cmd, shell=True)\n',
        filename: './app.py',
        issue_confidence: 'HIGH',
        issue_severity: 'HIGH',
        issue_cwe: { id: 78, link: 'https://cwe.mitre.org/data/definitions/78.html' },
        issue_text: 'subprocess call with shell=True identified.',
        line_number: 4,
        line_range: [4],
        col_offset: 4,
        test_id: 'B602',
        test_name: 'subprocess_popen_with_shell_equals_true',
      },
    ],
  }),
  semgrep: j({
    version: '1.84.1',
    errors: [],
    paths: { scanned: ['app.js'] },
    results: [
      {
        check_id: 'javascript.express.security.audit.xss',
        path: 'app.js',
        start: { line: 10, col: 5, offset: 100 },
        end: { line: 10, col: 30, offset: 125 },
        extra: {
          message: 'XSS',
          severity: 'ERROR',
          metadata: { cwe: ['CWE-79: Cross-site Scripting'], confidence: 'HIGH' },
          lines: 'res.send(req.query.q)',
          fingerprint: 'abc',
        },
      },
    ],
  }),
  snyk: j({
    ok: false,
    packageManager: 'npm',
    projectName: 'shop',
    displayTargetFile: 'package-lock.json',
    dependencyCount: 1,
    vulnerabilities: [
      {
        id: 'SNYK-JS-LODASH-1040724',
        title: 'Command Injection',
        severity: 'high',
        cvssScore: 7.2,
        CVSSv3: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H',
        identifiers: { CVE: ['CVE-2021-23337'], CWE: ['CWE-78'] },
        packageName: 'lodash',
        name: 'lodash',
        version: '4.17.20',
        from: ['shop@1.0.0', 'lodash@4.17.20'],
        upgradePath: [false, 'lodash@4.17.21'],
        isUpgradable: true,
        fixedIn: ['4.17.21'],
      },
    ],
  }),
  checkov: j({
    check_type: 'terraform',
    results: {
      passed_checks: [],
      failed_checks: [
        {
          check_id: 'CKV_AWS_18',
          check_name: 'Ensure the S3 bucket has access logging enabled',
          check_result: { result: 'FAILED' },
          file_path: '/main.tf',
          file_line_range: [1, 10],
          resource: 'aws_s3_bucket.logs',
          severity: 'HIGH',
          guideline: 'https://docs.example/ckv-aws-18',
        },
      ],
    },
    summary: { passed: 0, failed: 1, skipped: 0, parsing_errors: 0, resource_count: 1, checkov_version: '3.2.0' },
  }),
  tfsec: j({
    results: [
      {
        rule_id: 'AVD-AWS-0086',
        long_id: 'aws-s3-block-public-acls',
        rule_description: 'S3 Access block should block public ACL',
        rule_provider: 'aws',
        rule_service: 's3',
        impact: 'x',
        resolution: 'y',
        links: ['https://aquasecurity.github.io/tfsec/'],
        description: 'No public access block so not blocking public acls',
        severity: 'HIGH',
        warning: false,
        status: 0,
        resource: 'aws_s3_bucket.logs',
        location: { filename: '/src/main.tf', start_line: 1, end_line: 10 },
      },
    ],
  }),
  nuclei: [
    j({
      'template-id': 'CVE-2021-22205',
      info: {
        name: 'GitLab CE/EE - Remote Code Execution',
        severity: 'critical',
        tags: ['cve', 'rce'],
        classification: { 'cve-id': ['CVE-2021-22205'], 'cwe-id': ['CWE-94'], 'cvss-score': 10 },
      },
      type: 'http',
      host: 'https://gitlab.example.com',
      'matched-at': 'https://gitlab.example.com/users/sign_in',
      ip: '10.0.0.5',
      timestamp: '2024-01-01T10:00:00Z',
    }).replace(/\n/g, ''),
  ].join('\n'),
  gitleaks: j([
    {
      Description: 'AWS Access Key',
      StartLine: 3,
      EndLine: 3,
      StartColumn: 10,
      EndColumn: 30,
      Match: 'aws_key = AKIAIOSFODNN7EXAMPLE',
      Secret: 'AKIAIOSFODNN7EXAMPLE',
      File: 'config/app.env',
      Commit: 'abc123',
      Entropy: 3.6,
      Author: 'dev',
      Email: 'dev@example.com',
      Date: '2024-01-01T10:00:00Z',
      Message: 'add config',
      Tags: [],
      RuleID: 'aws-access-token',
      Fingerprint: 'abc123:config/app.env:aws-access-token:3',
    },
  ]),
  'zap-xml': `<?xml version="1.0"?><OWASPZAPReport programName="ZAP" version="2.14.0" generated="Mon, 1 Jan 2024 10:00:00">
<site name="https://shop.example.com" host="shop.example.com" port="443" ssl="true"><alerts>
<alertitem><pluginid>10038</pluginid><alertRef>10038</alertRef><alert>CSP Header Not Set</alert><name>CSP Header Not Set</name><riskcode>2</riskcode><confidence>3</confidence>
<riskdesc>Medium (High)</riskdesc><desc>&lt;p&gt;No CSP.&lt;/p&gt;</desc><instances><instance><uri>https://shop.example.com/</uri><method>GET</method><param></param><attack></attack><evidence></evidence></instance></instances>
<count>1</count><solution>Set it.</solution><cweid>693</cweid><wascid>15</wascid><sourceid>1</sourceid></alertitem></alerts></site></OWASPZAPReport>`,
  burp: `<?xml version="1.0"?><issues burpVersion="2023.10.3.4" exportTime="Mon Jan 01 10:00:00 UTC 2024">
<issue><serialNumber>1</serialNumber><type>1049088</type><name>SQL injection</name><host ip="10.0.0.5">https://shop.example.com</host><path>/login</path><location>/login [username parameter]</location>
<severity>High</severity><confidence>Certain</confidence><issueBackground>SQL injection.</issueBackground><remediationBackground>Use parameterised queries.</remediationBackground>
<vulnerabilityClassifications><![CDATA[<ul><li><a href="https://cwe.mitre.org/data/definitions/89.html">CWE-89: SQL Injection</a></li></ul>]]></vulnerabilityClassifications></issue></issues>`,
  nessus: `<?xml version="1.0" ?><NessusClientData_v2><Report name="scan"><ReportHost name="10.0.0.5"><HostProperties><tag name="host-ip">10.0.0.5</tag></HostProperties>
<ReportItem port="443" svc_name="www" protocol="tcp" severity="2" pluginID="42873" pluginName="SSL Medium Strength Cipher Suites Supported (SWEET32)" pluginFamily="General">
<description>Medium strength ciphers.</description><risk_factor>Medium</risk_factor><solution>Reconfigure.</solution><synopsis>Weak ciphers.</synopsis><cve>CVE-2016-2183</cve>
<cvss3_base_score>7.5</cvss3_base_score><cvss3_vector>CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N</cvss3_vector><plugin_output>DES-CBC3-SHA</plugin_output></ReportItem></ReportHost></Report></NessusClientData_v2>`,
  openvas: `<report id="r1"><report id="r1"><results><result id="x1"><name>SSL/TLS: Report Weak Cipher Suites</name><host>10.0.0.5<hostname>shop.example.com</hostname></host><port>443/tcp</port>
<nvt oid="1.3.6.1.4.1.25623.1.0.108031"><type>nvt</type><name>SSL/TLS: Report Weak Cipher Suites</name><family>SSL and TLS</family><cvss_base>5.0</cvss_base>
<tags>cvss_base_vector=AV:N/AC:L/Au:N/C:P/I:N/A:N|summary=Weak ciphers|solution_type=Mitigation</tags><refs><ref type="cve" id="CVE-2016-2183"/></refs></nvt>
<threat>Medium</threat><severity>5.0</severity><qod><value>98</value></qod><description>Weak ciphers accepted.</description></result></results></report></report>`,
  nmap: `<?xml version="1.0"?><nmaprun scanner="nmap" args="nmap -sV -oX - 10.0.0.5" start="1717400000" version="7.94" xmloutputversion="1.05">
<host starttime="1717400000" endtime="1717400100"><status state="up" reason="echo-reply" reason_ttl="63"/><address addr="10.0.0.5" addrtype="ipv4"/>
<ports><port protocol="tcp" portid="3306"><state state="open" reason="syn-ack" reason_ttl="63"/><service name="mysql" product="MySQL" version="8.0.36" method="probed" conf="10"/></port></ports></host>
<runstats><finished time="1717400100" elapsed="100"/><hosts up="1" down="0" total="1"/></runstats></nmaprun>`,
  'dependency-check': `<?xml version="1.0"?><analysis xmlns="https://jeremylong.github.io/DependencyCheck/dependency-check.2.5.xsd"><scanInfo><engineVersion>8.4.0</engineVersion></scanInfo>
<projectInfo><name>shop</name></projectInfo><dependencies><dependency isVirtual="false"><fileName>log4j-core-2.14.1.jar</fileName><filePath>/app/lib/log4j-core-2.14.1.jar</filePath>
<identifiers><package confidence="HIGH"><id>pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1</id></package></identifiers>
<vulnerabilities><vulnerability source="NVD"><name>CVE-2021-44228</name><severity>CRITICAL</severity><cvssV3><baseScore>10.0</baseScore><attackVector>NETWORK</attackVector><baseSeverity>CRITICAL</baseSeverity></cvssV3>
<cwes><cwe>CWE-502</cwe></cwes><description>JNDI injection.</description><references><reference><source>MISC</source><url>https://logging.apache.org/log4j/2.x/security.html</url><name>x</name></reference></references></vulnerability></vulnerabilities>
</dependency></dependencies></analysis>`,
  cppcheck: `<?xml version="1.0" encoding="UTF-8"?><results version="2"><cppcheck version="2.13.0"/><errors>
<error id="nullPointer" severity="warning" msg="Possible null pointer dereference: p" verbose="Possible null pointer dereference: p" cwe="476" file0="src/main.c"><location file="src/main.c" line="12" column="5"/></error>
</errors></results>`,
  'cyclonedx-xml': `<?xml version="1.0" encoding="UTF-8"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1"><components>
<component bom-ref="pkg:npm/lodash@4.17.20" type="library"><name>lodash</name><version>4.17.20</version><purl>pkg:npm/lodash@4.17.20</purl></component></components>
<vulnerabilities><vulnerability><id>CVE-2021-23337</id><ratings><rating><score>7.2</score><severity>high</severity><method>CVSSv31</method></rating></ratings><cwes><cwe>77</cwe></cwes>
<affects><target><ref>pkg:npm/lodash@4.17.20</ref></target></affects></vulnerability></vulnerabilities></bom>`,
  'tenable-vm-csv':
    'asset.name,asset.display_ipv4_address,definition.id,definition.name,definition.cve,definition.cvss3.base_score,definition.cvss3.base_vector,severity,port,protocol,state,output\r\n'
    + 'web-01,10.0.0.5,42873,SSL Medium Strength Cipher Suites Supported (SWEET32),"CVE-2016-2183,CVE-2016-6329",7.5,CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N,High,443,TCP,ACTIVE,DES-CBC3-SHA\r\n',
  'nessus-was-csv':
    'Plugin ID,CVE,CVSS,CVSSv3,Risk,Host,Protocol,Port,Name,Synopsis,Description,Solution,See Also,Plugin Output\r\n'
    + '98000,,5.0,6.5,Medium,shop.example.com,tcp,443,Missing Content Security Policy,No CSP,No CSP header,Set one,,https://shop.example.com/\r\n',
  'nessus-csv':
    'Plugin ID,CVE,CVSS v2.0 Base Score,Risk,Host,Protocol,Port,Name,Synopsis,Description,Solution,See Also,Plugin Output\r\n'
    + '42873,CVE-2016-2183,5.0,Medium,10.0.0.5,tcp,443,SSL Medium Strength Cipher Suites Supported (SWEET32),Weak ciphers,Medium strength ciphers,Reconfigure,,DES-CBC3-SHA\r\n',
  'openvas-csv':
    'IP,Hostname,Port,Port Protocol,CVSS,Severity,QoD,Solution Type,NVT Name,Summary,Specific Result,NVT OID,CVEs,Task ID,Task Name,Timestamp,Result ID,Impact,Solution,Affected Software/OS,Vulnerability Insight,Vulnerability Detection Method,Product Detection Result,BIDs,CERTs,Other References\r\n'
    + '10.0.0.5,shop.example.com,443,tcp,5.0,Medium,98,Mitigation,SSL/TLS: Report Weak Cipher Suites,Weak ciphers,DES-CBC3-SHA,1.3.6.1.4.1.25623.1.0.108031,CVE-2016-2183,t1,weekly,2024-01-01T10:00:00Z,r1,,Disable,,,,,,,\r\n',
  'flawfinder-csv':
    'File,Line,Column,DefaultLevel,Level,Category,Name,Warning,Suggestion,Note,CWEs,Context,Fingerprint,ToolVersion,RuleId,HelpUri\r\n'
    + 'src/net/parse.c,41,5,4,4,buffer,strcpy,Does not check for buffer overflows (CWE-120).,Consider strlcpy.,,CWE-120,"    strcpy(host, argv[1]);",ec15926452585fb0,2.0.19,FF1001,https://cwe.mitre.org/data/definitions/120.html\r\n',
  sarif: j({
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: {
          driver: {
            name: 'CodeQL',
            semanticVersion: '2.15.0',
            rules: [{ id: 'js/xss', properties: { tags: ['external/cwe/cwe-079'] } }],
          },
        },
        results: [
          {
            ruleId: 'js/xss',
            ruleIndex: 0,
            level: 'error',
            message: { text: 'XSS.' },
            locations: [{ physicalLocation: { artifactLocation: { uri: 'src/a.ts' }, region: { startLine: 10 } } }],
          },
        ],
      },
    ],
  }),
};

const name = 'upload.report';
const deadlineMs = 5_000;

function input(text: string) {
  return { name, head: text.slice(0, 4096), text: async () => text, stream: () => Readable.from([text]) };
}

/** Parses within the deadline; returns the findings or the error, and fails on anything but a located bad_input. Each
 * finding is also made an import's row (normalised, fingerprinted), which must not fail either. */
async function outcome(parser: ReportParser, text: string): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const rows = new ReportRows();
  const run = (async () => {
    let n = 0;
    for await (const f of parser.parse(input(text), { tool: () => {} })) {
      rows.add(f);
      assert.ok(typeof f.tool === 'string' && f.tool !== '', `${parser.format}: a finding without its tool`);
      assert.ok(typeof f.ruleId === 'string' && f.ruleId !== '', `${parser.format}: a finding without a rule id`);
      assert.ok(
        findingKinds.includes(f.kind) && severities.includes(f.severity),
        `${parser.format}: kind ${f.kind}, severity ${f.severity}`,
      );
      assert.ok(
        Array.isArray(f.aliases) && Array.isArray(f.cwes) && typeof f.location === 'object',
        `${parser.format}: malformed finding`,
      );
      n++;
    }
    return n;
  })();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${parser.format}: no answer within ${deadlineMs} ms`)), deadlineMs);
  });
  try {
    return await Promise.race([run, timeout]);
  } catch (e) {
    assertLocatedBadInput(parser, e);
    return -1;
  } finally {
    clearTimeout(timer);
    rows.dispose();
  }
}

// Where: a JSON path or a line (details, or "line N" in the text), or a verdict on the whole document ("not a … report",
// "the root element is …", "the file is empty"), which is about its top level.
function assertLocatedBadInput(parser: ReportParser, e: unknown): void {
  if (!(e instanceof EntenteError) || e.code !== 'bad_input') throw e;
  const details = (e.details ?? {}) as Record<string, unknown>;
  assert.equal(details.file, name, `${parser.format}: the error does not name the file: ${e.message}`);
  assert.ok(
    e.message.startsWith(`${name}:`),
    `${parser.format}: the message does not start with the file: ${e.message}`,
  );
  const located =
    details.path !== undefined
    || details.line !== undefined
    || /\bline \d+|at its end/.test(e.message)
    || /: not (a|an|valid|GitHub) |root element|is empty|no header/i.test(e.message);
  assert.ok(located, `${parser.format}: the error does not say where: ${e.message}`);
}

const noise = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.json({ maxDepth: 4 }),
  fc.constantFrom(
    '',
    '{',
    '[',
    '<',
    '<a>',
    '<?xml version="1.0"?><x',
    'a,b\n1',
    '\uFEFF{}',
    '{"runs":[',
    'null',
    '"x"',
    '0',
  ),
);
// Lone surrogates too (half of a UTF-16 pair, as a report cut at the wrong place holds): encodeURIComponent throws on them.
const edit = fc.record({
  at: fc.nat(),
  cut: fc.nat({ max: 40 }),
  insert: fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom('"', '<', '>', '{', ']', ',', '&amp;', '&x;', '\u0000', '\n', '\ud800', '\udfff', '%E0%A4%A'),
  ),
});
const applyEdit = (t: string, m: { at: number; cut: number; insert: string }): string => {
  const at = m.at % (t.length + 1);
  return t.slice(0, at) + m.insert + t.slice(at + m.cut);
};
const shapes = fc.constantFrom(
  null,
  0,
  -1,
  1e308,
  '',
  'x',
  true,
  [],
  {},
  [null],
  [{}],
  { a: [] },
  '__proto__',
  'constructor',
  'a\ud800',
  'file://%E0%A4%A',
);

describe('every parser, given input it did not expect', () => {
  test('each format has a seed report its parser reads, with at least one finding', async () => {
    for (const p of parsers) {
      const seed = seeds[p.format];
      assert.ok(seed !== undefined, `no seed for ${p.format}`);
      assert.equal(detectParser(input(seed)).format, p.format);
      assert.ok((await outcome(p, seed)) >= 1, `${p.format}: the seed has no finding`);
    }
  });

  for (const p of parsers) {
    test(`${p.format}: random text ends in findings or a located bad_input error, never a crash or a hang`, async () => {
      await fc.assert(
        fc.asyncProperty(noise, async (t) => {
          await outcome(p, t);
        }),
        { numRuns: 60 },
      );
    });

    test(`${p.format}: a seed report cut, spliced or with a value of the wrong type ends in findings or a located bad_input error`, async () => {
      const seed = seeds[p.format]!;
      await fc.assert(
        fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), fc.nat(), async (edits, cut) => {
          await outcome(p, edits.reduce(applyEdit, seed));
          await outcome(p, seed.slice(0, cut % (seed.length + 1)));
        }),
        { numRuns: 80 },
      );
      if (!/^\s*[[{]/.test(seed)) return;
      await fc.assert(
        fc.asyncProperty(fc.nat(), shapes, async (k, shape) => {
          await outcome(p, replaceNode(seed, k, shape));
        }),
        { numRuns: 80 },
      );
    });
  }

  test('deep nesting, huge numbers and entity bombs are answered quickly by every parser', async () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
      + '<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]><r>&e;&e;&e;&e;&e;&e;&e;&e;</r>';
    const hostile = [
      '['.repeat(100_000),
      '{"a":'.repeat(50_000),
      '<a>'.repeat(50_000),
      bomb,
      `{"matches":[${'1e99999,'.repeat(1000)}1]}`,
      'x,'.repeat(100_000),
    ];
    for (const p of parsers) {
      for (const t of hostile) {
        const started = Date.now();
        await outcome(p, t);
        assert.ok(Date.now() - started < deadlineMs, `${p.format} took ${Date.now() - started} ms`);
      }
    }
  });
});

/** The seed (JSON, or JSON lines) with its k-th value, depth-first and wrapping round, replaced by `shape`. */
function replaceNode(seed: string, k: number, shape: unknown): string {
  const lines = seed.trimStart().startsWith('{') && seed.includes('}\n{') ? seed.split('\n') : [seed];
  const docs = lines.map((l) => JSON.parse(l) as unknown);
  const slots: [Record<string | number, unknown>, string | number][] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v))
      v.forEach((x, i) => {
        slots.push([v as unknown as Record<number, unknown>, i]);
        walk(x);
      });
    else if (v !== null && typeof v === 'object')
      for (const [key, x] of Object.entries(v)) {
        slots.push([v as Record<string, unknown>, key]);
        walk(x);
      }
  };
  docs.forEach(walk);
  const slot = slots[k % Math.max(slots.length, 1)];
  if (slot) slot[0][slot[1]] = shape;
  return docs.map((d) => JSON.stringify(d)).join('\n');
}
