/** Bandit JSON reports (`bandit -f json`, from 1.6 as Debian ships it to today's with CWEs and columns) read into findings. */
import { badInput } from '../../errors.ts';
import type { Location, ParseContext, ParsedFinding, ReportInput, ReportParser, Severity } from '../types.ts';
import {
  asArray,
  asObject,
  compact,
  cwesFrom,
  type Json,
  normalisePath,
  num,
  parseJson,
  requireString,
  str,
} from './common.ts';

const tool = 'Bandit';

/** Bandit's JSON output. */
export const banditParser: ReportParser = {
  format: 'bandit',
  label: 'Bandit JSON',
  tool,
  detect: detectBandit,
  parse: parseBandit,
};

/** True when the first bytes look like Bandit JSON; the head may be cut anywhere, so keys are matched, not parsed. */
function detectBandit(head: string): boolean {
  const h = head.replace(/^\uFEFF/, '').trimStart();
  if (!h.startsWith('{')) return false;
  if (/"generated_at"\s*:/.test(h) && /"(metrics|results|errors)"\s*:/.test(h)) return true;
  // The per-file metrics, which can fill the head, count issues under these keys.
  if (/"(CONFIDENCE|SEVERITY)\.(HIGH|MEDIUM|LOW|UNDEFINED)"\s*:/.test(h)) return true;
  if (/"test_id"\s*:\s*"B\d{3}"/.test(h) && /"issue_(severity|confidence|text)"\s*:/.test(h)) return true;
  // Files Bandit could not parse come first ("errors" sorts first) and can fill the head too.
  return /^\{\s*"errors"\s*:\s*\[\s*\{\s*"filename"\s*:/.test(h) && /"reason"\s*:/.test(h);
}

async function* parseBandit(input: ReportInput, context?: ParseContext): AsyncGenerator<ParsedFinding> {
  const name = input.name;
  const doc = asObject(parseJson((await input.text()).replace(/^\uFEFF/, ''), name), name, 'the top level');
  if (doc.results === undefined && doc.metrics === undefined && doc.generated_at === undefined) {
    throw badInput(`${name}: not a Bandit report: expected "results", "metrics" and "generated_at"`, { file: name });
  }
  const results = asArray(doc.results, name, 'results');
  context?.tool(tool);
  // Bandit reports one issue per AST node: a query built by three concatenations on one line is reported three
  // times, identically. Each listing is read (with its place in the report as its occurrence); they share a
  // fingerprint, so the import makes them one weakness to fix.
  const read = results.map((item, i) => fromIssue(asObject(item, name, `results[${i}]`), name, `results[${i}]`));
  const keyOf = (f: ParsedFinding): string =>
    [f.ruleId, f.location.file, f.location.line, f.location.column, f.description].join('\u0000');
  const listings = new Map<string, number>();
  for (const f of read) listings.set(keyOf(f), (listings.get(keyOf(f)) ?? 0) + 1);
  for (const [i, f] of read.entries())
    yield (listings.get(keyOf(f)) ?? 0) > 1 ? { ...f, detail: { ...f.detail, occurrence: { result: i } } } : f;
}

function fromIssue(r: Json, name: string, at: string): ParsedFinding {
  const testId = requireString(r.test_id, name, `${at}.test_id`);
  const file = normalisePath(requireString(r.filename, name, `${at}.filename`));
  const secret = isPasswordTest(testId, r.issue_text);
  const text = redact(str(r.issue_text)?.trim(), secret);
  const line = positive(r.line_number);
  const range = Array.isArray(r.line_range)
    ? r.line_range.map(positive).filter((n): n is number => n !== undefined)
    : [];
  const endLine = range.length ? Math.max(...range) : undefined;
  const column = num(r.col_offset);
  const cwe = cweOf(r, testId, name, at);
  const moreInfo = str(r.more_info);
  return compact<ParsedFinding>({
    tool,
    ruleId: testId,
    kind: 'code',
    title: text ? headline(text) : testId,
    description: text,
    severity: severityOf(r.issue_severity),
    aliases: [],
    cwes: cwe.cwes,
    location: compact<Location>({
      file,
      line,
      endLine: line !== undefined && endLine !== undefined && endLine > line ? endLine : undefined,
      // Bandit counts columns from 0 (Python's AST), as its own SARIF output shows by adding one.
      column: column !== undefined && Number.isInteger(column) && column >= 0 ? column + 1 : undefined,
    }),
    references: moreInfo && /^https?:\/\//i.test(moreInfo) ? [moreInfo] : undefined,
    detail: compact({
      testName: str(r.test_name),
      confidence: str(r.issue_confidence)?.toLowerCase(),
      cweSource: cwe.inferred ? 'inferred from the test id: Bandit writes no CWE before 1.7.3' : undefined,
      // A hard-coded password's code shows the password.
      snippet: secret ? undefined : str(r.code),
      // Baseline comparisons (bandit -b) list the places an issue may be, when it cannot tell which one is new.
      candidates: candidatesOf(r.candidates),
    }),
  });
}

/** The CWE Bandit wrote (1.7.3+), or, in older reports, the one Bandit gives the test today. */
function cweOf(r: Json, testId: string, name: string, at: string): { cwes: number[]; inferred: boolean } {
  if (r.issue_cwe !== undefined && r.issue_cwe !== null) {
    const cwe = asObject(r.issue_cwe, name, `${at}.issue_cwe`);
    const id = num(cwe.id);
    return { cwes: id !== undefined && Number.isInteger(id) && id > 0 ? [id] : cwesFrom(cwe.link), inferred: false };
  }
  const known = cweByTest.get(testId.toUpperCase());
  return known ? { cwes: [known], inferred: true } : { cwes: [], inferred: false };
}

// Bandit's own test-to-CWE map (bandit/core/cwemap.py and the plugins that declare theirs), for reports written
// before Bandit put the CWE in its output.
const cweByTest = new Map<string, number>([
  ['B101', 703],
  ['B102', 78],
  ['B103', 732],
  ['B104', 605],
  ['B105', 259],
  ['B106', 259],
  ['B107', 259],
  ['B108', 377],
  ['B110', 703],
  ['B112', 703],
  ['B113', 400],
  ['B201', 94],
  ['B202', 22],
  ['B301', 502],
  ['B302', 502],
  ['B303', 327],
  ['B304', 327],
  ['B305', 327],
  ['B306', 377],
  ['B307', 78],
  ['B308', 79],
  ['B309', 319],
  ['B310', 22],
  ['B311', 330],
  ['B312', 319],
  ['B313', 20],
  ['B314', 20],
  ['B315', 20],
  ['B316', 20],
  ['B317', 20],
  ['B318', 20],
  ['B319', 20],
  ['B320', 20],
  ['B321', 319],
  ['B322', 78],
  ['B323', 295],
  ['B324', 327],
  ['B325', 377],
  ['B401', 319],
  ['B402', 319],
  ['B403', 502],
  ['B404', 78],
  ['B405', 20],
  ['B406', 20],
  ['B407', 20],
  ['B408', 20],
  ['B409', 20],
  ['B410', 20],
  ['B411', 20],
  ['B412', 284],
  ['B413', 327],
  ['B414', 327],
  ['B501', 295],
  ['B502', 327],
  ['B503', 327],
  ['B504', 327],
  ['B505', 326],
  ['B506', 20],
  ['B507', 295],
  ['B508', 319],
  ['B509', 319],
  ['B601', 78],
  ['B602', 78],
  ['B603', 78],
  ['B604', 78],
  ['B605', 78],
  ['B606', 78],
  ['B607', 78],
  ['B608', 89],
  ['B609', 155],
  ['B610', 89],
  ['B611', 89],
  ['B612', 94],
  ['B614', 502],
  ['B615', 494],
  ['B701', 94],
  ['B702', 80],
  ['B703', 80],
  ['B704', 79],
]);

// B105–B107 quote the password they found in their text ("Possible hardcoded password: 'hunter2'").
function isPasswordTest(testId: string, text: unknown): boolean {
  return (
    /^B10[567]$/i.test(testId) || (typeof text === 'string' && /hard-?coded (password|secret|token|key)/i.test(text))
  );
}

function redact(text: string | undefined, secret: boolean): string | undefined {
  if (!text || !secret) return text;
  const lead = /^(.*?hard-?coded [a-z ]*?(?:password|secret|token|key)[^:]*):/is.exec(text)?.[1];
  return `${lead ?? 'Possible hardcoded password'}: [redacted]`;
}

function candidatesOf(v: unknown): Array<{ line?: number; file?: string }> | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined;
  return v
    .map((c) => (c !== null && typeof c === 'object' && !Array.isArray(c) ? (c as Json) : {}))
    .map((c) => compact({ file: normalisePath(str(c.filename)), line: positive(c.line_number) }));
}

const severityWords = new Map<string, Severity>([
  ['high', 'high'],
  ['medium', 'medium'],
  ['low', 'low'],
  ['undefined', 'info'],
]);

/** Bandit rates HIGH, MEDIUM, LOW (or UNDEFINED); it has no critical. */
function severityOf(word: unknown): Severity {
  return (typeof word === 'string' ? severityWords.get(word.trim().toLowerCase()) : undefined) ?? 'info';
}

/** Bandit's texts are one sentence, sometimes two; the title is the first. */
function headline(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= 120) return flat;
  return /^(.{20,200}?[.!?])\s/.exec(flat)?.[1] ?? `${flat.slice(0, 119)}…`;
}

function positive(v: unknown): number | undefined {
  const n = num(v);
  return n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}
