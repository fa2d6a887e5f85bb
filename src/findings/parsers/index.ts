/** The formats Entente reads, and how a report's format is found from its first bytes. */
import { EntenteError } from '../../errors.ts';
import type { ReportInput, ReportParser } from '../types.ts';
import { sarifParser } from './sarif.ts';
import { trivyParser } from './trivy.ts';
import { npmAuditParser } from './npm-audit.ts';
import { zapJsonParser, zapXmlParser } from './zap.ts';

/** Every parser, in detection order: the most specific signatures first, SARIF last among JSON formats. */
export const parsers: readonly ReportParser[] = [trivyParser, npmAuditParser, zapJsonParser, zapXmlParser, sarifParser];

/** The parser for a --format name; unknown names get the list of known ones. */
export function parserByFormat(format: string): ReportParser {
  const p = parsers.find((x) => x.format === format.toLowerCase());
  if (!p) {
    throw new EntenteError('unknown_format', `unknown format "${format}"; known formats: ${parsers.map((x) => x.format).join(', ')}`, { format });
  }
  return p;
}

/** The parser that recognises this report, or an error that says what the file looks like. */
export function detectParser(input: Pick<ReportInput, 'head' | 'name'>): ReportParser {
  const p = parsers.find((x) => x.detect(input.head, input.name));
  if (p) return p;
  throw new EntenteError('unknown_format', `${input.name}: ${describeHead(input.head)}; known formats: ${parsers.map((x) => x.format).join(', ')} (use --format to choose one)`, { file: input.name });
}

function describeHead(head: string): string {
  if (head.length === 0) return 'the file is empty';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000e-\u001f]/.test(head.slice(0, 512)) || head.includes('\ufffd')) return 'not a text report (it holds binary data)';
  const t = head.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) return 'a JSON document that matches no known report format';
  if (t.startsWith('<')) return 'an XML document that matches no known report format';
  return 'not a report format Entente recognises';
}
