/**
 * POST /v1/uploads {integration, key, contentType} — a presigned PUT for export uploads,
 * only under the integration's writeScopes; the content type is a signed header.
 */
import { Hono } from "hono";
import type { AppEnv } from "../http/context";
import { ApiError } from "../http/errors";
import { requireApiToken, requireTokenFor } from "../http/api-auth";
import { clientIp, requireAllowedIp } from "../http/client-ip";
import { assertSafeKey } from "../lib/object-key";
import { resolveIntegration } from "../integrations/resolve";
import { signObject } from "../signing/sign-object";
import { UPLOAD_CODES, uploadRequest } from "../schemas/v1";
import { jsonBody } from "../http/json-body";

export const uploads = new Hono<AppEnv>().post("/", async (c) => {
  const caller = await requireApiToken(c.env, c.executionCtx, c.req.raw);
  const { integration, key, contentType } = await jsonBody(c, uploadRequest, { codes: UPLOAD_CODES });
  assertSafeKey(key);
  const integ = await resolveIntegration(c.env, c.executionCtx, integration);
  c.set("integrationId", integ.id);
  requireTokenFor(caller, integ.id);
  requireAllowedIp(integ.ipAllowlist, clientIp(c.req.raw), "this integration's ipAllowlist");
  if (integ.writeScopes.length === 0)
    throw new ApiError("scope_not_allowed", "Writes are disabled for this integration.", "Add writeScopes to the integration to enable export uploads.");
  const scope = integ.writeScopes.find((s) => key.startsWith(s.prefix));
  if (!scope)
    throw new ApiError(
      "scope_not_allowed",
      `No write scope covers the key "${key.slice(0, 200)}".`,
      `Use a key under one of: ${integ.writeScopes.map((s) => s.prefix || "(any key)").join(", ")}.`,
    );
  const signed = await signObject(c.env, c.executionCtx, integ, { method: "PUT", bucket: scope.bucket, key, contentType });
  return new Response(
    JSON.stringify({ url: signed.url, method: "PUT", headers: { "content-type": contentType }, expiresAt: new Date(signed.expiresAt).toISOString() }),
    {
      status: 200,
      headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "x-request-id": c.get("requestId") },
    },
  );
});
