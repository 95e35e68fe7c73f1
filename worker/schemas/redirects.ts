/**
 * GET /v1/assets/… and /v1/redirect: the query they read. The hot path parses these by hand
 * (worker/routes/assets.ts, redirect.ts: no schema run per redirect); this describes the same
 * parameters for the OpenAPI document, as a function so the Worker bundle leaves it out.
 */
import * as z from "zod/mini";

export function redirectSchemas() {
  const passThroughs = {
    ttl: z.optional(z.string().check(z.regex(/^\d{1,9}$/), z.describe("Seconds, at least 1; capped by the integration's urlTtlSeconds."))),
    "response-content-type": z.optional(z.string().check(z.describe("Signed into the presigned URL: the Content-Type the bucket answers with."))),
    "response-content-disposition": z.optional(z.string().check(z.describe("Signed into the presigned URL: the Content-Disposition the bucket answers with."))),
  };
  return {
    assetQuery: z.object({
      ...passThroughs,
      exp: z.optional(z.string().check(z.regex(/^\d+$/), z.describe("Signed links: expiry, unix seconds."))),
      sig: z.optional(
        z.string().check(z.regex(/^[0-9a-f]{64}$/), z.describe('Signed links: hex(HMAC-SHA256(LINK_SIGNING_KEY, "GET\\n" + path + "\\n" + exp)).')),
      ),
    }),
    redirectQuery: z.object({
      url: z.string().check(z.describe("An S3 (virtual-hosted, path-style, s3://), GCS (gs://, https) or Azure Blob (az://, https) object URL.")),
      integration: z.optional(z.string().check(z.describe("An integration id; without it, the integration whose scopes match the bucket, else the default."))),
      ...passThroughs,
    }),
  };
}
