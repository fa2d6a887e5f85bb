/** `entente export --format sarif|csv|cyclonedx-vex`: findings as a file for other tools, to stdout or `-o FILE`, locally or from a server. */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { defineCommand } from 'citty';
import { EntenteError, badInput } from '../errors.ts';
import { exportFormats, prepareExport } from '../export/export-service.ts';
import { localAdmin } from '../people/tokens.ts';
import { cweArg, fetchServer, out, withLocalContext } from './shared.ts';
import { args } from './commands.ts';
import { policyCalendar } from '../policy/calendar.ts';

const filterArgs = ['service', 'team', 'status', 'priority', 'severity', 'tool', 'kind', 'cve', 'cwe', 'q'] as const;

export const exportCommand = defineCommand({
  args: args.export,
  async run({ args }) {
    if (!exportFormats.includes(args.format as (typeof exportFormats)[number]))
      throw badInput(`--format takes ${exportFormats.join(', ')}; "${args.format}" is not one of them`);
    const cwe = cweArg(args.cwe);
    const write = async (chunks: AsyncIterable<string | Uint8Array>) =>
      args.output ? toFile(args.output, chunks) : toStdout(chunks);
    if (args.server) {
      await write(await fromServer(args));
    } else {
      await withLocalContext(async (ctx) => {
        const list = (v: string | undefined): string[] | undefined =>
          v
            ?.split(',')
            .map((s) => s.trim())
            .filter(Boolean);
        const prepared = await prepareExport(
          { db: ctx.database.db, now: ctx.now, epssHigh: ctx.policy.epss.high, calendar: policyCalendar(ctx.policy) },
          localAdmin,
          {
            format: args.format,
            sort: args.sort,
            filter: {
              service: args.service,
              team: args.team,
              status: list(args.status),
              priority: list(args.priority),
              severity: list(args.severity),
              tool: args.tool,
              kind: args.kind,
              cve: args.cve,
              cwe,
              q: args.q,
              overdue: args.overdue === true,
            },
          },
        );
        await write(prepared.chunks);
      });
    }
    if (args.output) out(`We wrote the ${args.format} export to ${args.output}.`);
  },
});

type Args = Record<(typeof filterArgs)[number], string | undefined> & {
  format: string;
  sort: string;
  overdue?: boolean;
  server?: string;
  token?: string;
};

/** The export from a running server, as the bytes arrive. */
async function fromServer(args: Args): Promise<AsyncIterable<Uint8Array>> {
  const token = args.token ?? process.env.ENTENTE_TOKEN;
  if (!token) throw new EntenteError('unauthorized', '--server needs --token (or ENTENTE_TOKEN)');
  const q = new URLSearchParams({ format: args.format, sort: args.sort });
  for (const k of filterArgs) if (args[k] !== undefined) q.set(k, args[k]!);
  if (args.overdue) q.set('overdue', 'true');
  const res = await fetchServer(args.server!, token, `api/findings/export?${q}`);
  if (!res.body) throw new EntenteError('internal', `${args.server}: an empty export`);
  return res.body as unknown as AsyncIterable<Uint8Array>;
}

/** Writes chunks to standard output, waiting whenever it is full. */
export async function toStdout(chunks: AsyncIterable<string | Uint8Array>): Promise<void> {
  for await (const chunk of chunks) await writeChunk(process.stdout, chunk);
}

/** Writes chunks to a file: beside it first, renamed at the end, so a failed export never leaves a half file under the real name. */
export async function toFile(path: string, chunks: AsyncIterable<string | Uint8Array>): Promise<void> {
  const partial = `${path}.partial`;
  const stream = createWriteStream(partial);
  try {
    await once(stream, 'open');
  } catch (e) {
    throw badInput(`we could not write ${path}: ${(e as Error).message}`);
  }
  try {
    for await (const chunk of chunks) await writeChunk(stream, chunk);
    stream.end();
    await once(stream, 'finish');
    await rename(partial, path);
  } catch (e) {
    stream.destroy();
    await rm(partial, { force: true });
    throw e;
  }
}

async function writeChunk(stream: Writable, chunk: string | Uint8Array): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}
