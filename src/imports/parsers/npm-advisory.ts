/** What npm audit's and yarn audit's parsers share: both read the npm registry's advisories (which are GitHub's). */
import type { Cvss } from '../types.ts';
import { cvssFrom, isObject } from './common.ts';

/** An advisory's rule id: GHSA first (npm's advisories are GitHub's), then CVE, then the registry's own number. */
export function ruleIdOf(aliases: string[], fallback: string): string {
  return (
    aliases.find((a) => a.startsWith('GHSA-')) ?? aliases[0] ?? (/^\d+$/.test(fallback) ? `NPM-${fallback}` : fallback)
  );
}

/** An advisory's `cvss` ({ vectorString, score }); a score of 0 with no vector means "not scored". */
export function cvssOf(v: unknown): Cvss | undefined {
  return isObject(v) ? cvssFrom(v.vectorString, v.score, true) : undefined;
}

/** The advisory URL, then every URL in the free-text references (npm 6 and yarn write them as Markdown). */
export function urls(...values: unknown[]): string[] | undefined {
  const found = values.flatMap((v) =>
    typeof v === 'string' ? [...v.matchAll(/https?:\/\/[^\s)\]>"'<]+/g)].map((m) => m[0]) : [],
  );
  return found.length ? [...new Set(found)] : undefined;
}

/** "<2.6.9" or ">=2.0.0 <2.6.9" means 2.6.9 fixes it: written as a range, like npm 6's patched_versions. */
export function fixedFromRange(range: string | undefined): string | undefined {
  const m = range ? /^\s*(?:>=?\s*\d[^\s<>=|]*\s+)?<\s*(\d[^\s<>=|]*)\s*$/.exec(range) : undefined;
  return m ? `>=${m[1]}` : undefined;
}
