/** Applies an organisation file: creates and updates teams, people and services; removes nothing silently. */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { badInput } from '../errors.ts';
import { recordAudit } from '../audit/audit.ts';
import type { OrgFile, ServiceSpec, TeamSpec } from './org-file.ts';
import { pgJson } from '../db/pg-json.ts';
import { canonicalJson } from '../canonical-json.ts';
import { summariseNotify } from './team-notify.ts';

/** Re-decides the priorities of one service's findings after its exposure or criticality changed (the caller's step). */
export type ReprioritiseService = (trx: Kysely<DB>, serviceId: number, now: Date) => Promise<unknown>;

/** Who applies the file, when, and the step that re-prioritises a changed service's findings (none: left as they are). */
export interface OrgApplyOptions {
  prune: boolean;
  actor: string;
  now: Date;
  reprioritise?: ReprioritiseService | undefined;
}

export interface OrgApplySummary {
  teams: { created: string[]; updated: string[]; unchanged: string[] };
  services: { created: string[]; updated: string[]; unchanged: string[]; missing: string[]; archived: string[] };
}

/** Makes the database match the file; services absent from it are reported, and archived only with `prune`. */
export async function applyOrg(db: Kysely<DB>, org: OrgFile, opts: OrgApplyOptions): Promise<OrgApplySummary> {
  return db.transaction().execute(async (trx) => {
    const known = new Set((await trx.selectFrom('teams').select('name').execute()).map((t) => t.name));
    for (const s of org.services) {
      if (!known.has(s.owner) && !org.teams.some((t) => t.name === s.owner)) {
        throw badInput(`service "${s.name}": owner team "${s.owner}" is neither in the file nor known to Entente`, {
          path: `services.${s.name}.owner`,
        });
      }
    }
    const summary: OrgApplySummary = {
      teams: { created: [], updated: [], unchanged: [] },
      services: { created: [], updated: [], unchanged: [], missing: [], archived: [] },
    };
    for (const t of org.teams) summary.teams[await upsertTeam(trx, t, opts)].push(t.name);
    for (const s of org.services) summary.services[await upsertService(trx, s, opts)].push(s.name);
    const inFile = new Set(org.services.map((s) => s.name));
    const others = await trx.selectFrom('services').select(['id', 'name']).where('archived_at', 'is', null).execute();
    // An empty list is far more often a wrong or cut file than a wish to archive everything.
    if (opts.prune && org.services.length === 0 && others.length > 0) {
      throw badInput(
        `the file lists no services, so pruning would archive every service (${others.length}); list the services to keep, or apply without prune`,
        { path: 'services' },
      );
    }
    for (const s of others.filter((x) => !inFile.has(x.name))) {
      if (opts.prune) {
        await trx.updateTable('services').set({ archived_at: opts.now }).where('id', '=', s.id).execute();
        await recordAudit(trx, {
          actor: opts.actor,
          action: 'service.archive',
          entity: 'service',
          entityId: s.id,
          before: { name: s.name },
          at: opts.now,
        });
        summary.services.archived.push(s.name);
      } else summary.services.missing.push(s.name);
    }
    return summary;
  });
}

type Outcome = 'created' | 'updated' | 'unchanged';

async function upsertTeam(trx: Kysely<DB>, t: TeamSpec, opts: { actor: string; now: Date }): Promise<Outcome> {
  const before = await trx.selectFrom('teams').selectAll().where('name', '=', t.name).executeTakeFirst();
  const memberEmails = [...new Set([...(t.lead ? [t.lead] : []), ...t.members])];
  const values = { kind: t.kind, lead_email: t.lead ?? null };
  const notify = t.notify ?? null;
  let id: number;
  let outcome: Outcome;
  if (!before) {
    id = (
      await trx
        .insertInto('teams')
        .values({ name: t.name, ...values, notify: notify && pgJson(notify) })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    outcome = 'created';
  } else {
    id = before.id;
    const oldMembers = (
      await trx
        .selectFrom('team_members')
        .innerJoin('people', 'people.id', 'team_members.person_id')
        .select('people.email')
        .where('team_id', '=', id)
        .execute()
    )
      .map((m) => m.email)
      .sort();
    const same =
      before.kind === t.kind
      && before.lead_email === values.lead_email
      && before.archived_at === null
      && JSON.stringify(oldMembers) === JSON.stringify([...memberEmails].sort())
      && canonicalJson(before.notify ?? null) === canonicalJson(notify ?? null) /* jsonb keeps no key order */;
    if (same) return 'unchanged';
    await trx
      .updateTable('teams')
      .set({ ...values, notify: notify && pgJson(notify), archived_at: null, updated_at: opts.now })
      .where('id', '=', id)
      .execute();
    outcome = 'updated';
  }
  await setMembers(trx, id, memberEmails);
  // The audit log shows which channels changed (and to which host), never a webhook URL's path or a secret.
  await recordAudit(trx, {
    actor: opts.actor,
    action: `team.${outcome === 'created' ? 'create' : 'update'}`,
    entity: 'team',
    entityId: id,
    before: before ? { ...before, notify: summariseNotify(before.notify) } : null,
    after: { name: t.name, ...values, notify: summariseNotify(notify), members: memberEmails },
    at: opts.now,
  });
  return outcome;
}

async function setMembers(trx: Kysely<DB>, teamId: number, emails: string[]): Promise<void> {
  if (emails.length) {
    await sql`insert into people (email) select * from unnest(${emails}::text[]) on conflict (email) do nothing`.execute(
      trx,
    );
  }
  await trx.deleteFrom('team_members').where('team_id', '=', teamId).execute();
  if (emails.length) {
    await sql`insert into team_members (team_id, person_id) select ${teamId}, id from people where email = any(${emails}::text[])`.execute(
      trx,
    );
  }
}

async function upsertService(trx: Kysely<DB>, s: ServiceSpec, opts: OrgApplyOptions): Promise<Outcome> {
  const owner = await trx.selectFrom('teams').select('id').where('name', '=', s.owner).executeTakeFirstOrThrow();
  const values = {
    owner_team_id: owner.id,
    criticality: s.criticality,
    exposure: s.exposure,
    data_class: s.data,
    repositories: s.repositories,
    hosts: s.hosts,
    compliance: s.compliance,
  };
  const before = await trx.selectFrom('services').selectAll().where('name', '=', s.name).executeTakeFirst();
  if (!before) {
    const { id } = await trx
      .insertInto('services')
      .values({ name: s.name, ...values })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor: opts.actor,
      action: 'service.create',
      entity: 'service',
      entityId: id,
      after: { name: s.name, ...values },
      at: opts.now,
    });
    return 'created';
  }
  const same =
    before.archived_at === null
    && (Object.keys(values) as (keyof typeof values)[]).every(
      (k) => JSON.stringify(before[k]) === JSON.stringify(values[k]),
    );
  if (same) return 'unchanged';
  await trx
    .updateTable('services')
    .set({ ...values, archived_at: null, updated_at: opts.now })
    .where('id', '=', before.id)
    .execute();
  // Ownership moves with the service: its findings (open or closed) belong to the new owner team.
  if (before.owner_team_id !== owner.id) {
    await trx.updateTable('findings').set({ owner_team_id: owner.id }).where('service_id', '=', before.id).execute();
  }
  // Exposure and criticality are inputs of every finding's priority.
  if (opts.reprioritise && (before.exposure !== s.exposure || before.criticality !== s.criticality)) {
    await opts.reprioritise(trx, before.id, opts.now);
  }
  await recordAudit(trx, {
    actor: opts.actor,
    action: 'service.update',
    entity: 'service',
    entityId: before.id,
    before,
    after: { name: s.name, ...values },
    at: opts.now,
  });
  return 'updated';
}

/** A team as the API lists it: its kind, lead, members' emails and its channels (hosts only, never their secrets). */
export interface TeamView {
  id: number;
  name: string;
  kind: string;
  lead: string | null;
  members: string[];
  notify: ReturnType<typeof summariseNotify>;
}

/** The teams not archived, by name, each with its members (by email). */
export async function listTeams(db: Kysely<DB>): Promise<TeamView[]> {
  const teams = await db.selectFrom('teams').selectAll().where('archived_at', 'is', null).orderBy('name').execute();
  const members = await db
    .selectFrom('team_members')
    .innerJoin('people', 'people.id', 'team_members.person_id')
    .select(['team_id', 'email'])
    .orderBy('email')
    .execute();
  return teams.map((t) => ({
    id: t.id,
    name: t.name,
    kind: t.kind,
    lead: t.lead_email,
    members: members.filter((m) => m.team_id === t.id).map((m) => m.email),
    notify: summariseNotify(t.notify),
  }));
}

/** A service as the API lists it: its owner team's name, criticality, exposure, data class and where it lives. */
export interface ServiceView {
  id: number;
  name: string;
  owner: string;
  criticality: number;
  exposure: string;
  data: string;
  repositories: string[];
  hosts: string[];
  compliance: string[];
}

/** The services not archived, by name, with their owner team. */
export async function listServices(db: Kysely<DB>): Promise<ServiceView[]> {
  const rows = await db
    .selectFrom('services')
    .innerJoin('teams', 'teams.id', 'services.owner_team_id')
    .selectAll('services')
    .select('teams.name as owner')
    .where('services.archived_at', 'is', null)
    .orderBy('services.name')
    .execute();
  return rows.map((s) => ({
    id: s.id,
    name: s.name,
    owner: s.owner,
    criticality: s.criticality,
    exposure: s.exposure,
    data: s.data_class,
    repositories: s.repositories,
    hosts: s.hosts,
    compliance: s.compliance,
  }));
}
