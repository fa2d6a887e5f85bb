/**
 * Cppcheck's XML report (`cppcheck --xml`, format version 2; Cppcheck writes it to stderr).
 *
 * One finding per `<error>` whose severity is a problem in the code: error, warning, style, performance and
 * portability. "information" (missing includes, checker reports, unmatched suppressions), "debug" and "none"
 * are messages about the analysis itself, not weaknesses, so they are not findings.
 * An error's first `<location>` is where Cppcheck reports it (the dereference of a null pointer); the ones after
 * it are the path that leads there (where the pointer was set to NULL), kept in `detail.path`. Cppcheck's SARIF
 * output lists the same locations in the opposite order.
 */
import { badInput } from '../../errors.ts';
import type { Location, ParseContext, ParsedFinding, ReportInput, ReportParser, Severity } from '../types.ts';
import { compact, cwesFrom, lookup, normalisePath, num } from './common.ts';
import { attr, children, streamXml, xmlRootName, type XmlElement } from './xml.ts';

const tool = 'Cppcheck';
// Cppcheck's "error" is undefined behaviour it is sure of (out-of-bounds access, null dereference, leaks).
const severities: Record<string, Severity> = {
  error: 'high',
  warning: 'medium',
  style: 'low',
  performance: 'low',
  portability: 'low',
};
const notFindings = new Set(['information', 'debug', 'none', 'internal']);
const maxPath = 50;

/** Cppcheck's `--xml` report (`<results version="2"><cppcheck version/><errors><error …>`). */
export const cppcheckParser: ReportParser = {
  format: 'cppcheck',
  label: 'Cppcheck XML',
  tool,
  // <results> is a common root name, so the <cppcheck> element that always follows it must be there too.
  detect: (head) => xmlRootName(head) === 'results' && /<cppcheck[\s/>]/.test(head),
  parse: parseCppcheck,
};

async function* parseCppcheck(input: ReportInput, context?: ParseContext): AsyncGenerator<ParsedFinding> {
  const file = input.name;
  let version: string | undefined;
  let announced = false;
  const announce = (): void => {
    if (!announced) context?.tool(tool, version);
    announced = true;
  };
  const onRoot = (root: XmlElement): void => {
    if (root.name !== 'results') {
      throw badInput(
        `${file}: not a Cppcheck XML report: the root element is <${root.name}>, expected <results> (run cppcheck --xml)`,
        { file, line: root.line },
      );
    }
    const format = attr(root, 'version');
    if (format !== undefined && format !== '2') {
      throw badInput(
        `${file}: Cppcheck XML format version ${format}; Entente reads version 2 (the only one Cppcheck 2.x writes)`,
        { file, path: 'results@version', line: root.line },
      );
    }
  };
  const matches = streamXml(input.stream(), { name: file, collect: ['cppcheck', 'error'], onRoot });
  for await (const { element, ancestors } of matches) {
    if (element.name === 'cppcheck') {
      if (ancestors.length === 1) version = attr(element, 'version');
      continue;
    }
    const parent = ancestors[ancestors.length - 1]?.name;
    if (parent === 'results') {
      throw badInput(
        `${file}: Cppcheck XML format version 1 (an <error> at line ${element.line} outside <errors>); Entente reads version 2 (run cppcheck --xml)`,
        {
          file,
          line: element.line,
        },
      );
    }
    if (parent !== 'errors') continue;
    announce();
    const finding = toFinding(element, file, version);
    if (finding) yield finding;
  }
  announce();
}

function toFinding(el: XmlElement, file: string, version: string | undefined): ParsedFinding | undefined {
  const severity = attr(el, 'severity')?.toLowerCase();
  if (severity !== undefined && notFindings.has(severity)) return undefined;
  const id = attr(el, 'id');
  const msg = attr(el, 'msg');
  const where = `the <error> at line ${el.line}`;
  if (!id || !msg) throw badInput(`${file}: ${where} has no ${id ? 'msg' : 'id'} attribute`, { file, line: el.line });
  if (!severity) throw badInput(`${file}: ${where} (${id}) has no severity attribute`, { file, line: el.line });
  const level = lookup(severities, severity);
  if (!level) {
    throw badInput(
      `${file}: ${where} (${id}) has severity "${severity}"; Cppcheck writes error, warning, style, performance, portability or information`,
      {
        file,
        line: el.line,
      },
    );
  }
  const locations = children(el, 'location').map((l) => locationOf(l, file));
  const [primary, ...path] = locations;
  const verbose = attr(el, 'verbose');
  const cwe = attr(el, 'cwe');
  return compact<ParsedFinding>({
    tool,
    toolVersion: version,
    ruleId: id,
    kind: 'code',
    title: msg,
    description: verbose ?? msg,
    severity: level,
    aliases: [],
    cwes: cwesFrom(cwe).filter((n) => n > 0),
    location: primary?.location ?? compact<Location>({ file: normalisePath(attr(el, 'file0')) }),
    detail: compact({
      severity,
      inconclusive: attr(el, 'inconclusive') === 'true' ? true : undefined,
      info: primary?.info,
      file0: attr(el, 'file0'),
      hash: attr(el, 'hash'),
      symbols: listOrUndefined(
        children(el, 'symbol')
          .map((s) => s.text.trim())
          .filter(Boolean),
      ),
      path: listOrUndefined(path.slice(0, maxPath).map((p) => compact({ ...p.location, info: p.info }))),
      pathOmitted: path.length > maxPath ? path.length - maxPath : undefined,
    }),
  });
}

function locationOf(el: XmlElement, file: string): { location: Location; info: string | undefined } {
  const line = whole(attr(el, 'line'), 'line', el, file);
  const column = whole(attr(el, 'column'), 'column', el, file);
  const location = compact<Location>({
    file: normalisePath(attr(el, 'file')),
    line: line || undefined,
    column: line && column ? column : undefined,
  });
  return { location, info: attr(el, 'info') };
}

function whole(v: string | undefined, name: string, el: XmlElement, file: string): number | undefined {
  if (v === undefined) return undefined;
  const n = num(v);
  if (n === undefined || !Number.isInteger(n) || n < 0) {
    throw badInput(
      `${file}: the <location> at line ${el.line} has ${name}="${v.slice(0, 40)}", expected a whole number`,
      { file, line: el.line },
    );
  }
  return n;
}

function listOrUndefined<T>(list: T[]): T[] | undefined {
  return list.length > 0 ? list : undefined;
}
