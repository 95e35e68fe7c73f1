/** POST /admin/api/integrations/{id}/diagnose {"key"} — why a labeler cannot load that object. */
import { Hono } from "hono";
import type { AppEnv } from "../../http/context";
import { ApiError } from "../../http/errors";
import { requireAdmin } from "../../http/admin-auth";
import { db } from "../../store/db";
import { getIntegrationRow } from "../../store/integrations";
import { compileIntegration } from "../../integrations/model";
import { parseBody } from "../../integrations/input";
import { diagnoseObject } from "../../ops/diagnose";
import { diagnoseRequest } from "../../schemas/operations";
import { json, jsonBody } from "./common";

export const diagnoseApi = new Hono<AppEnv>().post("/:id/diagnose", async (c) => {
  await requireAdmin(c.env, c.req.raw);
  const id = c.req.param("id");
  const row = await getIntegrationRow(db(c.env.DB), id);
  if (!row) throw new ApiError("integration_not_found", `No integration with id "${id.slice(0, 64)}".`);
  c.set("integrationId", row.id);
  const { key } = parseBody(diagnoseRequest, await jsonBody(c), false);
  return json(c, await diagnoseObject(c.env, c.executionCtx, compileIntegration(row), key));
});
