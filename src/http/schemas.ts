/** Schemas shared by several routes: the error body, row ids. (The finding view's schema is the findings domain's.) */
import { z } from '@hono/zod-openapi';

export const errorBody = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) }),
  })
  .openapi('Error');

/** Standard error responses every authenticated route can give. */
export const errorResponses = {
  400: {
    description: 'The request is not valid; the message says what and where',
    content: { 'application/json': { schema: errorBody } },
  },
  401: { description: 'No token, or an unknown one', content: { 'application/json': { schema: errorBody } } },
  403: { description: "The token's role may not do this", content: { 'application/json': { schema: errorBody } } },
  404: { description: 'Not found', content: { 'application/json': { schema: errorBody } } },
  429: {
    description:
      'Too many requests with a missing or unknown token from this address; the Retry-After header says when to try again',
    headers: { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } } },
    content: { 'application/json': { schema: errorBody } },
  },
} as const;

/** A row id as the database stores it (a 32-bit integer): a larger one is bad input, not a failed query. */
export const rowId = z.number().int().positive().max(2_147_483_647);
/**
 * A path's `{id}`: digits only, as the database gave it. `0x10`, ` 1`, `1e3`, `01`, `-1` and `1.0` would all read as
 * numbers (JavaScript's Number() takes them) but are no id anyone was given: they are bad input on every route.
 */
export const idParam = z.object({
  id: z
    .string()
    .regex(
      /^[1-9][0-9]*$/,
      'an id is a whole number in plain digits, such as 42 (no sign, spaces, leading zeros, decimals or exponents)',
    )
    .transform(Number)
    .pipe(rowId)
    .openapi({ param: { name: 'id', in: 'path' }, type: 'integer', example: 42 }),
});
