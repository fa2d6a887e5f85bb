/** Shared by the parser tests: a report held in memory, and the refusal a broken one must get. */
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
