/**
 * signpost: the Worker entry. Routing only; every surface lives in worker/routes/.
 *
 *   /v1/assets/…, /v1/redirect   302 to presigned URLs (the hot path)
 *   /v1/sign, /v1/integrations/…/objects, /v1/uploads   server-side APIs (API tokens)
 *   /admin, /admin/api/…          the admin page and API (ADMIN_TOKEN, session, Access)
 *   /health                       for uptime monitors
 *   /openapi.json                 the OpenAPI description
 *   scheduled                     the Cron Trigger: re-validation and usage pruning
 *   /connect/{token}/…            a bucket owner's invite: its page, API and setup scripts
 *   /.well-known/…                signpost's OpenID Connect issuer (discovery, JWKS)
 */
import { Hono } from "hono";
import type { Env } from "./env";
import type { AppEnv } from "./http/context";
import { config } from "./config";
import { ApiError, errorResponse, toApiError } from "./http/errors";
import { publicError } from "./http/public-error";
import { newRequestId } from "./http/request-id";
import { clientIp, requireAllowedIp } from "./http/client-ip";
import { addCorsHeaders, preflight } from "./http/cors";
import { encryptionKey } from "./store/encryption";
import { enforceRateLimit, limitFailures } from "./http/rate-limit";
import { allowedMethods } from "./http/allowed-methods";
import { assets } from "./routes/assets";
import { redirect } from "./routes/redirect";
import { sign } from "./routes/sign";
import { objects } from "./routes/objects";
import { uploads } from "./routes/uploads";
import { adminApi } from "./routes/admin";
import { adminPage } from "./routes/admin/page";
import { health } from "./routes/health";
import { afterRequest } from "./ops/after-request";
import { runScheduled } from "./ops/scheduled";
import { connect } from "./routes/connect";
import { wellKnown } from "./routes/well-known";
import { openapi } from "./routes/openapi";

/** Exported for tests that enumerate the routes. */
export const app = new Hono<AppEnv>();

app.use("*", async (c, next) => {
  const started = Date.now();
  c.set("requestId", newRequestId());
  await next(); // errors below are already responses here (onError runs at the level that threw)
  if (!c.res.headers.has("x-request-id")) c.res.headers.set("x-request-id", c.get("requestId"));
  if (isV1Path(c.req.path)) addCorsHeaders(c); // here, so no /v1 answer (429s, errors, preflight) is without them
  afterRequest(c, started);
});

app.use("*", async (c, next) => {
  config(c.env); // a misconfigured deployment fails every request, loudly
  await encryptionKey(c.env.ENCRYPTION_KEY); // never run without a valid key: nothing is stored in plaintext
  await next();
});

function isV1Path(path: string): boolean {
  return path.startsWith("/v1/");
}

/** The redirect surfaces: never rate-limited while they succeed (SPEC "Real traffic is never throttled"). */
function isRedirectPath(path: string): boolean {
  return path.startsWith("/v1/assets/") || path === "/v1/redirect" || path === "/v1/redirect/";
}

// Outermost on /v1/*: 4xx answers (enumeration, guessing) count per client IP.
app.use(
  "/v1/*",
  limitFailures({
    bucket: "failure",
    counts: (status) => status >= 400 && status < 500,
    blockAll: false,
  }),
);

app.route("/health", health);
app.route("/openapi.json", openapi);

app.use("/v1/*", async (c, next) => {
  const cfg = config(c.env);
  if (c.req.method === "OPTIONS") {
    c.res = preflight(cfg.corsOrigins, c.req.raw);
    return;
  }
  const ip = clientIp(c.req.raw);
  requireAllowedIp(cfg.allowedIps, ip, "ALLOWED_IPS");
  if (!isRedirectPath(c.req.path)) await enforceRateLimit(c.env, "v1", ip); // the server-side APIs
  await next();
});

// A wrong bearer token or Access assertion on the admin API counts like a failed login.
app.use("/admin/api/*", limitFailures({ bucket: "login", counts: (status) => status === 401, blockAll: true }));

app.route("/v1/assets", assets);
app.route("/v1/redirect", redirect);
app.route("/v1/sign", sign);
app.route("/v1/integrations", objects);
app.route("/v1/uploads", uploads);
app.get("/admin/", (c) => c.redirect("/admin", 301));
app.route("/admin", adminPage); // before /admin/api: the page routes are /, /login, /logout only
app.route("/admin/api", adminApi);
app.route("/connect", connect);
app.route("/.well-known", wellKnown);

app.notFound((c) => {
  const path = new URL(c.req.url).pathname;
  const allow = allowedMethods(app, path);
  if (allow.length > 0) {
    throw new ApiError("method_not_allowed", `${c.req.method.slice(0, 16)} is not allowed on ${path.slice(0, 200)}.`, `Use ${allow.join(", ")}.`, {
      allow: allow.join(", "),
    });
  }
  throw new ApiError("not_found", `No route for ${c.req.method} ${path.slice(0, 200)}.`);
});

app.onError((err, c) => {
  let api = toApiError(err);
  c.set("errorCode", api.code);
  if (api.code === "internal_error" && !(err instanceof ApiError)) {
    // Name and message only: no stack, no request data that could carry a secret.
    console.error(`[${c.get("requestId")}] ${err.name}: ${err.message}`);
  }
  if (isV1Path(new URL(c.req.url).pathname)) api = publicError(api, c.get("requestId") ?? "");
  return errorResponse(api, c.get("requestId") ?? newRequestId());
});

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext) {
    return app.fetch(request, env, ctx);
  },
  scheduled(controller: ScheduledController, env: Env) {
    return runScheduled(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;
