/**
 * For bench/micro.ts only: signpost itself (every request is passed to worker/index.ts
 * unchanged), plus `GET /__micro?case=…&n=…&url=…`, which runs one piece of the warm redirect
 * path n times inside the isolate. bench/micro.ts reads the workerd process's CPU time around
 * each call (workerd's clocks do not advance during execution, so timing from inside is
 * impossible) and subtracts the empty loop: CPU µs per call, with no HTTP, no dev proxy, and
 * no load generator in the number. Never deployed: it only exists in the bench's build.
 */
import { Hono } from "hono";
import signpost from "../worker/index";
import type { Env } from "../worker/env";
import { config } from "../worker/config";
import { newRequestId } from "../worker/http/request-id";
import { clientIp } from "../worker/http/client-ip";
import { corsHeaders } from "../worker/http/cors";
import { rawPath } from "../worker/http/context";
import { encryptionKey } from "../worker/store/encryption";
import { assertSafeKey, decodeKeySegments, uriEncode } from "../worker/lib/object-key";
import { amzDate, signString, signingKey } from "../worker/aws/sigv4";
import { objectLocation } from "../worker/aws/s3-location";
import { presignUrl } from "../worker/aws/s3-signer";
import { planValidity } from "../worker/signing/window";
import { redirectResponse } from "../worker/signing/redirect-response";
import { signObject } from "../worker/signing/sign-object";
import { resolveIntegration } from "../worker/integrations/resolve";
import { noteUsage } from "../worker/integrations/usage";

/** The integration id in a /v1/assets/{id}/… URL. */
const idOf = (url: string) => new URL(url).pathname.split("/")[3]!;

const LOCATION_HEADERS = { "cache-control": "private, max-age=959", "referrer-policy": "no-referrer", "x-request-id": "req_0123456789" };
const CREDS = {
  accessKeyId: "ASIAQ7BENCHMICROWORK",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  sessionToken: "IQoJb3JpZ2luX2VjE+P//////////wEaCXVzLWVhc3QtMSJ" + "A1b2C3d4E5f6G7h8I9j0K+L/M=".repeat(16),
};

/** signpost's routing skeleton (worker/index.ts) with trivial handlers: what Hono itself costs. */
const skeleton = new Hono<{ Bindings: Env; Variables: { requestId: string } }>();
skeleton.use("*", async (c, next) => {
  c.set("requestId", "req_0123456789");
  await next();
  if (!c.res.headers.has("x-request-id")) c.res.headers.set("x-request-id", c.get("requestId"));
});
skeleton.use("/v1/*", async (_c, next) => {
  await next();
});
const leaf = new Hono().on(["GET", "HEAD"], "/*", () => new Response(null, { status: 302, headers: { location: "http://x/y", ...LOCATION_HEADERS } }));
for (const p of ["/v1/assets", "/v1/redirect", "/v1/sign", "/v1/integrations", "/v1/uploads", "/admin", "/admin/api"]) skeleton.route(p, leaf);

type Case = (env: Env, ctx: ExecutionContext, url: string) => unknown;
const CASES: Record<string, Case> = {
  noop: () => undefined,
  asyncNoop: async () => undefined,
  // What the bare worker does per request.
  response302: () => new Response(null, { status: 302, headers: { location: "http://x/y", ...LOCATION_HEADERS } }),
  newRequest: (_e, _c, url) => new Request(url),
  // The whole Worker, in process: everything signpost's code does for one request.
  app: async (env, ctx, url) => {
    const res = await signpost.fetch(new Request(url, { headers: { "cf-connecting-ip": "127.0.0.1" } }), env, ctx);
    if (res.status !== 302) throw new Error(`app: ${res.status}`);
  },
  honoSkeleton: async (env, ctx, url) => {
    const res = await skeleton.fetch(new Request(url), env, ctx);
    if (res.status !== 302) throw new Error(`skeleton: ${res.status}`);
  },
  // The pieces of the warm path, one by one.
  newRequestId: () => newRequestId(),
  config: (env) => config(env),
  encryptionKey: (env) => encryptionKey(env.ENCRYPTION_KEY),
  clientIp: (_e, _c, url) => clientIp(new Request(url, { headers: { "cf-connecting-ip": "127.0.0.1" } })),
  parseUrl: (_e, _c, url) => [rawPath(url), new URL(url).searchParams.get("ttl")],
  decodeKey: () => assertSafeKey(decodeKeySegments("images/2026/cat%20photo.jpg")),
  location: () => objectLocation({ bucket: "demo-bucket", key: "images/2026/cat photo.jpg", region: "us-east-1", endpoint: null }),
  presign: () =>
    presignUrl(
      {
        creds: CREDS,
        region: "us-east-1",
        method: "GET",
        origin: "https://demo-bucket.s3.us-east-1.amazonaws.com",
        host: "demo-bucket.s3.us-east-1.amazonaws.com",
        path: "/images/2026/cat%20photo.jpg",
        signingTime: planValidity(Date.now(), 900).signingTime,
        query: [],
      },
      960,
    ),
  sha256: () => crypto.subtle.digest("SHA-256", new TextEncoder().encode("x".repeat(600))),
  // presignUrl's parts.
  uriEncodeToken: () => uriEncode(CREDS.sessionToken),
  amzDate: () => amzDate(Date.now()),
  signingKeyHit: () => signingKey(CREDS, "20261122T000000Z", "us-east-1", "s3"),
  hmac: async () =>
    signString(
      await signingKey(CREDS, "20261122T000000Z", "us-east-1", "s3"),
      "AWS4-HMAC-SHA256\n20261122T000000Z\n20261122/us-east-1/s3/aws4_request\n" + "0".repeat(64),
    ),
  redirectResponse: () =>
    redirectResponse(
      { url: "https://demo-bucket.s3.us-east-1.amazonaws.com/k?X-Amz-Signature=0", expiresAt: Date.now() + 960_000, maxAge: 959, shortened: false },
      "req_0123456789",
      {},
    ),
  corsHeaders: (env) => corsHeaders(config(env).corsOrigins, null),
  // Memoised integration and cached credentials (run after `app`, which warms both).
  resolve: (env, ctx, url) => resolveIntegration(env, ctx, idOf(url)),
  signObject: async (env, ctx, url) => signObject(env, ctx, await resolveIntegration(env, ctx, idOf(url)), { bucket: "demo-bucket", key: "hello.txt" }),
  noteUsage: (env, ctx, url) => noteUsage(env, ctx, idOf(url)),
};

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const u = new URL(request.url);
    if (u.pathname !== "/__micro") return signpost.fetch(request, env, ctx);
    const fn = CASES[u.searchParams.get("case") ?? ""];
    if (!fn) return new Response(`cases: ${Object.keys(CASES).join(" ")}`, { status: 404 });
    const n = Math.min(1_000_000, Math.max(1, Number(u.searchParams.get("n")) || 1));
    const url = u.searchParams.get("url") ?? `${u.origin}/v1/assets/default/demo-bucket/hello.txt`;
    for (let i = 0; i < n; i++) await fn(env, ctx, url);
    return new Response("ok");
  },
} satisfies ExportedHandler<Env>;
