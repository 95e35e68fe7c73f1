/**
 * What happens once a response exists: usage counts, the request log line, and a background
 * re-validation when the role could not be assumed. Nothing here is awaited.
 */
import { matchedRoutes } from "hono/route";
import type { Ctx } from "../http/context";
import { config } from "../config";
import { logRequest } from "./request-log";
import { scheduleRevalidationAfterFailure } from "./revalidate";
import { countError, countRedirect, maybeFlushUsage } from "./usage";

function routePattern(c: Ctx): string {
  const matched = matchedRoutes(c).filter((r) => r.method !== "ALL");
  return matched.length > 0 ? matched[matched.length - 1]!.path : "(none)";
}

export function afterRequest(c: Ctx, started: number): void {
  const integrationId = c.get("integrationId") ?? null;
  const errorCode = c.get("errorCode") ?? null;
  const status = c.res.status;
  const degraded = c.get("degraded") ?? false;
  if (integrationId && c.req.path.startsWith("/v1/")) {
    if (errorCode) countError(integrationId, errorCode, status, c.get("requestId"));
    else if (status === 302) countRedirect(integrationId);
    if (errorCode === "role_cannot_be_assumed") scheduleRevalidationAfterFailure(c.env, c.executionCtx, integrationId);
  }
  maybeFlushUsage(c.env, c.executionCtx);

  // A successful redirect is the one request a labeling office sends thousands of times a
  // minute, and it is already counted above: it is logged at REQUEST_LOG_SAMPLE_RATE. Every
  // other request (errors, degraded URLs, playlists, the APIs, admin) always gets its line.
  let sampleRate: number | undefined;
  if (status === 302 && !errorCode && !degraded && integrationId) {
    sampleRate = config(c.env).requestLogSampleRate; // a 302 means config() already parsed
    if (!(Math.random() < sampleRate)) return;
  }
  logRequest({
    requestId: c.get("requestId"),
    method: c.req.method,
    route: routePattern(c),
    integrationId,
    status,
    durationMs: Date.now() - started,
    degraded,
    errorCode,
    ...(sampleRate === undefined ? {} : { sampleRate }),
  });
}
