/** GET /admin/api/principal: the ARN bucket owners' roles must trust. */
import { Hono } from "hono";
import { principalIdentity } from "../../integrations/principal";
import { json, type AdminEnv } from "./common";

export const principalApi = new Hono<AdminEnv>().get("/", async (c) => {
  const id = await principalIdentity(c.env);
  return json(c, { arn: id.arn, accountId: id.accountId });
});
