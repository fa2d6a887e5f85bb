/** Schemas shared by several routes: the error body and the finding view. */
import { z } from '@hono/zod-openapi';

export const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) }),
}).openapi('Error');

/** Standard error responses every authenticated route can give. */
export const errorResponses = {
  400: { description: 'The request is not valid; the message says what and where', content: { 'application/json': { schema: errorBody } } },
  401: { description: 'No token, or an unknown one', content: { 'application/json': { schema: errorBody } } },
  403: { description: 'The token\'s role may not do this', content: { 'application/json': { schema: errorBody } } },
  404: { description: 'Not found', content: { 'application/json': { schema: errorBody } } },
  429: {
    description: 'Too many requests with a missing or unknown token from this address; the Retry-After header says when to try again',
    headers: { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } } },
    content: { 'application/json': { schema: errorBody } },
  },
} as const;

export const findingSchema = z.object({
  id: z.number().int(),
  service: z.string(),
  ownerTeam: z.string(),
  title: z.string(),
  kind: z.string(),
  severity: z.string(),
  priority: z.string(),
  priorityReasons: z.array(z.string()),
  status: z.string(),
  dueAt: z.string().openapi({ description: 'the end of the day it is due, in the organisation\'s time zone (the policy\'s time_zone)' }),
  dueDate: z.string().openapi({ description: 'the day it is due (2026-12-21); overdue from the next day on' }),
  overdue: z.boolean(),
  tool: z.string(),
  ruleId: z.string(),
  sources: z.array(z.object({ tool: z.string(), ruleId: z.string(), present: z.boolean() })),
  aliases: z.array(z.string()),
  cwes: z.array(z.number()),
  cvss: z.object({ score: z.number().nullable(), vector: z.string().nullable() }),
  kev: z.boolean(),
  epss: z.number().nullable(),
  component: z.object({ name: z.string().nullable(), version: z.string().nullable(), purl: z.string().nullable(), fixedVersion: z.string().nullable() }),
  location: z.object({ file: z.string().nullable(), line: z.number().nullable(), url: z.string().nullable(), parameter: z.string().nullable(), host: z.string().nullable(), port: z.number().nullable() }),
  assignee: z.string().nullable(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  fixedAt: z.string().nullable(),
  reopenedCount: z.number().int(),
  fingerprint: z.string(),
  recipe: z.string(),
  description: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
}).openapi('Finding');

export const commentSchema = z.object({ id: z.number().int(), author: z.string(), body: z.string(), createdAt: z.string() }).openapi('Comment');

/** A row id as the database stores it (a 32-bit integer): a larger one is bad input, not a failed query. */
export const rowId = z.number().int().positive().max(2_147_483_647);
/**
 * A path's `{id}`: digits only, as the database gave it. `0x10`, ` 1`, `1e3`, `01`, `-1` and `1.0` would all read as
 * numbers (JavaScript's Number() takes them) but are no id anyone was given: they are bad input on every route.
 */
export const idParam = z.object({
  id: z.string().regex(/^[1-9][0-9]*$/, 'an id is a whole number in plain digits, such as 42 (no sign, spaces, leading zeros, decimals or exponents)')
    .transform(Number).pipe(rowId).openapi({ param: { name: 'id', in: 'path' }, type: 'integer', example: 42 }),
});
