/** The admin JSON API under /admin/api (the page and its login are ./page.ts). */
import { Hono, type MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { isUnsafe, requireAdmin } from "../../http/admin-auth";
import type { AdminEnv } from "./common";
import { integrationsApi } from "./integrations";
import { principalApi } from "./principal";
import { tokensApi } from "./tokens";
import { auditApi } from "./audit";
import { usageApi } from "./usage";
import { diagnoseApi } from "./diagnose";
import { invitesApi } from "./invites";

/**
 * Every route of the admin API runs as the admin `requireAdmin` finds (`c.var.admin`), with
 * its CSRF and cross-site checks. A state-changing call is checked even on a path no route
 * answers; a GET there stays a plain 404 (`use` entries are "ALL", routes name their method).
 */
const requireAdminMiddleware: MiddlewareHandler<AdminEnv> = async (c, next) => {
  if (isUnsafe(c.req.method) || matchedRoutes(c).some((r) => r.method !== "ALL")) c.set("admin", await requireAdmin(c.env, c.req.raw));
  await next();
};

export const adminApi = new Hono<AdminEnv>()
  .use("*", requireAdminMiddleware)
  .route("/principal", principalApi)
  .route("/integrations", integrationsApi)
  .route("/integrations", diagnoseApi)
  .route("/tokens", tokensApi)
  .route("/audit", auditApi)
  .route("/usage", usageApi)
  .route("/", invitesApi);
