/** /api/findings: list with filters and cursor, read one with its thread, change status, assignee or comment. */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from '../context.ts';
import { getFinding, listFindings, updateFinding } from '../findings/findings-service.ts';
import { checkFindingFilter } from '../findings/filter-check.ts';
import { sorts } from '../findings/query.ts';
import { subApp } from './sub-app.ts';
import { errorResponses, idParam, rowId } from './schemas.ts';
import { commentSchema, findingSchema } from '../findings/finding-schema.ts';
import { toneResultSchema, toneVerdict } from './tone-routes.ts';
import { rulesFor, voiceOf } from '../voice/voice-config.ts';
import { readableTeams } from '../people/access.ts';
import { checkRead } from './guards.ts';
import { policyCalendar } from '../policy/calendar.ts';

const list = (v: string | undefined): string[] | undefined =>
  v
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const listRoute = createRoute({
  method: 'get',
  path: '/api/findings',
  tags: ['findings'],
  summary: 'List findings, most urgent first',
  request: {
    query: z.object({
      service: z.string().optional(),
      team: z.string().optional(),
      status: z.string().optional().openapi({
        description:
          'comma list of open, in_progress, fixed, false_positive, accepted, or "all"; default open,in_progress',
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
      limit: z.coerce.number().int().min(1).max(500).default(50),
      cursor: z.string().optional(),
    }),
  },
  responses: {
    200: {
      description: 'A page of findings',
      content: {
        'application/json': { schema: z.object({ items: z.array(findingSchema), next: z.string().nullable() }) },
      },
    },
    ...errorResponses,
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/api/findings/{id}',
  tags: ['findings'],
  summary: 'One finding with its sources and comment thread',
  request: { params: idParam },
  responses: {
    200: {
      description: 'The finding',
      content: { 'application/json': { schema: findingSchema.extend({ comments: z.array(commentSchema) }) } },
    },
    ...errorResponses,
  },
});

const patchRoute = createRoute({
  method: 'patch',
  path: '/api/findings/{id}',
  tags: ['findings'],
  summary: 'Change status or assignee, or add a comment',
  request: {
    params: idParam,
    body: {
      content: {
        'application/json': {
          schema: z
            .object({
              status: z.enum(['open', 'in_progress', 'fixed', 'false_positive']).optional(),
              assignee: z.string().email().nullable().optional(),
              comment: z.string().max(20_000).optional(),
            })
            .strict(),
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description:
        'The finding after the change; a comment comes back with a tone check as a suggestion (it is never refused for its tone)',
      content: {
        'application/json': {
          schema: findingSchema.extend({ comments: z.array(commentSchema), commentTone: toneResultSchema.optional() }),
        },
      },
    },
    ...errorResponses,
  },
});

/** The findings routes over a context. */
export function findingsRoutes(ctx: Context) {
  const deps = {
    db: ctx.database.db,
    now: ctx.now,
    epssHigh: ctx.policy.epss.high,
    calendar: policyCalendar(ctx.policy),
  };
  const rules = rulesFor(voiceOf(ctx.policy));
  return subApp()
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      const filter = {
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
      };
      await checkFindingFilter(deps.db, filter);
      const page = await listFindings(
        deps,
        { ...filter, teamIds: readableTeams(c.get('principal')) },
        q.sort,
        q.limit,
        q.cursor,
      );
      return c.json(page, 200);
    })
    .openapi(getRoute, async (c) => {
      const id = c.req.valid('param').id;
      await checkRead(deps.db, c.get('principal'), 'finding', id);
      return c.json(await getFinding(deps, id), 200);
    })
    .openapi(patchRoute, async (c) => {
      const body = c.req.valid('json');
      const updated = await updateFinding(deps, c.get('principal'), c.req.valid('param').id, body);
      const comment = body.comment?.trim();
      return c.json(comment ? { ...updated, commentTone: toneVerdict(comment, rules) } : updated, 200);
    });
}
