/** The admin surface: JSON API under /admin/api, the page and its login under /admin. */
import { Hono } from "hono";
import type { AppEnv } from "../../http/context";
import { integrationsApi } from "./integrations";
import { principalApi } from "./principal";
import { tokensApi } from "./tokens";
import { auditApi } from "./audit";
import { invitesApi } from "./invites";

export const adminApi = new Hono<AppEnv>()
  .route("/principal", principalApi)
  .route("/integrations", integrationsApi)
  .route("/tokens", tokensApi)
  .route("/audit", auditApi)
  .route("/", invitesApi);
