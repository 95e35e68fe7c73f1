/** GET /health — for uptime monitors: no auth, no I/O. */
import { Hono } from "hono";
import type { AppEnv } from "../http/context";
import { VERSION } from "../version";

export const health = new Hono<AppEnv>().get("/", (c) =>
  c.json({ ok: true, version: VERSION }, 200, { "cache-control": "no-store", "x-request-id": c.get("requestId") }),
);
