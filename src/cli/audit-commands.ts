/** `entente audit verify|export`: check the audit log (or an export of it) and export it for auditors, locally or from a server. */
import { defineCommand } from 'citty';
import { EntenteError, badInput } from '../errors.ts';
import type { AuditVerification } from '../audit/chain-check.ts';
import { auditExportFormats, type AuditExportFormat } from '../audit/audit-export.ts';
import { toFile, toStdout } from './export-command.ts';
import { callServer, fetchServer, out, withLocalContext } from './shared.ts';
import { args as A } from './commands.ts';

export const verify = defineCommand({
  args: A['audit verify'],
  async run({ args }) {
    if (args['key-file'] && !args.file)
      throw badInput('--key-file goes with --file (the database is checked with the keys in force)');
    let v: AuditVerification;
    if (args.file) {
      const { verifyExportFile } = await import('../audit/export-check.ts');
      const { loadAuditKeyring } = await import('../audit/audit-keys.ts');
      v = await verifyExportFile(
        args.file,
        args['key-file'] ? loadAuditKeyring({ keyFile: args['key-file'] }) : undefined,
      );
    } else if (args.server) {
      v = (await callServer(args.server, args.token, 'api/audit/verify')) as AuditVerification;
    } else {
      const { verifyAndCheckpoint } = await import('../audit/verify.ts');
      const { checkpointed: _, ...checked } = await withLocalContext((ctx) =>
        verifyAndCheckpoint(ctx.database.db, ctx.now()),
      );
      v = checked;
    }
    out(args.json ? JSON.stringify(v) : v.message);
    process.exitCode = v.ok ? 0 : 1;
  },
});

export const exportLog = defineCommand({
  args: A['audit export'],
  async run({ args }) {
    if (!auditExportFormats.includes(args.format as AuditExportFormat))
      throw badInput(`--format takes ${auditExportFormats.join(', ')}; "${args.format}" is not one of them`);
    const { timeBound } = await import('../audit/audit-query.ts');
    const from = timeBound(args.from, '--from');
    const to = timeBound(args.to, '--to');
    const write = async (chunks: AsyncIterable<string | Uint8Array>) =>
      args.output ? toFile(args.output, chunks) : toStdout(chunks);
    if (args.server) {
      const q = new URLSearchParams({ format: args.format });
      if (args.from) q.set('from', args.from);
      if (args.to) q.set('to', args.to);
      await write(await streamFrom(args.server, args.token, `api/audit/export?${q}`));
    } else {
      const { prepareAuditExport } = await import('../audit/audit-export.ts');
      await withLocalContext(async (ctx) =>
        write(
          (await prepareAuditExport(ctx.database.db, { format: args.format as AuditExportFormat, from, to })).chunks,
        ),
      );
    }
    if (args.output) out(`We wrote the audit log export (${args.format}) to ${args.output}.`);
  },
});

/** A server's streamed download, as the bytes arrive; an error reply becomes an EntenteError with the server's message. */
async function streamFrom(server: string, token: string | undefined, path: string): Promise<AsyncIterable<Uint8Array>> {
  const res = await fetchServer(server, token, path);
  if (!res.body) throw new EntenteError('internal', `${server}: an empty answer to ${path}`);
  return res.body as unknown as AsyncIterable<Uint8Array>;
}
