/**
 * Exports: the findings a filter selects (the same filters as the list), written as SARIF, CSV or CycloneDX VEX and
 * streamed page by page. `prepareExport` checks everything that can be wrong before the first byte is written, so a
 * mistake is a clear 400 / exit 2 rather than a half-written file.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { badInput } from '../errors.ts';
import type { FindingsDeps } from '../findings/findings-service.ts';
import { sorts, type FindingFilter, type Sort } from '../findings/query.ts';
import { checkFindingFilter } from '../findings/filter-check.ts';
import { readableTeams } from '../people/access.ts';
import type { Principal } from '../people/tokens.ts';
import { csvChunks } from './csv.ts';
import { vexChunks } from './cyclonedx-vex.ts';
import { findingPages, type ExportFinding } from './finding-pages.ts';
import { sarifChunks, type SarifRun } from './sarif.ts';
import { calendarOf } from '../policy/calendar.ts';

export const exportFormats = ['sarif', 'csv', 'cyclonedx-vex'] as const;
export type ExportFormat = (typeof exportFormats)[number];

/** What each format exports when no status is asked for: what the format is for. */
const defaultStatuses: Record<ExportFormat, string[]> = {
  csv: ['open', 'in_progress'], // the open work, like `entente findings`
  sarif: ['all'], // a dashboard also learns what was closed, and why
  'cyclonedx-vex': ['false_positive', 'accepted'], // what other tools should stop raising
};

export interface ExportRequest {
  format: string;
  filter: Omit<FindingFilter, 'teamIds'>;
  sort?: string | undefined;
}

/** A ready export: how to label it, and its body as text chunks. */
export interface PreparedExport {
  format: ExportFormat;
  contentType: string;
  fileName: string;
  chunks: AsyncIterable<string>;
}

const contentTypes: Record<ExportFormat, string> = {
  sarif: 'application/sarif+json',
  csv: 'text/csv; charset=utf-8; header=present',
  'cyclonedx-vex': 'application/vnd.cyclonedx+json; version=1.6',
};
const extensions: Record<ExportFormat, string> = { sarif: 'sarif', csv: 'csv', 'cyclonedx-vex': 'cdx.json' };

/** Checks the request and the caller's reach, and returns the export ready to stream. Engineers export their teams' findings. */
export async function prepareExport(deps: FindingsDeps, who: Principal, req: ExportRequest): Promise<PreparedExport> {
  const format = req.format as ExportFormat;
  if (!exportFormats.includes(format))
    throw badInput(`we export ${exportFormats.join(', ')}; "${req.format}" is not one of them (format)`, {
      field: 'format',
    });
  const sort = (req.sort ?? 'priority') as Sort;
  if (!sorts.includes(sort))
    throw badInput(`sort takes ${sorts.join(', ')}; "${req.sort}" is not one of them`, { field: 'sort' });
  const filter: FindingFilter = {
    ...req.filter,
    status: req.filter.status?.length ? req.filter.status : defaultStatuses[format],
  };
  await checkFindingFilter(deps.db, filter);
  filter.teamIds = readableTeams(who);
  const now = deps.now();
  const scope = filter.service ?? filter.team ?? 'all';
  const fileName = `entente-findings-${safeName(scope)}-${(deps.calendar ?? calendarOf('UTC')).dayOf(now)}.${extensions[format]}`;
  const pages = () => findingPages(deps, filter, sort);
  const chunks =
    format === 'csv'
      ? csvChunks(pages())
      : format === 'cyclonedx-vex'
        ? vexChunks(pages(), {
            exportedAt: now.toISOString(),
            serialNumber: `urn:uuid:${randomUUID()}`,
            subject: filter.service,
            version: '0.1.0',
          })
        : sarifChunks(toolRuns(deps, filter, sort), { scope: safeName(scope), exportedAt: now.toISOString() });
  return { format, contentType: contentTypes[format], fileName, chunks };
}

/**
 * One SARIF run per tool that first reported a finding (its fingerprint names that tool). Each run walks the filter
 * narrowed to findings that tool reported and keeps those it reported first, so every finding is in exactly one run.
 */
async function* toolRuns(deps: FindingsDeps, filter: FindingFilter, sort: Sort): AsyncGenerator<SarifRun> {
  for (const tool of await primaryTools(deps, filter)) {
    const key = tool.toLowerCase();
    yield { tool, pages: ownPages(findingPages(deps, { ...filter, tool: filter.tool ?? tool }, sort), key) };
  }
}

async function* ownPages(pages: AsyncIterable<ExportFinding[]>, key: string): AsyncGenerator<ExportFinding[]> {
  for await (const page of pages) yield page.filter((f) => f.tool.toLowerCase() === key);
}

// The tools findings were first reported by, one spelling per tool (the fingerprint lower-cases the name).
async function primaryTools(deps: FindingsDeps, filter: FindingFilter): Promise<string[]> {
  let q = deps.db
    .selectFrom('findings as f')
    .select(sql<string>`min(f.tool)`.as('tool'))
    .groupBy(sql`lower(f.tool)`)
    .orderBy(sql`lower(f.tool)`);
  if (filter.service !== undefined)
    q = q.where('f.service_id', '=', deps.db.selectFrom('services').select('id').where('name', '=', filter.service));
  if (filter.teamIds) q = q.where('f.owner_team_id', 'in', filter.teamIds.length ? filter.teamIds : [-1]);
  return (await q.execute()).map((r) => r.tool);
}

const safeName = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80) || 'all';
