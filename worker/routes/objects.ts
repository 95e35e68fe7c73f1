/**
 * GET /v1/integrations/{id}/objects?prefix=&cursor=&limit= — ListObjectsV2 on the
 * integration's first scope, with a ready /v1/assets URL per object (signed when the
 * integration requires signed links).
 */
import { Hono } from "hono";
import type { AppEnv } from "../http/context";
import { ApiError, errorBody } from "../http/errors";
import { publicSafe } from "../http/public-error";
import { requireApiToken, requireTokenFor } from "../http/api-auth";
import { clientIp, requireAllowedIp } from "../http/client-ip";
import { linkSignature } from "../http/link-signature";
import { config } from "../config";
import { assertSafeKey, encodeS3Key } from "../lib/object-key";
import { listObjectsV2, S3Error } from "../aws/s3-api";
import { resolveIntegration } from "../integrations/resolve";
import { credentialsFor } from "../providers/aws/credentials";
import { maxTtlFor, signingRegion } from "../providers/aws/sign";
import { queryInput } from "../schemas/parse";
import { listObjectsQuery } from "../schemas/v1";

export const objects = new Hono<AppEnv>().get("/:id/objects", async (c) => {
  const caller = await requireApiToken(c.env, c.executionCtx, c.req.raw);
  const integ = await resolveIntegration(c.env, c.executionCtx, c.req.param("id"));
  c.set("integrationId", integ.id);
  requireTokenFor(caller, integ.id);
  requireAllowedIp(integ.ipAllowlist, clientIp(c.req.raw), "this integration's ipAllowlist");
  if (integ.row.provider !== "aws_role" && integ.row.provider !== "aws_keys") {
    throw new ApiError("invalid_request", `Listing is available for AWS and S3-compatible integrations; this one is ${integ.row.provider}.`);
  }
  const cfg = config(c.env);
  const scope = integ.scopes[0];
  if (!scope)
    throw new ApiError(
      "invalid_request",
      "This integration has no scopes, so there is no bucket to list.",
      "Add a scope (bucket or bucket/prefix/) to the integration.",
    );

  const q = queryInput(listObjectsQuery, c.req.url);
  const limitRaw = q.limit ?? "100";
  const cursor = q.cursor || null;
  let prefix = q.prefix ?? "";
  if (prefix === "" || scope.prefix.startsWith(prefix)) prefix = scope.prefix; // narrow to the scope
  if (!prefix.startsWith(scope.prefix)) {
    throw new ApiError(
      "scope_not_allowed",
      `prefix "${prefix.slice(0, 200)}" is outside the scope ${scope.bucket}/${scope.prefix}.`,
      `Use a prefix that starts with "${scope.prefix}".`,
    );
  }

  const lease = await credentialsFor(c.env, c.executionCtx, integ, Date.now() + 60_000);
  let page;
  try {
    page = await listObjectsV2(
      { creds: lease.creds, region: signingRegion(integ, null), endpoint: integ.row.endpoint ?? cfg.s3Endpoint, retry: cfg.outbound },
      scope.bucket,
      { prefix, continuationToken: cursor, maxKeys: Number(limitRaw) },
    );
  } catch (err) {
    if (err instanceof S3Error && err.status === 403) {
      throw publicSafe(
        new ApiError(
          "upstream_error",
          `S3 refused the listing: the role is missing s3:ListBucket on bucket ${scope.bucket}.`,
          "Allow s3:ListBucket on the bucket in the role's permissions policy (the integration's checks show the exact policy).",
        ),
      );
    }
    if (err instanceof S3Error && err.awsCode === "InvalidArgument" && cursor)
      throw new ApiError("invalid_request", "cursor: is not a cursor from a previous page.");
    throw new ApiError("upstream_error", `S3 could not list the bucket: ${err instanceof S3Error ? `${err.awsCode}: ${err.message}` : "unexpected error"}.`);
  }

  const origin = new URL(c.req.url).origin;
  const signed = integ.row.requireSignedLinks && c.env.LINK_SIGNING_KEY;
  const exp = Math.floor(Date.now() / 1000) + maxTtlFor(integ, cfg.defaultUrlTtl);
  const items = await Promise.all(
    page.objects.map(async (o) => {
      const base = { key: o.key, size: o.size, lastModified: o.lastModified, etag: o.etag };
      try {
        assertSafeKey(o.key); // `.`/`..` segments: every HTTP stack would resolve the link to another object
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        return { ...base, url: null, urlError: errorBody(err) };
      }
      const path = `/v1/assets/${integ.id}/${scope.bucket}/${encodeS3Key(o.key)}`;
      const url = signed ? `${origin}${path}?exp=${exp}&sig=${await linkSignature(c.env.LINK_SIGNING_KEY!, path, exp)}` : origin + path;
      return { ...base, url };
    }),
  );
  return new Response(JSON.stringify({ objects: items, cursor: page.nextToken }), {
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "x-request-id": c.get("requestId") },
  });
});
