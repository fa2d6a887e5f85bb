/** A team's channels as stored by `org apply` (teams.notify): what the outbox's delivery job calls per recipient team. */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Channel } from '../channel.ts';
import { channelsForTeam, type ChannelDeps } from './for-team.ts';

/** The Slack, Teams and webhook channels of the team with this id (none for an unknown team or one without notify). */
export async function channelsOfTeam(db: Kysely<DB>, teamId: number, deps: ChannelDeps): Promise<Channel[]> {
  const row = await db.selectFrom('teams').select('notify').where('id', '=', teamId).executeTakeFirst();
  return channelsForTeam(row?.notify ?? null, deps);
}

/** The names of the channels a team can have besides e-mail. */
export const teamChannelNames = ['slack', 'teams', 'webhook'] as const;

/**
 * One channel per name for the outbox's channel map: each sends a notification through the channel of that name of
 * the team its facts name (`facts.team`, as the outbox's team events set it). A team without that channel (any more)
 * is an error the outbox records, so nothing is dropped silently.
 */
export function teamChannelRouter(db: Kysely<DB>, deps: ChannelDeps): Map<string, Channel> {
  return new Map(
    teamChannelNames.map((name) => [
      name,
      {
        name,
        async send(n) {
          const team = n.facts.team;
          if (typeof team !== 'string')
            throw new Error(
              `${name}: the notification names no team (facts.team), so we cannot tell whose ${name} channel to use`,
            );
          const row = await db.selectFrom('teams').select('notify').where('name', '=', team).executeTakeFirst();
          const channel = channelsForTeam(row?.notify ?? null, deps).find((c) => c.name === name);
          if (!channel)
            throw new Error(
              `${name}: team ${team} has no ${name} channel in the organisation file (notify.${name}) any more`,
            );
          return channel.send(n);
        },
      } satisfies Channel,
    ]),
  );
}
