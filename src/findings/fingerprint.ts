/**
 * Fingerprints: a versioned recipe per kind of finding, built from stable fields only (never titles,
 * descriptions or messages, which tools reword between runs). Two tools that report the same weakness
 * — the same CVE in the same package and version, or the same CWE at the same file and line — produce
 * the same fingerprint, so the finding gets two sources instead of two rows.
 */
import { createHash } from 'node:crypto';
import type { ParsedFinding } from './types.ts';
import { buildPurl } from './parsers/common.ts';

export interface Fingerprint {
  recipe: string;  // e.g. "dependency/v1"
  value: string;   // 32 hex characters
}

/** The fingerprint of a parsed finding, scoped later by its service. */
export function fingerprintOf(f: ParsedFinding): Fingerprint {
  const [recipe, parts] = recipeFor(f);
  const value = createHash('sha256').update(`${recipe}\u0000${parts.map((p) => p ?? '').join('\u0000')}`).digest('hex').slice(0, 32);
  return { recipe, value };
}

type Recipe = [string, (string | number | undefined)[]];

function recipeFor(f: ParsedFinding): Recipe {
  const loc = f.location;
  const weakness = primaryWeakness(f);
  switch (f.kind) {
    case 'dependency':
      return ['dependency/v1', [primaryAdvisory(f), packageKey(f), f.component?.version ?? versionFromPurl(f.component?.purl)]];
    case 'web':
      // A CWE names a web weakness across tools only at a precise injection point (URL and parameter); site-wide
      // checks (missing headers, cookie flags) share broad CWEs such as 693, so there the tool's rule names them.
      return ['web/v1', [loc.parameter ? weakness : toolRule(f), normaliseUrl(loc.url ?? loc.host), (loc.method ?? '').toUpperCase(), loc.parameter]];
    case 'host':
      return ['host/v1', [primaryAdvisory(f) ?? weakness, loc.host?.toLowerCase(), loc.port, (loc.protocol ?? 'tcp').toLowerCase()]];
    case 'secret':
      return ['secret/v1', [loc.file ?? loc.target, loc.line]];
    case 'config':
      return ['config/v1', [`${f.tool.toLowerCase()}:${f.ruleId}`, loc.file ?? loc.target, loc.resource ?? loc.line]];
    default:
      return ['code/v1', [weakness, loc.file ?? loc.resource, loc.line]];
  }
}

// A CWE is shared across tools; without one, the tool's own rule is the only stable name of the weakness.
function primaryWeakness(f: ParsedFinding): string {
  const cwe = f.cwes.length ? Math.min(...f.cwes) : undefined;
  return cwe !== undefined ? `cwe-${cwe}` : toolRule(f);
}

const toolRule = (f: ParsedFinding): string => `${f.tool.toLowerCase()}:${f.ruleId}`;

// The advisory id tools agree on most: a CVE, else a GHSA, else the tool's own rule id.
function primaryAdvisory(f: ParsedFinding): string {
  return f.aliases.find((a) => a.startsWith('CVE-')) ?? f.aliases.find((a) => a.startsWith('GHSA-')) ?? `${f.tool.toLowerCase()}:${f.ruleId}`;
}

// Package identity without its version: the purl's type/namespace/name when there is one, else the name.
function packageKey(f: ParsedFinding): string | undefined {
  const c = f.component;
  const purl = c?.purl ?? (c ? buildPurl(c.ecosystem, c.name) : undefined);
  if (purl) {
    const base = purl.split('?')[0]!.split('#')[0]!;
    const at = base.lastIndexOf('@');
    return (at > base.indexOf('/') ? base.slice(0, at) : base).toLowerCase();
  }
  return c?.name.toLowerCase();
}

function versionFromPurl(purl: string | undefined): string | undefined {
  if (!purl) return undefined;
  const base = purl.split('?')[0]!.split('#')[0]!;
  const at = base.lastIndexOf('@');
  return at > base.indexOf('/') ? decodeURIComponent(base.slice(at + 1)) : undefined;
}

// Scheme, host and path identify a page; query values and fragments change between crawls.
function normaliseUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    const port = u.port ? `:${u.port}` : '';
    return `${u.protocol}//${u.hostname.toLowerCase()}${port}${u.pathname.replace(/\/+$/, '') || '/'}`;
  } catch {
    return url.split(/[?#]/)[0];
  }
}
