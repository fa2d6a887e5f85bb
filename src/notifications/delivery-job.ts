/** The delivery job the runner runs every few seconds, and the channels the configuration sets up. */
import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import type { DB } from '../db/schema.ts';
import { teamChannelRouter } from './channels/team-channels.ts';
import type { Job } from '../jobs/runner.ts';
import type { Channel } from './channel.ts';
import { deliverDue } from './delivery.ts';
import { writeDigests } from './digest.ts';
import { emailChannel } from './email.ts';

/**
 * The channels this server can send through: e-mail when ENTENTE_SMTP_URL is set; with a database, the teams' own Slack,
 * Teams and webhook channels (org file `teams[].notify`), looked up when each notification is sent.
 */
export function channelsOf(
  config: Pick<Config, 'smtp'>,
  db?: Kysely<DB>,
  env: Record<string, string | undefined> = process.env,
): Map<string, Channel> {
  const channels = new Map<string, Channel>(db ? teamChannelRouter(db, { env }) : []);
  if (config.smtp) channels.set('email', emailChannel(config.smtp));
  return channels;
}

/** Sends due notifications every `everySeconds` (a nudge after an import sends sooner). */
export function deliveryJob(
  channels: ReadonlyMap<string, Channel>,
  claimSeconds: number,
  everySeconds = 5,
  publicUrl?: string,
): Job {
  return {
    name: 'notifications-delivery',
    everySeconds,
    run: (deps) =>
      deliverDue({ db: deps.db, now: deps.now, channels, claimSeconds, publicUrl, timeZone: deps.policy.time_zone }),
  };
}

/** Writes each person's daily digest once their digest time has come (checked every 5 minutes; the delivery job sends it). */
export function digestJob(publicUrl?: string, everySeconds = 300): Job {
  return { name: 'notifications-digest', everySeconds, run: (deps) => writeDigests({ ...deps, publicUrl }) };
}
