/** GET /v1/redirect?url={S3, GCS or Azure Blob URL}[&integration={id}] — 302 to a presigned GET of that object (an HLS playlist: 200, rewritten). */
import { Hono } from "hono";
import type { AppEnv } from "../http/context";
import { parseTtl } from "../http/context";
import { ApiError } from "../http/errors";
import { clientIp, requireAllowedIp } from "../http/client-ip";
import { config } from "../config";
import { ACCEPTED_URL_FORMS, parseObjectUrl } from "../providers/object-url";
import { resolveIntegration, resolveIntegrationForBucket } from "../integrations/resolve";
import { objectResponse } from "./object-response";

export const redirect = new Hono<AppEnv>().on(["GET", "HEAD"], "/", async (c) => {
  const params = new URL(c.req.url).searchParams;
  const url = params.get("url");
  if (!url) throw new ApiError("invalid_url", "The url parameter is missing.", ACCEPTED_URL_FORMS);
  const cfg = config(c.env);
  const integrationId = params.get("integration");
  const named = integrationId ? await resolveIntegration(c.env, c.executionCtx, integrationId) : null;
  if (named) c.set("integrationId", named.id);
  const pathStyleOrigins = [cfg.s3Endpoint, named?.row.endpoint].filter((o): o is string => !!o);
  const target = parseObjectUrl(url, { pathStyleOrigins }); // S3 forms, then gs:// / GCS, then az:// / Azure Blob
  const integ = named ?? (await resolveIntegrationForBucket(c.env, c.executionCtx, target.bucket));
  c.set("integrationId", integ.id);
  if (integ.row.requireSignedLinks) {
    throw new ApiError(
      "invalid_link_signature",
      "This integration requires signed links, which /v1/redirect does not carry.",
      "Use a signed /v1/assets/... link instead.",
    );
  }
  requireAllowedIp(integ.ipAllowlist, clientIp(c.req.raw), "this integration's ipAllowlist");
  const request = {
    bucket: target.bucket,
    key: target.key,
    regionHint: target.region,
    objectKind: target.kind,
    account: target.account,
    ttl: parseTtl(params.get("ttl")),
    responseContentType: params.get("response-content-type") ?? undefined,
    responseContentDisposition: params.get("response-content-disposition") ?? undefined,
  };
  return objectResponse(c, integ, request);
});
