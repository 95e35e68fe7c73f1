/** GET /admin/api/principal: the ARN bucket owners' roles must trust. */
import { Hono } from "hono";
import type { AppEnv } from "../../http/context";
import { requireAdmin } from "../../http/admin-auth";
import { principalIdentity } from "../../integrations/principal";
import { json } from "./common";

export const principalApi = new Hono<AppEnv>().get("/", async (c) => {
  await requireAdmin(c.env, c.req.raw);
  const id = await principalIdentity(c.env);
  return json(c, { arn: id.arn, accountId: id.accountId });
});
