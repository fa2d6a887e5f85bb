/** /api/health and /api/openapi.json: what a load balancer and a client generator read, without a token. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from '../context.ts';
import type { Env } from './sub-app.ts';

/** Paths answered without a token (the auth middleware lets them through). */
export const publicPaths: readonly string[] = ['/api/health', '/api/openapi.json'];

const healthRoute = createRoute({
  method: 'get',
  path: '/api/health',
  tags: ['meta'],
  summary: 'Whether the server is up, and on which database engine (no token needed)',
  security: [],
  responses: {
    200: {
      description: 'Up',
      content: {
        'application/json': { schema: z.object({ ok: z.boolean(), engine: z.enum(['pglite', 'postgres']) }) },
      },
    },
  },
});

/** Adds the health route and the OpenAPI document (which describes itself too, so every route served is in it). */
export function addMetaRoutes(app: OpenAPIHono<Env>, ctx: Context): void {
  app.openapi(healthRoute, (c) => c.json({ ok: true, engine: ctx.database.engine }, 200));
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/api/openapi.json',
    tags: ['meta'],
    summary: 'This document: OpenAPI 3.1 (no token needed)',
    security: [],
    responses: {
      200: {
        description: 'The OpenAPI document',
        content: { 'application/json': { schema: z.object({ openapi: z.string() }).passthrough() } },
      },
    },
  });
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Entente API',
      version: '0.1.0',
      description: 'Findings, scans and the organisation, shared by IT and Security.',
    },
    security: [{ bearer: [] }],
  });
}
