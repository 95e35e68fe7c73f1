/** CORS for /v1/* from the labeling frontends in CORS_ORIGINS. */
import type { Ctx } from "./context";
import { config } from "../config";

export function corsHeaders(origins: string[], origin: string | null): Record<string, string> {
  if (!origin || origins.length === 0) return {};
  if (!origins.includes("*") && !origins.includes(origin)) return {};
  return {
    "access-control-allow-origin": origins.includes("*") ? "*" : origin,
    "access-control-expose-headers": "x-request-id, location",
    vary: "Origin",
  };
}

/**
 * The one place /v1/* answers get their CORS headers: every answer, whichever layer made it
 * (a route, the error handler, a 429, a preflight), once it is final.
 */
export function addCorsHeaders(c: Ctx): void {
  let origins: string[];
  try {
    origins = config(c.env).corsOrigins;
  } catch {
    return; // the configuration itself is what failed; its error says so
  }
  const headers = corsHeaders(origins, c.req.header("origin") ?? null);
  for (const name in headers) c.res.headers.set(name, headers[name]!);
}

export function preflight(origins: string[], req: Request): Response {
  const origin = req.headers.get("origin");
  const h = corsHeaders(origins, origin);
  if (!h["access-control-allow-origin"]) return new Response(null, { status: 204, headers: { vary: "Origin" } });
  return new Response(null, {
    status: 204,
    headers: {
      ...h,
      "access-control-allow-methods": "GET, HEAD, POST, OPTIONS",
      "access-control-allow-headers": "authorization, content-type",
      "access-control-max-age": "86400",
    },
  });
}
