/**
 * JSON text that PostgreSQL's json and jsonb accept, for any value. `JSON.stringify` writes two things PostgreSQL
 * refuses: a NUL character as `\u0000`, and a lone UTF-16 surrogate (half of a pair, which reports cut at the wrong
 * place do contain) as `\udXXX`. NULs are taken out and lone surrogates become U+FFFD, which is what writing the string
 * as UTF-8 makes of them anywhere else. Keys are cleaned as values are. An escape preceded by an odd number of
 * backslashes is a literal backslash followed by text, and stays.
 */
const refused = /(?<!\\)((?:\\\\)*)\\u(0000|d[89a-f][0-9a-f]{2})/g;

export function pgJson(value: unknown): string {
  const s = JSON.stringify(value);
  // A document with no \u escape at all (almost every one) is returned as it is.
  return s.includes('\\u')
    ? s.replace(refused, (_m, slashes: string, code: string) => (code === '0000' ? slashes : `${slashes}\\ufffd`))
    : s;
}
