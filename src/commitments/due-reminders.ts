/** A daily job: the owning team of an open commitment hears, when it comes due (within 2 days), that it waits to be shown done. */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Policy } from '../policy/policy.ts';
import { policyCalendar } from '../policy/calendar.ts';
import { fromToday } from '../voice/template.ts';
import { notifyTeams } from '../notifications/work-events.ts';

/** Days before its due date that an open commitment waits for its team (as act findings' "due soon"). */
export const commitmentDueSoonDays = 2;

/** Writes a row per member of the owning team for each open commitment due within the days; once per commitment and due date. */
export async function remindCommitmentsDue(deps: {
  db: Kysely<DB>;
  policy: Policy;
  now: () => Date;
}): Promise<{ reminded: number[] }> {
  const now = deps.now();
  const cal = policyCalendar(deps.policy);
  const horizon = cal.endOf(cal.addDays(cal.dayOf(now), commitmentDueSoonDays));
  return deps.db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('commitments as c')
      .innerJoin('teams as t', 't.id', 'c.owner_team_id')
      .select(['c.id', 'c.title', 'c.due_at', 'c.owner_team_id', 't.name as team'])
      .where('c.state', '=', 'open')
      .where('c.due_at', '>=', now)
      .where('c.due_at', '<=', horizon)
      .orderBy('c.id')
      .execute();
    const reminded: number[] = [];
    for (const r of rows) {
      const due = cal.dayOf(r.due_at);
      const wrote = await notifyTeams(
        trx,
        {
          kind: 'commitment.waiting',
          id: r.id,
          title: r.title,
          when: `${fromToday(cal.daysUntil(now, r.due_at))} (${due})`,
          key: `commitment:${r.id}:due:${due}`,
          team: r.team,
          now,
        },
        [r.owner_team_id],
      );
      if (wrote > 0) reminded.push(r.id);
    }
    return { reminded };
  });
}
