/** Shared by the parser tests: a report held in memory, the refusal a broken one must get, and the fuzzers' mutations. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
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
  const parts = chunk > 0 ? Array.from({ length: Math.ceil(text.length / chunk) }, (_, i) => Buffer.from(text.slice(i * chunk, (i + 1) * chunk))) : [Buffer.from(text)];
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
    if (Array.isArray(v)) v.forEach((x, i) => { slots.push([v, i]); walk(x); });
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) { slots.push([v as Record<string, unknown>, k]); walk(x); }
  };
  walk(copy);
  const slot = slots[n % Math.max(slots.length, 1)];
  if (slot) (slot[0] as Record<string | number, unknown>)[slot[1]] = value;
  return copy;
}

/** Every place in a JSON value where a value sits (object members and array elements), depth-first. */
export function valueSlots(v: unknown, out: { parent: Record<string, unknown>; key: string }[] = []): { parent: Record<string, unknown>; key: string }[] {
  if (v === null || typeof v !== 'object') return out;
  const parent = v as Record<string, unknown>;
  for (const key of Object.keys(parent)) {
    out.push({ parent, key });
    valueSlots(parent[key], out);
  }
  return out;
}
