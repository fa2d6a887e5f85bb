/** A team's chat and webhook channels, built from its `notify` configuration (the outbox sends each message to each). */
import type { Channel } from '../channel.ts';
import { isDeliveryUrl, isWebhookSecret, resolveValue, type TeamNotify } from '../../people/team-notify.ts';
import { ChannelError } from './post-json.ts';
import { slackChannel } from './slack.ts';
import { teamsChannel } from './teams.ts';
import { webhookChannel } from './webhook.ts';

/** What building channels needs: the server's environment (for env:NAME values) and the signing clock. */
export interface ChannelDeps {
  env: Record<string, string | undefined>;
  now?: () => Date;
}

/** The team's Slack, Teams and webhook channels, in that order; none when it has no `notify`. Jira is not a channel: it is ticket sync. */
export function channelsForTeam(notify: TeamNotify | null | undefined, deps: ChannelDeps): Channel[] {
  if (!notify) return [];
  const channels: Channel[] = [];
  if (notify.slack) channels.push(resolved('slack', [[notify.slack, 'url']], ([u]) => slackChannel(u!)));
  if (notify.teams) channels.push(resolved('teams', [[notify.teams, 'url']], ([u]) => teamsChannel(u!)));
  if (notify.webhook) {
    const w = notify.webhook;
    channels.push(
      resolved(
        'webhook',
        [
          [w.url, 'url'],
          [w.secret, 'secret'],
        ],
        ([u, s]) => webhookChannel({ url: u!, secret: s! }, deps.now),
      ),
    );
  }
  return channels;

  // A value read from the environment is checked like one written in the file; when it is missing or wrong, the
  // channel still exists and each send fails saying so, so the outbox records why nothing arrived.
  function resolved(name: string, values: [string, 'url' | 'secret'][], make: (v: string[]) => Channel): Channel {
    const problems: string[] = [];
    const out = values.map(([v, kind]) => {
      const r = resolveValue(v, deps.env);
      if (r === undefined) problems.push(`${v} is not set in the server's environment`);
      else if (r !== v && !(kind === 'secret' ? isWebhookSecret(r) : isDeliveryUrl(r))) {
        problems.push(
          `${v} does not hold ${kind === 'secret' ? 'a whsec_ secret of 24 to 64 bytes' : 'an https:// URL'}`,
        );
      }
      return r ?? '';
    });
    if (problems.length === 0) return make(out);
    return {
      name,
      async send() {
        throw new ChannelError(name, 0, `${name}: ${problems.join('; ')}; set it and the delivery will be tried again`);
      },
    };
  }
}
