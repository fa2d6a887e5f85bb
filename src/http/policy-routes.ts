/**
 * /api/policy: the policy in force and the revisions gates were decided under, read by every role (it decides
 * everyone's gates and due dates); a candidate file checked without changing anything; a diff between two revisions.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from '../context.ts';
import { EntenteError } from '../errors.ts';
import { formatPolicy, parsePolicy, type Policy } from '../policy/policy.ts';
import { policyIdentity } from '../gates/gate-service.ts';
import { diffLines } from '../policy/policy-diff.ts';
import { errorResponses } from './schemas.ts';
import { subApp } from './sub-app.ts';

const revisionSchema = z.object({
  id: z.number().int(),
  digest: z.string(),
  createdAt: z.string(),
  inForce: z.boolean(),
});

const showRoute = createRoute({
  method: 'get',
  path: '/api/policy',
  tags: ['policy'],
  summary:
    'The policy in force (as YAML, with its digest) and the revisions gate decisions were made under, newest first',
  responses: {
    200: {
      description: 'The policy',
      content: {
        'application/json': {
          schema: z.object({
            digest: z.string(),
            yaml: z.string(),
            revisions: z.array(revisionSchema),
          }),
        },
      },
    },
    ...errorResponses,
  },
});

const checkRoute = createRoute({
  method: 'post',
  path: '/api/policy/check',
  tags: ['policy'],
  summary:
    'Check a candidate policy file (YAML) without changing anything: every mistake with its path, or what it holds',
  request: {
    body: {
      content: { 'application/json': { schema: z.object({ text: z.string().max(1_000_000) }).strict() } },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'The verdict',
      content: {
        'application/json': {
          schema: z.object({
            ok: z.boolean(),
            mistakes: z.array(z.string()),
            digest: z.string().nullable(),
            rules: z.number().int().nullable(),
            controls: z.number().int().nullable(),
          }),
        },
      },
    },
    ...errorResponses,
  },
});

const revisionRef = z.string().regex(/^(current|[1-9]\d{0,9})$/, 'a revision id, or "current" for the policy in force');
const diffRoute = createRoute({
  method: 'get',
  path: '/api/policy/diff',
  tags: ['policy'],
  summary: 'The line diff between two policy revisions (ids from GET /api/policy, or "current")',
  request: { query: z.object({ from: revisionRef, to: revisionRef.default('current') }) },
  responses: {
    200: {
      description: 'The diff',
      content: {
        'application/json': {
          schema: z.object({
            from: z.string(),
            to: z.string(),
            changed: z.boolean(),
            lines: z.array(z.object({ op: z.enum([' ', '-', '+']), text: z.string() })),
          }),
        },
      },
    },
    ...errorResponses,
  },
});

/** The policy routes over a context. */
export function policyRoutes(ctx: Context) {
  const db = ctx.database.db;
  const policyOf = async (ref: string): Promise<Policy> => {
    if (ref === 'current') return ctx.policy;
    const row = await db.selectFrom('policy_revisions').select('body').where('id', '=', Number(ref)).executeTakeFirst();
    if (!row) throw new EntenteError('not_found', `no policy revision ${ref}; GET /api/policy lists them`);
    return row.body as unknown as Policy;
  };
  return subApp()
    .openapi(showRoute, async (c) => {
      // The digest gate decisions record, so the revision in force is the one with the same digest.
      const digest = policyIdentity(ctx.policy).digest;
      const rows = await db
        .selectFrom('policy_revisions')
        .select(['id', 'digest', 'created_at'])
        .orderBy('id', 'desc')
        .limit(100)
        .execute();
      return c.json(
        {
          digest,
          yaml: formatPolicy(ctx.policy),
          revisions: rows.map((r) => ({
            id: r.id,
            digest: r.digest,
            createdAt: new Date(r.created_at).toISOString(),
            inForce: r.digest === digest,
          })),
        },
        200,
      );
    })
    .openapi(checkRoute, (c) => {
      try {
        const p = parsePolicy(c.req.valid('json').text, 'the policy');
        return c.json(
          {
            ok: true,
            mistakes: [],
            digest: policyIdentity(p).digest,
            rules: p.gates.rules.length,
            controls: p.controls.length,
          },
          200,
        );
      } catch (e) {
        if (!(e instanceof EntenteError) || e.code !== 'bad_input') throw e;
        return c.json({ ok: false, mistakes: e.message.split('\n'), digest: null, rules: null, controls: null }, 200);
      }
    })
    .openapi(diffRoute, async (c) => {
      const { from, to } = c.req.valid('query');
      // Both sides with their keys sorted (the database keeps JSON keys in an order of its own), as copies, so that shared
      // parts of the defaults print in full rather than as YAML anchors on one side only.
      const yamlOf = async (ref: string): Promise<string> => formatPolicy(sortedKeys(await policyOf(ref)) as Policy);
      const lines = diffLines(await yamlOf(from), await yamlOf(to));
      return c.json({ from, to, changed: lines.some((l) => l.op !== ' '), lines }, 200);
    });
}

// A deep copy whose object keys are in alphabetical order.
function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortedKeys((v as Record<string, unknown>)[k])]),
    );
  return v;
}
