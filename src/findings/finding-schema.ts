/** The finding view and its comments as zod schemas: the API documents them and the TypeScript types are inferred from them. */
import { z } from '@hono/zod-openapi';

/** A finding as people and the API see it: the contract, and (by inference) the FindingView type. */
export const findingSchema = z
  .object({
    id: z.number().int(),
    service: z.string(),
    ownerTeam: z.string(),
    title: z.string(),
    kind: z.string(),
    severity: z.string(),
    priority: z.string(),
    priorityReasons: z.array(z.string()),
    status: z.string(),
    dueAt: z.string().openapi({
      description: "the end of the day it is due, in the organisation's time zone (the policy's time_zone)",
    }),
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
    component: z.object({
      name: z.string().nullable(),
      version: z.string().nullable(),
      purl: z.string().nullable(),
      fixedVersion: z.string().nullable(),
    }),
    location: z.object({
      file: z.string().nullable(),
      line: z.number().nullable(),
      url: z.string().nullable(),
      parameter: z.string().nullable(),
      host: z.string().nullable(),
      port: z.number().nullable(),
    }),
    assignee: z.string().nullable(),
    firstSeenAt: z.string(),
    lastSeenAt: z.string(),
    fixedAt: z.string().nullable(),
    reopenedCount: z.number().int(),
    fingerprint: z.string(),
    recipe: z.string(),
    description: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
  })
  .openapi('Finding');

/** A comment on a finding. */
export const commentSchema = z
  .object({ id: z.number().int(), author: z.string(), body: z.string(), createdAt: z.string() })
  .openapi('Comment');
