/** GET /api/findings/export: the findings a filter selects as SARIF, CSV or CycloneDX VEX, streamed as a file download. */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from '../context.ts';
import { exportFormats, prepareExport } from '../export/export-service.ts';
import { sorts } from '../findings/query.ts';
import { subApp } from './sub-app.ts';
import { errorResponses, rowId } from './schemas.ts';
import { policyCalendar } from '../policy/calendar.ts';

const list = (v: string | undefined): string[] | undefined =>
  v
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const file = (description: string) => ({ schema: z.string().openapi({ description }) });

const exportRoute = createRoute({
  method: 'get',
  path: '/api/findings/export',
  tags: ['findings'],
  summary: 'Export findings as SARIF 2.1.0, CSV or CycloneDX 1.6 VEX (same filters as the list; streamed)',
  request: {
    query: z.object({
      format: z.enum(exportFormats).openapi({
        description:
          'sarif (code-scanning dashboards), csv (spreadsheets), cyclonedx-vex (tell other tools what not to raise again)',
      }),
      service: z.string().optional(),
      team: z.string().optional(),
      status: z.string().optional().openapi({
        description:
          'comma list of open, in_progress, fixed, false_positive, accepted, or "all"; default per format: csv open,in_progress; sarif all; cyclonedx-vex false_positive,accepted',
      }),
      priority: z.string().optional().openapi({ description: 'comma list of act, attend, track*, track' }),
      severity: z.string().optional(),
      tool: z.string().optional(),
      kind: z.string().optional(),
      cve: z.string().optional(),
      cwe: z.coerce.number().pipe(rowId).optional(),
      q: z.string().max(200).optional(),
      overdue: z.enum(['true', 'false']).optional(),
      sort: z.enum(sorts).default('priority'),
    }),
  },
  responses: {
    200: {
      description: "The export as a file (Content-Disposition names it); engineers get their own teams' findings",
      content: {
        'application/sarif+json': file('a SARIF 2.1.0 log, one run per tool'),
        'text/csv': file('RFC 4180 CSV with a header row, one row per finding'),
        'application/vnd.cyclonedx+json': file('a CycloneDX 1.6 VEX document'),
      },
    },
    ...errorResponses,
  },
});

/** The export route over a context; mounted before the findings routes so "export" is never read as a finding id. */
export function exportRoutes(ctx: Context) {
  const deps = {
    db: ctx.database.db,
    now: ctx.now,
    epssHigh: ctx.policy.epss.high,
    calendar: policyCalendar(ctx.policy),
  };
  return subApp().openapi(exportRoute, async (c) => {
    const q = c.req.valid('query');
    const prepared = await prepareExport(deps, c.get('principal'), {
      format: q.format,
      sort: q.sort,
      filter: {
        service: q.service,
        team: q.team,
        status: list(q.status),
        priority: list(q.priority),
        severity: list(q.severity),
        tool: q.tool,
        kind: q.kind,
        cve: q.cve,
        cwe: q.cwe,
        q: q.q,
        overdue: q.overdue === 'true',
      },
    });
    return new Response(toStream(prepared.chunks), {
      status: 200,
      headers: {
        'content-type': prepared.contentType,
        'content-disposition': `attachment; filename="${prepared.fileName}"`,
        'cache-control': 'no-store',
      },
    }) as never;
  });
}

/** Text chunks as a byte stream that reads the next page only when the client has taken the last one. */
function toStream(chunks: AsyncIterable<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const it = chunks[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await it.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (e) {
        console.error('export failed while streaming', e);
        controller.error(e);
      }
    },
    async cancel() {
      await it.return?.(undefined);
    },
  });
}
