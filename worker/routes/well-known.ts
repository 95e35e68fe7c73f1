/**
 * /.well-known/openid-configuration and /.well-known/jwks.json: signpost's OpenID Connect
 * issuer, public and unauthenticated (clouds fetch them to verify signpost's tokens).
 */
import { Hono } from "hono";
import type { AppEnv, Ctx } from "../http/context";
import { ApiError } from "../http/errors";
import { config } from "../config";
import { discoveryDocument, jwks } from "../oidc/issuer";

/** Clouds cache the keys; five minutes keeps a rotation's new key visible soon after it is set. */
const CACHE_CONTROL = "public, max-age=300";

function issuerOr404(c: Ctx) {
  const cfg = config(c.env);
  if (!cfg.oidc) {
    throw new ApiError(
      "not_found",
      "This deployment is not an OpenID Connect issuer.",
      `The operator sets ${cfg.oidcMissing.join(" and ")} to enable keyless identity (README: Keyless deployment).`,
    );
  }
  return cfg.oidc;
}

function publicJson(c: Ctx, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": CACHE_CONTROL,
      "access-control-allow-origin": "*",
      "x-request-id": c.get("requestId"),
    },
  });
}

export const wellKnown = new Hono<AppEnv>()
  .get("/openid-configuration", (c) => publicJson(c, discoveryDocument(issuerOr404(c))))
  .get("/jwks.json", (c) => publicJson(c, jwks(issuerOr404(c))));
