/**
 * OWASP Dependency-Check's XML report (`--format XML`, schema 1.x to 4.x).
 *
 * One finding per vulnerability per dependency. Suppressed vulnerabilities (`<suppressedVulnerability>`, and the
 * `<suppressedVulnerabilities>` list of some versions) are someone's decision to accept the match: they are read
 * with the state accepted, their `<notes>` as the reason, and the import creates them closed. Related dependencies — files Dependency-Check bundled into the one it reports, such as
 * the same jar in several archives or a jar's own pom.xml — stay in `detail.relatedDependencies` instead of
 * multiplying the vulnerability.
 * The component is the dependency's package URL. When a bundled dependency carries several, the one named like
 * the file is taken. A fixed version is only read from the matched CPE range when that CPE names the package
 * itself: Dependency-Check often matches a neighbour's CPE (commons-codec against commons_net), whose range says
 * nothing about this package.
 */
import { badInput } from '../../errors.ts';
import type {
  Component,
  Cvss,
  ParseContext,
  ParsedFinding,
  ReportInput,
  ReportParser,
  ReportState,
  Severity,
} from '../types.ts';
import {
  aliasesFrom,
  buildPurl,
  compact,
  cvssScore,
  cwesFrom,
  normalisePath,
  normaliseSeverity,
  severityFromScore,
} from './common.ts';
import { attr, child, children, select, streamXml, textOf, xmlRootName, type XmlElement } from './xml.ts';

const tool = 'dependency-check'; // as its SARIF output names it, so both formats count as one tool
const maxRelated = 50;
const confidenceRank: Record<string, number> = { HIGHEST: 4, HIGH: 3, MEDIUM: 2, LOW: 1 };

interface Dependency {
  fileName: string | undefined;
  component: Component | undefined;
  productNames: string[]; // lower-case names a CPE product must equal to count as this package
  target: string | undefined;
  detail: Record<string, unknown>;
}

/** Dependency-Check's XML report (`<analysis xmlns="…dependency-check.N.xsd"><dependencies>…`). */
export const dependencyCheckParser: ReportParser = {
  format: 'dependency-check',
  label: 'OWASP Dependency-Check XML',
  tool,
  detect: (head) =>
    xmlRootName(head) === 'analysis' && (/dependency-?check[\w.-]*\.xsd/i.test(head) || /<engineVersion>/.test(head)),
  parse: parseDependencyCheck,
};

async function* parseDependencyCheck(input: ReportInput, context?: ParseContext): AsyncGenerator<ParsedFinding> {
  const file = input.name;
  let version: string | undefined;
  let announced = false;
  const announce = (): void => {
    if (!announced) context?.tool(tool, version);
    announced = true;
  };
  const onRoot = (root: XmlElement): void => {
    if (root.name !== 'analysis') {
      throw badInput(
        `${file}: not a Dependency-Check XML report: the root element is <${root.name}>, expected <analysis>`,
        { file },
      );
    }
  };
  // Evidence is most of a report's bytes and says nothing a finding needs.
  const matches = streamXml(input.stream(), {
    name: file,
    collect: ['scanInfo', 'dependency'],
    skip: ['evidenceCollected'],
    onRoot,
  });
  for await (const { element, ancestors } of matches) {
    if (element.name === 'scanInfo') {
      version = textOf(element, 'engineVersion');
      continue;
    }
    if (ancestors[ancestors.length - 1]?.name !== 'dependencies') continue;
    announce();
    yield* findingsOf(element, file, version);
  }
  announce();
}

function* findingsOf(el: XmlElement, file: string, version: string | undefined): Generator<ParsedFinding> {
  const open = select(el, 'vulnerabilities/vulnerability');
  const suppressed = [
    ...select(el, 'vulnerabilities/suppressedVulnerability'),
    ...select(el, 'suppressedVulnerabilities/suppressedVulnerability'),
  ];
  if (open.length === 0 && suppressed.length === 0) return;
  const dep = dependencyOf(el);
  const seen = new Set<string>();
  for (const v of [...open, ...suppressed]) {
    const name = textOf(v, 'name');
    if (!name) throw badInput(`${file}: the <${v.name}> at line ${v.line} has no <name>`, { file, line: v.line });
    const key = `${v.name}\u0000${name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const finding = toFinding(v, name, dep, version);
    yield v.name === 'suppressedVulnerability' ? { ...finding, state: suppressionOf(v) } : finding;
  }
}

/** A suppressed vulnerability is accepted in the report; its notes say why when the suppression file gave any. */
function suppressionOf(v: XmlElement): ReportState {
  const notes = textOf(v, 'notes')?.replace(/\s+/g, ' ').trim();
  return {
    status: 'accepted',
    reason: notes
      ? `suppressed in the report: ${notes}`
      : 'suppressed in the report by a Dependency-Check suppression file',
  };
}

function toFinding(v: XmlElement, name: string, dep: Dependency, version: string | undefined): ParsedFinding {
  const scores = cvssList(v);
  const cvss = scores.find((c) => c.version?.startsWith('3')) ?? scores[0];
  const label = dep.component ? [dep.component.name, dep.component.version].filter(Boolean).join(' ') : dep.fileName;
  const matched = children(child(v, 'vulnerableSoftware'), 'software').find(
    (s) => attr(s, 'vulnerabilityIdMatched') === 'true' || attr(s, 'matched') === 'true',
  );
  const references = [
    ...new Set(
      select(v, 'references/reference')
        .map((r) => textOf(r, 'url'))
        .filter((u): u is string => !!u && /^https?:\/\/\S+$/.test(u)),
    ),
  ];
  return compact<ParsedFinding>({
    tool,
    toolVersion: version,
    ruleId: name,
    kind: 'dependency',
    title: label ? `${name} in ${label}` : name,
    description: textOf(v, 'description')?.replace(/\n[ \t]+/g, '\n'),
    severity: severityOf(textOf(v, 'severity'), cvss),
    cvss,
    aliases: aliasesFrom(name),
    cwes: cwesFrom(
      select(v, 'cwes/cwe').map((c) => c.text),
      textOf(v, 'cwe'),
    ).filter((n) => n > 0),
    component: dep.component,
    fixedVersion: fixedVersionOf(matched, dep),
    location: compact({ target: dep.target }),
    references: references.length > 0 ? references : undefined,
    detail: compact({
      ...dep.detail,
      source: attr(v, 'source'),
      severity: textOf(v, 'severity'),
      unscored: attr(child(v, 'severity'), 'unscored') === 'true' ? true : undefined,
      cvss: scores.length > 1 ? scores : undefined,
      knownExploited: knownExploitedOf(child(v, 'knownExploitedVulnerability')),
      matchedSoftware: matched ? compact({ cpe: matched.text.trim(), ...rangeOf(matched) }) : undefined,
    }),
  });
}

// The severity Dependency-Check chose (CVSS v4, else v3, else v2, else the source's own word); "Unknown" and
// unscored advisories without a word fall back to the score, and to medium when there is none either.
function severityOf(word: string | undefined, cvss: Cvss | undefined): Severity {
  const known = word && !/^unknown$/i.test(word.trim()) ? normaliseSeverity(word, 'medium') : undefined;
  if (known) return known;
  return cvss?.score !== undefined ? severityFromScore(cvss.score) : 'medium';
}

function dependencyOf(el: XmlElement): Dependency {
  const fileName = textOf(el, 'fileName');
  const packages = children(child(el, 'identifiers')).flatMap((c) => (c.name === 'identifiers' ? children(c) : [c]));
  const purls = packages
    .filter((p) => p.name === 'package')
    .map((p) => ({ id: textOf(p, 'id'), confidence: attr(p, 'confidence') }));
  const chosen = choosePurl(purls, fileName);
  const component = componentOf(chosen, packages, fileName);
  const productNames = component
    ? [component.name.split(/[:/]/).pop() ?? component.name].map((n) => n.toLowerCase())
    : [];
  const related = select(el, 'relatedDependencies/relatedDependency').map((r) =>
    compact({
      fileName: textOf(r, 'fileName'),
      filePath: textOf(r, 'filePath'),
      purl: select(r, 'identifiers/package')
        .map((p) => textOf(p, 'id'))
        .find(Boolean),
    }),
  );
  const otherPurls = purls.map((p) => p.id).filter((p): p is string => !!p && p !== chosen);
  return {
    fileName,
    component,
    productNames,
    target: normalisePath(textOf(el, 'filePath')),
    detail: compact({
      fileName,
      isVirtual: attr(el, 'isVirtual') === 'true' ? true : undefined,
      sha1: textOf(el, 'sha1'),
      sha256: textOf(el, 'sha256'),
      license: textOf(el, 'license'),
      projectReferences: nonEmpty(select(el, 'projectReferences/projectReference').map((r) => r.text.trim())),
      includedBy: nonEmpty(select(el, 'includedBy/reference').map((r) => r.text.trim())),
      otherPackages: nonEmpty(otherPurls),
      cpes: nonEmpty(
        packages
          .filter((p) => p.name === 'vulnerabilityIds')
          .map((p) => textOf(p, 'id'))
          .filter((c): c is string => !!c),
      ),
      relatedDependencies: nonEmpty(related.slice(0, maxRelated)),
      relatedOmitted: related.length > maxRelated ? related.length - maxRelated : undefined,
    }),
  };
}

// A bundled dependency carries its neighbours' package URLs too (activemq-broker-5.16.5.jar lists activemq-client),
// in alphabetical order; the one whose name and version the file name holds is the file itself.
function choosePurl(
  purls: { id: string | undefined; confidence: string | undefined }[],
  fileName: string | undefined,
): string | undefined {
  const file = (fileName ?? '').toLowerCase();
  const score = (p: { id: string | undefined; confidence: string | undefined }): number => {
    const parts = p.id ? parsePurl(p.id) : undefined;
    if (!parts) return -1;
    const byName = file.includes(`${parts.name}-${parts.version ?? ''}`.toLowerCase())
      ? 20
      : file.includes(parts.name.toLowerCase())
        ? 10
        : 0;
    return byName + (confidenceRank[p.confidence ?? ''] ?? 0);
  };
  const best = [...purls].sort((a, b) => score(b) - score(a))[0];
  return best && score(best) >= 0 ? best.id?.trim() : undefined;
}

function componentOf(
  purl: string | undefined,
  identifiers: XmlElement[],
  fileName: string | undefined,
): Component | undefined {
  const parts = purl ? parsePurl(purl) : undefined;
  if (purl && parts) {
    const sep = parts.type === 'maven' ? ':' : '/';
    const name = parts.namespace ? `${parts.namespace}${sep}${parts.name}` : parts.name;
    return compact({ name, version: parts.version, purl, ecosystem: parts.type });
  }
  // Reports before Dependency-Check 6 name packages as typed identifiers: "group:artifact:version" or a CPE.
  const maven = textOf(
    identifiers.find((i) => attr(i, 'type') === 'maven'),
    'name',
  );
  const gav = maven?.split(':');
  if (gav?.length === 3 && gav.every(Boolean)) {
    const name = `${gav[0]}:${gav[1]}`;
    return compact({ name, version: gav[2], purl: buildPurl('maven', name, gav[2]), ecosystem: 'maven' });
  }
  const cpeText = identifiers
    .map((i) =>
      attr(i, 'type') === 'cpe' ? textOf(i, 'name') : i.name === 'vulnerabilityIds' ? textOf(i, 'id') : undefined,
    )
    .find(Boolean);
  const cpe = cpeText ? parseCpe(cpeText) : undefined;
  if (cpe) return compact({ name: cpe.product, version: cpe.version });
  // A file inside archives is displayed as "app.ear: lib.jar"; the innermost file is the component.
  const inner = fileName?.split(': ').pop()?.trim();
  return inner ? { name: inner } : undefined;
}

/** The parts of a package URL (pkg:type/namespace/name@version?qualifiers#subpath), decoded; undefined when it is not one. */
function parsePurl(purl: string): { type: string; namespace?: string; name: string; version?: string } | undefined {
  const m = /^pkg:([a-z][a-z0-9.+-]*)\/([^?#]+?)(?:@([^?#@]+))?(?:[?#].*)?$/i.exec(purl.trim());
  if (!m) return undefined;
  const segments = (m[2] ?? '').split('/').filter(Boolean).map(decode);
  const name = segments.pop();
  if (!name) return undefined;
  return compact({
    type: (m[1] ?? '').toLowerCase(),
    namespace: segments.join('/') || undefined,
    name,
    version: m[3] ? decode(m[3]) : undefined,
  });
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Vendor, product and version of a CPE 2.2 URI (cpe:/a:v:p:1.0) or 2.3 string (cpe:2.3:a:v:p:1.0:…). */
function parseCpe(cpe: string): { vendor: string; product: string; version?: string } | undefined {
  const m = /^cpe:(?:2\.3:|\/)[aoh]:([^:]+):([^:]+)(?::([^:]+))?/i.exec(cpe.trim());
  if (!m?.[1] || !m[2]) return undefined;
  const version = m[3] && m[3] !== '*' && m[3] !== '-' ? m[3] : undefined;
  return compact({ vendor: m[1], product: m[2], version });
}

function fixedVersionOf(software: XmlElement | undefined, dep: Dependency): string | undefined {
  const fixed = attr(software, 'versionEndExcluding');
  const product = software ? parseCpe(software.text)?.product.toLowerCase().replace(/_/g, '-') : undefined;
  if (!fixed || !product) return undefined;
  return dep.productNames.some((n) => n === product || n.startsWith(`${product}-`)) ? fixed : undefined;
}

function rangeOf(software: XmlElement): Record<string, string | undefined> {
  const keys = ['versionStartIncluding', 'versionStartExcluding', 'versionEndIncluding', 'versionEndExcluding'];
  return Object.fromEntries(keys.map((k) => [k, attr(software, k)]));
}

const v3Letters: Record<string, string> = {
  NETWORK: 'N',
  ADJACENT_NETWORK: 'A',
  ADJACENT: 'A',
  LOCAL: 'L',
  PHYSICAL: 'P',
  LOW: 'L',
  HIGH: 'H',
  NONE: 'N',
  REQUIRED: 'R',
  UNCHANGED: 'U',
  CHANGED: 'C',
};
const v2Letters: Record<string, string> = {
  NETWORK: 'N',
  ADJACENT_NETWORK: 'A',
  LOCAL: 'L',
  LOW: 'L',
  MEDIUM: 'M',
  HIGH: 'H',
  NONE: 'N',
  SINGLE: 'S',
  SINGLE_INSTANCE: 'S',
  MULTIPLE: 'M',
  MULTIPLE_INSTANCES: 'M',
  PARTIAL: 'P',
  COMPLETE: 'C',
};

/** Every CVSS rating the vulnerability carries, v3 first, with vectors rebuilt from Dependency-Check's fields. */
function cvssList(v: XmlElement): Cvss[] {
  const out: Cvss[] = [];
  const v3 = child(v, 'cvssV3');
  if (v3) {
    // Dependency-Check 5 wrote no <version>; its NVD feed was CVSS 3.1 by then.
    const version = textOf(v3, 'version') ?? '3.1';
    const metrics = vector(
      v3,
      [
        ['AV', 'attackVector'],
        ['AC', 'attackComplexity'],
        ['PR', 'privilegesRequired'],
        ['UI', 'userInteraction'],
        ['S', 'scope'],
        ['C', 'confidentialityImpact'],
        ['I', 'integrityImpact'],
        ['A', 'availabilityImpact'],
      ],
      v3Letters,
    );
    out.push(cvssOf(version, metrics && `CVSS:${version}/${metrics}`, textOf(v3, 'baseScore')));
  }
  const v4 = child(v, 'cvssV4');
  if (v4) out.push(cvssOf(textOf(v4, 'version') ?? '4.0', textOf(v4, 'vectorString'), textOf(v4, 'baseScore')));
  const v2 = child(v, 'cvssV2');
  const v2Fields = [
    ['AV', 'accessVector'],
    ['AC', 'accessComplexity'],
    ['Au', 'authenticationr'],
    ['C', 'confidentialImpact'],
    ['I', 'integrityImpact'],
    ['A', 'availabilityImpact'],
  ] as const;
  if (v2) {
    const fields = v2Fields.map(
      ([k, f]) => [k, child(v2, f) ? f : f === 'confidentialImpact' ? 'confidentialityImpact' : f] as const,
    );
    out.push(cvssOf('2.0', vector(v2, fields, v2Letters), textOf(v2, 'score')));
  } else if (child(v, 'cvssScore')) {
    // Schema 1.x: the v2 metrics sit on the vulnerability itself, prefixed "cvss".
    const fields = v2Fields.map(([k, f]) => [k, `cvss${f[0]?.toUpperCase()}${f.slice(1)}`] as const);
    out.push(cvssOf('2.0', vector(v, fields, v2Letters), textOf(v, 'cvssScore')));
  }
  return out.filter((c) => c.score !== undefined || c.vector !== undefined);
}

function vector(
  el: XmlElement,
  fields: readonly (readonly [string, string])[],
  letters: Record<string, string>,
): string | undefined {
  const parts = fields.map(([k, f]) => {
    const word = textOf(el, f)?.toUpperCase();
    const letter = word && (letters[word] ?? (/^[A-Z]$/.test(word) ? word : undefined));
    return letter ? `${k}:${letter}` : undefined;
  });
  return parts.every(Boolean) ? parts.join('/') : undefined;
}

function cvssOf(version: string, vectorText: string | undefined, scoreText: string | undefined): Cvss {
  return compact({ version, vector: vectorText, score: cvssScore(scoreText) });
}

function knownExploitedOf(el: XmlElement | undefined): Record<string, unknown> | undefined {
  if (!el) return undefined;
  const keys = ['vendorProject', 'product', 'name', 'dateAdded', 'description', 'requiredAction', 'dueDate', 'notes'];
  return compact(Object.fromEntries(keys.map((k) => [k, textOf(el, k)])));
}

function nonEmpty<T>(list: T[]): T[] | undefined {
  return list.length > 0 ? list : undefined;
}
