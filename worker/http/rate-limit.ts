/**
 * Per-client-IP rate limits on /v1/* and the admin login: the Workers rate-limiting binding
 * when it is bound (RATE_LIMITER, LOGIN_RATE_LIMITER in wrangler.toml), else a fixed-window
 * counter in the isolate (local development, tests, or a deployment without the binding).
 */
import type { Env } from "../env";
import { ApiError } from "./errors";

/** v1: /v1/*; login: the admin login form; invite: the owner's /connect/* pages and API. */
export type Bucket = "v1" | "login" | "invite";
const WINDOW_MS = 60_000;
const COUNTERS = new Map<string, { windowStart: number; count: number }>();

function fallbackLimit(env: Env, bucket: Bucket): number {
  const [raw, fallback] = bucket === "login" ? [env.LOGIN_RATE_LIMIT_PER_MINUTE, 10] : bucket === "invite" ? [env.INVITE_RATE_LIMIT_PER_MINUTE, 30] : [env.RATE_LIMIT_PER_MINUTE, 600];
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : fallback;
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

export async function enforceRateLimit(env: Env, bucket: Bucket, ip: string | null): Promise<void> {
  const key = ip ?? "unknown";
  const binding = bucket === "login" ? env.LOGIN_RATE_LIMITER : bucket === "invite" ? env.INVITE_RATE_LIMITER : env.RATE_LIMITER;
  const ok = binding ? (await binding.limit({ key })).success : allowLocally(env, bucket, key);
  if (!ok) {
    throw new ApiError("rate_limited", bucket === "login" ? "Too many login attempts from this address." : "Too many requests from this address.", "Wait a minute and try again.", {
      "retry-after": "60",
    });
  }
}

/** Test hook. */
export function forgetRateLimits(): void {
  COUNTERS.clear();
}
