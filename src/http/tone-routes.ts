/** /api/tone: does a text read as a partner's? The flags, why, what to write instead, and a rewrite where one is known. */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from '../context.ts';
import { checkTone } from '../voice/check-tone.ts';
import { categories } from '../voice/tone-rules.ts';
import { rulesFor, voiceOf } from '../voice/voice-config.ts';
import { subApp } from './sub-app.ts';
import { errorResponses } from './schemas.ts';

const flagSchema = z
  .object({
    ruleId: z.string(),
    category: z.enum(categories),
    start: z.number().int().openapi({ description: 'offset of the first character (UTF-16 code units, from 0)' }),
    end: z.number().int().openapi({ description: 'offset just past the last character' }),
    text: z.string(),
    why: z.string(),
    suggestion: z.string(),
  })
  .openapi('ToneFlag');

/** The tone verdict as the API returns it (also attached to comments on findings). */
export const toneResultSchema = z
  .object({
    ok: z.boolean(),
    flags: z.array(flagSchema),
    rewrite: z
      .string()
      .nullable()
      .openapi({ description: 'the text with every sentence that matched a whole known pattern rewritten, or null' }),
  })
  .openapi('ToneResult');

const checkRoute = createRoute({
  method: 'post',
  path: '/api/tone',
  tags: ['voice'],
  summary: 'Check a text for blame, gatekeeping, urgency, condescension and compliance used as a hammer',
  request: {
    body: {
      content: { 'application/json': { schema: z.object({ text: z.string().min(1).max(100_000) }).strict() } },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'The verdict: ok when nothing is flagged; a suggestion, never a refusal',
      content: { 'application/json': { schema: toneResultSchema } },
    },
    ...errorResponses,
  },
});

/** The tone route over a context; any authenticated role may use it. */
export function toneRoutes(ctx: Context) {
  const rules = rulesFor(voiceOf(ctx.policy));
  return subApp().openapi(checkRoute, (c) => {
    return c.json(toneVerdict(c.req.valid('json').text, rules), 200);
  });
}

/** The verdict on a text in the API's shape. */
export function toneVerdict(text: string, rules: ReturnType<typeof rulesFor>): z.infer<typeof toneResultSchema> {
  const result = checkTone(text, rules);
  return { ok: result.ok, flags: result.flags, rewrite: result.rewrite ?? null };
}
