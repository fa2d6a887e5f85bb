/** The composition root's product: the database, the policy and the clock every service is built from. */
import { policyFileOf, type Config, type ImportRowLimits, type JiraSettings } from './config.ts';
import { openDatabase, type Database } from './db/connect.ts';
import { loadPolicy, type Policy } from './policy/policy.ts';
import { sweepAbandonedImports } from './imports/import-temp.ts';

export interface Context {
  database: Database;
  policy: Policy;
  now: () => Date;
  /** Sends due notifications soon (set by `entente serve`; called after an import commits). */
  nudgeNotifications?: () => void;
  /** The Jira site, when ENTENTE_JIRA_* are set (ticket sync); the web app's address for links back. */
  jira?: JiraSettings | undefined;
  publicUrl?: string | undefined;
  /** ENTENTE_EARLY_ROWS and ENTENTE_SPILL_ROWS, read once with the rest of the configuration. */
  importRows?: ImportRowLimits;
}

/** Opens the database the configuration names and loads the policy (ENTENTE_POLICY, else data/policy.yaml, else defaults). */
export async function openContext(config: Config): Promise<Context> {
  const policy = loadPolicy(policyFileOf(config));
  // What a killed import left in the temporary folder (it can be a hundred megabytes) goes at the next start.
  sweepAbandonedImports();
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    auditKey: config.auditKey,
    auditKeyFile: config.auditKeyFile,
  });
  return {
    database,
    policy,
    now: () => new Date(),
    importRows: config.importRows,
    jira: config.jira,
    publicUrl: config.publicUrl,
  };
}
