/** A daily job: the team of an approved exception hears, N days before it ends (policy `exceptions.reminder_days`, 7), that it will. */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Policy } from '../policy/policy.ts';
import { policyCalendar } from '../policy/calendar.ts';
import { fromToday } from '../voice/template.ts';
import { notifyTeams } from '../notifications/work-events.ts';

/** How many days before its end an exception's team hears of it, by default. */
export const defaultReminderDays = 7;

/** Writes the "ends soon" rows for approved exceptions ending within the reminder days; once per exception and end date. */
export async function remindExceptionsEnding(deps: {
  db: Kysely<DB>;
  policy: Policy;
  now: () => Date;
}): Promise<{ reminded: number[] }> {
  const now = deps.now();
  const cal = policyCalendar(deps.policy);
  const horizon = cal.endOf(cal.addDays(cal.dayOf(now), deps.policy.exceptions.reminder_days ?? defaultReminderDays));
  return deps.db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('exceptions as e')
      .innerJoin('teams as t', 't.id', 'e.team_id')
      .select(['e.id', 'e.team_id', 'e.expires_at', 't.name as team'])
      .select((eb) =>
        eb
          .selectFrom('exception_findings')
          .select((x) => x.fn.countAll<string>().as('n'))
          .whereRef('exception_id', '=', 'e.id')
          .as('findings'),
      )
      .where('e.status', '=', 'approved')
      .where('e.expires_at', '>=', now)
      .where('e.expires_at', '<=', horizon)
      .orderBy('e.id')
      .execute();
    const reminded: number[] = [];
    for (const r of rows) {
      const last = cal.dayOf(r.expires_at);
      const n = Number(r.findings ?? 0);
      const wrote = await notifyTeams(
        trx,
        {
          kind: 'exception.ending',
          id: r.id,
          title: `${n === 1 ? '1 finding' : `${n} findings`} of ${r.team}`,
          when: `${fromToday(cal.daysUntil(now, r.expires_at))}, on ${last}`,
          key: `exception:${r.id}:ends:${last}`,
          team: r.team,
          now,
        },
        [r.team_id],
      );
      if (wrote > 0) reminded.push(r.id);
    }
    return { reminded };
  });
}
