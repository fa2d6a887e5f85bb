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
