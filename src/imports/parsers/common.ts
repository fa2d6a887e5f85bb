/** Helpers every parser shares: strict JSON reading with positions, severities, CWE/alias extraction, purls. */
import { badInput } from '../../errors.ts';
import type { Cvss, Severity } from '../types.ts';

/** Parses JSON text; on failure says which file, line and column, and what was expected. */
export function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = jsonErrorPosition(msg, text);
    if (pos !== undefined) {
      const before = text.slice(0, pos);
      const line = before.split('\n').length;
      const column = pos - before.lastIndexOf('\n');
      throw badInput(`${name}: not valid JSON at line ${line}, column ${column}: ${msg}`, { file: name, line, column });
    }
    const where = /Unexpected end/.test(msg) ? ' at its end (the file looks truncated)' : '';
    throw badInput(`${name}: not valid JSON${where}: ${msg}`, {
      file: name,
      ...(where ? { line: text.split('\n').length } : {}),
    });
  }
}

// V8 says "at position N" for most errors; for an unexpected token it quotes the text around it instead
// (`Unexpected token 'x', "...ab x cd..." is not valid JSON`, ten characters either side, "..." where cut), so the
// position is found by looking that excerpt up.
export function jsonErrorPosition(msg: string, text: string): number | undefined {
  const at = /position (\d+)/.exec(msg);
  if (at) return Number(at[1]);
  const quoted = /^Unexpected token '([\s\S])', (\.\.\.)?"([\s\S]*)"(\.\.\.)? is not valid JSON$/.exec(msg);
  if (!quoted) return undefined;
  const [, token = '', cutStart, core = ''] = quoted;
  const start = text.indexOf(core);
  if (start < 0) return undefined;
  const offset = cutStart ? 10 : core.indexOf(token);
  return offset < 0 ? undefined : start + offset;
}

/** A table's entry for a key read from a report; own keys only, so "constructor" or "__proto__" find nothing. */
export function lookup<T>(table: Record<string, T>, key: string | undefined): T | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Narrows unknown JSON to an object, or says where an object was expected. */
export function asObject(v: unknown, name: string, path: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw badInput(`${name}: expected an object at ${path}, found ${describe(v)}`, { file: name, path });
  }
  return v as Record<string, unknown>;
}

/** Narrows unknown JSON to an array (missing means empty), or says where an array was expected. */
export function asArray(v: unknown, name: string, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v))
    throw badInput(`${name}: expected an array at ${path}, found ${describe(v)}`, { file: name, path });
  return v;
}

/** A string field, or undefined when absent; numbers are turned into strings. */
export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** A finite number field (numeric strings accepted), or undefined. */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** A JSON object as a parser reads it: its fields not checked yet. */
export type Json = Record<string, unknown>;

/** The object without its undefined fields, so findings print and compare cleanly. */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** A non-empty string field, or says where one was expected. */
export function requireString(v: unknown, name: string, path: string): string {
  const s = str(v);
  if (s === undefined) throw badInput(`${name}: expected a non-empty string at ${path}`, { file: name, path });
  return s;
}

/** True for a JSON object (not null, not an array). */
export function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The value when it is a JSON object, else undefined (where a report may leave a field out or write it oddly). */
export function obj(v: unknown): Json | undefined {
  return isObject(v) ? v : undefined;
}

/** The value when it is an array, else empty. */
export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The value as a list: an array as it is, a single value as a list of one, null or missing as empty. */
export function oneOrMany(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}

/** The strings of an array (numbers as text, blanks left out), or undefined when there are none. */
export function strings(v: unknown): string[] | undefined {
  const found = Array.isArray(v) ? v.map(str).filter((s): s is string => s !== undefined) : [];
  return found.length ? found : undefined;
}

/** The strings of a value that may be one string or a list of them (blanks left out), or undefined when none. */
export function stringsOf(v: unknown): string[] | undefined {
  return strings(oneOrMany(v));
}

/** The http(s) URLs among the values (arrays read through, two levels deep), each once; undefined when none. */
export function webUrls(...values: unknown[]): string[] | undefined {
  const found = values
    .flat(2)
    .map(str)
    .filter((u): u is string => u !== undefined && /^https?:\/\//i.test(u));
  return found.length ? [...new Set(found)] : undefined;
}

/** The CVSS version a vector names ("CVSS:3.1/AV:N/…" → "3.1"), or undefined. */
export function cvssVersionOf(vector: string | undefined): string | undefined {
  return vector ? /^CVSS:(\d+\.\d+)\//.exec(vector)?.[1] : undefined;
}

/**
 * A CVSS base score on its 0–10 scale, or undefined. With `zeroUnscored`, 0 is "not scored" too: GitHub's advisories
 * (and npm's and yarn's, which are GitHub's) write a score of 0 beside an empty vector when there is none.
 */
export function cvssScore(v: unknown, zeroUnscored = false): number | undefined {
  const s = num(v);
  return s !== undefined && (zeroUnscored ? s > 0 : s >= 0) && s <= 10 ? s : undefined;
}

/** A CVSS value from a report's vector and score (its version from the vector), or undefined when it has neither. */
export function cvssFrom(vector: unknown, score: unknown, zeroUnscored = false): Cvss | undefined {
  const v = str(vector);
  const s = cvssScore(score, zeroUnscored);
  if (v === undefined && s === undefined) return undefined;
  return compact({ version: cvssVersionOf(v), vector: v, score: s });
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

const severityWords: Record<string, Severity> = {
  critical: 'critical',
  crit: 'critical',
  blocker: 'critical',
  urgent: 'critical',
  high: 'high',
  error: 'high',
  important: 'high',
  severe: 'high',
  medium: 'medium',
  moderate: 'medium',
  warning: 'medium',
  warn: 'medium',
  low: 'low',
  minor: 'low',
  note: 'low',
  info: 'info',
  informational: 'info',
  information: 'info',
  none: 'info',
  negligible: 'info',
  unknown: 'info',
  style: 'info',
};

/** Maps a tool's severity word (any case) to Entente's five levels; unknown words are `info`. */
export function normaliseSeverity(word: unknown, fallback: Severity = 'info'): Severity {
  if (typeof word !== 'string') return fallback;
  const key = word.trim().toLowerCase();
  // Own keys only: report text like "constructor" must not reach Object.prototype.
  return Object.hasOwn(severityWords, key) ? severityWords[key]! : fallback;
}

/** The CVSS v3 qualitative band of a base score. */
export function severityFromScore(score: number): Severity {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'info';
}

// The global patterns of cwesFrom and aliasesFrom are shared: each search sets lastIndex to 0 and calls exec until it
// finds no more (which leaves lastIndex at 0), with no other search in between. matchAll would copy the pattern on
// every call, and these run for every finding of a large report.
const cwePattern = /cwe[-_/: ]?0*(\d{1,5})(?!\d)/gi;

/** CWE numbers found in strings like "CWE-79", "cwe-079", "external/cwe/cwe-89", or plain numbers. */
export function cwesFrom(...values: unknown[]): number[] {
  const out = new Set<number>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 100_000) out.add(v);
    else if (typeof v === 'string') {
      cwePattern.lastIndex = 0;
      for (let m = cwePattern.exec(v); m; m = cwePattern.exec(v)) out.add(Number(m[1]));
      if (/^\s*\d{1,5}\s*$/.test(v) && Number(v) > 0) out.add(Number(v));
    }
  };
  values.forEach(visit);
  return [...out].sort((a, b) => a - b);
}

/** CVE and GHSA ids found in the given strings, upper-cased and unique, CVEs first. */
export function aliasesFrom(...values: unknown[]): string[] {
  const out = new Set<string>();
  for (const v of values) collectAliases(v, out);
  return [...out].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

const mayHoldAlias = /CVE-|GHSA-/i; // every id either pattern finds contains one of these
const cvePattern = /\bCVE-\d{4}-\d{4,}\b/gi;
const ghsaPattern = /\bGHSA(-[23456789cfghjmpqrvwx]{4}){3}\b/gi;

function collectAliases(v: unknown, out: Set<string>): void {
  if (Array.isArray(v)) return v.forEach((x) => collectAliases(x, out));
  if (typeof v !== 'string' || !mayHoldAlias.test(v)) return;
  cvePattern.lastIndex = 0;
  for (let m = cvePattern.exec(v); m; m = cvePattern.exec(v)) out.add(m[0].toUpperCase());
  ghsaPattern.lastIndex = 0;
  for (let m = ghsaPattern.exec(v); m; m = ghsaPattern.exec(v)) out.add('GHSA' + m[0].slice(4).toLowerCase());
}

const rank = (id: string): number => (id.startsWith('CVE-') ? 0 : 1);

const purlTypes: Record<string, string> = {
  npm: 'npm',
  yarn: 'npm',
  'node-pkg': 'npm',
  pnpm: 'npm',
  nodejs: 'npm',
  pip: 'pypi',
  pipenv: 'pypi',
  poetry: 'pypi',
  'python-pkg': 'pypi',
  pypi: 'pypi',
  uv: 'pypi',
  gomod: 'golang',
  gobinary: 'golang',
  go: 'golang',
  golang: 'golang',
  jar: 'maven',
  pom: 'maven',
  gradle: 'maven',
  maven: 'maven',
  sbt: 'maven',
  bundler: 'gem',
  gemspec: 'gem',
  gem: 'gem',
  ruby: 'gem',
  cargo: 'cargo',
  'rust-binary': 'cargo',
  rust: 'cargo',
  composer: 'composer',
  nuget: 'nuget',
  'dotnet-core': 'nuget',
  'packages-props': 'nuget',
  debian: 'deb',
  ubuntu: 'deb',
  deb: 'deb',
  alpine: 'apk',
  apk: 'apk',
  wolfi: 'apk',
  chainguard: 'apk',
  redhat: 'rpm',
  centos: 'rpm',
  rocky: 'rpm',
  alma: 'rpm',
  amazon: 'rpm',
  oracle: 'rpm',
  rpm: 'rpm',
  fedora: 'rpm',
  suse: 'rpm',
  'suse linux enterprise server': 'rpm',
  'opensuse.leap': 'rpm',
  'opensuse.tumbleweed': 'rpm',
  photon: 'rpm',
  'cbl-mariner': 'rpm',
  azurelinux: 'rpm',
  swift: 'swift',
  cocoapods: 'cocoapods',
  pub: 'pub',
  hex: 'hex',
  conan: 'conan',
};

// Operating-system words (Trivy's result Type is the OS family) name the purl namespace too: the distribution.
// Namespaces are spelled as Trivy spells them; other tools' spellings are mapped onto those by `canonicalDistro`.
const distroNamespaces: Record<string, string> = {
  debian: 'debian',
  ubuntu: 'ubuntu',
  alpine: 'alpine',
  redhat: 'redhat',
  centos: 'centos',
  rocky: 'rocky',
  alma: 'alma',
  amazon: 'amazon',
  oracle: 'oracle',
  fedora: 'fedora',
  suse: 'sles',
  'suse linux enterprise server': 'sles',
  'opensuse.leap': 'opensuse.leap',
  'opensuse.tumbleweed': 'opensuse.tumbleweed',
  photon: 'photon',
  'cbl-mariner': 'cbl-mariner',
  azurelinux: 'azurelinux',
  wolfi: 'wolfi',
  chainguard: 'chainguard',
};

// Grype and Syft name a distribution by its os-release ID, Snyk by its own words; these are Trivy's for the same.
const distroAliases: Record<string, string> = {
  rhel: 'redhat',
  amzn: 'amazon',
  ol: 'oracle',
  almalinux: 'alma',
  suse: 'sles',
  sles: 'sles',
  opensuse: 'opensuse.leap',
  'opensuse-leap': 'opensuse.leap',
  'opensuse-tumbleweed': 'opensuse.tumbleweed',
  mariner: 'cbl-mariner',
};

/** A distribution's purl namespace as Trivy spells it ("rhel" → "redhat", "amzn" → "amazon"); others as given, lower-case. */
export function canonicalDistro(namespace: string): string {
  const key = namespace.toLowerCase();
  return Object.hasOwn(distroAliases, key) ? distroAliases[key]! : key;
}

/** The purl type for an ecosystem or package-manager word (npm, pip, jar, debian, …), if known. */
export function purlType(ecosystem: string | undefined): string | undefined {
  const key = typeof ecosystem === 'string' ? ecosystem.toLowerCase() : undefined;
  return key !== undefined && Object.hasOwn(purlTypes, key) ? purlTypes[key] : undefined;
}

/** Builds a package URL (purl) for a package in an ecosystem; maven names "group:artifact" become a namespace. */
export function buildPurl(ecosystem: string | undefined, name: string, version?: string): string | undefined {
  const type = purlType(ecosystem);
  if (!type || !name) return undefined;
  let ns = '';
  let n = name;
  const distro = typeof ecosystem === 'string' ? ecosystem.toLowerCase() : undefined;
  if (distro !== undefined && Object.hasOwn(distroNamespaces, distro)) {
    ns = `${enc(distroNamespaces[distro]!)}/`;
  } else if (type === 'maven' && name.includes(':')) {
    const [g, a] = name.split(':');
    ns = `${enc(g ?? '')}/`;
    n = a ?? '';
  } else if (type === 'npm' && name.startsWith('@') && name.includes('/')) {
    const i = name.indexOf('/');
    ns = `${enc(name.slice(0, i))}/`;
    n = name.slice(i + 1);
  } else if (type === 'golang' && name.includes('/')) {
    const i = name.lastIndexOf('/');
    ns = `${name.slice(0, i).split('/').map(enc).join('/')}/`;
    n = name.slice(i + 1);
  }
  return `pkg:${type}/${ns}${enc(n)}${version ? `@${enc(version)}` : ''}`;
}
// encodeURIComponent throws on a lone surrogate (half of a UTF-16 pair, as a report cut at the wrong place holds): it
// becomes U+FFFD first, as the database would store it.
const enc = (s: string): string => encodeURIComponent(s.replace(loneSurrogates, '\ufffd')).replace(/%3A/g, ':');
const loneSurrogates = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

// A file URI's path, decoded; one with a broken escape (`%E0%A4%A`) is kept as written rather than refused.
function decodedOr(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** Normalises a file path from a report: forward slashes, no leading "./" or "file://". */
export function normalisePath(p: string | undefined): string | undefined {
  if (!p) return undefined;
  let s = p.trim().replace(/\\/g, '/');
  if (s.startsWith('file://')) s = decodedOr(s.slice('file://'.length));
  while (s.startsWith('./')) s = s.slice(2);
  return s || undefined;
}

const htmlEntities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Plain text from a tool's HTML fragment: block tags become line breaks, other tags go, entities are decoded. */
export function stripHtml(html: string | undefined): string | undefined {
  if (!html) return undefined;
  // Bounded classes ([^<>]{0,n}) keep these patterns linear on hostile input.
  const flat = html
    .replace(/<\s*\/?\s*(p|br|li|div|tr|ul|ol|h[1-6])\b[^<>]{0,500}>/gi, '\n')
    .replace(/<\/?[A-Za-z][^<>]{0,2000}>/g, '')
    .replace(/&(#[xX][0-9a-fA-F]{1,6}|#\d{1,7}|[a-zA-Z]{2,6});/g, (m, e: string) => decodeEntity(e) ?? m);
  const lines: string[] = [];
  for (const line of flat.split('\n')) {
    const l = line.trimEnd();
    if (l !== '' || (lines.length > 0 && lines[lines.length - 1] !== '')) lines.push(l);
  }
  const text = lines.join('\n').trim();
  return text || undefined;
}

function decodeEntity(e: string): string | undefined {
  if (!e.startsWith('#'))
    return Object.hasOwn(htmlEntities, e.toLowerCase()) ? htmlEntities[e.toLowerCase()] : undefined;
  const n = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
  const valid = n > 0 && n <= 0x10ffff && !(n >= 0xd800 && n <= 0xdfff);
  return valid ? String.fromCodePoint(n) : undefined;
}
