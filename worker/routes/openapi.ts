/**
 * GET /openapi.json — the OpenAPI 3.1 description (public/openapi.json, generated from the zod
 * schemas by `npm run openapi`). Served by the Worker itself rather than as a static asset:
 * `[assets]` puts an asset router in front of every request, redirects included, and that hop
 * cost the warm redirect more CPU than signing it (bench/README.md).
 */
import { Hono } from "hono";
import type { AppEnv } from "../http/context";
import document from "../../public/openapi.json";

let body: string | undefined; // serialised once per isolate

export const openapi = new Hono<AppEnv>().get("/", (c) => {
  body ??= JSON.stringify(document);
  return c.body(body, 200, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "public, max-age=300",
    // A public document: API explorers on other origins may read it.
    "access-control-allow-origin": "*",
    "x-request-id": c.get("requestId"),
  });
});
