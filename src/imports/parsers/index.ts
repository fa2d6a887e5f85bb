/** The formats Entente reads, and how a report's format is found from its first bytes. */
import { EntenteError } from '../../errors.ts';
import type { ReportInput, ReportParser } from '../types.ts';
import { utf16Marker } from '../report-input.ts';
import { sarifParser } from './sarif.ts';
import { trivyParser } from './trivy.ts';
import { npmAuditParser } from './npm-audit.ts';
import { zapJsonParser, zapXmlParser } from './zap.ts';
import { grypeParser } from './grype.ts';
import { cyclonedxJsonParser } from './cyclonedx.ts';
import { cyclonedxXmlParser } from './cyclonedx-xml.ts';
import { githubVulnsParser } from './github-vulns.ts';
import { githubCodeScanningParser } from './github-code-scanning.ts';
import { semgrepParser } from './semgrep.ts';
import { banditParser } from './bandit.ts';
import { gitleaksParser } from './gitleaks.ts';
import { snykParser } from './snyk.ts';
import { checkovParser } from './checkov.ts';
import { tfsecParser } from './tfsec.ts';
import { yarnAuditParser } from './yarn-audit.ts';
import { nucleiParser } from './nuclei.ts';
import { burpParser } from './burp.ts';
import { nessusParser } from './nessus.ts';
import { nessusCsvParser, nessusWasCsvParser } from './nessus-csv.ts';
import { tenableVmCsvParser } from './tenable-vm-csv.ts';
import { openvasCsvParser, openvasParser } from './openvas.ts';
import { nmapParser } from './nmap.ts';
import { dependencyCheckParser } from './dependency-check.ts';
import { cppcheckParser } from './cppcheck.ts';
import { flawfinderCsvParser } from './flawfinder-csv.ts';

/**
 * Every parser, in detection order: the most specific signatures first. SARIF goes first: it is recognised by its
 * top-level structure (`version` 2.1.0 and `runs`, read from both ends of the file), while the other JSON formats
 * are recognised by keys found anywhere in the head, and a SARIF log carries its tool's own keys (Bandit's metrics,
 * ZAP's properties) inside its runs. Bandit goes before Semgrep (both write "errors" and "results"), Gitleaks after
 * the other formats whose report can be a bare array.
 */
export const parsers: readonly ReportParser[] = [
  sarifParser,
  // JSON
  trivyParser,
  npmAuditParser,
  yarnAuditParser,
  zapJsonParser,
  grypeParser,
  cyclonedxJsonParser,
  githubVulnsParser,
  githubCodeScanningParser,
  banditParser,
  semgrepParser,
  snykParser,
  checkovParser,
  tfsecParser,
  nucleiParser,
  gitleaksParser,
  // XML
  zapXmlParser,
  burpParser,
  nessusParser,
  openvasParser,
  nmapParser,
  dependencyCheckParser,
  cppcheckParser,
  cyclonedxXmlParser,
  // CSV
  tenableVmCsvParser,
  nessusWasCsvParser,
  nessusCsvParser,
  openvasCsvParser,
  flawfinderCsvParser,
];

/** The parser for a --format name; unknown names get the list of known ones. */
export function parserByFormat(format: string): ReportParser {
  const p = parsers.find((x) => x.format === format.toLowerCase());
  if (!p) {
    throw new EntenteError(
      'unknown_format',
      `unknown format "${format}"; known formats: ${parsers.map((x) => x.format).join(', ')}`,
      { format },
    );
  }
  return p;
}

/** The parser that recognises this report, or an error that says what the file looks like. */
export function detectParser(input: Pick<ReportInput, 'head' | 'name' | 'tail'>): ReportParser {
  const p = parsers.find((x) => x.detect(input.head, input.name, input.tail));
  if (p) return p;
  throw new EntenteError(
    'unknown_format',
    `${input.name}: ${describeHead(input.head)}; known formats: ${parsers.map((x) => x.format).join(', ')} (use --format to choose one)`,
    { file: input.name },
  );
}

function describeHead(head: string): string {
  if (head.length === 0) return 'the file is empty';
  if (head === utf16Marker)
    return 'the file is UTF-16 text (as PowerShell writes by default); save it as UTF-8 and import it again';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000e-\u001f]/.test(head.slice(0, 512)) || head.includes('\ufffd'))
    return 'not a text report (it holds binary data)';
  const t = head.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) return 'a JSON document that matches no known report format';
  if (t.startsWith('<')) return 'an XML document that matches no known report format';
  return 'not a report format Entente recognises';
}
