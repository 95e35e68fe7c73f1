/** GET /admin/api/audit?limit=&before= — the audit log, newest first. */
import { Hono } from "hono";
import { db } from "../../store/db";
import { listAudit } from "../../store/audit";
import { queryInput } from "../../schemas/parse";
import { auditQuery } from "../../schemas/audit";
import { json, type AdminEnv } from "./common";

export const auditApi = new Hono<AdminEnv>().get("/", async (c) => {
  const q = queryInput(auditQuery, c.req.url);
  const limit = Number(q.limit ?? 100);
  const before = q.before;
  return json(c, { entries: await listAudit(db(c.env.DB), limit, before ? Number(before) : undefined) });
});
