/** The admin surface: JSON API under /admin/api, the page and its login under /admin. */
import { Hono } from "hono";
import type { AppEnv } from "../../http/context";
import { integrationsApi } from "./integrations";
import { principalApi } from "./principal";
import { tokensApi } from "./tokens";
import { auditApi } from "./audit";
import { isUnsafe, requireAdmin } from "../../http/admin-auth";
import { usageApi } from "./usage";
import { diagnoseApi } from "./diagnose";
import { invitesApi } from "./invites";

export const adminApi = new Hono<AppEnv>()
  // Every state-changing call, present and future, passes the CSRF and cross-site checks
  // before its route runs (routes call requireAdmin again; the identity is worked out once).
  .use("*", async (c, next) => {
    if (isUnsafe(c.req.method)) await requireAdmin(c.env, c.req.raw);
    await next();
  })
  .route("/principal", principalApi)
  .route("/integrations", integrationsApi)
  .route("/integrations", diagnoseApi)
  .route("/tokens", tokensApi)
  .route("/audit", auditApi)
  .route("/usage", usageApi)
  .route("/", invitesApi);
