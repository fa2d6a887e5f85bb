/** `entente audit verify|export`: check the audit log (or an export of it) and export it for auditors, locally or from a server. */
import { defineCommand } from 'citty';
import { badInput } from '../errors.ts';
import type { AuditVerification } from '../audit/chain-check.ts';
import { auditExportFormats, type AuditExportFormat } from '../audit/audit-export.ts';
import { toFile, toStdout } from './export-command.ts';
import { withApi } from './api/area.ts';
import { auditApi } from './api/audit-api.ts';
import { out } from './shared.ts';
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
    } else {
      v = await withApi(args, auditApi, (api) => api.verify());
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
    // Checked here, before either path, so that a bad bound is the same error locally and with --server.
    const { timeBound } = await import('../audit/audit-query.ts');
    timeBound(args.from, '--from');
    timeBound(args.to, '--to');
    const range = { format: args.format as AuditExportFormat, from: args.from, to: args.to };
    // Written inside withApi: a local export reads the database as it is written out.
    await withApi(args, auditApi, async (api) => {
      const chunks = await api.export(range);
      await (args.output ? toFile(args.output, chunks) : toStdout(chunks));
    });
    if (args.output) out(`We wrote the audit log export (${args.format}) to ${args.output}.`);
  },
});
