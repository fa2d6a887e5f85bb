/**
 * Reads a JSON report from its stream without ever holding it whole: the elements of chosen arrays (a SARIF run's
 * results, a Trivy result's vulnerabilities) are handed out one at a time, and everything else is kept as the
 * document's skeleton, with those arrays empty. It reads the input twice: first the skeleton, so a parser knows a
 * SARIF run's tool and rules before its results wherever the writer put them; then the elements. A 500 MB report
 * is never one string (V8 cannot even make one that long).
 *
 * The scanner only finds where values start and end (strings, nesting, the commas between elements); each element
 * and the skeleton are then checked by JSON.parse, so what is valid is exactly what JSON.parse accepts. Errors name
 * the file, line and column in the original report.
 */
import { badInput } from '../../errors.ts';
import type { ReportInput } from '../types.ts';
import { jsonErrorPosition } from './common.ts';

export type JsonPath = readonly (string | number)[];
/** One element of a streamed array: the array's path, its index there, and the element. */
export interface JsonItem {
  path: JsonPath;
  index: number;
  value: unknown;
}

export interface SplitJson {
  /** The document with every streamed array empty. */
  skeleton: unknown;
  /** The streamed arrays' elements, in document order. */
  items(): AsyncGenerator<JsonItem>;
}

/** Which arrays are streamed, by their path (e.g. `["runs", 0, "results"]`). */
export type Streamed = (path: JsonPath) => boolean;

const maxDepth = 512;
const slice = 1 << 20; // big chunks (a whole HTTP body) are scanned a mebibyte at a time, so items flow out as they are found

/** Reads the skeleton now; `items()` streams the elements on demand (each call reads the input again). */
export async function splitJson(input: ReportInput, streamed: Streamed): Promise<SplitJson> {
  async function* items(): AsyncGenerator<JsonItem> {
    const reader = new Scanner(streamed, null);
    for await (const _ of scanned(input, reader)) {
      for (const raw of reader.drain())
        yield { path: raw.path, index: raw.index, value: await parseElement(input, raw) };
    }
  }
  const pieces: Buffer[] = [];
  const scanner = new Scanner(streamed, pieces);
  for await (const _ of scanned(input, scanner)) {
    /* the skeleton collects in pieces */
  }
  const text = Buffer.concat(pieces).toString('utf8');
  let skeleton: unknown;
  try {
    skeleton = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = jsonErrorPosition(msg, text);
    // A quote missing inside an element makes the rest of the file one string: reading the elements finds the one
    // that breaks, and throws its error.
    if (scanner.insideElement)
      for await (const _ of items()) {
        /* read on */
      }
    if (pos === undefined)
      throw await jsonError(input, msg, /Unexpected end/.test(msg) ? scanner.offset : undefined, true);
    // V8 names the token it expected when the text stops short ("Expected ',' or ']' after array element").
    const atEnd = pos >= text.trimEnd().length;
    throw await jsonError(input, msg, scanner.originalOffset(Buffer.byteLength(text.slice(0, pos))), atEnd);
  }
  return { skeleton, items };
}

/** Feeds the whole input to the scanner, yielding after each chunk; what the scanner finds wrong becomes bad input. */
async function* scanned(input: ReportInput, scanner: Scanner): AsyncGenerator<void> {
  try {
    for await (const part of chunksOf(input)) {
      scanner.feed(part);
      yield;
    }
    scanner.end();
    yield;
  } catch (e) {
    throw e instanceof StreamError ? await jsonError(input, e.message, e.offset, e.truncated) : e;
  }
}

async function* chunksOf(input: ReportInput): AsyncGenerator<Buffer> {
  let first = true;
  for await (const c of input.chunks ? input.chunks() : input.stream()) {
    let chunk = typeof c === 'string' ? Buffer.from(c, 'utf8') : (c as Buffer);
    if (first && chunk.length > 0) {
      // A byte-order mark is not JSON; the rest of the file is.
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
      first = false;
    }
    for (let i = 0; i < chunk.length; i += slice) yield chunk.subarray(i, i + slice);
  }
}

interface RawItem {
  path: JsonPath;
  index: number;
  bytes: Buffer;
  offset: number;
  cut?: boolean;
}

async function parseElement(input: ReportInput, raw: RawItem): Promise<unknown> {
  const text = raw.bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = jsonErrorPosition(msg, text) ?? (raw.cut ? text.length : undefined);
    const atEnd = raw.cut === true && pos !== undefined && pos >= text.trimEnd().length;
    throw await jsonError(
      input,
      msg,
      raw.offset + (pos === undefined ? 0 : Buffer.byteLength(text.slice(0, pos))),
      atEnd,
    );
  }
}

/** The bad-input error for invalid JSON at a byte offset of the original report, with its line and column. */
async function jsonError(
  input: ReportInput,
  msg: string,
  offset: number | undefined,
  truncated = false,
): Promise<Error> {
  const name = input.name;
  if (offset === undefined) return badInput(`${name}: not valid JSON: ${msg}`, { file: name });
  const { line, column } = await lineAndColumn(input, offset);
  const why = truncated ? ` (the file ends there: it looks truncated)` : '';
  return badInput(`${name}: not valid JSON at line ${line}, column ${column}${why}: ${msg}`, {
    file: name,
    line,
    column,
  });
}

async function lineAndColumn(input: ReportInput, offset: number): Promise<{ line: number; column: number }> {
  let line = 1;
  let lineStart = 0;
  let at = 0;
  for await (const chunk of chunksOf(input)) {
    const end = Math.min(chunk.length, offset - at);
    for (let i = chunk.indexOf(10, 0); i !== -1 && i < end; i = chunk.indexOf(10, i + 1)) {
      line++;
      lineStart = at + i + 1;
    }
    at += chunk.length;
    if (at >= offset) break;
  }
  return { line, column: offset - lineStart + 1 };
}

class StreamError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly truncated = false,
  ) {
    super(message);
  }
}

enum Mode {
  Structure,
  Between,
  Container,
  StringItem,
  ScalarItem,
}

/**
 * Finds value boundaries, one byte at a time, resumable at any chunk boundary. With `skeleton` set it copies every
 * byte outside the streamed arrays' elements there; without, it collects those elements for `drain()`.
 */
class Scanner {
  /** Bytes of the input seen before the current chunk. */
  offset = 0;
  // Open containers outside streamed elements: kind (0 object, 1 array), key or index, and for objects whether the
  // next string is a key.
  private kinds: number[] = [];
  private keys: (string | number)[] = [];
  private expectKey: boolean[] = [];
  private inString = false;
  private escape = false;
  private keyBytes: number[] | null = null;
  private mode = Mode.Structure;
  private depth = 0; // nesting inside the current element
  private needComma = false; // between elements: one was just read
  private afterComma = false;
  private index = 0;
  private path: JsonPath = [];
  private elementStart = 0; // absolute offset of the element being read
  private elementPieces: Buffer[] = [];
  private ready: RawItem[] = [];
  // Skeleton: where copying resumes in the current chunk (-1 while inside a streamed array), and the gaps left.
  private copyFrom = 0;
  private copied = 0;
  private gaps: { at: number; removed: number }[] = [];
  private gapStart = 0;

  constructor(
    private readonly streamed: Streamed,
    private readonly skeleton: Buffer[] | null,
  ) {}

  /** Reads the next chunk; throws StreamError (with the offset) for what is wrong between elements. */
  feed(chunk: Buffer): void {
    this.scan(chunk);
  }

  drain(): RawItem[] {
    const out = this.ready;
    this.ready = [];
    return out;
  }

  /** True when the input stopped inside a streamed array's element. */
  get insideElement(): boolean {
    return this.mode === Mode.Container || this.mode === Mode.StringItem;
  }

  /** The input is over: everything opened must have been closed. */
  end(): void {
    if (this.mode === Mode.ScalarItem) this.finish(null, this.offset);
    // An element cut short is handed out as it is, so JSON.parse says where it goes wrong.
    if (this.skeleton === null && this.insideElement) {
      this.ready.push({
        path: this.path,
        index: this.index,
        bytes: Buffer.concat(this.elementPieces),
        offset: this.elementStart,
        cut: true,
      });
      this.elementPieces = [];
      return;
    }
    const open = this.kinds.length > 0 || this.mode !== Mode.Structure || this.inString;
    // An unfinished skeleton is left for JSON.parse to describe; an unfinished element is the scanner's to report.
    if (open && this.skeleton === null)
      throw new StreamError('the file ends before its last value is closed', this.offset, true);
  }

  /** Maps a byte offset in the skeleton to the original report. */
  originalOffset(at: number): number {
    let out = at;
    for (const g of this.gaps) if (g.at <= at) out += g.removed;
    return out;
  }

  private scan(chunk: Buffer): void {
    const n = chunk.length;
    let i = 0;
    this.copyFrom = this.mode === Mode.Structure ? 0 : -1;
    while (i < n) {
      switch (this.mode) {
        case Mode.Structure:
          i = this.structure(chunk, i);
          break;
        case Mode.Between:
          i = this.between(chunk, i);
          break;
        case Mode.Container:
          i = this.container(chunk, i);
          break;
        case Mode.StringItem:
          i = this.stringItem(chunk, i);
          break;
        case Mode.ScalarItem:
          i = this.scalarItem(chunk, i);
          break;
      }
    }
    if (this.skeleton && this.copyFrom >= 0 && this.copyFrom < n) this.keep(chunk.subarray(this.copyFrom));
    // An element that goes on in the next chunk keeps what it has so far.
    if (
      this.skeleton === null
      && (this.mode === Mode.Container || this.mode === Mode.StringItem || this.mode === Mode.ScalarItem)
    ) {
      const from = Math.max(0, this.elementStart - this.offset);
      this.elementPieces.push(Buffer.from(chunk.subarray(from)));
    }
    this.offset += n;
  }

  private keep(bytes: Buffer): void {
    this.skeleton!.push(Buffer.from(bytes));
    this.copied += bytes.length;
  }

  // Outside streamed arrays: track containers and object keys; an array whose path is streamed starts its elements.
  private structure(chunk: Buffer, i: number): number {
    const n = chunk.length;
    for (; i < n; i++) {
      const c = chunk[i]!;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === 92) this.escape = true;
        else if (c === 34) {
          this.inString = false;
          if (this.keyBytes) this.setKey();
          continue;
        }
        this.keyBytes?.push(c);
        continue;
      }
      const top = this.kinds.length - 1;
      switch (c) {
        case 34:
          this.inString = true;
          if (top >= 0 && this.kinds[top] === 0 && this.expectKey[top]) this.keyBytes = [];
          break;
        case 123:
          this.push(0, '', i);
          break;
        case 91: {
          this.push(1, 0, i);
          const path = this.keys.slice(0, -1);
          if (this.streamed(path)) {
            this.path = path;
            this.index = 0;
            this.needComma = false;
            this.afterComma = false;
            this.mode = Mode.Between;
            if (this.skeleton) {
              if (this.copyFrom >= 0) this.keep(chunk.subarray(this.copyFrom, i + 1));
              this.copyFrom = -1;
              this.gapStart = this.offset + i + 1;
            }
            return i + 1;
          }
          break;
        }
        case 125:
        case 93:
          this.pop(c === 125 ? 0 : 1);
          break;
        case 44:
          if (top >= 0) {
            if (this.kinds[top] === 0) this.expectKey[top] = true;
            else this.keys[top] = (this.keys[top] as number) + 1;
          }
          break;
      }
    }
    return i;
  }

  private setKey(): void {
    const bytes = this.keyBytes!;
    this.keyBytes = null;
    const top = this.kinds.length - 1;
    const raw = Buffer.from(bytes).toString('utf8');
    let key = raw;
    if (raw.includes('\\')) {
      try {
        key = JSON.parse(`"${raw}"`) as string;
      } catch {
        // JSON.parse of the skeleton will say what is wrong with it.
      }
    }
    this.keys[top] = key;
    this.expectKey[top] = false;
  }

  private push(kind: number, key: string | number, i: number): void {
    if (this.kinds.length >= maxDepth) throw new StreamError(`nested deeper than ${maxDepth} levels`, this.offset + i);
    this.kinds.push(kind);
    this.keys.push(key);
    this.expectKey.push(kind === 0);
  }

  private pop(kind: number): void {
    const top = this.kinds.length - 1;
    // A stray or mismatched bracket is left for JSON.parse of the skeleton to place exactly.
    if (top < 0 || this.kinds[top] !== kind) return;
    this.kinds.pop();
    this.keys.pop();
    this.expectKey.pop();
  }

  // Inside a streamed array, between its elements.
  private between(chunk: Buffer, i: number): number {
    const n = chunk.length;
    for (; i < n; i++) {
      const c = chunk[i]!;
      if (c === 32 || c === 10 || c === 13 || c === 9) continue;
      const at = this.offset + i;
      if (c === 44) {
        if (!this.needComma) throw new StreamError(`unexpected "," in ${pathText(this.path)}`, at);
        this.needComma = false;
        this.afterComma = true;
        continue;
      }
      if (c === 93) {
        if (this.afterComma) throw new StreamError(`a "," before the "]" that closes ${pathText(this.path)}`, at);
        this.pop(1);
        this.mode = Mode.Structure;
        if (this.skeleton) {
          this.copyFrom = i;
          this.gaps.push({ at: this.copied, removed: at - this.gapStart });
        }
        return i + 1; // the array's frame is closed here; the skeleton copies the "]" from copyFrom
      }
      if (this.needComma)
        throw new StreamError(`expected "," or "]" after element ${this.index - 1} of ${pathText(this.path)}`, at);
      this.afterComma = false;
      this.elementStart = at;
      this.elementPieces = [];
      if (c === 123 || c === 91) {
        this.depth = 1;
        this.inString = false;
        this.escape = false;
        this.mode = Mode.Container;
      } else if (c === 34) {
        this.escape = false;
        this.mode = Mode.StringItem;
      } else {
        this.mode = Mode.ScalarItem;
      }
      return i + 1;
    }
    return i;
  }

  // Inside an object or array element: only strings and nesting matter until it closes.
  private container(chunk: Buffer, i: number): number {
    const n = chunk.length;
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escape;
    for (; i < n; i++) {
      const c = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92) escaped = true;
        else if (c === 34) inString = false;
      } else if (c === 34) inString = true;
      else if (c === 123 || c === 91) {
        if (++depth > maxDepth) throw new StreamError(`nested deeper than ${maxDepth} levels`, this.offset + i);
      } else if ((c === 125 || c === 93) && --depth === 0) {
        this.inString = false;
        this.finish(chunk, i + 1);
        return i + 1;
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escape = escaped;
    return i;
  }

  private stringItem(chunk: Buffer, i: number): number {
    const n = chunk.length;
    for (; i < n; i++) {
      const c = chunk[i]!;
      if (this.escape) this.escape = false;
      else if (c === 92) this.escape = true;
      else if (c === 34) {
        this.finish(chunk, i + 1);
        return i + 1;
      }
    }
    return i;
  }

  private scalarItem(chunk: Buffer, i: number): number {
    const n = chunk.length;
    for (; i < n; i++) {
      const c = chunk[i]!;
      if (c === 44 || c === 93 || c === 32 || c === 10 || c === 13 || c === 9) {
        this.finish(chunk, i);
        return i;
      }
    }
    return i;
  }

  /** The element ends before `end` (an index into `chunk`; without a chunk, the input ended it). */
  private finish(chunk: Buffer | null, end: number): void {
    this.mode = Mode.Between;
    this.needComma = true;
    this.collect(chunk, end);
  }

  private collect(chunk: Buffer | null, end: number): void {
    const index = this.index++;
    if (this.skeleton) return;
    const from = Math.max(0, this.elementStart - this.offset);
    if (chunk) this.elementPieces.push(chunk.subarray(from, end));
    const bytes = this.elementPieces.length === 1 ? this.elementPieces[0]! : Buffer.concat(this.elementPieces);
    this.elementPieces = [];
    this.ready.push({ path: this.path, index, bytes, offset: this.elementStart });
  }
}

/** A path as people write it: `runs[0].results`, `Results[2]`. */
export function pathText(path: JsonPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || 'the top level';
}
