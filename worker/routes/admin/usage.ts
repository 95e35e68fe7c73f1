/** GET /admin/api/usage?integration=&since=&until= — per-minute counts (default: the last 24 hours). */
import { Hono } from "hono";
import { ApiError } from "../../http/errors";
import { parseBody } from "../../integrations/input";
import { db } from "../../store/db";
import { getIntegrationRow } from "../../store/integrations";
import { readUsage, USAGE_RETENTION_MS } from "../../store/usage";
import { flushUsage } from "../../ops/usage";
import { usageQuery } from "../../schemas/operations";
import { json, type AdminEnv } from "./common";

const DAY_MS = 24 * 3600_000;

export const usageApi = new Hono<AdminEnv>().get("/", async (c) => {
  const url = new URL(c.req.url);
  const params: Record<string, string> = {};
  for (const [k, v] of url.searchParams) {
    if (k in params) throw new ApiError("invalid_request", `${k}: given more than once.`);
    params[k] = v;
  }
  const q = parseBody(usageQuery, params, false);
  const until = q.until ? Date.parse(q.until) : Date.now();
  const since = q.since ? Date.parse(q.since) : until - DAY_MS;
  if (since >= until) throw new ApiError("invalid_request", "since: must be before until.");
  if (until - since > USAGE_RETENTION_MS)
    throw new ApiError("invalid_request", `since: the range may span at most ${USAGE_RETENTION_MS / DAY_MS} days (counts are kept that long).`);
  const d = db(c.env.DB);
  if (q.integration && !(await getIntegrationRow(d, q.integration))) throw new ApiError("integration_not_found", `No integration with id "${q.integration}".`);
  await flushUsage(c.env); // what this isolate counted so far, so a fresh look includes it
  // Minutes that overlap the range: the one `since` falls in is included.
  return json(c, { series: await readUsage(d, since - (since % 60_000), until, q.integration) });
});
