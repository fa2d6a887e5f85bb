/**
 * The top-level members of a JSON object read from a report's first and last bytes, without reading the rest: what
 * a format is recognised by when its words can appear anywhere inside (a SARIF log carries its tool's own keys in
 * properties, messages and rules, and writers put `runs` first and `version` last as often as the other way round).
 */

/** What a member's value is: its kind, and the text of a string value (short ones only). */
export interface Member {
  kind: 'object' | 'array' | 'string' | 'number' | 'literal';
  text?: string;
}

/** The members of the top-level object seen in the head (read forwards) and the tail (read backwards). */
export type TopLevel = Map<string, Member>;

const maxText = 512;

/** The top-level members visible in `head` and `tail`, or undefined when the document is not a JSON object. A member
 * whose key or value is cut by the end of the head (or the start of the tail) is kept only if its key and kind are
 * known. */
export function topLevelOf(head: string, tail = ''): TopLevel | undefined {
  const h = head.replace(/^\uFEFF/, '');
  const start = skipSpace(h, 0);
  if (h[start] !== '{') return undefined;
  const members: TopLevel = new Map();
  forwards(h, start + 1, members);
  backwards(tail, members);
  return members;
}

function forwards(s: string, from: number, out: TopLevel): void {
  let i = skipSpace(s, from);
  for (;;) {
    if (s[i] !== '"') return;
    const keyEnd = stringEnd(s, i);
    if (keyEnd < 0) return;
    const key = unquote(s.slice(i, keyEnd + 1));
    i = skipSpace(s, keyEnd + 1);
    if (s[i] !== ':' || key === undefined) return;
    i = skipSpace(s, i + 1);
    const c = s[i];
    if (c === undefined) return;
    if (c === '{' || c === '[') {
      out.set(key, { kind: c === '{' ? 'object' : 'array' });
      i = containerEnd(s, i);
      if (i < 0) return;
    } else if (c === '"') {
      const end = stringEnd(s, i);
      if (end < 0) return;
      out.set(key, stringMember(s.slice(i, end + 1)));
      i = end + 1;
    } else {
      const m = /^(-?[\d.eE+-]+|true|false|null)/.exec(s.slice(i, i + 64));
      if (!m) return;
      out.set(key, { kind: /^[-\d]/.test(m[1]!) ? 'number' : 'literal', text: m[1] });
      i += m[1]!.length;
    }
    i = skipSpace(s, i);
    if (s[i] !== ',') return;
    i = skipSpace(s, i + 1);
  }
}

// From the closing brace of the document backwards: value, colon, key, then a comma or the opening brace. An
// unescaped quote always delimits a string (quotes inside one are escaped), so strings can be found from their end.
function backwards(s: string, out: TopLevel): void {
  let i = skipSpaceBack(s, s.length - 1);
  if (s[i] !== '}') return;
  i = skipSpaceBack(s, i - 1);
  for (;;) {
    const c = s[i];
    if (c === undefined) return;
    let member: Member;
    if (c === '}' || c === ']') {
      member = { kind: c === '}' ? 'object' : 'array' };
      i = containerStart(s, i);
    } else if (c === '"') {
      const open = stringStart(s, i);
      if (open < 0) return;
      member = stringMember(s.slice(open, i + 1));
      i = open;
    } else {
      const m = /(-?[\d.eE+-]+|true|false|null)$/.exec(s.slice(Math.max(0, i - 63), i + 1));
      if (!m) return;
      member = { kind: /^[-\d]/.test(m[1]!) ? 'number' : 'literal', text: m[1] };
      i -= m[1]!.length - 1;
    }
    if (i < 0) return;
    i = skipSpaceBack(s, i - 1);
    if (s[i] !== ':') return;
    i = skipSpaceBack(s, i - 1);
    if (s[i] !== '"') return;
    const open = stringStart(s, i);
    if (open < 0) return;
    const key = unquote(s.slice(open, i + 1));
    if (key === undefined) return;
    if (!out.has(key)) out.set(key, member);
    i = skipSpaceBack(s, open - 1);
    if (s[i] !== ',') return;
    i = skipSpaceBack(s, i - 1);
  }
}

function stringMember(quoted: string): Member {
  return quoted.length <= maxText + 2 ? { kind: 'string', text: unquote(quoted) ?? '' } : { kind: 'string' };
}

function unquote(quoted: string): string | undefined {
  try {
    const v: unknown = JSON.parse(quoted);
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

const space = (c: string | undefined): boolean => c === ' ' || c === '\n' || c === '\r' || c === '\t';

function skipSpace(s: string, i: number): number {
  while (space(s[i])) i++;
  return i;
}

function skipSpaceBack(s: string, i: number): number {
  while (i >= 0 && space(s[i])) i--;
  return i;
}

// The index of the quote that closes the string opening at `open`, or -1 when the text ends first.
function stringEnd(s: string, open: number): number {
  for (let i = open + 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i;
  }
  return -1;
}

// The index of the quote that opens the string closing at `close`: the first quote before it with an even number of
// backslashes in front, or -1 when the text starts first. A quote with only backslashes between it and the start of
// the text may be escaped by one before the tail began: that is not known, so it is -1 too.
function stringStart(s: string, close: number): number {
  for (let i = close - 1; i >= 0; i--) {
    if (s[i] !== '"') continue;
    let j = i - 1;
    while (j >= 0 && s[j] === '\\') j--;
    if (j < 0) return -1;
    if ((i - 1 - j) % 2 === 0) return i;
  }
  return -1;
}

// The index after the bracket that closes the one at `open`, or -1 when the text ends first.
function containerEnd(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '"') {
      i = stringEnd(s, i);
      if (i < 0) return -1;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

// The index of the bracket that opens the one at `close`, or -1 when the text starts first.
function containerStart(s: string, close: number): number {
  let depth = 0;
  for (let i = close; i >= 0; i--) {
    const c = s[i];
    if (c === '"') {
      i = stringStart(s, i);
      if (i < 0) return -1;
    } else if (c === '}' || c === ']') depth++;
    else if (c === '{' || c === '[') {
      if (--depth === 0) return i;
    }
  }
  return -1;
}
