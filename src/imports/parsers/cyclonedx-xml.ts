/**
 * CycloneDX XML BOMs with vulnerabilities, read into the model `cyclonedx.ts` turns into findings: the 1.4+
 * `<vulnerabilities>` with `<affects>`, and the older vulnerability extension
 * (`xmlns:v="http://cyclonedx.org/schema/ext/vulnerability/1.0"`), whose `<v:vulnerability>` sits inside its
 * component or at the top with a `ref` attribute. Elements are matched by local name, whatever the prefix.
 */
import { badInput } from '../../errors.ts';
import type { ParseContext, ParsedFinding, ReportInput, ReportParser } from '../types.ts';
import { cwesFrom, num } from './common.ts';
import { parseXml, xmlRootName, type XmlElement } from './xml.ts';
import { findingsOfBom, type CdxBom, type CdxComponent, type CdxTool, type CdxVulnerability } from './cyclonedx.ts';

/** Subtrees that never hold anything findings are made of; dropped unread. */
const skipped = [
  'hashes',
  'licenses',
  'externalReferences',
  'evidence',
  'pedigree',
  'dependencies',
  'compositions',
  'signature',
  'annotations',
  'formulation',
];

/** CycloneDX XML BOMs (1.0–1.6), with 1.4+ vulnerabilities or the v1 vulnerability extension. */
export const cyclonedxXmlParser: ReportParser = {
  format: 'cyclonedx-xml',
  label: 'CycloneDX XML (BOM with vulnerabilities)',
  detect: (head) => localName(xmlRootName(head) ?? '') === 'bom' && /cyclonedx\.org\/schema\/bom/.test(head),
  parse: parseCycloneDxXml,
};

async function* parseCycloneDxXml(input: ReportInput, context?: ParseContext): AsyncGenerator<ParsedFinding> {
  const name = input.name;
  const root = parseXml(await input.text(), { name, skip: skipped });
  if (localName(root.name) !== 'bom') {
    throw badInput(`${name}: not a CycloneDX BOM: the root element is <${root.name}>, expected <bom>`, {
      file: name,
      line: root.line,
    });
  }
  yield* findingsOfBom(bomFromXml(root, name), context);
}

function bomFromXml(root: XmlElement, name: string): CdxBom {
  const metadata = kid(root, 'metadata');
  const subject = kid(metadata, 'component');
  const components = new Map<string, CdxComponent>();
  const vulnerabilities: CdxVulnerability[] = [];
  if (subject) collect([subject], components, vulnerabilities, name);
  collect(kids(kid(root, 'components'), 'component'), components, vulnerabilities, name);
  for (const v of kids(kid(root, 'vulnerabilities'), 'vulnerability'))
    vulnerabilities.push(vulnFromXml(v, name, undefined));
  return {
    tools: toolsOf(kid(metadata, 'tools')),
    subject: text(subject, 'name'),
    specVersion: /cyclonedx\.org\/schema\/bom\/(\d+(\.\d+)?)/.exec(Object.values(root.attrs).join(' '))?.[1],
    components,
    vulnerabilities,
  };
}

/** Components with a bom-ref, nested ones included, and the extension's vulnerabilities nested in them. */
function collect(
  list: XmlElement[],
  into: Map<string, CdxComponent>,
  vulns: CdxVulnerability[],
  name: string,
  depth = 0,
): void {
  if (depth > 50) return;
  for (const el of list) {
    const n = text(el, 'name');
    const ref = el.attrs['bom-ref']?.trim() || undefined;
    const comp: CdxComponent | undefined = n
      ? { name: n, group: text(el, 'group'), version: text(el, 'version'), purl: text(el, 'purl'), ref }
      : undefined;
    if (comp && ref) into.set(ref, comp);
    for (const v of kids(kid(el, 'vulnerabilities'), 'vulnerability')) {
      if (!comp)
        throw badInput(
          `${name}: the component holding the vulnerability at line ${v.line} has no <name> (line ${el.line})`,
          { file: name, line: el.line },
        );
      vulns.push(vulnFromXml(v, name, comp));
    }
    collect(kids(kid(el, 'components'), 'component'), into, vulns, name, depth + 1);
  }
}

function vulnFromXml(v: XmlElement, name: string, component: CdxComponent | undefined): CdxVulnerability {
  const id = text(v, 'id');
  if (!id) throw badInput(`${name}: the vulnerability at line ${v.line} has no <id>`, { file: name, line: v.line });
  const source = kid(v, 'source');
  const analysis = kid(v, 'analysis');
  const ref = v.attrs.ref?.trim();
  const targets = kids(kid(v, 'affects'), 'target');
  return {
    where: `line ${v.line}`,
    id,
    source: source ? { name: text(source, 'name') ?? source.attrs.name?.trim(), url: text(source, 'url') } : undefined,
    references: kids(kid(v, 'references'), 'reference').map((r) => ({
      id: text(r, 'id'),
      url: text(kid(r, 'source'), 'url'),
    })),
    ratings: kids(kid(v, 'ratings'), 'rating').map((r) => ({
      source: text(kid(r, 'source'), 'name'),
      // 1.4+ writes <score>9.8</score>; the extension writes <score><base>9.8</base>…</score>.
      score: num(text(r, 'score')) ?? num(text(kid(r, 'score'), 'base')),
      severity: text(r, 'severity'),
      method: text(r, 'method'),
      vector: text(r, 'vector'),
    })),
    cwes: cwesFrom(kids(kid(v, 'cwes'), 'cwe').map((c) => c.text.trim())),
    description: text(v, 'description'),
    detail: text(v, 'detail'),
    recommendation:
      text(v, 'recommendation')
      ?? (kids(kid(v, 'recommendations'), 'recommendation')
        .map((r) => r.text.trim())
        .filter(Boolean)
        .join('\n')
        || undefined),
    advisories: kids(kid(v, 'advisories'), 'advisory')
      .map((a) => text(a, 'url') ?? a.text.trim())
      .filter((u) => u !== ''),
    published: text(v, 'published'),
    updated: text(v, 'updated'),
    analysis: analysis
      ? {
          state: text(analysis, 'state'),
          justification: text(analysis, 'justification'),
          responses: kids(kid(analysis, 'responses'), 'response')
            .map((r) => r.text.trim())
            .filter(Boolean),
          detail: text(analysis, 'detail'),
        }
      : undefined,
    affects: component
      ? [{ component, versions: [] }]
      : targets.length
        ? targets.map((t) => {
            const tref = text(t, 'ref');
            if (!tref)
              throw badInput(`${name}: the affects target at line ${t.line} has no <ref>`, {
                file: name,
                line: t.line,
              });
            const versions = kids(kid(t, 'versions'), 'version').map((x) => ({
              version: text(x, 'version'),
              range: text(x, 'range'),
              status: text(x, 'status'),
            }));
            return { ref: tref, versions };
          })
        : ref
          ? [{ ref, versions: [] }]
          : [],
    properties: kids(kid(v, 'properties'), 'property').map((p) => ({
      name: p.attrs.name?.trim(),
      value: p.text.trim() || undefined,
    })),
    tools: toolsOf(kid(v, 'tools')),
  };
}

/** <tool> elements (up to 1.4) or <components>/<services> (1.5+). */
function toolsOf(el: XmlElement | undefined): CdxTool[] {
  const all = [
    ...kids(el, 'tool'),
    ...kids(kid(el, 'components'), 'component'),
    ...kids(kid(el, 'services'), 'service'),
  ];
  return all.flatMap((t) => {
    const n = text(t, 'name');
    return n ? [{ name: n, version: text(t, 'version') }] : [];
  });
}

function localName(n: string): string {
  const i = n.indexOf(':');
  return i < 0 ? n : n.slice(i + 1);
}

function kids(el: XmlElement | undefined, local: string): XmlElement[] {
  return el ? el.children.filter((c) => localName(c.name) === local) : [];
}

function kid(el: XmlElement | undefined, local: string): XmlElement | undefined {
  return el?.children.find((c) => localName(c.name) === local);
}

function text(el: XmlElement | undefined, local: string): string | undefined {
  const t = kid(el, local)?.text.trim();
  return t ? t : undefined;
}
