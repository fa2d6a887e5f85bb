/** The normalised shape every parser produces, whatever the scanner. */

export const severities = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof severities)[number];

/** What kind of weakness a finding is; each kind has its own fingerprint recipe. */
export const findingKinds = ['code', 'dependency', 'web', 'host', 'secret', 'config'] as const;
export type FindingKind = (typeof findingKinds)[number];

export interface Cvss {
  version?: string; // "3.1", "3.0", "2.0", "4.0"
  vector?: string; // as the tool wrote it, e.g. "CVSS:3.1/AV:N/AC:L/..."
  score?: number; // base score 0..10
}

export interface Component {
  name: string; // package name as the ecosystem spells it (maven: group:artifact)
  version?: string;
  purl?: string; // pkg:npm/lodash@4.17.20 where it can be built
  ecosystem?: string; // npm, maven, pypi, golang, deb, …
}

export interface Location {
  file?: string; // repository-relative path, forward slashes
  line?: number;
  endLine?: number;
  column?: number;
  url?: string; // for web findings
  method?: string; // HTTP method
  parameter?: string; // the request parameter or header at fault
  host?: string; // host findings: IP or name
  port?: number;
  protocol?: string; // tcp | udp
  target?: string; // what the tool scanned, e.g. a lockfile or image ("pom.xml", "alpine:3.18")
  resource?: string; // infrastructure-as-code resource, e.g. "aws_s3_bucket.logs"
}

/** One weakness as a parser reads it, before Entente fingerprints, prioritises and stores it. */
export interface ParsedFinding {
  tool: string; // the scanner's name as it reports it, e.g. "Trivy", "CodeQL"
  toolVersion?: string;
  ruleId: string; // the tool's own id for the check (rule id, plugin id, CVE for SCA tools)
  kind: FindingKind;
  title: string;
  description?: string;
  severity: Severity;
  cvss?: Cvss;
  aliases: string[]; // CVE-…, GHSA-…, other advisory ids; upper-case, unique
  cwes: number[]; // CWE numbers, unique
  component?: Component;
  fixedVersion?: string;
  location: Location;
  references?: string[]; // URLs
  /** Fields the format carries that Entente does not model, kept for people to read. A report that lists one
   * weakness several times (per dependency path, per attribute line) yields each listing, with what sets it apart
   * in `detail.occurrence`; the import merges them by fingerprint and keeps those in `detail.occurrences`. */
  detail?: Record<string, unknown>;
  /** Set when the report itself marks the result as not to act on (VEX not_affected, a suppression, a dismissed
   * alert): the status it asks for and why, in the report's words or "suppressed in the report by <who>". */
  state?: ReportState;
}

/** A result the report closes itself; the import creates a new finding with this status. */
export interface ReportState {
  status: 'false_positive' | 'accepted' | 'fixed';
  reason: string;
}

/** What a parser receives: the report's bytes and its file name (for messages and detection). */
export interface ReportInput {
  name: string;
  /** The whole report as text (UTF-8); parsers for formats that can stream may use `stream()` instead. */
  text(): Promise<string>;
  stream(): NodeJS.ReadableStream;
  /** The first bytes, for format detection without reading everything. */
  head: string;
  /** The last bytes, when the head did not reach them: a format's telling keys may come last (SARIF's `version`). */
  tail?: string;
  /** The report's size in bytes, when known. */
  size?: number;
  /** The bytes in order, in one buffer reused for every chunk: each is valid only until the next is asked for (reading
   * a 500 MB file through a stream leaves hundreds of megabytes of spent chunks for the collector). */
  chunks?(): AsyncIterable<Buffer>;
}

/** One report format: how to recognise it and how to read it. */
export interface ReportParser {
  format: string; // id used by --format, e.g. "sarif", "trivy", "zap-xml"
  label: string; // what people call it, e.g. "SARIF 2.1.0"
  /** For formats one tool writes: its name, so an empty report still counts as that tool's run. */
  tool?: string;
  /** True when the first (and last) bytes of a report look like this format. */
  detect(head: string, name: string, tail?: string): boolean;
  /** Yields normalised findings; throws EntenteError('bad_input') saying what is wrong and where. */
  parse(input: ReportInput, context?: ParseContext): AsyncIterable<ParsedFinding>;
}

/** What a parser tells beside its findings: every tool whose run the report holds, even a run with no findings
 * (an empty run still means "this tool found nothing", which fixes what it found before). */
export interface ParseContext {
  tool(name: string, version?: string): void;
}
