/**
 * POST /v1/sign — batch signing for labeling backends: up to 1000 URLs, per-URL errors that
 * never fail the batch, one credential fetch per integration per batch (the cache is
 * single-flight), and the same lifetime rules as the redirects.
 */
import { Hono } from "hono";
import type { AppEnv } from "../http/context";
import { parseTtl } from "../http/context";
import { ApiError, toApiError } from "../http/errors";
import { publicError } from "../http/public-error";
import { requireApiToken, requireTokenFor } from "../http/api-auth";
import { clientIp, requireAllowedIp } from "../http/client-ip";
import { config } from "../config";
import { parseObjectUrl } from "../providers/object-url";
import { resolveIntegration, resolveIntegrationForBucket } from "../integrations/resolve";
import { noteUsage } from "../integrations/usage";
import { signObject } from "../signing/sign-object";
import { scheduleRevalidationAfterFailure } from "../ops/revalidate";
import { signRequest } from "../schemas/v1";
import { jsonBody } from "../http/json-body";

type Result = { url: unknown; signedUrl: string; expiresAt: string } | { url: unknown; error: { code: string; message: string } };

export const sign = new Hono<AppEnv>().post("/", async (c) => {
  const caller = await requireApiToken(c.env, c.executionCtx, c.req.raw);
  const { urls, integration, ttl } = await jsonBody(c, signRequest);
  const ttlSeconds = parseTtl(ttl);
  const cfg = config(c.env);
  const ip = clientIp(c.req.raw);
  const named = integration ? await resolveIntegration(c.env, c.executionCtx, integration) : null;
  if (named) c.set("integrationId", named.id);
  if (named) requireTokenFor(caller, named.id);
  const origins = [cfg.s3Endpoint, named?.row.endpoint].filter((o): o is string => !!o);

  const results: Result[] = await Promise.all(
    urls.map(async (url): Promise<Result> => {
      let integrationId: string | undefined;
      try {
        if (typeof url !== "string") throw new ApiError("invalid_url", "Each URL must be a string.");
        const target = parseObjectUrl(url, { pathStyleOrigins: origins }); // S3, GCS or Azure Blob
        const integ = named ?? (await resolveIntegrationForBucket(c.env, c.executionCtx, target.bucket));
        integrationId = integ.id;
        requireTokenFor(caller, integ.id);
        if (integ.row.requireSignedLinks)
          throw new ApiError("invalid_link_signature", "This integration requires signed asset links; mint /v1/assets links with LINK_SIGNING_KEY instead.");
        requireAllowedIp(integ.ipAllowlist, ip, "this integration's ipAllowlist");
        const signed = await signObject(c.env, c.executionCtx, integ, {
          bucket: target.bucket,
          key: target.key,
          regionHint: target.region,
          objectKind: target.kind,
          account: target.account,
          ttl: ttlSeconds,
        });
        noteUsage(c.env, c.executionCtx, integ.id);
        return { url, signedUrl: signed.url, expiresAt: new Date(signed.expiresAt).toISOString() };
      } catch (err) {
        const e = publicError(toApiError(err), c.get("requestId"));
        if (e.code === "role_cannot_be_assumed" && integrationId) scheduleRevalidationAfterFailure(c.env, c.executionCtx, integrationId);
        return { url, error: { code: e.code, message: e.message } };
      }
    }),
  );
  return new Response(JSON.stringify({ results }), {
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      "x-request-id": c.get("requestId"),
    },
  });
});
