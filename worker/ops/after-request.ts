/** What happens once a response exists: the request log line (and nothing on its path that waits). */
import { matchedRoutes } from "hono/route";
import type { Ctx } from "../http/context";
import { logRequest } from "./request-log";

function routePattern(c: Ctx): string {
  const matched = matchedRoutes(c).filter((r) => r.method !== "ALL");
  return matched.length > 0 ? matched[matched.length - 1]!.path : "(none)";
}

export function afterRequest(c: Ctx, started: number): void {
  logRequest({
    requestId: c.get("requestId"),
    method: c.req.method,
    route: routePattern(c),
    integrationId: c.get("integrationId") ?? null,
    status: c.res.status,
    durationMs: Date.now() - started,
    degraded: c.get("degraded") ?? false,
    errorCode: c.get("errorCode") ?? null,
  });
}
