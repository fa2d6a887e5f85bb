/** /api/views: the Findings list's saved views, per team (a name and the list's filter). */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from '../context.ts';
import { deleteView, listViews, saveView } from '../findings/saved-views.ts';
import { subApp } from './sub-app.ts';
import { errorResponses, idParam } from './schemas.ts';

const viewSchema = z
  .object({
    id: z.number().int(),
    team: z.string(),
    name: z.string(),
    query: z
      .string()
      .openapi({ description: "the Findings list's filter as a query string, e.g. service=checkout-api&priority=act" }),
    createdBy: z.string(),
    updatedAt: z.string(),
  })
  .openapi('SavedView');

const listRoute = createRoute({
  method: 'get',
  path: '/api/views',
  tags: ['findings'],
  summary: 'The saved views of the teams the caller may read',
  responses: {
    200: {
      description: 'The views',
      content: { 'application/json': { schema: z.object({ items: z.array(viewSchema) }) } },
    },
    ...errorResponses,
  },
});

const saveRoute = createRoute({
  method: 'post',
  path: '/api/views',
  tags: ['findings'],
  summary: 'Save a view for a team (one of the same name is replaced)',
  request: {
    body: {
      content: {
        'application/json': {
          schema: z
            .object({ team: z.string().min(1).max(200), name: z.string().max(100), query: z.string().max(2_000) })
            .strict(),
        },
      },
      required: true,
    },
  },
  responses: {
    201: { description: 'The saved view', content: { 'application/json': { schema: viewSchema } } },
    ...errorResponses,
  },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/api/views/{id}',
  tags: ['findings'],
  summary: 'Delete a saved view',
  request: { params: idParam },
  responses: { 204: { description: 'Deleted' }, ...errorResponses },
});

/** The saved views routes over a context. */
export function viewsRoutes(ctx: Context) {
  const db = ctx.database.db;
  return subApp()
    .openapi(listRoute, async (c) => c.json({ items: await listViews(db, c.get('principal')) }, 200))
    .openapi(saveRoute, async (c) =>
      c.json(await saveView(db, c.get('principal'), c.req.valid('json'), ctx.now()), 201),
    )
    .openapi(deleteRoute, async (c) => {
      await deleteView(db, c.get('principal'), c.req.valid('param').id, ctx.now());
      return c.body(null, 204);
    });
}
