/** GET /admin/api/audit?limit=&before= — the audit log, newest first. */
import { Hono } from "hono";
import type { AppEnv } from "../../http/context";
import { requireAdmin } from "../../http/admin-auth";
import { db } from "../../store/db";
import { listAudit } from "../../store/audit";
import { queryInput } from "../../schemas/parse";
import { auditQuery } from "../../schemas/audit";
import { json } from "./common";

export const auditApi = new Hono<AppEnv>().get("/", async (c) => {
  await requireAdmin(c.env, c.req.raw);
  const q = queryInput(auditQuery, c.req.url);
  const limit = Number(q.limit ?? 100);
  const before = q.before;
  return json(c, { entries: await listAudit(db(c.env.DB), limit, before ? Number(before) : undefined) });
});
