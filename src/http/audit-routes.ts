/** /api/audit: the audit log's entries (filtered, paged), its streamed export for auditors, and its verification. */
import { Readable } from 'node:stream';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from '../context.ts';
import { listAudit, timeBound } from '../audit/audit-query.ts';
import { auditExportFormats, prepareAuditExport } from '../audit/audit-export.ts';
import { verifyAudit } from '../audit/verify.ts';
import { requireAction } from '../people/access.ts';
import { subApp } from './sub-app.ts';
import { errorResponses } from './schemas.ts';

const time = (what: string) =>
  z
    .string()
    .optional()
    .openapi({
      description: `${what}: a date (2026-03-01, midnight UTC) or a date and time with its zone (2026-03-01T09:00:00Z)`,
    });

const entrySchema = z
  .object({
    id: z.string(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    entity: z.string(),
    entityId: z.string().nullable(),
    before: z.unknown(),
    after: z.unknown(),
    prevHash: z.string().openapi({ description: 'the hash of the entry before (64 zeros for the first)' }),
    hash: z.string().openapi({ description: 'SHA-256 over prevHash and the entry (docs/DESIGN-NOTES.md, Audit)' }),
    keyId: z
      .string()
      .nullable()
      .openapi({ description: 'the audit key that sealed the entry; null for entries written before sealing' }),
    seal: z.string().nullable().openapi({ description: 'HMAC-SHA256 of the hash under the audit key' }),
  })
  .openapi('AuditEntry');

const verificationSchema = z
  .object({
    ok: z.boolean(),
    entries: z
      .number()
      .int()
      .openapi({ description: 'entries found intact before the first problem (all of them when ok)' }),
    problem: z.enum(['altered', 'missing', 'missing_at_end', 'unknown_key', 'checkpoint_altered']).optional(),
    brokenAt: z.string().optional().openapi({ description: 'the entry where the problem shows' }),
    message: z.string().openapi({ description: 'what was found, in one sentence' }),
    checkpoints: z.number().int().openapi({ description: 'checkpoints the chain was compared with' }),
  })
  .openapi('AuditVerification');

const listRoute = createRoute({
  method: 'get',
  path: '/api/audit',
  tags: ['audit'],
  summary: 'Audit log entries, newest first (admin, auditor, security)',
  request: {
    query: z.object({
      entity: z.string().optional().openapi({ description: 'e.g. finding, scan, service, change, exception' }),
      entityId: z.string().optional(),
      actor: z.string().optional(),
      action: z.string().optional().openapi({ description: 'e.g. finding.update, scan.import' }),
      from: time('entries at or after'),
      to: time('entries before'),
      limit: z.coerce.number().int().min(1).max(500).default(100),
      cursor: z.string().optional().openapi({ description: "the previous page's `next`" }),
    }),
  },
  responses: {
    200: {
      description: 'A page of entries',
      content: {
        'application/json': { schema: z.object({ items: z.array(entrySchema), next: z.string().nullable() }) },
      },
    },
    ...errorResponses,
  },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/api/audit/export',
  tags: ['audit'],
  summary: 'Export the audit log with its chain fields, streamed (admin, auditor, security)',
  request: {
    query: z.object({
      format: z.enum(auditExportFormats).default('jsonl'),
      from: time('from the first entry at or after'),
      to: time('to the last entry before'),
    }),
  },
  responses: {
    200: {
      description:
        'Every entry of the range, oldest first, contiguous in the chain (Content-Disposition names the file)',
      content: {
        'application/jsonl': {
          schema: z.string().openapi({ description: 'one entry per line, before/after in canonical JSON' }),
        },
        'text/csv': { schema: z.string().openapi({ description: 'RFC 4180 CSV with a header row' }) },
      },
    },
    ...errorResponses,
  },
});

const verifyRoute = createRoute({
  method: 'get',
  path: '/api/audit/verify',
  tags: ['audit'],
  summary: "Recompute the audit log's chain and seals and compare it with its checkpoints (admin, auditor, security)",
  responses: {
    200: {
      description: 'Whether the log is intact, and if not what was found where',
      content: { 'application/json': { schema: verificationSchema } },
    },
    ...errorResponses,
  },
});

/** The audit routes over a context. */
export function auditRoutes(ctx: Context) {
  const db = ctx.database.db;
  return subApp()
    .openapi(listRoute, async (c) => {
      requireAction(c.get('principal'), 'read the audit log');
      const q = c.req.valid('query');
      const filter = {
        entity: q.entity,
        entityId: q.entityId,
        actor: q.actor,
        action: q.action,
        from: timeBound(q.from, 'from'),
        to: timeBound(q.to, 'to'),
      };
      return c.json(await listAudit(db, filter, q.limit, q.cursor), 200);
    })
    .openapi(exportRoute, async (c) => {
      requireAction(c.get('principal'), 'export the audit log');
      const q = c.req.valid('query');
      const prepared = await prepareAuditExport(db, {
        format: q.format,
        from: timeBound(q.from, 'from'),
        to: timeBound(q.to, 'to'),
      });
      // A byte stream that reads the next page only when the client has taken the last one.
      const body = Readable.toWeb(Readable.from(prepared.chunks, { objectMode: false })) as ReadableStream<Uint8Array>;
      return new Response(body, {
        status: 200,
        headers: {
          'content-type': prepared.contentType,
          'content-disposition': `attachment; filename="${prepared.fileName}"`,
          'cache-control': 'no-store',
        },
      }) as never;
    })
    .openapi(verifyRoute, async (c) => {
      requireAction(c.get('principal'), 'verify the audit log');
      return c.json(await verifyAudit(db), 200);
    });
}
