/** CORS for /v1/* from the labeling frontends in CORS_ORIGINS. */
export function corsHeaders(origins: string[], origin: string | null): Record<string, string> {
  if (!origin || origins.length === 0) return {};
  if (!origins.includes("*") && !origins.includes(origin)) return {};
  return {
    "access-control-allow-origin": origins.includes("*") ? "*" : origin,
    "access-control-expose-headers": "x-request-id, location",
    vary: "Origin",
  };
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
