/** Reads what a gate decision looks at from the database: the service, its open and accepted findings, its open and missed commitments. */
import { sql, type Kysely } from 'kysely';
import type { DB, Service } from '../db/schema.ts';
import type { Priority } from '../findings/vocabulary.ts';
import type { CommitmentFact, FindingFact, GateFacts } from './gate-facts.ts';

export interface FactsRequest {
  environment: string;
  version: string | null;
  commit: string | null;
  at: Date;
}

/** The facts snapshot for one service, ordered by id so that the same state always gives the same digest. */
export async function loadFacts(db: Kysely<DB>, service: Service, req: FactsRequest): Promise<GateFacts> {
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
    rows: [agg],
  } = await sql<{ list: string }>`
    select coalesce(json_agg(json_build_array(f.id, f.title, f.priority, f.kind, f.severity, f.kev, f.due_at, f.status,
      (select min(e.id) from exception_findings ef join exceptions e on e.id = ef.exception_id
        where f.status = 'accepted' and ef.finding_id = f.id and e.status = 'approved'),
      f.kind = 'host' and f.rule_id like 'exposure/%') order by f.id), '[]')::text as list
    from findings f where f.service_id = ${service.id} and (f.status in ('open', 'in_progress') or (f.status = 'accepted' and exists (
      select 1 from exception_findings ef join exceptions e on e.id = ef.exception_id where ef.finding_id = f.id and e.status = 'approved')))`.execute(
    db,
  );
  const findings = JSON.parse(agg!.list) as [
    number,
    string,
    Priority,
    string,
    string,
    boolean,
    string,
    string,
    number | null,
    boolean,
  ][];
  const commitments = await db
    .selectFrom('commitments as c')
    .innerJoin('teams as t', 't.id', 'c.owner_team_id')
    .select(['c.id', 'c.kind', 'c.control_id', 'c.title', 'c.finding_id', 'c.state', 'c.due_at', 't.name as team'])
    .where('c.service_id', '=', service.id)
    // A verified control stays in place for its finding; verified ones without an open finding, and released ones, no longer matter.
    .where(
      sql<boolean>`c.state <> 'released' and (c.state in ('open', 'missed') or c.finding_id in (select f.id from findings f where f.service_id = ${service.id} and f.status in ('open', 'in_progress', 'accepted')))`,
    )
    .orderBy('c.id')
    .execute();
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
    findings: findings.map(
      ([id, title, priority, kind, severity, kev, dueAt, status, exceptionId, openPort]): FindingFact => ({
        id,
        title,
        priority,
        kind,
        severity,
        kev,
        dueAt: new Date(dueAt).toISOString(),
        covered: status === 'accepted',
        exceptionId,
        ...(openPort ? { openPort } : {}),
      }),
    ),
    commitments: commitments.map(
      (c): CommitmentFact => ({
        id: c.id,
        kind: c.kind,
        controlId: c.control_id,
        title: c.title,
        findingId: c.finding_id,
        state: c.state as CommitmentFact['state'],
        dueAt: new Date(c.due_at).toISOString(),
        ownerTeam: c.team,
      }),
    ),
  };
}
