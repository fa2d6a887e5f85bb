/**
 * Gitleaks JSON reports read into findings: v8's field names (RuleID, File, StartLine, Secret, Match, …) and those of
 * v7 and earlier (rule, file, lineNumber, offender, …). Entente never keeps a secret: the secret and the text that
 * matched are replaced by "[redacted]" wherever they appear, or dropped when that cannot be done safely.
 */
import { createHash } from 'node:crypto';
import { badInput } from '../../errors.ts';
import type { Location, ParseContext, ParsedFinding, ReportInput, ReportParser, Severity } from '../types.ts';
import { asArray, asObject, compact, type Json, normalisePath, num, parseJson, requireString, str } from './common.ts';

const tool = 'Gitleaks';
const mask = '[redacted]';

/** Gitleaks' JSON output, v7 and v8. */
export const gitleaksParser: ReportParser = {
  format: 'gitleaks',
  label: 'Gitleaks JSON (v7 and v8)',
  tool,
  detect: detectGitleaks,
  parse: parseGitleaks,
};

/** True when the first bytes look like a Gitleaks report; the head may be cut anywhere, so keys are matched, not parsed. */
function detectGitleaks(head: string, name: string): boolean {
  const h = head.replace(/^\uFEFF/, '').trim();
  // Gitleaks 7 writes a bare null when it finds nothing; no other report format does.
  if (h === 'null') return true;
  if (/^\[\s*\]$/.test(h)) return /leak/i.test(name);
  if (!/^\[\s*\{/.test(h)) return false;
  if (/"RuleID"\s*:/.test(h) && /"(StartLine|Secret|Match|File|Fingerprint|Commit)"\s*:/.test(h)) return true;
  if (/"offender"\s*:/.test(h) && /"(rule|lineNumber|commitMessage|leakURL)"\s*:/.test(h)) return true;
  // v7 writes the leaking line first: a minified file's line can fill the head before any other key appears.
  return /^\[\s*\{\s*"line"\s*:\s*"/.test(h) && !/"\s*,\s*"[A-Za-z]+"\s*:/.test(h);
}

async function* parseGitleaks(input: ReportInput, context?: ParseContext): AsyncGenerator<ParsedFinding> {
  const name = input.name;
  const root = parseJson((await input.text()).replace(/^\uFEFF/, ''), name);
  if (root !== null && !Array.isArray(root)) {
    throw badInput(
      `${name}: not a Gitleaks report: expected a list of leaks at the top level, found ${typeof root === 'object' ? 'an object' : `a ${typeof root}`}`,
      { file: name, path: 'the top level' },
    );
  }
  context?.tool(tool);
  // Gitleaks scans history: the same secret on the same line shows once per commit that carries it. Those are one
  // secret to revoke; the commits are kept in the finding.
  const byKey = new Map<string, ParsedFinding>();
  for (const [i, item] of asArray(root, name, 'the top level').entries()) {
    const leak = readLeak(asObject(item, name, `[${i}]`), name, `[${i}]`);
    const key = [leak.rule, leak.file, leak.line, digest(leak.secret ?? leak.match ?? '')].join('\u0000');
    const seen = byKey.get(key);
    if (seen) addCommit(seen, leak.commit);
    else byKey.set(key, toFinding(leak));
  }
  yield* byKey.values();
}

/** One leak in the field names of either version, the secret still in it (it never leaves this module). */
interface Leak {
  rule: string;
  description?: string;
  file?: string;
  line?: number;
  endLine?: number;
  column?: number;
  secret?: string;
  match?: string;
  context?: string;
  commit?: string;
  detail: Json;
  link?: string;
}

function readLeak(o: Json, name: string, at: string): Leak {
  const v8 = o.RuleID !== undefined || o.File !== undefined || o.StartLine !== undefined;
  if (v8) {
    return {
      rule: requireString(o.RuleID, name, `${at}.RuleID`),
      description: str(o.Description),
      file: normalisePath(str(o.File)),
      line: positive(o.StartLine),
      endLine: positive(o.EndLine),
      column: positive(o.StartColumn),
      secret: str(o.Secret),
      match: str(o.Match),
      context: str(o.Line),
      commit: str(o.Commit),
      link: str(o.Link),
      detail: {
        author: str(o.Author),
        email: str(o.Email),
        date: str(o.Date),
        commitMessage: firstLine(o.Message),
        tags: tagsOf(o.Tags),
        entropy: num(o.Entropy),
        fingerprint: str(o.Fingerprint),
        symlinkFile: normalisePath(str(o.SymlinkFile)),
      },
    };
  }
  // Before v8 the "offender" is the whole match; there is no separate secret.
  return {
    rule: requireString(o.rule, name, `${at}.rule`),
    file: normalisePath(str(o.file)),
    line: positive(o.lineNumber),
    match: str(o.offender),
    context: str(o.line),
    commit: str(o.commit),
    link: str(o.leakURL),
    detail: {
      author: str(o.author),
      email: str(o.email),
      date: dateOf(o.date),
      commitMessage: firstLine(o.commitMessage),
      tags: tagsOf(o.tags),
      entropy: num(o.offenderEntropy),
      repo: str(o.repo),
      repoURL: str(o.repoURL),
      operation: str(o.operation),
      severity: str(o.severity),
    },
  };
}

function toFinding(leak: Leak): ParsedFinding {
  // The secret when the report names it, else (before v8) the whole match, is what must not be stored.
  const hidden = leak.secret ?? leak.match;
  return compact<ParsedFinding>({
    tool,
    ruleId: leak.rule,
    kind: 'secret',
    title: leak.description ?? leak.rule,
    description: `Gitleaks found a secret matching its rule "${leak.rule}"${leak.file ? ` in ${leak.file}` : ''}${leak.commit ? ` (commit ${leak.commit.slice(0, 12)})` : ''}. Revoke it and rotate it: removing it from the code does not remove it from the history.`,
    severity: severityOf(leak),
    aliases: [],
    cwes: [798],
    location: compact<Location>({
      file: leak.file,
      line: leak.line,
      endLine:
        leak.line !== undefined && leak.endLine !== undefined && leak.endLine > leak.line ? leak.endLine : undefined,
      column: leak.column,
    }),
    references: leak.link && /^https?:\/\//i.test(leak.link) ? [leak.link] : undefined,
    detail: compact({
      commit: leak.commit,
      ...compact(leak.detail),
      match: leak.secret !== undefined ? redact(leak.match, leak.secret) : undefined,
      line: redact(leak.context, hidden),
    }),
  });
}

function addCommit(f: ParsedFinding, commit: string | undefined): void {
  const detail = f.detail ?? {};
  const first = typeof detail.commit === 'string' ? detail.commit : undefined;
  const earlier: unknown[] = Array.isArray(detail.otherCommits) ? detail.otherCommits : [];
  const commits = new Set([...earlier, commit].filter((c): c is string => typeof c === 'string' && c !== first));
  f.detail = {
    ...detail,
    occurrences: Number(detail.occurrences ?? 1) + 1,
    ...(commits.size ? { otherCommits: [...commits] } : {}),
  };
}

/** Text with every copy of the secret masked; nothing at all when the secret is unknown or not found in it. */
function redact(text: string | undefined, secret: string | undefined): string | undefined {
  if (!text || !secret || !text.includes(secret)) return undefined;
  return text.split(secret).join(mask);
}

// Keys to cloud accounts and code hosts give an attacker infrastructure or source at once; other secrets are high.
const criticalRule = /aws|amazon|gcp|google[-_ ]?cloud|azure|github|gitlab|heroku|digitalocean|alibaba/i;

function severityOf(leak: Leak): Severity {
  const words = [leak.rule, leak.description, ...(Array.isArray(leak.detail.tags) ? leak.detail.tags : [])];
  return words.some((w) => typeof w === 'string' && criticalRule.test(w)) ? 'critical' : 'high';
}

/** v8 writes tags as a list, v7 as one comma-separated string ("key, AWS"). */
function tagsOf(v: unknown): string[] | undefined {
  const list = (Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : [])
    .map(str)
    .map((t) => t?.trim())
    .filter((t): t is string => !!t);
  return list.length ? list : undefined;
}

// v7 writes Go's zero time for files scanned outside git.
function dateOf(v: unknown): string | undefined {
  const d = str(v);
  return d && !d.startsWith('0001-01-01') ? d : undefined;
}

function firstLine(v: unknown): string | undefined {
  return str(v)
    ?.split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '');
}

const digest = (s: string): string => createHash('sha256').update(s).digest('hex');

function positive(v: unknown): number | undefined {
  const n = num(v);
  return n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}
