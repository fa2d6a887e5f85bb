/** Reads what a gate decision looks at from the database: the service, its open and accepted findings, its open and missed commitments. */
import { sql, type Kysely } from 'kysely';
import type { DB, Service } from '../db/schema.ts';
import { factsOf, type FactsText, type GateFacts } from './gate-facts.ts';

export interface FactsRequest {
  environment: string;
  version: string | null;
  commit: string | null;
  at: Date;
}

/** The facts snapshot for one service, ordered by id so that the same state always gives the same digest. */
export async function loadFacts(db: Kysely<DB>, service: Service, req: FactsRequest): Promise<GateFacts> {
  return factsOf(await readFacts(db, service, req));
}

/** The facts as the database gives them: the findings and commitments as JSON text, read by `factsOf` (src/gates/gate-facts.ts),
 * which a gate on a big service runs in its worker thread. */
export async function readFacts(db: Kysely<DB>, service: Service, req: FactsRequest): Promise<FactsText> {
  const team = await db
    .selectFrom('teams')
    .select('name')
    .where('id', '=', service.owner_team_id)
    .executeTakeFirstOrThrow();
  // Accepted findings count (as covered) only with an approved exception; one a scanner suppression closed (the
  // report accepted it) is neither open work nor covered, like a false positive.
  // One JSON document instead of 10,000 rows: the database builds it in a few milliseconds, while turning each row
  // into an object on the way out cost most of a gate's time on PGlite.
  const {
    rows: [findings],
  } = await sql<{ list: string }>`
    select coalesce(json_agg(json_build_array(f.id, f.title, f.priority, f.kind, f.severity, f.kev, f.due_at, f.status,
      (select min(e.id) from exception_findings ef join exceptions e on e.id = ef.exception_id
        where f.status = 'accepted' and ef.finding_id = f.id and e.status = 'approved'),
      f.kind = 'host' and f.rule_id like 'exposure/%') order by f.id), '[]')::text as list
    from findings f where f.service_id = ${service.id} and (f.status in ('open', 'in_progress') or (f.status = 'accepted' and exists (
      select 1 from exception_findings ef join exceptions e on e.id = ef.exception_id where ef.finding_id = f.id and e.status = 'approved')))`.execute(
    db,
  );
  // The same for commitments: a second gate on a big service finds the tens of thousands the first one created.
  // A verified control stays in place for its finding; verified ones without an open finding, and released ones, no longer matter.
  const {
    rows: [commitments],
  } = await sql<{ list: string }>`
    select coalesce(json_agg(json_build_array(c.id, c.kind, c.control_id, c.title, c.finding_id, c.state, c.due_at, t.name)
      order by c.id), '[]')::text as list
    from commitments c join teams t on t.id = c.owner_team_id
    where c.service_id = ${service.id} and c.state <> 'released' and (c.state in ('open', 'missed') or c.finding_id in
      (select f.id from findings f where f.service_id = ${service.id} and f.status in ('open', 'in_progress', 'accepted')))`.execute(
    db,
  );
  return {
    at: req.at.toISOString(),
    service: {
      id: service.id,
      name: service.name,
      criticality: service.criticality,
      exposure: service.exposure,
      data: service.data_class,
      ownerTeamId: service.owner_team_id,
      ownerTeam: team.name,
    },
    environment: req.environment,
    version: req.version,
    commit: req.commit,
    findings: findings!.list,
    commitments: commitments!.list,
  };
}
