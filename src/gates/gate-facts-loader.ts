/** Reads what a gate decision looks at from the database: the service, its open and accepted findings, its open and missed commitments. */
import { sql, type Kysely } from 'kysely';
import type { DB, Priority, Service } from '../db/schema.ts';
import type { CommitmentFact, FindingFact, GateFacts } from './gate-facts.ts';

export interface FactsRequest { environment: string; version: string | null; commit: string | null; at: Date }

/** The facts snapshot for one service, ordered by id so that the same state always gives the same digest. */
export async function loadFacts(db: Kysely<DB>, service: Service, req: FactsRequest): Promise<GateFacts> {
  const team = await db.selectFrom('teams').select('name').where('id', '=', service.owner_team_id).executeTakeFirstOrThrow();
  const { rows: findings } = await sql<{ id: number; title: string; priority: Priority; kind: string; severity: string; kev: boolean; due_at: Date; status: string; exception_id: number | null }>`
    select f.id, f.title, f.priority, f.kind, f.severity, f.kev, f.due_at, f.status,
      (select min(e.id) from exception_findings ef join exceptions e on e.id = ef.exception_id
        where f.status = 'accepted' and ef.finding_id = f.id and e.status = 'approved') as exception_id
    from findings f where f.service_id = ${service.id} and f.status in ('open', 'in_progress', 'accepted') order by f.id`.execute(db);
  const commitments = await db.selectFrom('commitments as c').innerJoin('teams as t', 't.id', 'c.owner_team_id')
    .select(['c.id', 'c.kind', 'c.control_id', 'c.title', 'c.finding_id', 'c.state', 'c.due_at', 't.name as team'])
    .where('c.service_id', '=', service.id)
    // A verified control stays in place for its finding; verified ones without an open finding no longer matter.
    .where(sql<boolean>`(c.state in ('open', 'missed') or c.finding_id in (select f.id from findings f where f.service_id = ${service.id} and f.status in ('open', 'in_progress', 'accepted')))`)
    .orderBy('c.id').execute();
  return {
    at: req.at.toISOString(),
    service: { id: service.id, name: service.name, criticality: service.criticality, exposure: service.exposure, data: service.data_class,
      ownerTeamId: service.owner_team_id, ownerTeam: team.name },
    environment: req.environment, version: req.version, commit: req.commit,
    findings: findings.map((f): FindingFact => ({
      id: f.id, title: f.title, priority: f.priority, kind: f.kind, severity: f.severity, kev: f.kev, dueAt: new Date(f.due_at).toISOString(),
      covered: f.status === 'accepted', exceptionId: f.exception_id,
    })),
    commitments: commitments.map((c): CommitmentFact => ({
      id: c.id, kind: c.kind, controlId: c.control_id, title: c.title, findingId: c.finding_id, state: c.state,
      dueAt: new Date(c.due_at).toISOString(), ownerTeam: c.team,
    })),
  };
}
