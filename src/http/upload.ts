/** Reads an uploaded report from a request: the multipart field "file", or the raw body. */
import type { Context as HonoContext } from 'hono';
import { badInput } from '../errors.ts';
import type { Env } from './sub-app.ts';

/** The file's name (the upload's, else `fallbackName`) and bytes; an empty or fieldless body is bad input naming `what`. */
export async function uploaded(c: HonoContext<Env>, fallbackName: string, what = 'the report'): Promise<{ name: string; bytes: Buffer }> {
  let name = fallbackName;
  let bytes: Buffer;
  if ((c.req.header('content-type') ?? '').startsWith('multipart/form-data')) {
    const file = (await c.req.parseBody()).file;
    if (!(file instanceof File)) throw badInput(`the multipart body needs ${what} in a field named "file"`, { field: 'file' });
    name = file.name || fallbackName;
    bytes = Buffer.from(await file.arrayBuffer());
  } else {
    bytes = Buffer.from(await c.req.arrayBuffer());
  }
  if (bytes.length === 0) throw badInput(`the request body is empty: send ${what} as the body`);
  return { name, bytes };
}
