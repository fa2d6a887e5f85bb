/** A parser made to fail as a bug in Entente's own code would: a TypeError half-way through a report it reads fine. */
import { parserByFormat } from '../../src/imports/parsers/index.ts';

/** Makes the `format` parser throw a TypeError after its first finding; returns what puts it back. */
export function breakParser(format: string): () => void {
  const parser = parserByFormat(format);
  const parse = parser.parse;
  parser.parse = async function* (input, context) {
    for await (const f of parse.call(parser, input, context)) {
      yield f;
      const missing = (f.detail as Record<string, { line: number }> | undefined)?.['no-such-field'];
      yield { ...f, ruleId: String(missing!.line) }; // reads a property of undefined: a TypeError
    }
  };
  return () => {
    parser.parse = parse;
  };
}
