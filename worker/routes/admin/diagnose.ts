/** POST /admin/api/integrations/{id}/diagnose {"key"} — why a labeler cannot load that object. */
import { Hono } from "hono";
import { ApiError } from "../../http/errors";
import { db } from "../../store/db";
import { getIntegrationRow } from "../../store/integrations";
import { compileIntegration } from "../../integrations/model";
import { diagnoseObject } from "../../ops/diagnose";
import { diagnoseRequest } from "../../schemas/operations";
import { adminBody, json, type AdminEnv } from "./common";

export const diagnoseApi = new Hono<AdminEnv>().post("/:id/diagnose", async (c) => {
  const id = c.req.param("id");
  const row = await getIntegrationRow(db(c.env.DB), id);
  if (!row) throw new ApiError("integration_not_found", `No integration with id "${id.slice(0, 64)}".`);
  c.set("integrationId", row.id);
  const { key } = await adminBody(c, diagnoseRequest);
  return json(c, await diagnoseObject(c.env, c.executionCtx, compileIntegration(row), key));
});
