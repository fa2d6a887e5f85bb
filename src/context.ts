/** The composition root's product: the database, the policy and the clock every service is built from. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/connect.ts';
import { loadPolicy, type Policy } from './policy/policy.ts';

export interface Context {
  database: Database;
  policy: Policy;
  now: () => Date;
}

/** Opens the database the configuration names and loads the policy (ENTENTE_POLICY, else data/policy.yaml, else defaults). */
export async function openContext(config: Config): Promise<Context> {
  const inData = join(config.dataDir, 'policy.yaml');
  const policy = loadPolicy(config.policyFile ?? (existsSync(inData) ? inData : undefined));
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  return { database, policy, now: () => new Date() };
}
