/** /admin/api/tokens: API tokens for the server-side /v1 APIs. */
import * as z from "zod/mini";

/** POST /admin/api/tokens. */
export const createTokenRequest = z.strictObject({
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)),
  integrations: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(64))).check(z.maxLength(100))),
});

/** What the routes answer, for the OpenAPI document only: a function, so the Worker bundle leaves it out. */
export function tokenResponses() {
  const token = z.object({
    id: z.string(),
    name: z.string(),
    integrations: z.array(z.string()),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.nullable(z.iso.datetime()),
  });

  /** The token itself is in this response only; signpost keeps its hash. */
  const createdToken = z.object({
    id: z.string(),
    name: z.string(),
    token: z.string(),
    integrations: z.array(z.string()),
    createdAt: z.iso.datetime(),
  });

  const tokenList = z.object({ tokens: z.array(token) });
  return { token, createdToken, tokenList, deleted: z.object({ deleted: z.literal(true), id: z.string() }) };
}
