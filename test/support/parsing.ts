/** Shared by the parser tests: a report held in memory, the refusal a broken one must get, and the fuzzers' mutations. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import fc from 'fast-check';
import { EntenteError } from '../../src/errors.ts';
import type { ReportInput } from '../../src/imports/types.ts';

/** A report as the import sees it, from text. */
export function reportInput(text: string, name: string): ReportInput {
  return { name, head: text.slice(0, 4096), text: async () => text, stream: () => Readable.from([text]) };
}

/** Runs `read` and returns the bad_input error it must end with (fails the test otherwise). */
export async function refusal(read: () => Promise<unknown>): Promise<EntenteError> {
  try {
    await read();
  } catch (e) {
    assert.ok(e instanceof EntenteError, `expected an EntenteError, got ${String(e)}`);
    assert.equal(e.code, 'bad_input');
    return e;
  }
  assert.fail('expected the report to be refused');
}

/** A report as the import sees it when it comes from a file: its stream gives bytes, in `chunk`-sized pieces if set. */
export function inputOf(name: string, text: string, chunk = 0): ReportInput {
  const parts =
    chunk > 0
      ? Array.from({ length: Math.ceil(text.length / chunk) }, (_, i) =>
          Buffer.from(text.slice(i * chunk, (i + 1) * chunk)),
        )
      : [Buffer.from(text)];
  return { name, head: text.slice(0, 4096), text: async () => text, stream: () => Readable.from(parts) };
}

/** A report whose stream gives strings, not bytes (as `reportInput`, name first). */
export function textInputOf(name: string, text: string): ReportInput {
  return reportInput(text, name);
}

/** Rethrows anything but a bad_input error: what a parser may throw on input it did not expect. */
export function expectBadInput(e: unknown): void {
  if (!(e instanceof EntenteError) || e.code !== 'bad_input') throw e;
}

/** For `assert.rejects`: a bad_input error whose message matches `pattern`. */
export function badInputError(pattern: RegExp): (e: unknown) => boolean {
  return (e) => e instanceof EntenteError && e.code === 'bad_input' && pattern.test(e.message);
}

/** A copy of `doc` with the n-th node (depth-first, wrapping round) replaced by `value`. */
export function mutate(doc: unknown, n: number, value: unknown): unknown {
  const copy: unknown = structuredClone(doc);
  const slots: Array<[Record<string, unknown> | unknown[], string | number]> = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v))
      v.forEach((x, i) => {
        slots.push([v, i]);
        walk(x);
      });
    else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        slots.push([v as Record<string, unknown>, k]);
        walk(x);
      }
  };
  walk(copy);
  const slot = slots[n % Math.max(slots.length, 1)];
  if (slot) (slot[0] as Record<string | number, unknown>)[slot[1]] = value;
  return copy;
}

/** Every place in a JSON value where a value sits (object members and array elements), depth-first. */
export function valueSlots(
  v: unknown,
  out: { parent: Record<string, unknown>; key: string }[] = [],
): { parent: Record<string, unknown>; key: string }[] {
  if (v === null || typeof v !== 'object') return out;
  const parent = v as Record<string, unknown>;
  for (const key of Object.keys(parent)) {
    out.push({ parent, key });
    valueSlots(parent[key], out);
  }
  return out;
}

/** A parser under fuzzing: how to read a text, and the real-shaped reports its mutations start from. */
export interface FuzzTarget {
  parse: (text: string) => Promise<unknown>;
  /** Real-shaped reports to mutate; each run mutates one of them. */
  seeds: string[];
  /** JSON (or JSON Lines) reports to put a value of the wrong shape into, anywhere: `true` for the seeds. */
  json?: boolean | string[];
  /** What the mutated test calls these reports ("mutated exports never throw…"); targets with the same word share one test. */
  reports?: string;
  /** Runs of the mutated test for this target (default: `runs.mutated`). */
  runs?: number;
}

export interface RobustnessOptions {
  /** One test for random and mutated input ("random and mutated input never throws…"), as the JSON parsers name it. */
  together?: boolean;
  /** Names the tests "…, quickly" and reads each input within `within` ms (2000 unless set). */
  quickly?: boolean;
  /** Each input must be read within this many ms. */
  within?: number;
  /** Where the wrong shapes go, in the test's name ("anywhere on any line"). */
  where?: string;
  runs?: { random?: number; mutated?: number; shapes?: number };
}

/** An edit of a text: `cut` characters at `at` replaced by `insert`. */
const mutation = fc.record({ at: fc.nat(), cut: fc.nat({ max: 40 }), insert: fc.string({ maxLength: 12 }) });
const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 });
function edit(text: string, m: { at: number; cut: number; insert: string }): string {
  const at = m.at % (text.length + 1);
  return text.slice(0, at) + m.insert + text.slice(at + m.cut);
}

/** Values of every JSON shape, to put where another shape belongs. */
const shapes = fc.constantFrom(null, 1, -1, 's', '', [], {}, true, [1], [{}], { a: [] }, [null]);

/** A JSON document, or a JSON Lines file, as documents. */
function jsonDocs(text: string): unknown[] {
  try {
    return [JSON.parse(text) as unknown];
  } catch {
    return text.split('\n').map((l) => JSON.parse(l) as unknown);
  }
}

/** Reads `text` with `parse`: a bad_input error is fine, anything else (or taking longer than `within` ms) fails. */
export async function onlyBadInput(
  parse: (text: string) => Promise<unknown>,
  text: string,
  within?: number,
): Promise<void> {
  const started = Date.now();
  try {
    await parse(text);
  } catch (e) {
    assert.ok(e instanceof EntenteError && e.code === 'bad_input', `unexpected ${String(e)}`);
  }
  if (within !== undefined) assert.ok(Date.now() - started < within, 'took too long');
}

/**
 * Declares a parser's robustness tests: random text, its real-shaped reports mutated (cut, inserted into), and for
 * JSON a value of the wrong shape anywhere, each never throwing anything but bad_input. Several targets: random text
 * goes to every parser, each target's reports to its own.
 */
export function robustnessTests(targets: FuzzTarget | FuzzTarget[], opts: RobustnessOptions = {}): void {
  const all = Array.isArray(targets) ? targets : [targets];
  const within = opts.within ?? (opts.quickly ? 2000 : undefined);
  const quickly = opts.quickly ? ', quickly' : '';
  const check = (parse: FuzzTarget['parse'], text: string): Promise<void> => onlyBadInput(parse, text, within);
  const parsers = [...new Set(all.map((t) => t.parse))];
  const random = (): Promise<void> =>
    fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (s) => {
        for (const parse of parsers) await check(parse, s);
      }),
      { numRuns: opts.runs?.random ?? 300 },
    );
  const mutated = async (group: FuzzTarget[]): Promise<void> => {
    for (const { parse, seeds, runs } of group) {
      await fc.assert(
        fc.asyncProperty(fc.nat(), mutations, (k, ms) => check(parse, ms.reduce(edit, seeds[k % seeds.length]!))),
        { numRuns: runs ?? opts.runs?.mutated ?? 400 },
      );
    }
  };

  if (opts.together) {
    test('random and mutated input never throws anything but bad_input', async () => {
      await random();
      await mutated(all);
    });
  } else {
    test(`random text never throws anything but bad_input${quickly}`, random);
    const groups = new Map<string, FuzzTarget[]>();
    for (const t of all) groups.set(t.reports ?? 'reports', [...(groups.get(t.reports ?? 'reports') ?? []), t]);
    for (const [reports, group] of groups)
      test(`mutated ${reports} never throw anything but bad_input${quickly}`, () => mutated(group));
  }

  const json = all.flatMap((t) => (t.json === true ? t.seeds : t.json || []).map((text) => ({ parse: t.parse, text })));
  if (json.length) {
    test(`valid JSON of the wrong shape ${opts.where ?? 'anywhere'} never throws anything but bad_input`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat(), fc.nat(), fc.nat(), shapes, async (r, l, k, shape) => {
          const { parse, text } = json[r % json.length]!;
          const docs = jsonDocs(text);
          const slots = valueSlots(docs[l % docs.length]);
          const slot = slots[k % Math.max(1, slots.length)];
          if (slot) slot.parent[slot.key] = shape;
          await check(parse, docs.map((d) => JSON.stringify(d)).join('\n'));
        }),
        { numRuns: opts.runs?.shapes ?? 500 },
      );
    });
  }
}

/**
 * For parsers of JSON documents (`parse` takes a document or its text): never anything but bad_input on one of `seeds`
 * with any node swapped for any JSON value, nor on its text cut anywhere. `inspect` looks at what a mutated document
 * gave when it was read.
 */
export async function mutatedOrCutNeverThrow<T>(
  parse: (doc: unknown) => Promise<T>,
  seeds: unknown[],
  opts: { runs?: number; inspect?: (found: T) => void } = {},
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.nat(), fc.nat(), fc.jsonValue(), fc.nat(), async (which, at, value, cut) => {
      const mutated = mutate(seeds[which % seeds.length], at, value);
      const found = await parse(mutated).then(
        (f) => ({ f }),
        (e: unknown) => expectBadInput(e),
      );
      if (found) opts.inspect?.(found.f);
      const text = JSON.stringify(mutated);
      await parse(text.slice(0, cut % (text.length + 1))).catch(expectBadInput);
    }),
    { numRuns: opts.runs ?? 400 },
  );
}
