/**
 * Exposure: a network scan records what is open on which host; each open port on a host a service lists is matched
 * against the approved changes in force, and what none covers becomes a finding for the service's team through the
 * normal import lifecycle (one run of the "Entente exposure" tool per service: covered or closed ports end fixed,
 * ports that come back reopen). Hosts no service lists are reported with how to route them.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Policy } from '../policy/policy.ts';
import { recordAudit } from '../audit/audit.ts';
import type { ReportInput } from '../imports/types.ts';
import { importParsed, type ImportSummary } from '../scans/import-service.ts';
import type { ChangeFields } from '../changes/change-request.ts';
import { inScope, readScan, type Observation, type ScanRead } from './observations.ts';
import { coverageOf, exposureFinding, exposureTool, type CoveringChange, type OpenPort } from './exposure-rules.ts';
import { exposureMessages } from './exposure-messages.ts';
import { pgJson } from '../db/pg-json.ts';
import { policyCalendar } from '../policy/calendar.ts';

export interface ExposureDeps {
  db: Kysely<DB>;
  policy: Policy;
  now: () => Date;
}

export interface ServiceExposure {
  service: string;
  team: string;
  open: number;
  covered: number;
  unapproved: number;
  import: ImportSummary;
}

export interface ExposureSummary {
  importId: number;
  format: string;
  tools: string[];
  open: number;
  closed: number;
  covered: number;
  unapproved: number;
  services: ServiceExposure[];
  undeclared: { host: string; ports: string[]; advice: string }[];
  message: string;
}

interface ServiceRow {
  id: number;
  name: string;
  team: string;
  teamId: number;
  exposure: string;
  hosts: string[];
}

/** Records a scan's open ports, then brings every service whose hosts it looked at up to date. */
export async function importExposure(
  deps: ExposureDeps,
  req: { input: ReportInput; format?: string | undefined; actor: string },
): Promise<ExposureSummary> {
  const scan = await readScan(req.input, req.format);
  const now = deps.now();
  const { importId, closed } = await deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('exposure_imports')
      .values({
        file_name: req.input.name,
        format: scan.format,
        tools: scan.tools,
        actor: req.actor,
        summary: '{}',
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await upsertOpen(trx, scan.observations, row.id, now);
    const closedCount = await closeUnseen(trx, scan, row.id, now);
    return { importId: row.id, closed: closedCount };
  });
  const services = await servicesOf(deps.db);
  const touched = services.filter((s) => s.hosts.some((h) => scan.hosts.has(h)));
  const results = await reassess(deps, touched, req.actor);
  const declared = new Set(services.flatMap((s) => s.hosts));
  const undeclared = undeclaredHosts(scan.observations, declared);
  const covered = results.reduce((n, r) => n + r.covered, 0);
  const unapproved = results.reduce((n, r) => n + r.unapproved, 0);
  const summary: ExposureSummary = {
    importId,
    format: scan.format,
    tools: scan.tools,
    open: scan.observations.length,
    closed,
    covered,
    unapproved,
    services: results,
    undeclared,
    message: exposureMessages.summary.render({
      open: scan.observations.length,
      covered,
      unapproved,
      closed,
      undeclared: undeclared.length,
    }),
  };
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('exposure_imports')
      .set({ summary: pgJson(summary) })
      .where('id', '=', importId)
      .execute();
    await recordAudit(trx, {
      actor: req.actor,
      action: 'exposure.import',
      entity: 'exposure_import',
      entityId: importId,
      after: {
        file: req.input.name,
        format: scan.format,
        open: summary.open,
        closed,
        covered,
        unapproved,
        undeclared: undeclared.map((u) => u.host),
      },
      at: now,
    });
  });
  return summary;
}

/** Re-matches the stored open ports of these services (all when undefined) against the changes in force now:
 * what a lease ending uncovered becomes a finding, what a new approval covers ends fixed. */
export async function reassessExposure(
  deps: ExposureDeps,
  serviceIds: number[] | undefined,
  actor: string,
): Promise<ServiceExposure[]> {
  const services = (await servicesOf(deps.db)).filter(
    (s) => s.hosts.length > 0 && (!serviceIds || serviceIds.includes(s.id)),
  );
  // Only services exposure has looked at before: one with no stored open port and no exposure finding is left alone.
  const seen = await deps.db
    .selectFrom('scans')
    .select('service_id')
    .distinct()
    .where(sql<boolean>`${exposureTool} = any(tools)`)
    .execute();
  const seenIds = new Set(seen.map((s) => s.service_id));
  return reassess(
    deps,
    services.filter((s) => seenIds.has(s.id)),
    actor,
  );
}

async function reassess(deps: ExposureDeps, services: ServiceRow[], actor: string): Promise<ServiceExposure[]> {
  const now = deps.now();
  const out: ServiceExposure[] = [];
  for (const s of services.sort((a, b) => a.name.localeCompare(b.name))) {
    const ports = await openPortsOn(deps.db, s.hosts);
    const changes = await changesOn(deps.db, s.hosts);
    let covered = 0;
    const findings = ports.flatMap((p) => {
      const c = coverageOf(p, changes, now);
      if (c.covered) {
        covered++;
        return [];
      }
      return [exposureFinding(deps.policy.changes, p, s, c, policyCalendar(deps.policy))];
    });
    const summary = await importParsed(deps, {
      service: s.name,
      format: 'exposure',
      fileName: 'exposure',
      tools: [exposureTool],
      findings,
      actor,
    });
    out.push({
      service: s.name,
      team: s.team,
      open: ports.length,
      covered,
      unapproved: findings.length,
      import: summary,
    });
  }
  return out;
}

async function upsertOpen(trx: Kysely<DB>, observations: Observation[], importId: number, now: Date): Promise<void> {
  if (observations.length === 0) return;
  const rows = observations.map((o) => ({
    host: o.host,
    port: o.port,
    protocol: o.protocol,
    service_name: o.serviceName,
    product: o.product,
    hostnames: o.hostnames,
    tool: o.tool,
  }));
  await sql`insert into exposure_observations (host, port, protocol, service_name, product, hostnames, state, tool, first_seen_at, last_seen_at, import_id)
    select r.host, r.port, r.protocol, r.service_name, r.product, array(select jsonb_array_elements_text(r.hostnames)), 'open', r.tool, ${now}, ${now}, ${importId}
    from jsonb_to_recordset(${pgJson(rows)}::jsonb) as r(host text, port int, protocol text, service_name text, product text, hostnames jsonb, tool text)
    on conflict (host, port, protocol) do update set state = 'open', service_name = excluded.service_name, product = excluded.product,
      hostnames = excluded.hostnames, tool = excluded.tool, last_seen_at = excluded.last_seen_at, closed_at = null, import_id = excluded.import_id,
      first_seen_at = case when exposure_observations.state = 'closed' then excluded.first_seen_at else exposure_observations.first_seen_at end`.execute(
    trx,
  );
}

// A port the scan looked at, on a host it looked at, that it did not see open is closed now.
async function closeUnseen(trx: Kysely<DB>, scan: ScanRead, importId: number, now: Date): Promise<number> {
  const hosts = [...scan.hosts];
  if (hosts.length === 0) return 0;
  const open = await trx
    .selectFrom('exposure_observations')
    .select(['id', 'host', 'port', 'protocol'])
    .where('state', '=', 'open')
    .where('host', 'in', hosts)
    .execute();
  const seen = new Set(scan.observations.map((o) => `${o.host}|${o.port}|${o.protocol}`));
  const gone = open
    .filter((o) => !seen.has(`${o.host}|${o.port}|${o.protocol}`) && inScope(scan.ports, o.port, o.protocol))
    .map((o) => o.id);
  if (gone.length === 0) return 0;
  await trx
    .updateTable('exposure_observations')
    .set({ state: 'closed', closed_at: now, import_id: importId })
    .where('id', 'in', gone)
    .execute();
  return gone.length;
}

async function servicesOf(db: Kysely<DB>): Promise<ServiceRow[]> {
  const rows = await db
    .selectFrom('services')
    .innerJoin('teams', 'teams.id', 'services.owner_team_id')
    .select([
      'services.id',
      'services.name',
      'services.exposure',
      'services.hosts',
      'teams.name as team',
      'teams.id as teamId',
    ])
    .where('services.archived_at', 'is', null)
    .orderBy('services.id')
    .execute();
  return rows.map((r) => ({ ...r, hosts: r.hosts.map((h) => h.toLowerCase()) }));
}

async function openPortsOn(db: Kysely<DB>, hosts: string[]): Promise<OpenPort[]> {
  if (hosts.length === 0) return [];
  const rows = await db
    .selectFrom('exposure_observations')
    .select(['host', 'hostnames', 'port', 'protocol', 'service_name', 'product'])
    .where('state', '=', 'open')
    .where((eb) => eb.or([eb('host', 'in', hosts), sql<boolean>`hostnames && ${hosts}::text[]`]))
    .orderBy('host')
    .orderBy('port')
    .execute();
  return rows.map((r) => ({
    host: r.host,
    hostnames: r.hostnames,
    port: r.port,
    protocol: r.protocol,
    serviceName: r.service_name,
    product: r.product,
  }));
}

async function changesOn(db: Kysely<DB>, hosts: string[]): Promise<CoveringChange[]> {
  if (hosts.length === 0) return [];
  const rows = await db
    .selectFrom('change_requests')
    .select(['id', 'status', 'hosts', 'fields', 'starts_at', 'ends_at'])
    .where('status', 'in', ['approved', 'approved_with_safeguards', 'implemented', 'recertified', 'expired'])
    .where(sql<boolean>`hosts && ${hosts}::text[]`)
    .orderBy('id')
    .execute();
  return rows.map((r) => {
    const f = r.fields as unknown as ChangeFields;
    return {
      id: r.id,
      status: r.status,
      hosts: r.hosts,
      transport: f.transport,
      ports: f.ports,
      startsAt: new Date(r.starts_at),
      endsAt: r.ends_at ? new Date(r.ends_at) : null,
    };
  });
}

function undeclaredHosts(observations: Observation[], declared: Set<string>): ExposureSummary['undeclared'] {
  const byHost = new Map<string, string[]>();
  for (const o of observations) {
    if ([o.host, ...o.hostnames].some((h) => declared.has(h))) continue;
    byHost.set(o.host, [...(byHost.get(o.host) ?? []), `${o.port}/${o.protocol}`]);
  }
  return [...byHost.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([host, ports]) => ({ host, ports, advice: exposureMessages.undeclaredHost.render({ host, ports }) }));
}

export interface ExposureFilter {
  host?: string | undefined;
  state?: 'open' | 'closed' | 'all' | undefined;
  limit: number;
  teamIds?: number[] | undefined; // only hosts these teams' services list (what the caller may read; never from request input)
}

export interface ExposureView {
  host: string;
  hostnames: string[];
  port: number;
  protocol: string;
  service: string;
  product: string | null;
  state: 'open' | 'closed';
  firstSeenAt: string;
  lastSeenAt: string;
  closedAt: string | null;
  owner: string | null;
  coveredBy: number | null;
}

/** The stored observations (open ones unless `state` says otherwise), each with the service that lists its host and the change covering it now. */
export async function listExposure(deps: ExposureDeps, filter: ExposureFilter): Promise<ExposureView[]> {
  const services = await servicesOf(deps.db);
  let q = deps.db.selectFrom('exposure_observations').selectAll().orderBy('host').orderBy('port').limit(filter.limit);
  if (filter.state !== 'all') q = q.where('state', '=', filter.state ?? 'open');
  if (filter.host) q = q.where('host', '=', filter.host.toLowerCase());
  if (filter.teamIds) {
    // Only hosts these teams' services list; a host no service lists belongs to no team, so only the roles that read
    // every team's records see it.
    const hosts = services.filter((s) => filter.teamIds!.includes(s.teamId)).flatMap((s) => s.hosts);
    if (hosts.length === 0) return [];
    q = q.where((eb) => eb.or([eb('host', 'in', hosts), sql<boolean>`hostnames && ${hosts}::text[]`]));
  }
  const rows = await q.execute();
  const hosts = [...new Set(rows.flatMap((r) => [r.host, ...r.hostnames]))];
  const changes = await changesOn(deps.db, hosts);
  const now = deps.now();
  return rows.map((r) => {
    const names = [r.host, ...r.hostnames];
    const owner = services.find((s) => s.hosts.some((h) => names.includes(h)));
    const port: OpenPort = {
      host: r.host,
      hostnames: r.hostnames,
      port: r.port,
      protocol: r.protocol,
      serviceName: r.service_name,
      product: r.product,
    };
    const c = coverageOf(port, changes, now);
    return {
      host: r.host,
      hostnames: r.hostnames,
      port: r.port,
      protocol: r.protocol,
      service: r.service_name,
      product: r.product,
      state: r.state,
      firstSeenAt: new Date(r.first_seen_at).toISOString(),
      lastSeenAt: new Date(r.last_seen_at).toISOString(),
      closedAt: r.closed_at ? new Date(r.closed_at).toISOString() : null,
      owner: owner?.name ?? null,
      coveredBy: c.covered ? c.changeId : null,
    };
  });
}
