/** GET /v1/assets/{integration}/{bucket}/{key...} — 302 to a presigned GET (an HLS playlist: 200, rewritten). */
import { Hono } from "hono";
import type { AppEnv } from "../http/context";
import { parseTtl, rawPath } from "../http/context";
import { ApiError } from "../http/errors";
import { clientIp, requireAllowedIp } from "../http/client-ip";
import { corsHeaders } from "../http/cors";
import { verifyLink } from "../http/link-signature";
import { config } from "../config";
import { decodeKeySegments, assertSafeKey } from "../lib/object-key";
import { isStorageBucketName } from "../aws/bucket";
import { resolveIntegration } from "../integrations/resolve";
import { noteUsage } from "../integrations/usage";
import { signObject } from "../signing/sign-object";
import { redirectResponse } from "../signing/redirect-response";
import { isHlsPlaylistKey } from "../playlists/hls";
import { servePlaylist } from "../playlists/serve";

const PREFIX = "/v1/assets/";

function decodeSegment(s: string, what: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new ApiError("invalid_request", `The ${what} in the path is not valid percent-encoding.`);
  }
}

export const assets = new Hono<AppEnv>().on(["GET", "HEAD"], "/*", async (c) => {
  const path = rawPath(c.req.url);
  const rest = path.slice(PREFIX.length);
  const s1 = rest.indexOf("/");
  const s2 = s1 < 0 ? -1 : rest.indexOf("/", s1 + 1);
  if (s1 <= 0 || s2 < 0) {
    throw new ApiError("invalid_request", "Expected /v1/assets/{integration}/{bucket}/{key}.");
  }
  const integ = await resolveIntegration(c.env, c.executionCtx, decodeSegment(rest.slice(0, s1), "integration"));
  c.set("integrationId", integ.id);
  const params = new URL(c.req.url).searchParams;
  // Signed links are checked right after the integration is looked up, before anything else.
  const notAfter = integ.row.requireSignedLinks ? await verifyLink(c.env.LINK_SIGNING_KEY, path, params) : undefined;
  const ip = clientIp(c.req.raw);
  requireAllowedIp(integ.ipAllowlist, ip, "this integration's ipAllowlist");

  const bucket = decodeSegment(rest.slice(s1 + 1, s2), "bucket");
  if (!isStorageBucketName(bucket)) throw new ApiError("invalid_request", `"${bucket.slice(0, 80)}" is not a valid bucket name.`);
  const rawKey = rest.slice(s2 + 1);
  if (rawKey === "") throw new ApiError("invalid_key", "The key is empty.", "Name an object, not a bucket.");
  const key = decodeKeySegments(rawKey);
  assertSafeKey(key);

  const request = {
    bucket,
    key,
    ttl: parseTtl(params.get("ttl")),
    responseContentType: params.get("response-content-type") ?? undefined,
    responseContentDisposition: params.get("response-content-disposition") ?? undefined,
    notAfter,
  };
  const cors = corsHeaders(config(c.env).corsOrigins, c.req.header("origin") ?? null);
  if (isHlsPlaylistKey(key)) {
    const playlist = { origin: new URL(c.req.url).origin, sign: request, linkExp: notAfter === undefined ? undefined : params.get("exp")!, ttl: request.ttl };
    const res = await servePlaylist(c.env, c.executionCtx, integ, playlist, c.req.method === "HEAD", cors, c.get("requestId"));
    noteUsage(c.env, c.executionCtx, integ.id);
    return res;
  }
  const signed = await signObject(c.env, c.executionCtx, integ, request);
  noteUsage(c.env, c.executionCtx, integ.id);
  if (signed.shortened) c.set("degraded", true);
  return redirectResponse(signed, c.get("requestId"), cors);
});
