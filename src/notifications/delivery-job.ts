/** The delivery job the runner runs every few seconds, and the channels the configuration sets up. */
import type { Config } from '../config.ts';
import type { Job } from '../jobs/runner.ts';
import type { Channel } from './channel.ts';
import { deliverDue } from './delivery.ts';
import { emailChannel } from './email.ts';

/** The channels this server can send through: e-mail when ENTENTE_SMTP_URL is set. */
export function channelsOf(config: Pick<Config, 'smtp'>): Map<string, Channel> {
  const channels = new Map<string, Channel>();
  if (config.smtp) channels.set('email', emailChannel(config.smtp));
  return channels;
}

/** Sends due notifications every `everySeconds` (a nudge after an import sends sooner). */
export function deliveryJob(channels: ReadonlyMap<string, Channel>, claimSeconds: number, everySeconds = 5): Job {
  return { name: 'notifications-delivery', everySeconds, run: (deps) => deliverDue({ db: deps.db, now: deps.now, channels, claimSeconds }) };
}
