/**
 * Reads an uploaded file from a request: the multipart field "file", or the raw body. Either streams in (into memory
 * up to 16 MB, to a temporary file past that), never past the upload limit (see limits.ts); a compressed upload (gzip
 * by its first bytes, or a Content-Encoding of gzip, deflate or br) expands as a stream, capped in size and in ratio.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Busboy } from '@fastify/busboy';
import type { Context as HonoContext } from 'hono';
import { badInput, EntenteError } from '../errors.ts';
import type { ReportInput } from '../imports/types.ts';
import { reportFromBuffer, reportFromFile } from '../imports/report-input.ts';
import { text } from '../imports/normalise.ts';
import { defaultLimits } from '../config.ts';
import { sizeText, TooLarge } from './limits.ts';
import type { Env } from './sub-app.ts';

/** Bodies up to this size are held in memory; a bigger one goes to a temporary file as it arrives. */
const inMemoryLimit = 16 << 20;
/** A compressed upload may always expand to this much, whatever its ratio (a small file of repeated lines does). */
const ratioFloor = 10 << 20;

/** A received upload: its name, size and bytes (in memory, or in a temporary file that `dispose` removes). */
export interface Upload {
  name: string;
  size: number;
  report(): Promise<ReportInput>;
  bytes(): Promise<Buffer>;
  dispose(): Promise<void>;
}

/**
 * The file's name (the upload's, else `fallbackName`, e.g. the query's `name`; control characters go either way) and
 * bytes; an empty or fieldless body is bad input naming `what`. Call `dispose` when done.
 */
export async function received(c: HonoContext<Env>, fallbackName: string, what = 'the report'): Promise<Upload> {
  const limits = c.get('limits') ?? defaultLimits;
  const dir = { path: null as string | null };
  const dispose = async (): Promise<void> => {
    if (dir.path) await rm(dir.path, { recursive: true, force: true });
  };
  try {
    const body = c.req.raw.body;
    let name = cleanName(fallbackName) || 'upload';
    let spool: Spool;
    if (isMultipart(c)) {
      if (!body) throw badInput(`the multipart body needs ${what} in a field named "file"`, { field: 'file' });
      const part = await multipartFile(c, body, dir, what);
      spool = part.spool;
      name = cleanName(part.name) || name;
    } else {
      spool = new Spool(dir, 'body');
      if (body) await pipeline(Readable.fromWeb(body as NodeReadableStream<Uint8Array>), spool.writable());
      await spool.end();
    }
    if (spool.size === 0) throw badInput(`the request body is empty: send ${what} as the body`);
    const expanded = await expand(c, spool, dir, limits.uploadBytes, limits.expansionRatio, name);
    if (expanded) {
      spool = expanded;
      name = name.replace(/\.(gz|gzip)$/i, '');
    }
    const final = spool;
    return { name, size: final.size, report: () => final.report(name), bytes: () => final.bytes(), dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}

/** The name a client gave, without control characters (NUL, CR, LF included), cut to a file name's length. */
function cleanName(name: string): string {
  return text(name.replace(/[\u0000-\u001f\u007f-\u009f]/g, ''), 255) ?? '';
}

const isMultipart = (c: HonoContext<Env>): boolean =>
  (c.req.header('content-type') ?? '').toLowerCase().startsWith('multipart/form-data');

// The multipart part named "file", streamed into a spool; other parts are read past and dropped.
async function multipartFile(
  c: HonoContext<Env>,
  body: ReadableStream<Uint8Array>,
  dir: { path: string | null },
  what: string,
): Promise<{ name: string; spool: Spool }> {
  let parser: ReturnType<typeof Busboy>;
  try {
    parser = Busboy({
      headers: { 'content-type': c.req.header('content-type')! },
      limits: { files: 1, fields: 100, parts: 100 },
    });
  } catch (e) {
    throw badInput(`the multipart body cannot be read: ${(e as Error).message}`);
  }
  let found: { name: string; spool: Spool; done: Promise<void>; stream: Readable } | undefined;
  parser.on('file', (field, stream, filename) => {
    if (field !== 'file' || found) {
      stream.resume();
      return;
    }
    const spool = new Spool(dir, 'file');
    const done = pipeline(stream, spool.writable()).then(() => spool.end());
    done.catch(() => {}); // awaited below; a failed body is reported from the parser's side
    // Browsers and fetch's FormData escape only these three in a file name (the HTML standard's multipart encoding).
    const name = (filename ?? '').replace(/%0A/gi, '\n').replace(/%0D/gi, '\r').replace(/%22/g, '"');
    found = { name, spool, done, stream };
  });
  try {
    await pipeline(Readable.fromWeb(body as NodeReadableStream<Uint8Array>), parser);
  } catch (e) {
    found?.stream.destroy();
    if (e instanceof EntenteError) throw e;
    throw badInput(`the multipart body cannot be read: ${(e as Error).message}`);
  }
  if (!found) throw badInput(`the multipart body needs ${what} in a field named "file"`, { field: 'file' });
  await found.done;
  return found;
}

// Decompresses a compressed upload as a stream (zlib works off the event loop), refusing it once it expands past the
// upload limit or `ratio` times its own size. Undefined when the upload is not compressed.
async function expand(
  c: HonoContext<Env>,
  spool: Spool,
  dir: { path: string | null },
  limit: number,
  ratio: number,
  name: string,
): Promise<Spool | undefined> {
  const encoding = (isMultipart(c) ? '' : (c.req.header('content-encoding') ?? '')).trim().toLowerCase();
  const head = spool.head(2);
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  let inflater;
  if (encoding === 'gzip' || encoding === 'x-gzip' || (gzip && (encoding === '' || encoding === 'identity')))
    inflater = createGunzip();
  else if (encoding === 'deflate') inflater = createInflate();
  else if (encoding === 'br') inflater = createBrotliDecompress();
  else if (encoding === '' || encoding === 'identity') return undefined;
  else
    throw new EntenteError(
      'bad_input',
      `Content-Encoding "${encoding}" is not one we read: send the file as it is, or compressed with gzip, deflate or br`,
      { header: 'content-encoding' },
    );
  const cap = Math.min(limit, Math.max(ratioFloor, spool.size * ratio));
  const out = new Spool(dir, 'expanded');
  let seen = 0;
  const counter = new Writable({
    write(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > cap) {
        done(
          cap === limit
            ? new TooLarge(`${name} expands to more than ${sizeText(limit)}, which`, limit, 'ENTENTE_MAX_UPLOAD_BYTES')
            : new EntenteError(
                'bad_input',
                `${name} expands to more than ${ratio} times its compressed size of ${sizeText(spool.size)}: `
                  + `that is what a decompression bomb does, so it is refused; send it uncompressed, or raise the server's ENTENTE_MAX_EXPANSION`,
                { ratio, setting: 'ENTENTE_MAX_EXPANSION' },
              ),
        );
        return;
      }
      out.write(chunk).then(() => done(), done);
    },
  });
  try {
    await pipeline(spool.readable(), inflater, counter);
  } catch (e) {
    if (e instanceof EntenteError) throw e;
    throw badInput(
      `${name}: looks ${encoding || 'gzip'}-compressed but cannot be decompressed: ${(e as Error).message}`,
      { file: name },
    );
  }
  await out.end();
  return out;
}

/** Bytes held in memory up to 16 MB, then in a temporary file of the upload's own folder. */
class Spool {
  size = 0;
  private first = Buffer.alloc(0);
  private held: Buffer[] = [];
  private file: WriteStream | null = null;
  private path: string | null = null;
  constructor(
    private readonly dir: { path: string | null },
    private readonly fileName: string,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    this.size += chunk.length;
    if (this.first.length < 16)
      this.first = Buffer.concat([this.first, Buffer.from(chunk.subarray(0, 16 - this.first.length))]);
    if (!this.file && this.size > inMemoryLimit) {
      this.dir.path ??= await mkdtemp(join(tmpdir(), 'entente-upload-'));
      this.path = join(this.dir.path, this.fileName);
      this.file = createWriteStream(this.path);
      for (const b of this.held.splice(0)) if (!this.file.write(b)) await once(this.file, 'drain');
    }
    if (this.file) {
      if (!this.file.write(chunk)) await once(this.file, 'drain');
    } else this.held.push(Buffer.from(chunk));
  }

  writable(): Writable {
    return new Writable({ write: (chunk: Buffer, _enc, done) => void this.write(chunk).then(() => done(), done) });
  }

  async end(): Promise<void> {
    if (!this.file || this.file.writableFinished) return;
    this.file.end();
    await once(this.file, 'finish');
  }

  /** The first bytes (up to 16), kept whether the rest is in memory or on disk. */
  head(n: number): Buffer {
    return this.first.subarray(0, n);
  }

  readable(): Readable {
    return this.path ? createReadStream(this.path) : Readable.from(this.held);
  }

  async report(name: string): Promise<ReportInput> {
    if (!this.path) return reportFromBuffer(name, Buffer.concat(this.held));
    return { ...(await reportFromFile(this.path)), name };
  }

  async bytes(): Promise<Buffer> {
    return this.path ? readFile(this.path) : Buffer.concat(this.held);
  }
}
