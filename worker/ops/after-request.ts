/**
 * What happens once a response exists: usage counts, the request log line, and a background
 * re-validation when the role could not be assumed. Nothing here is awaited.
 */
import { matchedRoutes } from "hono/route";
import type { Ctx } from "../http/context";
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
  const route = routePattern(c);
  if (integrationId && route.startsWith("/v1/")) {
    if (errorCode) countError(integrationId, errorCode, c.res.status, c.get("requestId"));
    else if (c.res.status === 302) countRedirect(integrationId);
    if (errorCode === "role_cannot_be_assumed") scheduleRevalidationAfterFailure(c.env, c.executionCtx, integrationId);
  }
  maybeFlushUsage(c.env, c.executionCtx);
  logRequest({
    requestId: c.get("requestId"),
    method: c.req.method,
    route,
    integrationId,
    status: c.res.status,
    durationMs: Date.now() - started,
    degraded: c.get("degraded") ?? false,
    errorCode,
  });
}
