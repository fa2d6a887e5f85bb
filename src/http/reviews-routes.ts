/** /api/reviews: review meetings whose agenda writes itself, with their attendees, decisions and action items. */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from '../context.ts';
import {
  addToReview,
  closeReview,
  getReview,
  listReviews,
  newReview,
  type GoalsAtRisk,
} from '../reviews/reviews-service.ts';
import { renderReview, reviewFormats, reviewMediaTypes } from '../reviews/review-formats.ts';
import { agendaRefTypes } from '../reviews/agenda.ts';
import { subApp } from './sub-app.ts';
import { errorBody, errorResponses, idParam } from './schemas.ts';

const section = z.object({
  id: z.enum(['wins', 'actions', 'new', 'due', 'ending', 'waiting', 'goals', 'weakness']),
  heading: z.string(),
  intro: z.string(),
  count: z.number().int(),
  more: z.number().int(),
  moreText: z.string().nullable(),
  items: z.array(
    z.object({
      text: z.string(),
      ref: z.object({ type: z.enum(agendaRefTypes), id: z.number().int().nullable() }).optional(),
    }),
  ),
});

export const reviewSchema = z
  .object({
    id: z.number().int(),
    scope: z.enum(['team', 'org']),
    team: z.string().nullable(),
    cadence: z.enum(['weekly', 'monthly']),
    period: z.object({ from: z.string(), to: z.string() }),
    next: z.string().openapi({ description: 'when the next meeting is (now + the cadence)' }),
    createdBy: z.string(),
    createdAt: z.string(),
    closedAt: z.string().nullable(),
    closedBy: z.string().nullable(),
    attendees: z.array(z.string()),
    decisions: z.array(
      z.object({ id: z.number().int(), text: z.string(), createdBy: z.string(), createdAt: z.string() }),
    ),
    actions: z.array(
      z.object({
        id: z.number().int(),
        title: z.string(),
        ownerTeam: z.string(),
        dueDate: z.string(),
        commitmentId: z.number().int().nullable(),
        state: z.string().nullable(),
      }),
    ),
    summary: z.string(),
    agenda: z.object({
      title: z.string(),
      periodText: z.string(),
      thanks: z.array(z.string()),
      next: z.string(),
      nextDay: z.string(),
      period: z.object({
        from: z.string(),
        to: z.string(),
        fromDay: z.string(),
        toDay: z.string(),
        first: z.boolean(),
      }),
      sections: z.array(section).openapi({
        description:
          "in order: wins, last time's open action items, new, due before the next meeting, exceptions and leases ending, changes and gates waiting, goals at risk, most frequent weakness",
      }),
    }),
  })
  .openapi('Review');

const text = (max: number) => z.string().min(1).max(max);
const action = z
  .object({
    title: text(500),
    team: z.string().min(1),
    due: z.string().openapi({ description: 'the day it is due, 2026-12-21' }),
  })
  .strict();
const extras = z
  .object({
    attendees: z.array(text(200)).max(200).optional(),
    decisions: z.array(text(2_000)).max(100).optional(),
    actions: z.array(action).max(100).optional(),
  })
  .strict();

const responses = {
  ...errorResponses,
  409: { description: 'The review is closed already', content: { 'application/json': { schema: errorBody } } },
} as const;
const one = (description: string) => ({ description, content: { 'application/json': { schema: reviewSchema } } });

const newRoute = createRoute({
  method: 'post',
  path: '/api/reviews',
  tags: ['reviews'],
  summary: 'A new review: its agenda is generated from the data since the last review of the same scope',
  request: {
    body: {
      content: {
        'application/json': {
          schema: z
            .object({
              cadence: z.string().openapi({ description: 'weekly | monthly' }),
              team: z.string().optional().openapi({ description: 'the team (the whole organisation when absent)' }),
            })
            .strict(),
        },
      },
      required: true,
    },
  },
  responses: { 201: one('The review with its agenda'), ...responses },
});

const listRoute = createRoute({
  method: 'get',
  path: '/api/reviews',
  tags: ['reviews'],
  summary: 'Reviews, newest first',
  request: {
    query: z.object({ team: z.string().optional(), limit: z.coerce.number().int().min(1).max(100).default(20) }),
  },
  responses: {
    200: {
      description: 'The reviews',
      content: { 'application/json': { schema: z.object({ items: z.array(reviewSchema) }) } },
    },
    ...responses,
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/api/reviews/{id}',
  tags: ['reviews'],
  summary: 'One review, as JSON or rendered (markdown, html, ics)',
  request: { params: idParam, query: z.object({ format: z.enum(reviewFormats).default('json') }) },
  responses: {
    200: {
      description: 'The review',
      content: {
        'application/json': { schema: reviewSchema },
        'text/markdown': { schema: z.string() },
        'text/html': { schema: z.string() },
        'text/calendar': { schema: z.string().openapi({ description: 'an invitation for the series (RRULE)' }) },
      },
    },
    ...responses,
  },
});

const postRoute = <Path extends string>(path: Path, summary: string, body: z.ZodType) =>
  createRoute({
    method: 'post',
    path: `/api/reviews/{id}/${path}`,
    tags: ['reviews'],
    summary,
    request: {
      params: idParam,
      body: { content: { 'application/json': { schema: body } }, required: path !== 'close' },
    },
    responses: { 200: one('The review'), ...responses },
  });

const closeRoute = postRoute(
  'close',
  'Close a review: record attendees, decisions and action items; each action item becomes a commitment',
  extras,
);
const attendeesRoute = postRoute(
  'attendees',
  'Add attendees to an open review',
  z.object({ attendees: z.array(text(200)).min(1).max(200) }).strict(),
);
const decisionsRoute = postRoute(
  'decisions',
  'Add decisions to an open review',
  z.object({ decisions: z.array(text(2_000)).min(1).max(100) }).strict(),
);
const actionsRoute = postRoute(
  'actions',
  'Add action items to an open review (each becomes a commitment when it closes)',
  z.object({ actions: z.array(action).min(1).max(100) }).strict(),
);

/** The reviews routes over a context; `goalsAtRisk` feeds the agenda's goals section once the scorecard is wired in. */
export function reviewsRoutes(ctx: Context, goalsAtRisk?: GoalsAtRisk) {
  const deps = { db: ctx.database.db, now: ctx.now, policy: ctx.policy, goalsAtRisk };
  return subApp()
    .openapi(newRoute, async (c) => {
      const body = c.req.valid('json');
      return c.json(await newReview(deps, c.get('principal'), { cadence: body.cadence, team: body.team }), 201);
    })
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      return c.json({ items: await listReviews(deps, c.get('principal'), { team: q.team, limit: q.limit }) }, 200);
    })
    .openapi(getRoute, async (c) => {
      const view = await getReview(deps, c.get('principal'), c.req.valid('param').id);
      const format = c.req.valid('query').format;
      if (format === 'json') return c.json(view, 200);
      return new Response(renderReview(view, format), {
        status: 200,
        headers: { 'content-type': reviewMediaTypes[format], 'cache-control': 'no-store' },
      }) as never;
    })
    .openapi(closeRoute, async (c) => {
      const body = (c.req.valid('json') ?? {}) as z.infer<typeof extras>;
      return c.json(await closeReview(deps, c.get('principal'), c.req.valid('param').id, body), 200);
    })
    .openapi(attendeesRoute, async (c) =>
      c.json(
        await addToReview(
          deps,
          c.get('principal'),
          c.req.valid('param').id,
          c.req.valid('json') as { attendees: string[] },
        ),
        200,
      ),
    )
    .openapi(decisionsRoute, async (c) =>
      c.json(
        await addToReview(
          deps,
          c.get('principal'),
          c.req.valid('param').id,
          c.req.valid('json') as { decisions: string[] },
        ),
        200,
      ),
    )
    .openapi(actionsRoute, async (c) =>
      c.json(
        await addToReview(
          deps,
          c.get('principal'),
          c.req.valid('param').id,
          c.req.valid('json') as { actions: { title: string; team: string; due: string }[] },
        ),
        200,
      ),
    );
}
