/**
 * A small, hostile-input-safe XML reader shared by the XML report parsers (ZAP, Nessus, OpenVAS, Burp, …).
 *
 * Built on saxes, which never fetches anything and never expands entities declared in a DOCTYPE: only
 * the five predefined entities and numeric character references are read, and any other reference
 * (`&xxe;`, billion-laughs `&lol9;`) is a bad_input error. Nesting is capped, and every error says which
 * file, line and column. Two ways in: `parseXml` builds the whole tree of a small document, and
 * `streamXml` hands over each completed element of the names asked for, so a huge report is never
 * held whole.
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { badInput, EntenteError } from '../../errors.ts';

/** One element: its name, attributes, child elements, own text (CDATA included) and starting line. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
  line: number;
}

/** A completed element handed over by `streamXml`, with its ancestors (outermost first, without children). */
export interface XmlMatch {
  element: XmlElement;
  ancestors: readonly XmlElement[];
}

/** How to read: the file name for messages, the nesting cap, and elements to drop with all they hold. */
export interface XmlReadOptions {
  name: string;
  maxDepth?: number;
  /** Element names whose whole subtree is dropped unread (e.g. ZAP's HTTP response bodies). */
  skip?: readonly string[];
}

/** Options of `streamXml`: which element names to hand over, and a check run when the root opens. */
export interface XmlStreamOptions extends XmlReadOptions {
  collect: readonly string[];
  /** Called with the root element (attributes only) as soon as it opens; may throw to stop early. */
  onRoot?: (root: XmlElement) => void;
}

/** The default nesting cap: far deeper than any report, far shallower than a stack-exhaustion attack. */
const defaultMaxDepth = 200;

type Mode = 'outside' | 'kept' | 'skipped';
interface Frame {
  el: XmlElement;
  mode: Mode;
}
type Collect = (name: string, depth: number) => boolean;

/** Parses a whole XML document into its root element; throws bad_input saying where it is not well-formed. */
export function parseXml(text: string, options: XmlReadOptions): XmlElement {
  const reader = new TreeReader({ ...options, collect: (_n, depth) => depth === 1 });
  reader.write(text.startsWith('\uFEFF') ? text.slice(1) : text);
  reader.close();
  const root = reader.take()[0]?.element;
  if (!root) throw badInput(`${options.name}: no XML root element`, { file: options.name });
  return root;
}

/** Reads XML from chunks (a Node stream or strings) and yields each completed element named in `collect`. */
export async function* streamXml(
  source: AsyncIterable<string | Uint8Array>,
  options: XmlStreamOptions,
): AsyncGenerator<XmlMatch> {
  const names = new Set(options.collect);
  const reader = new TreeReader({ ...options, collect: (name) => names.has(name) });
  const decoder = new TextDecoder('utf-8');
  let first = true;
  for await (const chunk of source) {
    let s = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (first && s.length > 0) {
      if (s.startsWith('\uFEFF')) s = s.slice(1);
      first = false;
    }
    reader.write(s);
    yield* reader.take();
  }
  reader.write(decoder.decode());
  reader.close();
  yield* reader.take();
}

/** Turns saxes events into elements, keeping only the subtrees asked for. */
class TreeReader {
  private readonly parser = new SaxesParser({ xmlns: false, position: true });
  private readonly stack: Frame[] = [];
  private readonly done: XmlMatch[] = [];
  private readonly skip: ReadonlySet<string>;
  private readonly maxDepth: number;
  private startLine = 1;

  constructor(private readonly opts: XmlReadOptions & { collect: Collect; onRoot?: (root: XmlElement) => void }) {
    this.skip = new Set(opts.skip ?? []);
    this.maxDepth = opts.maxDepth ?? defaultMaxDepth;
    const p = this.parser;
    p.on('error', (e) => {
      throw wellFormednessError(e, opts.name);
    });
    p.on('opentagstart', () => {
      this.startLine = p.line;
    });
    p.on('opentag', (tag) => this.onOpen(tag));
    p.on('closetag', () => this.onClose());
    p.on('text', (t) => this.onText(t));
    p.on('cdata', (t) => this.onText(t));
  }

  /** Feeds a chunk of text; throws bad_input on the first well-formedness error. */
  write(chunk: string): void {
    this.guard(() => this.parser.write(chunk));
  }

  /** Ends the document; throws bad_input when it is truncated (unclosed tags, no root). */
  close(): void {
    this.guard(() => this.parser.close());
  }

  /** The elements completed since the last call. */
  take(): XmlMatch[] {
    return this.done.splice(0, this.done.length);
  }

  private guard(run: () => void): void {
    try {
      run();
    } catch (e) {
      if (e instanceof EntenteError) throw e;
      // saxes is not expected to throw anything but its own errors; never let another type escape.
      throw badInput(`${this.opts.name}: could not read the XML: ${(e as Error)?.message ?? String(e)}`, {
        file: this.opts.name,
      });
    }
  }

  private onOpen(tag: SaxesTagPlain): void {
    const depth = this.stack.length + 1;
    if (depth > this.maxDepth) {
      const { name } = this.opts;
      throw badInput(`${name}: XML nested deeper than ${this.maxDepth} levels at line ${this.parser.line}`, {
        file: name,
        line: this.parser.line,
      });
    }
    const parent = this.stack[this.stack.length - 1];
    const el: XmlElement = {
      name: tag.name,
      attrs: Object.fromEntries(Object.entries(tag.attributes)),
      children: [],
      text: '',
      line: this.startLine,
    };
    const mode = modeOf(parent?.mode, this.skip.has(tag.name), this.opts.collect(tag.name, depth));
    if (mode === 'kept' && parent?.mode === 'kept') parent.el.children.push(el);
    this.stack.push({ el, mode });
    if (depth === 1) this.opts.onRoot?.(el);
  }

  private onClose(): void {
    const frame = this.stack.pop();
    if (frame?.mode !== 'kept') return;
    const parent = this.stack[this.stack.length - 1];
    if (parent?.mode !== 'kept') this.done.push({ element: frame.el, ancestors: this.stack.map((f) => f.el) });
  }

  private onText(t: string): void {
    const top = this.stack[this.stack.length - 1];
    if (top?.mode === 'kept') top.el.text += t;
  }
}

function modeOf(parent: Mode | undefined, skipped: boolean, collected: boolean): Mode {
  if (parent === 'skipped' || skipped) return 'skipped';
  if (parent === 'kept' || collected) return 'kept';
  return 'outside';
}

const entityHint =
  ' (entities declared in a DOCTYPE are never expanded; only &lt; &gt; &amp; &quot; &apos; and numeric references are read)';

function wellFormednessError(e: Error, name: string): EntenteError {
  const m = /^(\d+):(\d+): ([\s\S]*)$/.exec(e.message);
  if (!m) return badInput(`${name}: not well-formed XML: ${e.message}`, { file: name });
  const [line, column, reason] = [Number(m[1]), Number(m[2]), m[3] ?? ''];
  const hint = /entity/.test(reason) && !/character entity/.test(reason) ? entityHint : '';
  return badInput(
    `${name}: not well-formed XML at line ${line}, column ${column}: ${reason}${hint}${endHint(reason)}`,
    {
      file: name,
      line,
      column,
      reason,
    },
  );
}

function endHint(reason: string): string {
  if (/^(unclosed tag|unexpected end)/.test(reason)) return ' (the file looks truncated)';
  if (/^document must contain/.test(reason)) return ' (the file is empty or holds no element)';
  return '';
}

/** The first direct child with this name, if any. */
export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

/** All direct children with this name (all children when no name is given). */
export function children(el: XmlElement | undefined, name?: string): XmlElement[] {
  if (!el) return [];
  return name === undefined ? el.children : el.children.filter((c) => c.name === name);
}

/** The elements at a slash-separated path of child names below `el`, e.g. "alerts/alertitem". */
export function select(el: XmlElement | undefined, path: string): XmlElement[] {
  let level = el ? [el] : [];
  for (const step of path.split('/').filter(Boolean)) level = level.flatMap((e) => children(e, step));
  return level;
}

/** The trimmed text of the first direct child with this name, or undefined when absent or blank. */
export function textOf(el: XmlElement | undefined, name: string): string | undefined {
  const t = child(el, name)?.text.trim();
  return t ? t : undefined;
}

/** An attribute's trimmed value, or undefined when absent or blank. */
export function attr(el: XmlElement | undefined, name: string): string | undefined {
  const v = el && Object.hasOwn(el.attrs, name) ? el.attrs[name]?.trim() : undefined;
  return v ? v : undefined;
}

/**
 * The name of the root element as far as the first bytes show it, skipping the XML declaration,
 * processing instructions, comments and a DOCTYPE; undefined when the head is cut before it.
 */
export function xmlRootName(head: string): string | undefined {
  let s = head.replace(/^\uFEFF/, '');
  for (;;) {
    s = s.trimStart();
    if (s.startsWith('<?')) s = after(s, '?>');
    else if (s.startsWith('<!--')) s = after(s, '-->');
    else if (s.startsWith('<!')) s = afterDoctype(s);
    else break;
  }
  const m = /^<([A-Za-z_][\w.:-]*)/.exec(s);
  return m?.[1];
}

function after(s: string, end: string): string {
  const i = s.indexOf(end);
  return i < 0 ? '' : s.slice(i + end.length);
}

function afterDoctype(s: string): string {
  const open = s.indexOf('[');
  const close = s.indexOf('>');
  if (open >= 0 && (close < 0 || open < close)) return after(after(s, ']'), '>');
  return after(s, '>');
}
