/**
 * Per-client-IP rate limits. Real traffic is never throttled: a successful redirect makes no
 * limiter call at all. What is limited:
 *   v1       the server-side APIs (/v1/sign, listing, uploads): every request   RATE_LIMITER
 *   failure  4xx answers on /v1/* (enumeration, signature and token guessing)   FAILURE_RATE_LIMITER
 *   login    admin login attempts, and 401s on /admin/api/* (bearer, Access)    LOGIN_RATE_LIMITER
 *   invite   the owner's /connect/* pages and API                              INVITE_RATE_LIMITER
 * Each uses its Workers rate-limiting binding when bound (wrangler.toml), else a fixed-window
 * counter in the isolate whose limit is the matching *_RATE_LIMIT_PER_MINUTE variable.
 */
import type { MiddlewareHandler } from "hono";
import type { Env } from "../env";
import type { AppEnv } from "./context";
import { ApiError, errorResponse } from "./errors";
import { clientIp } from "./client-ip";

export type Bucket = "v1" | "failure" | "login" | "invite";

const WINDOW_MS = 60_000;
const COUNTERS = new Map<string, { windowStart: number; count: number }>();
/** Clients over a limit whose every request is refused until the epoch ms (see limitFailures). */
const BLOCKED = new Map<string, number>();

const LIMITS: Record<Bucket, { binding: (env: Env) => RateLimit | undefined; variable: (env: Env) => string | undefined; fallback: number; message: string }> =
  {
    v1: { binding: (e) => e.RATE_LIMITER, variable: (e) => e.RATE_LIMIT_PER_MINUTE, fallback: 600, message: "Too many requests from this address." },
    failure: {
      binding: (e) => e.FAILURE_RATE_LIMITER,
      variable: (e) => e.FAILURE_RATE_LIMIT_PER_MINUTE,
      fallback: 300,
      message: "Too many failed requests from this address.",
    },
    login: {
      binding: (e) => e.LOGIN_RATE_LIMITER,
      variable: (e) => e.LOGIN_RATE_LIMIT_PER_MINUTE,
      fallback: 10,
      message: "Too many login attempts from this address.",
    },
    invite: {
      binding: (e) => e.INVITE_RATE_LIMITER,
      variable: (e) => e.INVITE_RATE_LIMIT_PER_MINUTE,
      fallback: 30,
      message: "Too many requests from this address.",
    },
  };

/** The in-isolate limit per minute: the variable when it is a positive integer, else the default. */
export function fallbackLimit(env: Env, bucket: Bucket): number {
  const n = Number(LIMITS[bucket].variable(env));
  return Number.isInteger(n) && n > 0 ? n : LIMITS[bucket].fallback;
}

function allowLocally(env: Env, bucket: Bucket, key: string): boolean {
  const now = Date.now();
  const windowStart = now - (now % WINDOW_MS);
  const k = `${bucket}:${key}`;
  let c = COUNTERS.get(k);
  if (!c || c.windowStart !== windowStart) {
    if (COUNTERS.size > 50_000) COUNTERS.clear();
    COUNTERS.set(k, (c = { windowStart, count: 0 }));
  }
  return ++c.count <= fallbackLimit(env, bucket);
}

/** Counts one request of `ip` against `bucket`; false when it is over the limit. */
export async function takeRateLimit(env: Env, bucket: Bucket, ip: string | null): Promise<boolean> {
  const key = ip ?? "unknown";
  const binding = LIMITS[bucket].binding(env);
  return binding ? (await binding.limit({ key })).success : allowLocally(env, bucket, key);
}

export function rateLimited(bucket: Bucket): ApiError {
  return new ApiError("rate_limited", LIMITS[bucket].message, "Wait a minute and try again.", { "retry-after": "60" });
}

/** Counts the request; throws 429 rate_limited when the client is over the limit. */
export async function enforceRateLimit(env: Env, bucket: Bucket, ip: string | null): Promise<void> {
  if (!(await takeRateLimit(env, bucket, ip))) throw rateLimited(bucket);
}

export interface FailureLimit {
  bucket: Bucket;
  /** Which answers count as failures. */
  counts: (status: number) => boolean;
  /**
   * Once over the limit, refuse every request of the client (in this isolate) until the
   * minute is over, not only its failures: a guesser must not learn which guess succeeded.
   * Off for /v1/*, where successful redirects are never throttled.
   */
  blockAll: boolean;
}

/**
 * After the handler: an answer that counts as a failure is counted against the bucket, and
 * once the client is over the limit it becomes 429 `rate_limited`. Successful answers cost
 * nothing (no limiter call), which keeps the warm redirect free of I/O.
 */
export function limitFailures(limit: FailureLimit): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const ip = clientIp(c.req.raw);
    const blockKey = `${limit.bucket}:${ip ?? "unknown"}`;
    if (limit.blockAll && BLOCKED.size > 0) {
      const until = BLOCKED.get(blockKey);
      if (until !== undefined && until > Date.now()) return refuse(c, limit);
      if (until !== undefined) BLOCKED.delete(blockKey);
    }
    await next();
    const status = c.res.status;
    if (status === 429 || !limit.counts(status)) return;
    if (await takeRateLimit(c.env, limit.bucket, ip)) return;
    if (limit.blockAll) {
      if (BLOCKED.size > 50_000) BLOCKED.clear();
      BLOCKED.set(blockKey, Date.now() + WINDOW_MS);
    }
    refuse(c, limit);
  };
}

function refuse(c: Parameters<MiddlewareHandler<AppEnv>>[0], limit: FailureLimit): void {
  // Replaced, not merged: the refused answer's own headers (WWW-Authenticate, Allow…) do not apply.
  c.res = undefined;
  c.res = errorResponse(rateLimited(limit.bucket), c.get("requestId"));
}

/** Test hook. */
export function forgetRateLimits(): void {
  COUNTERS.clear();
  BLOCKED.clear();
}
