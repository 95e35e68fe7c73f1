import { ApiError } from "../http/errors";

/**
 * Cacheable URLs under a TTL ceiling (SPEC "Cacheable URLs", "`ttl` is a ceiling"): signing
 * time is rounded down to a window aligned to the clock, so every request for the same object
 * inside one window gets a byte-identical URL (and the browser reuses what it downloaded). The
 * URL is signed for exactly the TTL from the window's start, so it never works longer than the
 * TTL after it is handed out; the window is at most 60 s and at most a quarter of the TTL, so
 * it always has at least 3/4 of the TTL ahead of it.
 */
export const MAX_WINDOW_MS = 60_000;

export interface ValidityPlan {
  /** Epoch ms used as X-Amz-Date / X-Goog-Date (the window's start; Azure `se` counts from it). */
  signingTime: number;
  /** X-Amz-Expires / X-Goog-Expires: never more than the TTL. */
  expiresSeconds: number;
  /** Length of the cache window the plan was made in. */
  windowMs: number;
}

/** The window for a TTL: min(60 s, floor(ttl / 4)), at least 1 s. */
export function windowMsFor(ttlSeconds: number): number {
  return Math.max(1, Math.min(MAX_WINDOW_MS / 1000, Math.floor(ttlSeconds / 4))) * 1000;
}

export function windowStart(now: number, windowMs: number): number {
  return Math.floor(now / windowMs) * windowMs;
}

export function planValidity(now: number, ttlSeconds: number): ValidityPlan {
  const windowMs = windowMsFor(ttlSeconds);
  return { signingTime: windowStart(now, windowMs), expiresSeconds: ttlSeconds, windowMs };
}

export function validUntil(p: ValidityPlan): number {
  return p.signingTime + p.expiresSeconds * 1000;
}

/** Seconds a client may cache an answer that stops working at `expiresAt`: what is really left. */
export function secondsLeft(expiresAt: number, now: number): number {
  return Math.max(0, Math.floor((expiresAt - now) / 1000));
}

/** The plan for a URL of `ttlSeconds` at `now`, never outliving `notAfter` (a signed link's exp). */
export function planWithin(now: number, ttlSeconds: number, notAfter?: number): ValidityPlan {
  const plan = planValidity(now, ttlSeconds);
  if (notAfter === undefined || validUntil(plan) <= notAfter) return plan;
  const expiresSeconds = Math.floor((notAfter - plan.signingTime) / 1000);
  if (expiresSeconds < 1 || plan.signingTime + expiresSeconds * 1000 <= now) throw new ApiError("link_expired", "This signed link has expired.");
  return { ...plan, expiresSeconds };
}

const HEADER_VALUE = /^[\x20-\x7e\u0080-\uffff]{1,1024}$/;

/** response-content-type / response-content-disposition: signed into the URL, so checked first. */
export function responseOverride(name: string, v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!HEADER_VALUE.test(v)) throw new ApiError("invalid_request", `${name} must be 1..1024 printable characters.`);
  return v;
}
