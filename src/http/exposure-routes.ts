/** /api/exposure: upload a host scan (raw body or multipart "file"), and list what is open on which host. */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from '../context.ts';
import { importExposure, listExposure } from '../exposure/exposure-service.ts';
import { readableTeams, requireAction } from '../people/access.ts';
import { subApp } from './sub-app.ts';
import { received } from './upload.ts';
import { errorResponses } from './schemas.ts';
import { summarySchema as importSummarySchema } from './scans-routes.ts';

const summarySchema = z
  .object({
    importId: z.number().int(),
    format: z.string(),
    tools: z.array(z.string()),
    open: z.number().int(),
    closed: z.number().int(),
    covered: z.number().int(),
    unapproved: z.number().int(),
    services: z.array(
      z.object({
        service: z.string(),
        team: z.string(),
        open: z.number().int(),
        covered: z.number().int(),
        unapproved: z.number().int(),
        import: importSummarySchema, // the findings import for this service, as POST /api/scans answers it
      }),
    ),
    undeclared: z.array(z.object({ host: z.string(), ports: z.array(z.string()), advice: z.string() })),
    message: z.string(),
  })
  .openapi('ExposureSummary');

const observationSchema = z
  .object({
    host: z.string(),
    hostnames: z.array(z.string()),
    port: z.number().int(),
    protocol: z.string(),
    service: z.string(),
    product: z.string().nullable(),
    state: z.enum(['open', 'closed']),
    firstSeenAt: z.string(),
    lastSeenAt: z.string(),
    closedAt: z.string().nullable(),
    owner: z.string().nullable().openapi({ description: 'the service that lists the host' }),
    coveredBy: z.number().int().nullable().openapi({ description: 'the approved change covering it now' }),
  })
  .openapi('ExposureObservation');

const importRoute = createRoute({
  method: 'post',
  path: '/api/exposure',
  tags: ['exposure'],
  summary: 'Record a host scan; open ports no approved change covers become findings',
  request: {
    query: z.object({ format: z.string().optional(), name: z.string().optional() }),
    body: {
      content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
      description: 'nmap XML (or Nessus, OpenVAS) as the raw body or the multipart field "file"',
      required: true,
    },
  },
  responses: {
    201: {
      description: 'What the scan showed and changed',
      content: { 'application/json': { schema: summarySchema } },
    },
    ...errorResponses,
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/api/exposure',
  tags: ['exposure'],
  summary: 'What is open on which host, who owns it and which change covers it',
  request: {
    query: z.object({
      host: z.string().optional(),
      state: z.enum(['open', 'closed', 'all']).default('open'),
      limit: z.coerce.number().int().min(1).max(1000).default(200),
    }),
  },
  responses: {
    200: {
      description: 'Observations',
      content: { 'application/json': { schema: z.object({ items: z.array(observationSchema) }) } },
    },
    ...errorResponses,
  },
});

/** The exposure routes over a context. */
export function exposureRoutes(ctx: Context) {
  const deps = { db: ctx.database.db, policy: ctx.policy, now: ctx.now };
  return subApp()
    .openapi(importRoute, async (c) => {
      const who = c.get('principal');
      requireAction(who, 'send host scans (exposure)');
      const q = c.req.valid('query');
      const upload = await received(c, q.name ?? 'scan', 'the scan report (e.g. nmap -oX)');
      try {
        return c.json(
          await importExposure(deps, { input: await upload.report(), format: q.format, actor: who.actor }),
          201,
        );
      } finally {
        await upload.dispose();
      }
    })
    .openapi(listRoute, async (c) =>
      c.json(
        { items: await listExposure(deps, { ...c.req.valid('query'), teamIds: readableTeams(c.get('principal')) }) },
        200,
      ),
    );
}
