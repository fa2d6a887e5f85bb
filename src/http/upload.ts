/** Reads an uploaded report from a request: the multipart field "file", or the raw body. */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Context as HonoContext } from 'hono';
import { badInput } from '../errors.ts';
import type { ReportInput } from '../findings/types.ts';
import { reportFromBuffer, reportFromFile } from '../findings/report-input.ts';
import { text } from '../findings/normalise.ts';
import type { Env } from './sub-app.ts';

/** The file's name (the upload's, else `fallbackName`) and bytes; an empty or fieldless body is bad input naming `what`. */
export async function uploaded(c: HonoContext<Env>, fallbackName: string, what = 'the report'): Promise<{ name: string; bytes: Buffer }> {
  let name = fallbackName;
  let bytes: Buffer;
  if (isMultipart(c)) {
    const file = (await c.req.parseBody()).file;
    if (!(file instanceof File)) throw badInput(`the multipart body needs ${what} in a field named "file"`, { field: 'file' });
    // The name is the client's to choose: control characters (NUL included) go, and it is cut to a file name's length.
    name = text(file.name.replace(/[\u0000-\u001f\u007f]/g, ''), 255) || fallbackName;
    bytes = Buffer.from(await file.arrayBuffer());
  } else {
    bytes = Buffer.from(await c.req.arrayBuffer());
  }
  if (bytes.length === 0) throw badInput(`the request body is empty: send ${what} as the body`);
  return { name, bytes };
}

const isMultipart = (c: HonoContext<Env>): boolean => (c.req.header('content-type') ?? '').startsWith('multipart/form-data');

/** Bodies up to this size are held in memory; a bigger raw body goes to a temporary file as it arrives. */
const inMemoryLimit = 16 << 20;

/**
 * An uploaded report as the import reads it. A raw body of any size streams to a temporary file past 16 MB, so a
 * 500 MB report never sits in memory (multipart bodies are buffered: send big reports as the raw body, as
 * `entente import --server` does). `dispose` removes the file.
 */
export async function uploadedReport(c: HonoContext<Env>, fallbackName: string): Promise<{ input: ReportInput; dispose: () => Promise<void> }> {
  const body = c.req.raw.body;
  if (isMultipart(c) || !body) {
    const { name, bytes } = await uploaded(c, fallbackName);
    return { input: reportFromBuffer(name, bytes), dispose: async () => {} };
  }
  const held: Buffer[] = [];
  let size = 0;
  let dir: string | null = null;
  let file: ReturnType<typeof createWriteStream> | null = null;
  const dispose = async (): Promise<void> => {
    file?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  };
  try {
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (!file && size > inMemoryLimit) {
        dir = await mkdtemp(join(tmpdir(), 'entente-upload-'));
        file = createWriteStream(join(dir, 'report'));
        for (const b of held.splice(0)) if (!file.write(b)) await once(file, 'drain');
      }
      if (file) {
        if (!file.write(chunk)) await once(file, 'drain');
      } else held.push(Buffer.from(chunk));
    }
    if (size === 0) throw badInput('the request body is empty: send the report as the body');
    if (!file) return { input: reportFromBuffer(fallbackName, Buffer.concat(held)), dispose };
    file.end();
    await once(file, 'finish');
    const input = await reportFromFile(join(dir!, 'report'));
    return { input: { ...input, name: fallbackName }, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}
