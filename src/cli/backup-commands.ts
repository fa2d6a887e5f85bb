/** `entente backup FILE` and `entente restore FILE`: the whole database in one file, restorable on either engine. */
import { defineCommand } from 'citty';
import { loadConfig } from '../config.ts';
import { out } from './shared.ts';
import { args } from './commands.ts';

export const backup = defineCommand({
  args: args.backup,
  async run({ args }) {
    const { openDatabase } = await import('../db/connect.ts');
    const { writeBackup } = await import('../backup/backup.ts');
    const { auditTrailOf } = await import('../audit/audit-trail.ts');
    const config = loadConfig(process.env);
    const database = await openDatabase({
      url: config.databaseUrl,
      dataDir: config.dataDir,
      auditKey: config.auditKey,
      auditKeyFile: config.auditKeyFile,
    });
    try {
      const s = await writeBackup(database.db, {
        file: args.file,
        engine: database.engine,
        now: new Date(),
        checkpoints: auditTrailOf(database.db).checkpoints,
      });
      out(
        args.json
          ? JSON.stringify(s)
          : `Backed up ${s.rows.toLocaleString('en')} rows of ${Object.keys(s.tables).length} tables (schema ${s.schema}) to ${s.file}. It restores with \`entente restore ${s.file}\` on either engine; keep the audit key apart from it.`,
      );
    } finally {
      await database.close();
    }
  },
});

export const restore = defineCommand({
  args: args.restore,
  async run({ args }) {
    const { openDatabase } = await import('../db/connect.ts');
    const { restoreBackup, sealingKeyIds } = await import('../backup/backup.ts');
    const { auditTrailOf } = await import('../audit/audit-trail.ts');
    const config = loadConfig(process.env);
    const where = {
      url: config.databaseUrl,
      dataDir: config.dataDir,
      auditKey: config.auditKey,
      auditKeyFile: config.auditKeyFile,
    };
    const raw = await openDatabase({ ...where, migrate: false });
    let s;
    try {
      s = await restoreBackup(raw.db, { file: args.file, checkpoints: auditTrailOf(raw.db).checkpoints });
    } finally {
      await raw.close();
    }
    // Opened again as every command opens it: the audit log's keys are checked against the entries just restored.
    const database = await openDatabase(where);
    try {
      const { keyring } = auditTrailOf(database.db);
      const missing = (await sealingKeyIds(database.db)).filter((id) => !keyring.byId.has(id));
      if (args.json) out(JSON.stringify({ ...s, missingAuditKeys: missing }));
      else {
        out(
          `Restored ${s.rows.toLocaleString('en')} rows of ${Object.keys(s.tables).length} tables from a ${s.restoredFrom} backup (schema ${s.schema}) into ${database.engine === 'pglite' ? config.dataDir : 'PostgreSQL'}.`,
        );
        if (missing.length) {
          out(
            `The audit log was sealed with key${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not in force here (${keyring.source}): give the same key (ENTENTE_AUDIT_KEY, ENTENTE_AUDIT_KEY_FILE, or the old data folder's audit.key) so \`entente audit verify\` can check it.`,
          );
        }
      }
    } finally {
      await database.close();
    }
  },
});
