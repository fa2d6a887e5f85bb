/**
 * Digest speed: the daily digest job gathering, for BENCH_PEOPLE people (1,000 by default) with 5 rows waiting each,
 * one digest e-mail per person. Prints wall time and this process's CPU time (on PGlite that includes the database).
 */
import { sql } from 'kysely';
import { defaultPolicy } from '../src/policy/policy.ts';
import { writeDigests } from '../src/notifications/digest.ts';
import { engineArg, figure, scratchDatabase } from './support.ts';

const people = Number(process.env.BENCH_PEOPLE ?? 1_000);
const engine = engineArg();
const { database, drop } = await scratchDatabase(engine);
try {
  const db = database.db;
  await sql`insert into people (email) select 'p' || g || '@example.com' from generate_series(1, ${people}) g`.execute(
    db,
  );
  await sql`insert into notifications (idempotency_key, event, person_id, recipient_email, channel, status, next_attempt_at, subject, body_text, body_html, entity, entity_id, created_at)
    select 'bench:' || p.id || ':' || k, 'finding.new_attend', p.id, p.email, 'digest', 'pending', now(), 'New finding to attend to: qs: issue ' || k || ' on bench-svc',
      'text', '<p>text</p>', 'finding', k::text, now() - interval '1 hour'
    from people p cross join generate_series(1, 5) k`.execute(db);
  await sql`analyze notifications`.execute(db);
  const at = new Date();
  at.setUTCHours(23, 0, 0, 0);
  const cpu = process.cpuUsage();
  const s = performance.now();
  const run = await writeDigests({ db, policy: defaultPolicy, now: () => at });
  const wall = performance.now() - s;
  const used = process.cpuUsage(cpu);
  if (run.digests !== people || run.lines !== people * 5)
    throw new Error(`expected ${people} digests, got ${JSON.stringify(run)}`);
  figure(`digest ${people} people × 5 lines [${engine}] wall`, wall, 'ms');
  figure(`digest ${people} people × 5 lines [${engine}] cpu`, (used.user + used.system) / 1000, 'ms');
  figure(`digest per person [${engine}] cpu`, (used.user + used.system) / 1000 / people, 'ms');
} finally {
  await drop();
}
