/** Builders for realistic scanner reports, written by the tests themselves. */

export interface SarifResult {
  rule: string;
  file: string;
  line: number;
  cwe?: number;
  level?: 'error' | 'warning' | 'note';
  message?: string;
}

/** A SARIF 2.1.0 log with one run of `tool`; rules carry their CWE as a tag, as CodeQL and Semgrep write it. */
export function sarif(tool: string, results: SarifResult[], stamp = 'run 1'): string {
  const rules = [...new Map(results.map((r) => [r.rule, r])).values()].map((r) => ({
    id: r.rule,
    shortDescription: { text: `Rule ${r.rule}` },
    defaultConfiguration: { level: r.level ?? 'error' },
    properties: { tags: ['security', ...(r.cwe ? [`external/cwe/cwe-${r.cwe}`] : [])] },
  }));
  return JSON.stringify({
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: { driver: { name: tool, version: '1.0.0', rules } },
        results: results.map((r) => ({
          ruleId: r.rule,
          message: { text: r.message ?? `${r.rule} at ${r.file}:${r.line} (${stamp})` },
          locations: [{ physicalLocation: { artifactLocation: { uri: r.file }, region: { startLine: r.line } } }],
        })),
      },
    ],
  });
}

export interface TrivyVuln {
  cve: string;
  pkg: string;
  version: string;
  fixed?: string;
  severity?: string;
  vector?: string;
}

/** A Trivy (schema 2) report of a Node.js project's lockfile. */
export function trivy(vulns: TrivyVuln[], target = 'package-lock.json'): string {
  return JSON.stringify({
    SchemaVersion: 2,
    ArtifactName: '.',
    ArtifactType: 'filesystem',
    Results: [
      {
        Target: target,
        Class: 'lang-pkgs',
        Type: 'npm',
        Vulnerabilities: vulns.map((v) => ({
          VulnerabilityID: v.cve,
          PkgName: v.pkg,
          InstalledVersion: v.version,
          FixedVersion: v.fixed ?? '',
          PkgIdentifier: { PURL: `pkg:npm/${v.pkg}@${v.version}` },
          Severity: v.severity ?? 'HIGH',
          Title: `${v.pkg}: issue ${v.cve}`,
          CVSS: { nvd: { V3Vector: v.vector ?? 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', V3Score: 9.8 } },
        })),
      },
    ],
  });
}

/** A CISA KEV catalogue listing the given CVEs. */
export function kev(cves: string[]): string {
  return JSON.stringify({
    title: 'CISA Catalog of Known Exploited Vulnerabilities',
    catalogVersion: '2026.03.01',
    dateReleased: '2026-03-01T12:00:00.000Z',
    count: cves.length,
    vulnerabilities: cves.map((c) => ({
      cveID: c,
      vendorProject: 'Vendor',
      product: 'Product',
      vulnerabilityName: `Exploited ${c}`,
      dateAdded: '2026-02-20',
      shortDescription: '…',
      requiredAction: 'Apply updates.',
      dueDate: '2026-03-13',
      knownRansomwareCampaignUse: 'Unknown',
      notes: '',
    })),
  });
}

/** An EPSS CSV as FIRST publishes it (a comment line with the model, then cve,epss,percentile). */
export function epss(rows: [string, number][]): string {
  return `#model_version:v2025.03.14,score_date:2026-03-01T00:00:00+0000\ncve,epss,percentile\n${rows.map(([c, s]) => `${c},${s},0.5`).join('\n')}\n`;
}

export interface BanditIssue {
  test: string;
  text: string;
  cwe?: number;
  file?: string;
  line: number;
  severity?: string;
}

/** A Bandit (1.7.3+) JSON report: each issue with its test id, text, CWE, file and line. */
export function bandit(issues: BanditIssue[]): string {
  return JSON.stringify({
    errors: [],
    generated_at: '2026-03-02T09:00:00Z',
    metrics: { _totals: { loc: 100, nosec: 0 } },
    results: issues.map((i) => ({
      code: `${i.line} ...\n`,
      filename: i.file ?? 'app.py',
      issue_confidence: 'HIGH',
      issue_severity: i.severity ?? 'MEDIUM',
      ...(i.cwe ? { issue_cwe: { id: i.cwe, link: `https://cwe.mitre.org/data/definitions/${i.cwe}.html` } } : {}),
      issue_text: i.text,
      line_number: i.line,
      line_range: [i.line],
      more_info: 'https://bandit.readthedocs.io/',
      test_id: i.test,
      test_name: i.test.toLowerCase(),
    })),
  });
}

export interface SemgrepResult {
  rule: string;
  message: string;
  cwe?: number;
  file?: string;
  line: number;
  severity?: string;
}

/** A `semgrep --json` report of code results. */
export function semgrep(results: SemgrepResult[]): string {
  return JSON.stringify({
    version: '1.90.0',
    errors: [],
    results: results.map((r) => ({
      check_id: r.rule,
      path: r.file ?? 'app.py',
      start: { line: r.line, col: 1 },
      end: { line: r.line, col: 10 },
      extra: {
        message: r.message,
        severity: r.severity ?? 'ERROR',
        metadata: r.cwe ? { cwe: [`CWE-${r.cwe}: weakness`] } : {},
      },
    })),
  });
}

export interface CodeScanningAlert {
  number: number;
  rule: string;
  cwe?: number;
  file: string;
  line: number;
  tool?: string;
  state?: 'open' | 'dismissed' | 'fixed';
  reason?: string;
}

/** A page of GitHub's code scanning alerts (GET /repos/{owner}/{repo}/code-scanning/alerts). */
export function codeScanningAlerts(alerts: CodeScanningAlert[]): string {
  return JSON.stringify(
    alerts.map((a) => ({
      number: a.number,
      created_at: '2026-02-01T10:00:00Z',
      url: `https://api.github.com/repos/acme/shop/code-scanning/alerts/${a.number}`,
      html_url: `https://github.com/acme/shop/security/code-scanning/${a.number}`,
      state: a.state ?? 'open',
      fixed_at: null,
      dismissed_by: a.state === 'dismissed' ? { login: 'sam' } : null,
      dismissed_reason: a.state === 'dismissed' ? (a.reason ?? "won't fix") : null,
      dismissed_comment: null,
      rule: {
        id: a.rule,
        severity: 'error',
        security_severity_level: 'high',
        description: `Rule ${a.rule}`,
        name: a.rule,
        tags: ['security', ...(a.cwe ? [`external/cwe/cwe-${String(a.cwe).padStart(3, '0')}`] : [])],
      },
      tool: { name: a.tool ?? 'CodeQL', guid: null, version: '2.19.3' },
      most_recent_instance: {
        ref: 'refs/heads/main',
        state: a.state ?? 'open',
        commit_sha: 'abc',
        message: { text: `${a.rule} here` },
        location: { path: a.file, start_line: a.line, end_line: a.line, start_column: 1, end_column: 9 },
      },
      instances_url: `https://api.github.com/repos/acme/shop/code-scanning/alerts/${a.number}/instances`,
    })),
    null,
    2,
  );
}
