/** /api/org, /api/teams, /api/services: apply the organisation file and read what it made. */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from '../context.ts';
import { parseOrgFile } from '../people/org-file.ts';
import { applyOrg, listServices, listTeams } from '../people/org-service.ts';
import { reprioritiseServiceWith } from '../findings/reprioritise.ts';
import { requireAction } from '../people/access.ts';
import { subApp } from './sub-app.ts';
import { errorResponses } from './schemas.ts';

const names = z.object({ created: z.array(z.string()), updated: z.array(z.string()), unchanged: z.array(z.string()) });

const applyRoute = createRoute({
  method: 'post',
  path: '/api/org',
  tags: ['organisation'],
  summary: 'Apply an organisation file (YAML or JSON body)',
  request: {
    query: z.object({ prune: z.enum(['true', 'false']).default('false') }),
    body: { content: { 'application/yaml': { schema: z.string() } }, required: true },
  },
  responses: {
    200: {
      description: 'What changed',
      content: {
        'application/json': {
          schema: z.object({
            teams: names,
            services: names.extend({ missing: z.array(z.string()), archived: z.array(z.string()) }),
          }),
        },
      },
    },
    ...errorResponses,
  },
});

const teamsRoute = createRoute({
  method: 'get',
  path: '/api/teams',
  tags: ['organisation'],
  summary: 'Teams and their members',
  responses: {
    200: {
      description: 'Teams',
      content: {
        'application/json': {
          schema: z.object({
            items: z.array(
              z.object({
                id: z.number(),
                name: z.string(),
                kind: z.string(),
                lead: z.string().nullable(),
                members: z.array(z.string()),
                notify: z
                  .object({
                    slack: z.string().nullable(),
                    teams: z.string().nullable(),
                    webhook: z.string().nullable(),
                    jira: z.string().nullable(),
                  })
                  .openapi({
                    description:
                      'Which channels the team has: the host each goes to (or env:NAME), and its Jira project; never a URL path or secret',
                  }),
              }),
            ),
          }),
        },
      },
    },
    ...errorResponses,
  },
});

const servicesRoute = createRoute({
  method: 'get',
  path: '/api/services',
  tags: ['organisation'],
  summary: 'Services with their owner team, criticality and exposure',
  responses: {
    200: {
      description: 'Services',
      content: {
        'application/json': {
          schema: z.object({
            items: z.array(
              z.object({
                id: z.number(),
                name: z.string(),
                owner: z.string(),
                criticality: z.number(),
                exposure: z.string(),
                data: z.string(),
                repositories: z.array(z.string()),
                hosts: z.array(z.string()),
                compliance: z.array(z.string()),
              }),
            ),
          }),
        },
      },
    },
    ...errorResponses,
  },
});

/** The organisation routes over a context. */
export function orgRoutes(ctx: Context) {
  const db = ctx.database.db;
  return subApp()
    .openapi(applyRoute, async (c) => {
      const who = c.get('principal');
      requireAction(who, 'apply the organisation file');
      const org = parseOrgFile(await c.req.text(), 'request body');
      return c.json(
        await applyOrg(db, org, {
          prune: c.req.valid('query').prune === 'true',
          actor: who.actor,
          now: ctx.now(),
          reprioritise: reprioritiseServiceWith(ctx.policy),
        }),
        200,
      );
    })
    .openapi(teamsRoute, async (c) => c.json({ items: await listTeams(db) }, 200))
    .openapi(servicesRoute, async (c) => c.json({ items: await listServices(db) }, 200));
}
