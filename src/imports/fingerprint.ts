/**
 * Fingerprints: a versioned recipe per kind of finding, built from stable fields only (never titles,
 * descriptions or messages, which tools reword between runs). Two tools that report the same weakness
 * — the same CVE in the same package and version, or the same CWE at the same file and line — produce
 * the same fingerprint, so the finding gets two sources instead of two rows.
 */
import { createHash } from 'node:crypto';
import type { ParsedFinding } from './types.ts';
import { buildPurl, canonicalDistro, purlType } from './parsers/common.ts';

export interface Fingerprint {
  recipe: string; // e.g. "dependency/v1"
  value: string; // 32 hex characters
  /** True when the weakness is named by its CWE, a class that several rules of one tool can share at one place (Bandit's
   * `eval` and `input` are both CWE-78): there, each further rule of a tool is a finding of its own (`ruleFingerprint`). */
  byClass: boolean;
}

/** The fingerprint of a parsed finding's place, scoped later by its service. */
export function fingerprintOf(f: ParsedFinding): Fingerprint {
  const [recipe, parts, byClass] = recipeFor(f);
  const value = createHash('sha256')
    .update(`${seedOf(recipe)}\u0000${parts.map((p) => p ?? '').join('\u0000')}`)
    .digest('hex')
    .slice(0, 32);
  return { recipe, value, byClass };
}

/** The fingerprint of a tool's rule at a place (by class) where another rule of the same tool holds the place's own
 * fingerprint: the place's value with the tool and rule, so it is the same in every report that has both rules there.
 * Which rule keeps the place's fingerprint is decided by the import's merge (normalise.ts). */
export function ruleFingerprint(
  place: Pick<Fingerprint, 'recipe' | 'value'>,
  tool: string,
  ruleId: string,
): Fingerprint {
  const value = createHash('sha256')
    .update(`${place.value}\u0000${tool.toLowerCase()}:${ruleId}`)
    .digest('hex')
    .slice(0, 32);
  return { recipe: `${place.recipe}${ruleSuffix}`, value, byClass: false };
}

/** What a rule's fingerprint adds to its place's recipe label ("code/v1+rule"). */
export const ruleSuffix = '+rule';

// A recipe's version names the rules that build its parts. The hash is seeded with the kind's first version, so a
// new version changes only the fingerprints whose parts it changes (the ones it means to change, such as a package
// that two tools spelled apart); every other stored finding keeps its fingerprint, status and due date.
function seedOf(recipe: string): string {
  return recipe.replace(/\/v\d+$/, '/v1');
}

type Recipe = [string, (string | number | undefined)[], boolean];

function recipeFor(f: ParsedFinding): Recipe {
  const loc = f.location;
  const weakness = primaryWeakness(f);
  const byClass = f.cwes.length > 0;
  switch (f.kind) {
    case 'dependency':
      // v2: distributions and Go module versions spelled one way whatever the tool (see packageKey, packageVersion).
      return ['dependency/v2', [primaryAdvisory(f), packageKey(f), packageVersion(f)], false];
    case 'web':
      // A CWE names a web weakness across tools only at a precise injection point (URL and parameter); site-wide
      // checks (missing headers, cookie flags) share broad CWEs such as 693, so there the tool's rule names them.
      return [
        'web/v1',
        [
          loc.parameter ? weakness : toolRule(f),
          normaliseUrl(loc.url ?? loc.host),
          (loc.method ?? '').toUpperCase(),
          loc.parameter,
        ],
        byClass && !!loc.parameter,
      ];
    case 'host':
      // An advisory (or the tool's rule) names one weakness: two plugins that report one CVE on one port are one finding.
      return [
        'host/v1',
        [primaryAdvisory(f), loc.host?.toLowerCase(), loc.port, (loc.protocol ?? 'tcp').toLowerCase()],
        false,
      ];
    case 'secret':
      // One secret at one line, whichever rules recognised it.
      return ['secret/v1', [loc.file ?? loc.target, loc.line], false];
    case 'config':
      return [
        'config/v1',
        [`${f.tool.toLowerCase()}:${f.ruleId}`, loc.file ?? loc.target, loc.resource ?? loc.line],
        false,
      ];
    default:
      return ['code/v1', [weakness, loc.file ?? loc.resource, loc.line], byClass];
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
  return (
    f.aliases.find((a) => a.startsWith('CVE-'))
    ?? f.aliases.find((a) => a.startsWith('GHSA-'))
    ?? `${f.tool.toLowerCase()}:${f.ruleId}`
  );
}

// Package identity without its version: the purl's type/namespace/name when there is one, else the name. An OS
// package's namespace is its distribution, which Grype names by os-release ID ("rhel", "amzn", "ol") where Trivy
// names the family ("redhat", "amazon", "oracle"); both are read as Trivy's, so the same package merges.
function packageKey(f: ParsedFinding): string | undefined {
  const c = f.component;
  const purl = c?.purl ?? (c ? buildPurl(c.ecosystem, c.name) : undefined);
  if (purl) {
    const base = purl.split('?')[0]!.split('#')[0]!;
    const at = base.lastIndexOf('@');
    const key = (at > base.indexOf('/') ? base.slice(0, at) : base).toLowerCase();
    const os = /^pkg:(rpm|deb|apk)\/([^/]+)\/(.+)$/.exec(key);
    return os ? `pkg:${os[1]}/${canonicalDistro(decodeURIComponent(os[2]!))}/${os[3]}` : key;
  }
  return c?.name.toLowerCase();
}

// The installed version, spelled one way across tools: a Go module's without its "v" (Grype writes v1.2.3, Trivy
// 1.2.3; the standard library "go1.21.0" or "1.21.0"); an RPM's with its epoch, which some tools keep only in the
// purl's "epoch" qualifier ("0:" is no epoch).
function packageVersion(f: ParsedFinding): string | undefined {
  const purl = f.component?.purl;
  const version = f.component?.version ?? versionFromPurl(purl);
  if (version === undefined) return undefined;
  const type = purl ? /^pkg:([^/]+)\//i.exec(purl)?.[1]?.toLowerCase() : purlType(f.component?.ecosystem);
  if (type === 'golang') return version.replace(/^(v|go)(?=\d)/, '');
  if (type !== 'rpm') return version;
  const epoch = /^(\d+):/.exec(version)?.[1] ?? (purl ? /[?&]epoch=(\d+)/.exec(purl)?.[1] : undefined);
  const bare = version.replace(/^\d+:/, '');
  return epoch && Number(epoch) !== 0 ? `${Number(epoch)}:${bare}` : bare;
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
