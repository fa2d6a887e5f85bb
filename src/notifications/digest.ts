/**
 * The daily digest: a job gathers, for each person whose digest time has come today (on their own clock: their time
 * zone, else the organisation's), the rows waiting on the `digest` channel into one e-mail (an outbox row keyed
 * `digest:DAY:person:ID:email` with the person's local day, so a person gets at most one a day) and marks them
 * `digested`. Nothing waiting, no digest. What arrives after today's digest waits for tomorrow's.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Policy } from '../policy/policy.ts';
import { policyCalendar } from '../policy/calendar.ts';
import { pgJson } from '../db/pg-json.ts';
import { digestChannel } from './events.ts';
import { pageOf } from './links.ts';
import { renderDigest } from './render.ts';
import { digestDay, scheduleOf } from './schedule.ts';

export interface DigestDeps {
  db: Kysely<DB>;
  policy: Policy;
  now: () => Date;
  publicUrl?: string | undefined;
}

/** Writes today's digest row for each person whose digest time has passed and who has something waiting. */
export async function writeDigests(deps: DigestDeps): Promise<{ digests: number; lines: number }> {
  const now = deps.now();
  const cal = policyCalendar(deps.policy);
  const waiting = await deps.db
    .selectFrom('notifications as n')
    .leftJoin('notification_schedules as s', 's.person_id', 'n.person_id')
    .select(['n.person_id', 's.digest_time', 's.quiet_from', 's.quiet_to', 's.time_zone'])
    .distinct()
    .where('n.channel', '=', digestChannel)
    .where('n.status', '=', 'pending')
    .where('n.person_id', 'is not', null)
    .execute();
  const run = { digests: 0, lines: 0 };
  for (const w of waiting) {
    const day = digestDay(
      scheduleOf(
        w.digest_time === null
          ? undefined
          : { digest_time: w.digest_time, quiet_from: w.quiet_from, quiet_to: w.quiet_to, time_zone: w.time_zone },
      ),
      cal,
      now,
    );
    if (day === null) continue;
    const lines = await deps.db.transaction().execute(async (trx) => {
      const items = await trx
        .selectFrom('notifications')
        .select(['id', 'subject', 'link', 'entity', 'entity_id'])
        .where('person_id', '=', w.person_id)
        .where('channel', '=', digestChannel)
        .where('status', '=', 'pending')
        .orderBy('created_at')
        .orderBy('id')
        .forUpdate()
        .skipLocked()
        .execute();
      if (items.length === 0) return 0;
      const person = await trx
        .selectFrom('people')
        .select(['id', 'email', 'name'])
        .where('id', '=', w.person_id!)
        .executeTakeFirstOrThrow();
      const r = renderDigest(
        day,
        items.map((i) => ({ subject: i.subject, link: i.link ?? pageOf(deps.publicUrl, i.entity, i.entity_id) })),
      );
      const digest = await trx
        .insertInto('notifications')
        .values({
          idempotency_key: `digest:${day}:person:${person.id}:email`,
          event: 'digest',
          person_id: person.id,
          recipient_email: person.email,
          recipient_name: person.name,
          channel: 'email',
          status: 'pending',
          next_attempt_at: now,
          subject: r.subject,
          body_text: r.text,
          body_html: r.html,
          link: null,
          facts: pgJson({ day, lines: items.length }),
          entity: null,
          entity_id: null,
          created_at: now,
        })
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .returning('id')
        .executeTakeFirst();
      // Today's digest went out already: these wait for tomorrow's.
      if (!digest) return 0;
      await trx
        .updateTable('notifications')
        .set({ status: 'digested', digest_id: digest.id })
        .where(
          'id',
          'in',
          items.map((i) => i.id),
        )
        .execute();
      return items.length;
    });
    if (lines > 0) {
      run.digests++;
      run.lines += lines;
    }
  }
  return run;
}
