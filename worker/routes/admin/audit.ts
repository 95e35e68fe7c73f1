/** GET /admin/api/audit?limit=&before= — the audit log, newest first. */
import { Hono } from "hono";
import type { AppEnv } from "../../http/context";
import { ApiError } from "../../http/errors";
import { requireAdmin } from "../../http/admin-auth";
import { db } from "../../store/db";
import { listAudit } from "../../store/audit";
import { json } from "./common";

export const auditApi = new Hono<AppEnv>().get("/", async (c) => {
  await requireAdmin(c.env, c.req.raw);
  const limit = Number(c.req.query("limit") ?? 100);
  const before = c.req.query("before");
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new ApiError("invalid_request", "limit: must be an integer in 1..500.");
  if (before !== undefined && !/^\d{1,15}$/.test(before)) throw new ApiError("invalid_request", "before: must be an entry id.");
  return json(c, { entries: await listAudit(db(c.env.DB), limit, before ? Number(before) : undefined) });
});
