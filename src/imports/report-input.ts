/** Turns a file or a request body into the ReportInput parsers read. */
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { badInput } from '../errors.ts';
import type { ReportInput } from './types.ts';

// Detection reads this much from the start of a report, and as much again from its end.
const headBytes = 4096;

/** The size of a report file, or bad input saying why it cannot be read ("no such file"), the same wherever it is sent. */
export async function reportFileSize(path: string): Promise<number> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error('not a regular file');
    return s.size;
  } catch (e) {
    throw badInput(
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      { file: path },
    );
  }
}

/** A report on disk; the head is read now, the rest only when the parser asks. */
export async function reportFromFile(path: string): Promise<ReportInput> {
  const size = await reportFileSize(path);
  const fh = await open(path, 'r');
  const buf = Buffer.alloc(Math.min(headBytes, size));
  const end = Buffer.alloc(Math.max(0, Math.min(headBytes, size - headBytes)));
  try {
    await fh.read(buf, 0, buf.length, 0);
    if (end.length) await fh.read(end, 0, end.length, size - end.length);
  } finally {
    await fh.close();
  }
  if (buf[0] === 0x1f && buf[1] === 0x8b) return gzipReportFromFile(path);
  return {
    name: path,
    size,
    head: decodeHead(buf),
    tail: end.toString('utf8'),
    text: () => readFile(path, 'utf8'),
    stream: () => createReadStream(path),
    chunks: () => fileChunks(path),
  };
}

/**
 * A gzip-compressed report on disk (`trivy.json.gz`), read as it expands, the same as one sent to the server: one pass
 * now for its head, tail and size, and another each time the parser reads it. Nothing is written out.
 */
async function gzipReportFromFile(path: string): Promise<ReportInput> {
  const expand = (): Readable => pipeline(createReadStream(path), createGunzip(), () => {}) as Readable;
  let size = 0;
  let head = Buffer.alloc(0);
  let tail = Buffer.alloc(0);
  try {
    for await (const chunk of expand() as AsyncIterable<Buffer>) {
      if (head.length < headBytes) head = Buffer.concat([head, chunk.subarray(0, headBytes - head.length)]);
      tail = Buffer.concat([tail, chunk]);
      if (tail.length > headBytes) tail = tail.subarray(tail.length - headBytes);
      size += chunk.length;
    }
  } catch (e) {
    throw badInput(`${path}: looks gzip-compressed but cannot be decompressed: ${(e as Error).message}`, {
      file: path,
    });
  }
  const tailText =
    size > headBytes ? tail.subarray(Math.max(0, tail.length - (size - headBytes))).toString('utf8') : '';
  return {
    name: path.replace(/\.(gz|gzip)$/i, ''),
    size,
    head: decodeHead(head),
    tail: tailText,
    text: async () => {
      const parts: Buffer[] = [];
      for await (const chunk of expand() as AsyncIterable<Buffer>) parts.push(chunk);
      return Buffer.concat(parts).toString('utf8');
    },
    stream: expand,
  };
}

async function* fileChunks(path: string): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/** A report held in memory (an HTTP body). */
export function reportFromBuffer(name: string, body: Buffer): ReportInput {
  return {
    name,
    size: body.length,
    head: decodeHead(body.subarray(0, headBytes)),
    tail: body.subarray(Math.max(headBytes, body.length - headBytes)).toString('utf8'),
    text: async () => body.toString('utf8'),
    stream: () => Readable.from([body]),
  };
}

/** The head given for a UTF-16 report (PowerShell's default): no parser claims it, and the message says what to do. */
export const utf16Marker = '\u0000utf-16';

function decodeHead(buf: Buffer): string {
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) return utf16Marker;
  return buf.toString('utf8');
}
