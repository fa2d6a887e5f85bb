/**
 * Nuclei results: JSON lines (`-jsonl`, `-json` before v3) or a JSON array (`-json-export`), with the field names
 * of Nuclei 2 (`templateID`, `matcher_name`, `matched`) and of Nuclei 2.7+/3 (`template-id`, `matcher-name`,
 * `matched-at`, `info.classification`).
 *
 * A result of an HTTP or headless template is a `web` finding at the matched URL; one of a network, SSL, DNS or
 * other protocol template is a `host` finding at the matched host and port; a `file` template's is a `code`
 * finding in the matched file. The rule is the template, with the matcher's name when the template has several
 * (tech-detect's "nginx", "bootstrap", … are different findings at one URL). Results that repeat a rule at the
 * same place (tls-version once per TLS version it found) are one finding whose extracted values are merged.
 * Results with `matcher-status: false` (written with `-ms`) matched nothing and are not findings. Request,
 * response and curl command are never kept: they can carry cookies and tokens. Extracted values of templates
 * that look for secrets are masked.
 */
import { badInput } from '../../errors.ts';
import type { FindingKind, Location, ParseContext, ParsedFinding, ReportInput, ReportParser } from '../types.ts';
import {
  aliasesFrom,
  asObject,
  compact,
  cvssFrom,
  cwesFrom,
  type Json,
  normalisePath,
  normaliseSeverity,
  num,
  parseJson,
  str,
} from './common.ts';

const tool = 'Nuclei';
const webTypes = new Set(['http', 'headless', 'websocket']);
const maxExtracted = 50;

/** Nuclei's JSON and JSON lines output, v2 and v3 field names. */
export const nucleiParser: ReportParser = {
  format: 'nuclei',
  label: 'Nuclei JSON / JSON lines',
  tool,
  detect: detectNuclei,
  parse: parseNuclei,
};

/** True when the first result's keys are Nuclei's; the head may be cut anywhere, so keys are matched, not parsed. */
function detectNuclei(head: string): boolean {
  const h = head.replace(/^\uFEFF/, '').trimStart();
  if (!/^(\[\s*)?\{/.test(h)) return false;
  // A result's "info" (name, tags, references) can fill the head before "type" or "matched-at" come.
  return /"(template-id|templateID)"\s*:/.test(h) && /"(info"\s*:\s*\{|template-(url|path)"\s*:)/.test(h);
}

async function* parseNuclei(input: ReportInput, context?: ParseContext): AsyncGenerator<ParsedFinding> {
  const name = input.name;
  const text = (await input.text()).replace(/^\uFEFF/, '');
  const all = results(text, name);
  context?.tool(tool);
  const merged = new Map<string, ParsedFinding>();
  for (const { value, where } of all) {
    const r = asObject(value, name, where);
    if (r['matcher-status'] === false) continue;
    const f = toFinding(r, name, where);
    const key = [
      f.ruleId,
      f.location.url,
      f.location.host,
      f.location.port,
      f.location.file,
      f.location.method,
      f.location.parameter,
    ].join('\u0000');
    const seen = merged.get(key);
    if (seen) mergeExtracted(seen, f);
    else merged.set(key, f);
  }
  yield* merged.values();
}

/** The results, from a JSON array, JSON lines or one pretty-printed result, each with where it sits for messages. */
function results(text: string, name: string): { value: unknown; where: string }[] {
  if (text.trimStart().startsWith('[')) {
    const list = parseJson(text, name);
    return (Array.isArray(list) ? list : [list]).map((value, i) => ({ value, where: `[${i}]` }));
  }
  const out: { value: unknown; where: string }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    try {
      out.push({ value: JSON.parse(line), where: `line ${i + 1}` });
    } catch (e) {
      if (out.length === 0 && isWholeJson(text)) return [{ value: JSON.parse(text), where: 'the top level' }];
      throw badInput(
        `${name}: line ${i + 1} is not valid JSON (Nuclei writes one result per line): ${(e as Error).message}`,
        { file: name, line: i + 1 },
      );
    }
  }
  // Nuclei writes nothing when it finds nothing: an empty file is a scan without findings.
  return out;
}

function isWholeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function toFinding(r: Json, name: string, where: string): ParsedFinding {
  const template = str(r['template-id']) ?? str(r.templateID);
  if (!template)
    throw badInput(`${name}: ${where} has no "template-id"`, { file: name, path: sub(where, 'template-id') });
  const info = asObject(r.info ?? {}, name, sub(where, 'info'));
  const cls =
    info.classification === undefined || info.classification === null
      ? {}
      : asObject(info.classification, name, sub(where, 'info.classification'));
  const matcher = str(r['matcher-name']) ?? str(r.matcher_name) ?? str(r['extractor-name']) ?? str(r.extractor_name);
  const type = str(r.type)?.toLowerCase();
  const kind: FindingKind = type === 'file' ? 'code' : webTypes.has(type ?? 'http') ? 'web' : 'host';
  const title = str(info.name)?.trim() ?? template;
  return compact<ParsedFinding>({
    tool,
    ruleId: matcher ? `${template}:${matcher}` : template,
    kind,
    title: matcher ? `${title}: ${matcher}` : title,
    description: str(info.description)?.trim(),
    severity: normaliseSeverity(info.severity),
    cvss: cvssFrom(cls['cvss-metrics'], cls['cvss-score']),
    aliases: aliasesFrom(listOf(cls['cve-id'])),
    cwes: cwesFrom(listOf(cls['cwe-id']).filter((c) => /^cwe-\d+$/i.test(c))),
    location: locationOf(r, kind),
    references: referencesOf(info.reference),
    detail: detailOf(r, info, cls, template, matcher),
  });
}

/** A path below `where`: "[3].info" in an array, "line 3, info" in JSON lines. */
function sub(where: string, key: string): string {
  return where.startsWith('line ') ? `${where}, ${key}` : `${where}.${key}`;
}

function detailOf(
  r: Json,
  info: Json,
  cls: Json,
  template: string,
  matcher: string | undefined,
): Record<string, unknown> {
  const tags = listOf(info.tags);
  const authors = listOf(info.author);
  const lines = Array.isArray(r['matched-line']) ? r['matched-line'].map(num).filter((n) => n !== undefined) : [];
  return compact({
    template: str(r.template) ?? str(r['template-path']),
    templateUrl: str(r['template-url']),
    matcher,
    type: str(r.type)?.toLowerCase(),
    ip: str(r.ip),
    tags: tags.length ? tags : undefined,
    authors: authors.length ? authors : undefined,
    impact: str(info.impact)?.trim(),
    remediation: str(info.remediation)?.trim(),
    cpe: str(cls.cpe),
    epssScore: num(cls['epss-score']),
    extracted: extractedOf(r, template, tags),
    matchedLines: lines.length ? lines : undefined,
    fuzzingMethod: str(r.fuzzing_method),
    timestamp: str(r.timestamp),
  });
}

/** Where the template matched: a URL for web templates, host and port for the others, a file for file templates. */
function locationOf(r: Json, kind: FindingKind): Location {
  const matched = str(r['matched-at']) ?? str(r.matched) ?? str(r.url) ?? str(r.host);
  if (kind === 'code') return compact<Location>({ file: normalisePath(matched), line: firstLine(r['matched-line']) });
  const url = matched && /^[a-z][a-z0-9+.-]*:\/\//i.test(matched) ? withoutCredentials(matched) : undefined;
  const parsed = url && URL.canParse(url) ? new URL(url) : undefined;
  const hostPort = !url && matched ? splitHostPort(matched) : undefined;
  const host = parsed?.hostname || hostPort?.host || hostOf(str(r.host));
  const port = num(r.port) ?? (parsed?.port ? Number(parsed.port) : hostPort?.port);
  if (kind === 'host') {
    return compact<Location>({
      host: host?.replace(/^\[|\]$/g, '').toLowerCase(),
      port,
      protocol: str(r.type) === 'network' || port ? 'tcp' : undefined,
      url,
    });
  }
  return compact<Location>({
    url: url ?? matched,
    method: methodOf(r),
    parameter: str(r.fuzzing_parameter),
    host: host?.replace(/^\[|\]$/g, '').toLowerCase(),
    port,
  });
}

/** "example.com:8443", "10.0.0.1:22" or "[::1]:443" → host and port; a plain name → host. */
function splitHostPort(s: string): { host: string; port?: number } | undefined {
  const m = /^(\[[^\]]+\]|[^:/\s]+)(?::(\d{1,5}))?$/.exec(s.trim());
  if (!m) return undefined;
  return compact({ host: m[1]!, port: m[2] ? Number(m[2]) : undefined });
}

function hostOf(host: string | undefined): string | undefined {
  if (!host) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host))
    return URL.canParse(host) ? new URL(host).hostname || undefined : undefined;
  return splitHostPort(host)?.host;
}

/** The HTTP method from the first line of the request, which is read and never kept. */
function methodOf(r: Json): string | undefined {
  const request = str(r.request);
  return request ? /^([A-Z]{3,10}) \S+ HTTP\//.exec(request.slice(0, 200))?.[1] : undefined;
}

/** A URL without user and password, should a target have carried them. */
function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1');
}

function firstLine(v: unknown): number | undefined {
  const n = Array.isArray(v) ? num(v[0]) : undefined;
  return n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

const secretish =
  /(^|[-_/])(token|tokens|secret|secrets|credential|credentials|password|passwords|apikey|api-key|key|keys|exposure|exposures)([-_/.]|$)/i;

/** Extracted values; those of templates looking for secrets keep only their first characters. */
function extractedOf(r: Json, template: string, tags: string[]): string[] | undefined {
  const values = listOf(r['extracted-results'] ?? r.extracted_results);
  if (values.length === 0) return undefined;
  const secret = [template, str(r.template) ?? '', ...tags].some((t) => secretish.test(t));
  return [...new Set(values)].slice(0, maxExtracted).map((v) => (secret ? mask(v) : v.slice(0, 500)));
}

function mask(v: string): string {
  return v.length <= 8 ? '********' : `${v.slice(0, 4)}********`;
}

function mergeExtracted(into: ParsedFinding, from: ParsedFinding): void {
  const a = (into.detail?.['extracted'] as string[] | undefined) ?? [];
  const b = (from.detail?.['extracted'] as string[] | undefined) ?? [];
  const all = [...new Set([...a, ...b])].slice(0, maxExtracted);
  if (all.length) into.detail = { ...into.detail, extracted: all };
}

/** Nuclei 2 wrote references as one Markdown-ish string, Nuclei 3 as a list. */
function referencesOf(v: unknown): string[] | undefined {
  const texts = Array.isArray(v) ? v.map(str) : [str(v)];
  const found = texts.flatMap((t) => (t ? [...t.matchAll(/https?:\/\/[^\s"'<>]+/g)].map((m) => m[0]) : []));
  return found.length ? [...new Set(found)] : undefined;
}

/** A list of strings from a list, a single string, or a comma-separated string (Nuclei 2's tags and authors). */
function listOf(v: unknown): string[] {
  const items = Array.isArray(v) ? v.map(str) : (str(v)?.split(',') ?? []);
  return items.map((x) => x?.trim()).filter((x): x is string => !!x);
}
