/** Jira: file an issue for a finding, and Jira's webhook telling Entente an issue's status changed. */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from '../context.ts';
import { EntenteError } from '../errors.ts';
import { jiraDepsOf } from '../integrations/jira/jira-deps.ts';
import { applyIssueStatus, linkCommitment, linkFinding } from '../integrations/jira/jira-service.ts';
import { checkWebhookSecret, issueStatusOf } from '../integrations/jira/jira-webhook.ts';
import { subApp } from './sub-app.ts';
import { errorResponses, idParam } from './schemas.ts';

/** The webhook's path: it authenticates with the shared secret, not a token (src/http/auth.ts lets it through). */
export const jiraWebhookPath = '/api/integrations/jira/webhook';

const linkSchema = z.object({
  findingId: z.number().nullable(),
  commitmentId: z.number().nullable(),
  issueKey: z.string(),
  issueUrl: z.string(),
  project: z.string(),
  status: z.string(),
  statusCategory: z.string().openapi({ description: "Jira's status category: new, indeterminate or done" }),
  lastSyncAt: z.string(),
});
const linked = { 'application/json': { schema: z.object({ created: z.boolean(), link: linkSchema }) } };

const linkRoute = createRoute({
  method: 'post',
  path: '/api/findings/{id}/jira',
  tags: ['jira'],
  summary:
    "File a Jira issue for a finding in its owning team's project (notify.jira.project); again gives the same link",
  request: { params: idParam },
  responses: {
    201: { description: 'The issue filed', content: linked },
    200: { description: 'The finding already had an issue', content: linked },
    ...errorResponses,
  },
});

const linkCommitmentRoute = createRoute({
  method: 'post',
  path: '/api/commitments/{id}/jira',
  tags: ['jira'],
  summary: "File a Jira issue for a commitment in its owning team's project; again gives the same link",
  request: { params: idParam },
  responses: {
    201: { description: 'The issue filed', content: linked },
    200: { description: 'The commitment already had an issue', content: linked },
    ...errorResponses,
  },
});

const webhookRoute = createRoute({
  method: 'post',
  path: jiraWebhookPath,
  tags: ['jira'],
  security: [],
  summary:
    "Jira's webhook (issue updated): authenticated by ENTENTE_JIRA_WEBHOOK_SECRET as ?secret=, an X-Entente-Jira-Secret header or an X-Hub-Signature HMAC; no token",
  request: {
    query: z.object({ secret: z.string().optional() }),
    body: { content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } }, required: true },
  },
  responses: {
    200: {
      description:
        'What the event changed: unknown (an issue Entente does not follow), ignored, unchanged, updated or noted',
      content: { 'application/json': { schema: z.object({ outcome: z.string() }) } },
    },
    ...errorResponses,
  },
});

/** The Jira routes over a context. */
export function jiraRoutes(ctx: Context) {
  return subApp()
    .openapi(linkRoute, async (c) => {
      const r = await linkFinding(jiraDepsOf(ctx), c.get('principal'), c.req.valid('param').id);
      return c.json(r, r.created ? 201 : 200);
    })
    .openapi(linkCommitmentRoute, async (c) => {
      const r = await linkCommitment(jiraDepsOf(ctx), c.get('principal'), c.req.valid('param').id);
      return c.json(r, r.created ? 201 : 200);
    })
    .openapi(webhookRoute, async (c) => {
      const secret = ctx.jira?.webhookSecret;
      if (!secret)
        throw new EntenteError(
          'unavailable',
          "Jira's webhook is not set up on this server: set ENTENTE_JIRA_WEBHOOK_SECRET and give Jira the URL with ?secret=…",
        );
      const body = await c.req.text();
      checkWebhookSecret(
        secret,
        {
          query: c.req.query('secret'),
          header: c.req.header('x-entente-jira-secret'),
          hubSignature: c.req.header('x-hub-signature'),
        },
        body,
      );
      const status = issueStatusOf(c.req.valid('json'));
      if (!status) return c.json({ outcome: 'ignored' }, 200);
      return c.json({ outcome: await applyIssueStatus(jiraDepsOf(ctx), status, 'webhook') }, 200);
    });
}
