/**
 * The server-side /v1 APIs (API tokens): what they accept and, for the OpenAPI document, what
 * they answer.
 */
import * as z from "zod/mini";

export const MAX_BATCH = 1000;

const TTL_MESSAGE = "must be a whole number of seconds, at least 1";

/** `ttl` as a JSON number or string; capped by the integration later (SPEC "ttl is a ceiling"). */
export const ttlInput = z.union(
  [
    z.int({ error: TTL_MESSAGE }).check(z.minimum(1, TTL_MESSAGE), z.maximum(999_999_999, TTL_MESSAGE)),
    z.string({ error: TTL_MESSAGE }).check(
      z.regex(/^\d{1,9}$/, TTL_MESSAGE),
      z.refine((s) => Number(s) >= 1, TTL_MESSAGE),
    ),
  ],
  { error: TTL_MESSAGE },
);

/** POST /v1/sign. Each URL is checked on its own: a bad one is a per-URL error, never a failed batch. */
export const signRequest = z.strictObject({
  urls: z
    .array(z.unknown(), { error: `must be an array of 1..${MAX_BATCH} URLs` })
    .check(z.minLength(1, `must be an array of 1..${MAX_BATCH} URLs`), z.maxLength(MAX_BATCH, `must be an array of 1..${MAX_BATCH} URLs`)),
  // Entries are checked one by one (a non-string is that entry's error), so the schema takes any.
  integration: z.optional(z.string({ error: "must be an integration id" })),
  ttl: z.optional(ttlInput),
});

/** Content types a browser or S3 accepts as a header value: type/subtype and parameters. */
const CONTENT_TYPE = /^[a-zA-Z0-9!#$&^_.+-]{1,127}\/[a-zA-Z0-9!#$&^_.+-]{1,127}(\s*;\s*[a-zA-Z0-9!#$&^_.+-]+=("[^"\\\r\n]*"|[a-zA-Z0-9!#$&^_.+-]+))*$/;

/** POST /v1/uploads. A bad `key` is `invalid_key` (see UPLOAD_CODES). */
export const uploadRequest = z.strictObject({
  integration: z.string({ error: "must be an integration id" }).check(z.minLength(1, "must be an integration id")),
  key: z.string({ error: "must be a non-empty string" }).check(z.minLength(1, "must be a non-empty string")),
  contentType: z
    .string({ error: "must be a MIME type such as image/png" })
    .check(z.maxLength(255, "must be a MIME type such as image/png"), z.regex(CONTENT_TYPE, "must be a MIME type such as image/png")),
});
export const UPLOAD_CODES = { key: "invalid_key" } as const;

/** GET /v1/integrations/{id}/objects query. */
export const listObjectsQuery = z.object({
  prefix: z.optional(z.string().check(z.maxLength(1024, "longer than 1024 characters"))),
  cursor: z.optional(z.string().check(z.maxLength(2048, "is not a cursor from a previous page"))),
  limit: z.optional(
    z.string().check(
      z.regex(/^\d{1,4}$/, "must be an integer in 1..1000"),
      z.refine((s) => Number(s) >= 1 && Number(s) <= 1000, "must be an integer in 1..1000"),
    ),
  ),
});

/** What the routes answer, for the OpenAPI document only: a function, so the Worker bundle leaves it out. */
export function v1Responses() {
  const urlError = z.object({ code: z.string(), message: z.string() });

  const sign = z.object({
    results: z.array(
      z.union([z.object({ url: z.string(), signedUrl: z.string(), expiresAt: z.iso.datetime() }), z.object({ url: z.unknown(), error: urlError })]),
    ),
  });

  const listObjects = z.object({
    objects: z.array(
      z.object({
        key: z.string(),
        size: z.number(),
        lastModified: z.string(),
        etag: z.string(),
        /** null for a key no URL can name exactly (SPEC "listing"), with urlError saying why. */
        url: z.nullable(z.string()),
        urlError: z.optional(z.unknown()),
      }),
    ),
    cursor: z.nullable(z.string()),
  });

  const upload = z.object({
    url: z.string(),
    method: z.literal("PUT"),
    headers: z.object({ "content-type": z.string() }),
    expiresAt: z.iso.datetime(),
  });
  return { sign, listObjects, upload };
}
