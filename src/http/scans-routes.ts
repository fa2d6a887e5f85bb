/** /api/scans: upload a report (raw body or multipart "file") for a service; /api/feeds: load KEV or EPSS files. */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from '../context.ts';
import { importReport } from '../scans/import-service.ts';
import { importFeed } from '../feeds/feed-service.ts';
import { requireAction } from '../people/access.ts';
import { checkServiceWrite } from './guards.ts';
import { subApp } from './sub-app.ts';
import { received } from './upload.ts';
import { errorResponses } from './schemas.ts';

const binaryBody = {
  content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
  description: 'The report file as the raw body, or as the field "file" of a multipart/form-data body',
  required: true,
};

/** What an import changed (ImportSummary); an exposure scan's summary gives one per service it imported into. */
export const summarySchema = z
  .object({
    scanId: z.number().int(),
    service: z.string(),
    format: z.string(),
    tools: z.array(z.string()),
    findings: z.number().int(),
    created: z.number().int(),
    closedInReport: z
      .number()
      .int()
      .describe('of those created, how many the report itself closed (suppressed, VEX not affected, dismissed)'),
    unchanged: z.number().int(),
    fixed: z.number().int(),
    reopened: z.number().int(),
    act: z.number().int(),
    attend: z.number().int(),
  })
  .openapi('ImportSummary');

const scanRoute = createRoute({
  method: 'post',
  path: '/api/scans',
  tags: ['scans'],
  summary: 'Import a scanner report for a service (one transaction)',
  request: {
    query: z.object({
      service: z.string().min(1),
      format: z.string().optional(),
      commit: z.string().optional(),
      branch: z.string().optional(),
      name: z.string().optional(),
    }),
    body: binaryBody,
  },
  responses: {
    201: { description: 'What the import changed', content: { 'application/json': { schema: summarySchema } } },
    ...errorResponses,
  },
});

const feedRoute = createRoute({
  method: 'post',
  path: '/api/feeds',
  tags: ['feeds'],
  summary: 'Load a CISA KEV JSON catalogue or an EPSS CSV(.gz) and re-prioritise open findings',
  request: { body: binaryBody },
  responses: {
    200: {
      description: 'What the feed changed',
      content: {
        'application/json': {
          schema: z.object({
            feed: z.enum(['kev', 'epss']),
            entries: z.number().int(),
            findingsChecked: z.number().int(),
            findingsReprioritised: z.number().int(),
            exceptionsLapsed: z.number().int(),
          }),
        },
      },
    },
    ...errorResponses,
  },
});

/** The scan and feed upload routes over a context. */
export function scansRoutes(ctx: Context) {
  const deps = { db: ctx.database.db, policy: ctx.policy, now: ctx.now, rows: ctx.importRows };
  return subApp()
    .openapi(scanRoute, async (c) => {
      const who = c.get('principal');
      const q = c.req.valid('query');
      // Checked before the body is read: a refused upload is never spooled or parsed.
      await checkServiceWrite(deps.db, who, q.service, 'import reports');
      const upload = await received(c, q.name ?? 'upload');
      try {
        const summary = await importReport(deps, {
          service: q.service,
          input: await upload.report(),
          format: q.format,
          commit: q.commit,
          branch: q.branch,
          actor: who.actor,
        });
        ctx.nudgeNotifications?.(); // its e-mails leave now rather than at the next delivery run
        return c.json(summary, 201);
      } finally {
        await upload.dispose();
      }
    })
    .openapi(feedRoute, async (c) => {
      const who = c.get('principal');
      requireAction(who, 'load exploitation feeds');
      const upload = await received(c, 'feed', 'the feed file');
      try {
        return c.json(await importFeed(deps, upload.name, await upload.bytes(), who.actor), 200);
      } finally {
        await upload.dispose();
      }
    });
}
